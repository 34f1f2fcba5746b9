"""Root fields of customer health (§6): the current model and one customer's grade explained.

A customer's explanation costs several statements of its own (indicator values, the records behind
each), which cannot be batched across customers, so it is a root field rather than a field of
`Customer`; grade history is on `Customer.gradeChanges` (one batched query)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import Info

from salescore.graphql import health_types as ht
from salescore.graphql.context import ctx
from salescore.graphql.errors import service_lookup
from salescore.graphql.filters import parse_id
from salescore.graphql.resolve import request_lang
from salescore.health import service as health_service

CustomerId = Annotated[strawberry.ID, strawberry.argument(description="The customer's id")]


@strawberry.type
class HealthQuery:
    @strawberry.field(description="The current health model (readable by everyone: rules are transparent).")
    async def health_model(self, info: Info) -> ht.HealthModel:
        c = ctx(info)
        model = await c.run(lambda session: health_service.current_model(session, c.principal.tenant_id))
        return ht.HealthModel.from_dict(health_service.model_read(model, request_lang(c)))

    @strawberry.field(
        description="A visible customer's health score and grade, explained; null when not visible."
    )
    async def customer_health(self, info: Info, customer_id: CustomerId) -> ht.CustomerHealth | None:
        c = ctx(info)
        ident = parse_id(customer_id, "customerId")
        raw = await service_lookup(c, health_service.customer_health, c.principal, ident, request_lang(c))
        return None if raw is None else ht.CustomerHealth.from_dict(raw)
