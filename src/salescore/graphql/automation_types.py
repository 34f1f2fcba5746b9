"""GraphQL types of automation (§7, §12): rules and their runs, background jobs, webhook
subscriptions, WeChat Work robots and their deliveries. Fields mirror the REST read schemas:
no signing secret, robot keys masked, run details only for directors and admins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Self, TypeVar

import strawberry
from strawberry import Info
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON

from salescore.delivery.views import robot_view
from salescore.graphql.connections import DEFAULT_FIRST, Connection, build, decode_after, page_size
from salescore.graphql.context import ctx
from salescore.graphql.types import After, First, FromRow, User, _one
from salescore.kit.principal import Principal

N = TypeVar("N")
RunStatus = Annotated[
    str | None, strawberry.argument(description="scheduled | succeeded | failed | skipped | dead")
]
DeliveryStatus = Annotated[str | None, strawberry.argument(description="pending | succeeded | failed | dead")]
# Kinds and statuses of a run's actions are shown to everyone; what they did only to configurers.
PUBLIC_RESULT_KEYS = ("index", "kind", "status")


async def _page(
    loader: DataLoader[Any, Any], parent_id: str, first: int, after: str | None, node: Callable[[Any], N]
) -> Connection[N]:
    rows, has_next = await loader.load((str(parent_id), page_size(first), decode_after(after)))
    return build(rows, has_next, node)


def _run_node(principal: Principal) -> Callable[[Any], RuleRun]:
    """rules.router.list_runs' rule: a run's actions may concern records outside the caller's reach."""
    if principal.can_configure:
        return RuleRun.from_row
    return lambda row: RuleRun.from_row(
        row, results=[{k: r.get(k) for k in PUBLIC_RESULT_KEYS} for r in row.results or []]
    )


@strawberry.type(description="One run of a rule for one event.")
class RuleRun(FromRow):
    id: strawberry.ID
    rule_id: strawberry.ID
    rule_version: int
    event_id: strawberry.ID
    event_type: str
    status: str = strawberry.field(description="scheduled | succeeded | failed | skipped | dead")
    attempts: int
    next_attempt_at: datetime | None
    error: str | None
    results: JSON = strawberry.field(
        description="What each action did; for anyone but directors and admins only index, kind and status"
    )
    created_at: datetime
    finished_at: datetime | None


@strawberry.type(description="自动化规则: readable by the whole tenant.")
class Rule(FromRow):
    id: strawberry.ID
    code: str | None
    name: str
    description: str
    enabled: bool
    trigger: JSON
    condition: str | None
    actions: JSON
    position: int
    version: int
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="Runs of the rule, newest first.")
    async def runs(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        status: RunStatus = None,
    ) -> Connection[RuleRun]:
        c = ctx(info)
        return await _page(c.loaders.runs_of_rule(status), self.id, first, after, _run_node(c.principal))


@strawberry.type(description="A background job (readable by its requester, directors and admins).")
class Job(FromRow):
    id: strawberry.ID
    kind: str
    status: str = strawberry.field(description="queued | running | succeeded | failed")
    params: JSON
    result: JSON | None
    error: str | None
    requested_by: strawberry.ID | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@strawberry.type
class DeliveryAttempt(FromRow):
    id: strawberry.ID
    at: datetime
    status_code: int | None
    error: str | None
    response_body: str | None
    duration_ms: int | None


@strawberry.type(description="One message to a webhook or robot, with its attempt log.")
class Delivery(FromRow):
    id: strawberry.ID
    channel: str
    target_id: strawberry.ID
    event_id: strawberry.ID | None
    event_type: str
    payload: JSON
    status: str = strawberry.field(description="pending | succeeded | failed | dead")
    attempts: int = strawberry.field(description="Tries counted toward the retry schedule")
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    replay_of: strawberry.ID | None
    created_at: datetime

    @strawberry.field(description="Every try, oldest first.")
    async def attempt_log(self, info: Info) -> list[DeliveryAttempt]:
        rows = await ctx(info).loaders.attempts_of_delivery.load(self.id)
        return [DeliveryAttempt.from_row(row) for row in rows]


@strawberry.type(description="An outbound webhook subscription (admins only; the secret is never shown).")
class Webhook(FromRow):
    id: strawberry.ID
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    consecutive_failures: int
    version: int
    created_by: strawberry.ID | None
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="The delivery log, newest first.")
    async def deliveries(
        self, info: Info, first: First = DEFAULT_FIRST, after: After = None, status: DeliveryStatus = None
    ) -> Connection[Delivery]:
        return await _page(ctx(info).loaders.deliveries_to(status), self.id, first, after, Delivery.from_row)

    @strawberry.field
    async def creator(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.created_by, User)


@strawberry.type(description="企业微信群机器人 (admins only).")
class WecomRobot(FromRow):
    id: strawberry.ID
    name: str
    url: str = strawberry.field(
        description="The address with its key masked: only the key's last 4 characters show"
    )
    enabled: bool
    disabled_reason: str | None
    version: int
    created_by: strawberry.ID | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any, **overrides: Any) -> Self:
        # Every robot goes through REST's view, so no path can show the key unmasked.
        return super().from_row(robot_view(row), **overrides)

    @strawberry.field(description="Messages to this robot, newest first.")
    async def deliveries(
        self, info: Info, first: First = DEFAULT_FIRST, after: After = None, status: DeliveryStatus = None
    ) -> Connection[Delivery]:
        return await _page(ctx(info).loaders.deliveries_to(status), self.id, first, after, Delivery.from_row)

    @strawberry.field
    async def creator(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.created_by, User)
