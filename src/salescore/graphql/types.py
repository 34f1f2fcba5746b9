"""Object types of the core records and their relations (each relation goes through a loader)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import Info
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON

from salescore.evidence.service import evidence_read
from salescore.graphql.connections import (
    AFTER_HELP,
    DEFAULT_FIRST,
    FIRST_HELP,
    Connection,
    build,
    decode_after,
    page_size,
)
from salescore.graphql.context import ctx

if TYPE_CHECKING:
    from salescore.graphql.forecast_types import Evidence, WinProbability
    from salescore.graphql.health_types import GradeChange
    from salescore.graphql.postmortem_types import PostMortem
    from salescore.graphql.signal_types import CustomerSignal, SignalHit, Transcript

# Types built on these ones, referenced lazily from relations here.
FORECAST_TYPES = "salescore.graphql.forecast_types"
SIGNAL_TYPES = "salescore.graphql.signal_types"
POSTMORTEM_TYPES = "salescore.graphql.postmortem_types"

First = Annotated[int, strawberry.argument(description=FIRST_HELP)]
After = Annotated[str | None, strawberry.argument(description=AFTER_HELP)]


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return strawberry.ID(str(value))
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class FromRow:
    """Build a type from an ORM row: every init field is read from the same-named column."""

    @classmethod
    def from_row(cls, row: Any, **overrides: Any) -> Self:
        values = {
            f.name: overrides[f.name] if f.name in overrides else _plain(getattr(row, f.name))
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            if f.init
        }
        return cls(**values)


async def _one(loader: DataLoader[str, Any], key: str | None, kind: Any) -> Any:
    if key is None:
        return None
    row = await loader.load(str(key))
    return None if row is None else kind.from_row(row)


async def _follow_up_page(
    loader: DataLoader[Any, Any], parent_id: str, first: int, after: str | None
) -> Connection[FollowUp]:
    rows, has_next = await loader.load((str(parent_id), page_size(first), decode_after(after)))
    return build(rows, has_next, FollowUp.from_row)


@strawberry.type(description="需求明确度: what the customer has provided.")
class Requirements:
    drawings: bool = False
    tech_params: bool = False
    budget_range: bool = False


@strawberry.type
class ExternalRef:
    system: str
    id: str


@strawberry.type(description="A structured action recorded on a follow-up (§4).")
class Action:
    code: str
    fields: JSON


def _refs(raw: list[dict[str, str]] | None) -> list[ExternalRef]:
    return [ExternalRef(system=str(r.get("system", "")), id=str(r.get("id", ""))) for r in raw or []]


@strawberry.type
class Team(FromRow):
    id: strawberry.ID
    name: str
    region: str | None
    kind: str = strawberry.field(description="sales | store")
    manager_id: strawberry.ID | None
    version: int
    created_at: datetime
    updated_at: datetime

    @strawberry.field
    async def manager(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.manager_id, User)


@strawberry.type
class User(FromRow):
    id: strawberry.ID
    name: str
    email: str
    phone: str | None
    role: str = strawberry.field(description="rep | manager | director | admin | staff")
    department: str | None
    team_id: strawberry.ID | None
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @strawberry.field
    async def team(self, info: Info) -> Team | None:
        return await _one(ctx(info).loaders.team, self.team_id, Team)


@strawberry.type(description="客户档案")
class Customer(FromRow):
    id: strawberry.ID
    name: str
    industry: str | None
    tags: list[str]
    region: str | None
    country: str | None
    city: str | None
    owner_id: strawberry.ID | None
    team_id: strawberry.ID | None
    lifecycle: str = strawberry.field(description="lead | prospect | customer | lost")
    source: str | None
    annual_purchase: Decimal | None
    requirements: Requirements
    grade: str | None
    health_score: float | None
    graded_at: datetime | None
    external_refs: list[ExternalRef]
    custom: JSON
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any, **overrides: Any) -> Self:
        raw = row.requirements or {}
        requirements = Requirements(
            **{k: bool(raw.get(k, False)) for k in ("drawings", "tech_params", "budget_range")}
        )
        return super().from_row(
            row, requirements=requirements, external_refs=_refs(row.external_refs), **overrides
        )

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.owner_id, User)

    @strawberry.field
    async def team(self, info: Info) -> Team | None:
        return await _one(ctx(info).loaders.team, self.team_id, Team)

    @strawberry.field(description="Visible contacts, newest first.")
    async def contacts(self, info: Info) -> list[Contact]:
        rows = await ctx(info).loaders.contacts_of_customer.load(self.id)
        return [Contact.from_row(row) for row in rows]

    @strawberry.field(description="Visible opportunities, newest first.")
    async def opportunities(self, info: Info) -> list[Opportunity]:
        rows = await ctx(info).loaders.opportunities_of_customer.load(self.id)
        return [Opportunity.from_row(row) for row in rows]

    @strawberry.field(description="Visible follow-ups, newest first.")
    async def follow_ups(
        self, info: Info, first: First = DEFAULT_FIRST, after: After = None
    ) -> Connection[FollowUp]:
        return await _follow_up_page(ctx(info).loaders.follow_ups_of_customer, self.id, first, after)

    @strawberry.field(description="Recorded grade changes, newest first.")
    async def grade_changes(
        self, info: Info
    ) -> list[Annotated[GradeChange, strawberry.lazy("salescore.graphql.health_types")]]:
        from salescore.graphql.health_types import GradeChange  # health types build on these: lazy

        rows = await ctx(info).loaders.grade_changes_of_customer.load(self.id)
        return [GradeChange.from_row(row) for row in rows]

    @strawberry.field(description="客户信号: conversations per signal and when last seen, most recent first.")
    async def signals(self, info: Info) -> list[Annotated[CustomerSignal, strawberry.lazy(SIGNAL_TYPES)]]:
        from salescore.graphql.signal_types import CustomerSignal

        loaders = ctx(info).loaders
        rows = await loaders.signals_of_customer.load(self.id)
        if not rows:
            return []
        config = await loaders.signal_config()
        return [CustomerSignal.of(row, config) for row in rows]


@strawberry.type
class Contact(FromRow):
    id: strawberry.ID
    customer_id: strawberry.ID
    name: str
    title: str | None
    decision_role: str = strawberry.field(
        description="technical | procurement | finance | executive | user | other"
    )
    phone: str | None
    wechat: str | None
    email: str | None
    version: int
    created_at: datetime
    updated_at: datetime

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return await _one(ctx(info).loaders.customer, self.customer_id, Customer)


@strawberry.type(description="商机")
class Opportunity(FromRow):
    id: strawberry.ID
    customer_id: strawberry.ID
    owner_id: strawberry.ID
    name: str
    pipeline_id: strawberry.ID | None
    stage: str | None
    amount: Decimal | None
    currency: str
    expected_close_date: date | None
    status: str = strawberry.field(description="open | won | lost_pending_review | lost")
    product_line: str | None
    competitors: list[str]
    rep_forecast_category: str | None = strawberry.field(
        description="The rep's claim: commit | best_case | pipeline"
    )
    maturity: float = strawberry.field(
        description="商机成熟度: the highest coefficient among the deal's unrevoked evidence"
    )
    forecast_category: str = strawberry.field(
        description="What the evidence says: commit | best_case | pipeline | unqualified"
    )
    evidence_mask: strawberry.Private[int]
    quote_submitted_at: datetime | None
    quote_confirmed_at: datetime | None
    contract_signed_at: datetime | None
    won_at: datetime | None
    lost_at: datetime | None
    lost_reason: str | None
    external_refs: list[ExternalRef]
    custom: JSON
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any, **overrides: Any) -> Self:
        return super().from_row(row, external_refs=_refs(row.external_refs), **overrides)

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return await _one(ctx(info).loaders.customer, self.customer_id, Customer)

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.owner_id, User)

    @strawberry.field(description="Visible follow-ups, newest first.")
    async def follow_ups(
        self, info: Info, first: First = DEFAULT_FIRST, after: After = None
    ) -> Connection[FollowUp]:
        return await _follow_up_page(ctx(info).loaders.follow_ups_of_opportunity, self.id, first, after)

    @strawberry.field(description="Evidence nodes the deal's unrevoked evidence covers, in model order")
    async def evidenced_nodes(self, info: Info) -> list[str]:
        config = await ctx(info).loaders.evidence_config()
        return config.codes(self.evidence_mask or 0)

    @strawberry.field(
        description="Calibrated from closed deals at the checkpoint nearest this deal's days to close; "
        "won = 1, lost = 0"
    )
    async def win_probability(self, info: Info) -> Annotated[WinProbability, strawberry.lazy(FORECAST_TYPES)]:
        from salescore.graphql.forecast_types import WinProbability  # they build on these types: lazy

        pricing = await ctx(info).loaders.pricing()
        return WinProbability(**pricing.win_probability(self.status, self.maturity, self.expected_close_date))

    @strawberry.field(description="The deal's evidence, revoked included, oldest first (by occurredAt).")
    async def evidence(self, info: Info) -> list[Annotated[Evidence, strawberry.lazy(FORECAST_TYPES)]]:
        from salescore.graphql.forecast_types import Evidence

        loaders = ctx(info).loaders
        rows = await loaders.evidence_of_opportunity.load(self.id)
        if not rows:
            return []
        config = await loaders.evidence_config()
        return [Evidence.of(evidence_read(row, config)) for row in rows]

    @strawberry.field(description="证据复盘: the deal's latest post-mortem (null if it was never lost).")
    async def post_mortem(
        self, info: Info
    ) -> Annotated[PostMortem, strawberry.lazy(POSTMORTEM_TYPES)] | None:
        from salescore.graphql.postmortem_types import PostMortem

        rows = await ctx(info).loaders.post_mortems_of_opportunity.load(self.id)
        return PostMortem.from_row(rows[0]) if rows else None


@strawberry.type(description="跟进记录")
class FollowUp(FromRow):
    id: strawberry.ID
    customer_id: strawberry.ID
    opportunity_id: strawberry.ID | None
    user_id: strawberry.ID
    channel: str = strawberry.field(description="call | meeting | email | wechat | visit | demo | other")
    occurred_at: datetime
    summary: str
    actions: list[Action]
    contact_ids: list[strawberry.ID]
    created_via: str = strawberry.field(description="app | daily_report | import | api")
    recorded_at: datetime
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any, **overrides: Any) -> Self:
        actions = [
            Action(code=str(a.get("code", "")), fields=a.get("fields") or {}) for a in row.actions or []
        ]
        contact_ids = [strawberry.ID(str(c)) for c in row.contact_ids or []]
        return super().from_row(row, actions=actions, contact_ids=contact_ids, **overrides)

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return await _one(ctx(info).loaders.customer, self.customer_id, Customer)

    @strawberry.field
    async def user(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.user_id, User)

    @strawberry.field
    async def opportunity(self, info: Info) -> Opportunity | None:
        return await _one(ctx(info).loaders.opportunity, self.opportunity_id, Opportunity)

    @strawberry.field(description="The engaged contacts the caller may see.")
    async def contacts(self, info: Info) -> list[Contact]:
        rows = await ctx(info).loaders.contact.load_many([str(c) for c in self.contact_ids])
        return [Contact.from_row(row) for row in rows if row is not None]

    @strawberry.field(description="Signals found in the summary, then in the transcript, in text order.")
    async def signal_hits(self, info: Info) -> list[Annotated[SignalHit, strawberry.lazy(SIGNAL_TYPES)]]:
        from salescore.graphql.signal_types import SignalHit

        rows = await ctx(info).loaders.signal_hits_of_follow_up.load(self.id)
        return [SignalHit.from_row(row) for row in rows]

    @strawberry.field(description="The call's transcript, if one was attached.")
    async def transcript(self, info: Info) -> Annotated[Transcript, strawberry.lazy(SIGNAL_TYPES)] | None:
        from salescore.graphql.signal_types import Transcript

        rows = await ctx(info).loaders.transcript_of_follow_up.load(self.id)
        return Transcript.from_row(rows[0]) if rows else None


@strawberry.type(description="待办")
class Todo(FromRow):
    id: strawberry.ID
    title: str
    description: str | None
    assignee_id: strawberry.ID
    due_at: datetime | None
    status: str = strawberry.field(description="open | done | cancelled")
    source: str
    source_ref: str | None
    customer_id: strawberry.ID | None
    opportunity_id: strawberry.ID | None
    requires_attachment: bool
    created_by: strawberry.ID | None
    completed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime

    @strawberry.field
    async def assignee(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.assignee_id, User)

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return await _one(ctx(info).loaders.customer, self.customer_id, Customer)

    @strawberry.field
    async def opportunity(self, info: Info) -> Opportunity | None:
        return await _one(ctx(info).loaders.opportunity, self.opportunity_id, Opportunity)


@strawberry.type(description="提醒卡片: the caller's own reminder cards only.")
class Notification(FromRow):
    id: strawberry.ID
    user_id: strawberry.ID
    kind: str
    title: str
    body: str
    link: str | None
    read_at: datetime | None
    created_at: datetime
