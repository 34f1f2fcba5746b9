"""Root query: a connection and a single lookup per core record, all visibility-scoped.
The other records' root fields live in query_* mixins, combined into `Query` here."""

from __future__ import annotations

import strawberry
from strawberry import Info

from salescore.action import repository as action_repo
from salescore.daily_report import repository as daily_report_repo
from salescore.follow_up import repository as follow_up_repo
from salescore.graphql import filters
from salescore.graphql import types as t
from salescore.graphql import work_types as w
from salescore.graphql.connections import DEFAULT_FIRST, Connection
from salescore.graphql.context import ctx
from salescore.graphql.filters import (
    ContactFilter,
    DailyReportFilter,
    CustomerFilter,
    FollowUpFilter,
    NotificationFilter,
    OpportunityFilter,
    TodoFilter,
    UserFilter,
    parse_id,
)
from salescore.graphql.query_analytics import AnalyticsQuery
from salescore.graphql.query_automation import AutomationQuery
from salescore.graphql.query_content import ContentQuery
from salescore.graphql.query_forecast import ForecastQuery
from salescore.graphql.query_health import HealthQuery
from salescore.graphql.query_process import ProcessQuery
from salescore.graphql.query_signals import SignalQuery
from salescore.graphql.resolve import Id
from salescore.graphql.resolve import connection as _connection
from salescore.graphql.resolve import loaded as _loaded
from salescore.graphql.resolve import lookup as _lookup
from salescore.graphql.types import After, First
from salescore.models import (
    ActionTemplate,
    Contact,
    Customer,
    DailyReport,
    FollowUp,
    Notification,
    Opportunity,
    Pipeline,
    StageChange,
    Team,
    Todo,
    User,
)
from salescore.opportunity import repository as opportunity_repo
from salescore.pipeline import repository as pipeline_repo
from salescore.tenancy import repository as tenancy_repo
from salescore.todo import repository as todo_repo


