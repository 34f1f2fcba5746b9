"""Root fields of automation: rules (the whole tenant reads them), jobs (their requester, directors
and admins), and the outbound channels -- webhooks and WeChat Work robots -- which, as in REST,
only admins read: anyone else gets a FORBIDDEN error."""

from __future__ import annotations

import strawberry
from strawberry import Info

from salescore.delivery import repository as delivery_repo
from salescore.graphql import automation_types as at
from salescore.graphql import filters
from salescore.graphql.connections import DEFAULT_FIRST, Connection
from salescore.graphql.context import ctx
from salescore.graphql.errors import require_roles, service_lookup
from salescore.graphql.filters import WebhookFilter, parse_id
from salescore.graphql.resolve import Id, connection, lookup
from salescore.graphql.types import After, First
from salescore.job import service as job_service
from salescore.models import Rule, WebhookSubscription, WecomRobot
from salescore.rules import repository as rules_repo


@strawberry.type
class AutomationQuery:
    @strawberry.field(description="Automation rules in evaluation order (做到什么程度会触发什么支持).")
    async def rules(self, info: Info) -> list[at.Rule]:
        c = ctx(info)
        stmt = rules_repo.rules(c.principal).order_by(Rule.position, Rule.created_at, Rule.id)
        return [at.Rule.from_row(row) for row in await c.scalars(stmt)]

    @strawberry.field
    async def rule(self, info: Info, id: Id) -> at.Rule | None:
        return await lookup(ctx(info), rules_repo.rules, Rule, id, at.Rule)

    @strawberry.field(
        description="A background job; null unless the caller started it or is a director/admin."
    )
    async def job(self, info: Info, id: Id) -> at.Job | None:
        c = ctx(info)
        row = await service_lookup(c, job_service.get_job, c.principal, parse_id(id, "id"))
        return None if row is None else at.Job.from_row(row)

    # Nullable, so a FORBIDDEN error nulls only this field and the rest of the document still answers.
    @strawberry.field(description="Outbound webhook subscriptions, newest first (admins only).")
    async def webhooks(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        filter: WebhookFilter | None = None,
    ) -> Connection[at.Webhook] | None:
        c = ctx(info)
        stmt = filters.webhooks(require_roles(c.principal, "admin"), filter)
        return await connection(c, stmt, WebhookSubscription, at.Webhook.from_row, first, after)

    @strawberry.field(description="Admins only.")
    async def webhook(self, info: Info, id: Id) -> at.Webhook | None:
        c = ctx(info)
        require_roles(c.principal, "admin")
        return await lookup(c, delivery_repo.subscriptions, WebhookSubscription, id, at.Webhook)

    @strawberry.field(description="WeChat Work group robots, newest first (admins only).")
    async def wecom_robots(
        self, info: Info, first: First = DEFAULT_FIRST, after: After = None
    ) -> Connection[at.WecomRobot] | None:
        c = ctx(info)
        stmt = delivery_repo.robots(require_roles(c.principal, "admin"))
        return await connection(c, stmt, WecomRobot, at.WecomRobot.from_row, first, after)

    @strawberry.field(description="Admins only.")
    async def wecom_robot(self, info: Info, id: Id) -> at.WecomRobot | None:
        c = ctx(info)
        require_roles(c.principal, "admin")
        return await lookup(c, delivery_repo.robots, WecomRobot, id, at.WecomRobot)
