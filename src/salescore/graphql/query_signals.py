"""Root fields of customer signals (§9): the current definitions with their playbooks, and the
stored hits the caller may see (as GET /api/v1/signals and GET /api/v1/signal-hits).

A customer's counters are `Customer.signals`; a follow-up's hits and transcript are
`FollowUp.signalHits` and `FollowUp.transcript` (each one batched query)."""

from __future__ import annotations

import strawberry
from strawberry import Info

from salescore.graphql import filters
from salescore.graphql import signal_types as st
from salescore.graphql.connections import DEFAULT_FIRST, Connection
from salescore.graphql.context import ctx
from salescore.graphql.filters import SignalHitFilter
from salescore.graphql.resolve import connection
from salescore.graphql.types import After, First
from salescore.models import SignalHit


@strawberry.type
class SignalQuery:
    @strawberry.field(description="The signal definitions and their playbooks (readable by everyone).")
    async def signal_config(self, info: Info) -> st.SignalConfig:
        return st.SignalConfig.of(await ctx(info).loaders.signal_config())

    @strawberry.field(description="Stored signal hits of the customers the caller may see, newest first.")
    async def signal_hits(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        filter: SignalHitFilter | None = None,
    ) -> Connection[st.SignalHit]:
        c = ctx(info)
        stmt = filters.signal_hits(c.principal, filter)
        return await connection(c, stmt, SignalHit, st.SignalHit.from_row, first, after)