@strawberry.type
class Query(ContentQuery, SignalQuery, HealthQuery, AutomationQuery, AnalyticsQuery, ProcessQuery, ForecastQuery):
    @strawberry.field(description="The caller.")
    async def me(self, info: Info) -> t.User | None:
        c = ctx(info)
        return await _loaded(c.loaders.user, str(c.principal.user_id), t.User)

    @strawberry.field
    async def customers(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        filter: CustomerFilter | None = None,
    ) -> Connection[t.Customer]:
        c = ctx(info)
        stmt = filters.customers(c.principal, filter)
        return await _connection(c, stmt, Customer, t.Customer.from_row, first, after, c.loaders.customer)

    @strawberry.field
    async def customer(self, info: Info, id: Id) -> t.Customer | None:
        return await _loaded(ctx(info).loaders.customer, id, t.Customer)

    @strawberry.field
    async def contacts(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        filter: ContactFilter | None = None,
    ) -> Connection[t.Contact]:
        c = ctx(info)
        stmt = filters.contacts(c.principal, filter)
        return await _connection(c, stmt, Contact, t.Contact.from_row, first, after, c.loaders.contact)

    @strawberry.field
    async def contact(self, info: Info, id: Id) -> t.Contact | None:
        return await _loaded(ctx(info).loaders.contact, id, t.Contact)

    @strawberry.field
    async def follow_ups(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        filter: FollowUpFilter | None = None,
    ) -> Connection[t.FollowUp]:
        c = ctx(info)
        stmt = filters.follow_ups(c.principal, filter)
        return await _connection(c, stmt, FollowUp, t.FollowUp.from_row, first, after)

    @strawberry.field
    async def follow_up(self, info: Info, id: Id) -> t.FollowUp | None:
        return await _lookup(ctx(info), follow_up_repo.follow_ups, FollowUp, id, t.FollowUp)

    @strawberry.field
    async def opportunities(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        filter: OpportunityFilter | None = None,
    ) -> Connection[t.Opportunity]:
        c = ctx(info)
        stmt = filters.opportunities(c.principal, filter)
        return await _connection(
            c, stmt, Opportunity, t.Opportunity.from_row, first, after, c.loaders.opportunity
        )

    @strawberry.field
    async def opportunity(self, info: Info, id: Id) -> t.Opportunity | None:
        return await _loaded(ctx(info).loaders.opportunity, id, t.Opportunity)

    @strawberry.field
    async def todos(
        self, info: Info, first: First = DEFAULT_FIRST, after: After = None, filter: TodoFilter | None = None
    ) -> Connection[t.Todo]:
        c = ctx(info)
        stmt = filters.todos(c.principal, filter)
        return await _connection(c, stmt, Todo, t.Todo.from_row, first, after)

    @strawberry.field
    async def todo(self, info: Info, id: Id) -> t.Todo | None:
        return await _lookup(ctx(info), todo_repo.todos, Todo, id, t.Todo)

    @strawberry.field(description="The tenant's users (the org chart is visible to everyone in it).")
    async def users(
        self, info: Info, first: First = DEFAULT_FIRST, after: After = None, filter: UserFilter | None = None
    ) -> Connection[t.User]:
        c = ctx(info)
        stmt = filters.users(c.principal, filter)
        return await _connection(c, stmt, User, t.User.from_row, first, after, c.loaders.user)

    @strawberry.field
    async def user(self, info: Info, id: Id) -> t.User | None:
        return await _loaded(ctx(info).loaders.user, id, t.User)

    @strawberry.field
    async def teams(
        self, info: Info, first: First = DEFAULT_FIRST, after: After = None
    ) -> Connection[t.Team]:
        c = ctx(info)
        stmt = tenancy_repo.teams(c.principal)
        return await _connection(c, stmt, Team, t.Team.from_row, first, after, c.loaders.team)

    @strawberry.field
    async def team(self, info: Info, id: Id) -> t.Team | None:
        return await _loaded(ctx(info).loaders.team, id, t.Team)

    @strawberry.field(description="The caller's own reminder cards.")
    async def notifications(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        filter: NotificationFilter | None = None,
    ) -> Connection[t.Notification]:
        c = ctx(info)
        stmt = filters.notifications(c.principal, filter)
        return await _connection(c, stmt, Notification, t.Notification.from_row, first, after)

    @strawberry.field
    async def notification(self, info: Info, id: Id) -> t.Notification | None:
        return await _lookup(ctx(info), filters.own_notifications, Notification, id, t.Notification)

    @strawberry.field(description="Daily reports (日报) of the people the caller may see, newest first.")
    async def daily_reports(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        filter: DailyReportFilter | None = None,
    ) -> Connection[w.DailyReport]:
        c = ctx(info)
        stmt = filters.daily_reports(c.principal, filter)
        return await _connection(c, stmt, DailyReport, w.DailyReport.from_row, first, after)

    @strawberry.field
    async def daily_report(self, info: Info, id: Id) -> w.DailyReport | None:
        return await _lookup(ctx(info), daily_report_repo.reports, DailyReport, id, w.DailyReport)

    @strawberry.field(description="Action templates (configuration, readable by everyone).")
    async def action_templates(self, info: Info) -> list[w.ActionTemplate]:
        c = ctx(info)
        stmt = action_repo.templates(c.principal).order_by(ActionTemplate.created_at, ActionTemplate.code)
        return [w.ActionTemplate.from_row(row) for row in await c.scalars(stmt)]

    @strawberry.field(description="Pipelines (configuration, readable by everyone).")
    async def pipelines(self, info: Info) -> list[w.Pipeline]:
        c = ctx(info)
        stmt = pipeline_repo.pipelines(c.principal).order_by(Pipeline.created_at, Pipeline.id)
        return [w.Pipeline.from_row(row) for row in await c.scalars(stmt)]

    @strawberry.field(description="Stage moves of a visible deal, oldest first (empty when not visible).")
    async def stage_changes(self, info: Info, opportunity_id: Id) -> list[w.StageChange]:
        c = ctx(info)
        deal_id = parse_id(opportunity_id, "opportunity_id")
        if not await c.scalars(opportunity_repo.opportunities(c.principal).where(Opportunity.id == deal_id)):
            return []
        stmt = pipeline_repo.stage_changes(c.principal, deal_id).order_by(StageChange.at, StageChange.id)
        return [w.StageChange.from_row(row) for row in await c.scalars(stmt)]
