"""DataLoaders, one set per request: every relation costs one query per batch, not one per row.

Each loader starts from its domain's visibility-scoped statement, so a related record the caller
may not see is simply absent (a to-one relation resolves to null, a to-many omits it).
Loaders return ORM rows keyed by the string form of their id; `types` turns them into objects.

Per-tenant inputs every record of an answer shares -- the evidence model, the win-rate calibration,
the signal definitions, the loss-reason labels -- are read once per request (`evidence_config`,
`pricing`, `signal_config`, `loss_reason_labels`), however many records ask for them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from strawberry.dataloader import DataLoader

from salescore.customer import repository as customer_repo
from salescore.delivery import repository as delivery_repo
from salescore.evidence.config import Config
from salescore.evidence.service import current_config
from salescore.follow_up import repository as follow_up_repo
from salescore.forecast import service as forecast_service
from salescore.forecast.service import Pricing
from salescore.graphql import scopes
from salescore.kit.pagination import Cursor
from salescore.kit.principal import Principal
from salescore.kit.visibility import tenant_rows, visible_customer_ids
from salescore.models import (
    Attachment,
    Contact,
    Customer,
    CustomerSignal,
    Delivery,
    Evidence,
    FollowUp,
    GradeChange,
    Opportunity,
    PostMortem,
    PostMortemMaterial,
    RuleRun,
    SignalHit,
    Team,
    Transcript,
    User,
)
from salescore.opportunity import repository as opportunity_repo
from salescore.postmortem import reasons as loss_reasons
from salescore.signal import repository as signal_repo
from salescore.signal import service as signal_service
from salescore.signal.config import Config as SignalConfig
from salescore.tenancy import repository as tenancy_repo

if TYPE_CHECKING:
    from salescore.graphql.context import GraphQLContext

T = TypeVar("T")
Scope = Callable[[Principal], sa.Select[Any]]
# (parent id, page size, decoded `after` cursor) -> (rows of the page, has_next_page)
PageKey = tuple[str, int, Cursor | None]
PageResult = tuple[list[Any], bool]


def as_uuids(keys: Sequence[str]) -> list[uuid.UUID]:
    ids = []
    for key in keys:
        try:
            ids.append(uuid.UUID(str(key)))
        except ValueError:
            continue  # a malformed id matches nothing
    return ids


def after_cursor(model: Any, cursor: Cursor) -> sa.ColumnElement[bool]:
    """Rows strictly after `cursor` in newest-first (created_at, id) order, as kit.pagination."""
    return sa.or_(
        model.created_at < cursor.created_at,
        sa.and_(model.created_at == cursor.created_at, model.id < cursor.id),
    )


def record_files(principal: Principal) -> sa.Select[Any]:
    """Files behind records that carry their own visibility (a generated document is readable
    wherever its customer is): tenant only, as attachment_service.get_for_record."""
    return tenant_rows(Attachment, principal)


def grade_changes(principal: Principal) -> sa.Select[Any]:
    """A customer's grade history is visible where the customer is."""
    return tenant_rows(GradeChange, principal).where(
        GradeChange.customer_id.in_(visible_customer_ids(principal))
    )


def deal_evidence(principal: Principal) -> sa.Select[Any]:
    """Evidence is visible wherever its deal is (as evidence.service.visible_deal)."""
    visible = opportunity_repo.opportunities(principal).with_only_columns(Opportunity.id)
    return tenant_rows(Evidence, principal).where(Evidence.opportunity_id.in_(visible))


def rule_runs(status: str | None) -> Scope:
    """rules.repository.runs_of for many rules at once (the rule itself was loaded visibility-scoped)."""

    def scope(principal: Principal) -> sa.Select[Any]:
        stmt = tenant_rows(RuleRun, principal)
        return stmt if status is None else stmt.where(RuleRun.status == status)

    return scope


def deliveries(status: str | None) -> Scope:
    """delivery.repository.deliveries_to for many targets at once (the target was loaded admin-only)."""

    def scope(principal: Principal) -> sa.Select[Any]:
        stmt = tenant_rows(Delivery, principal)
        return stmt if status is None else stmt.where(Delivery.status == status)

    return scope


class Loaders:
    def __init__(self, ctx: GraphQLContext) -> None:
        self._ctx = ctx
        self.user = self._by_id(tenancy_repo.users, User)
        self.team = self._by_id(tenancy_repo.teams, Team)
        self.customer = self._by_id(customer_repo.customers, Customer)
        self.contact = self._by_id(customer_repo.contacts, Contact)
        self.opportunity = self._by_id(opportunity_repo.opportunities, Opportunity)
        self.contacts_of_customer = self._children(
            customer_repo.contacts, Contact, Contact.customer_id, also=self.contact
        )
        self.opportunities_of_customer = self._children(
            opportunity_repo.opportunities, Opportunity, Opportunity.customer_id, also=self.opportunity
        )
        self.follow_ups_of_customer = self._pages(follow_up_repo.follow_ups, FollowUp, FollowUp.customer_id)
        self.follow_ups_of_opportunity = self._pages(
            follow_up_repo.follow_ups, FollowUp, FollowUp.opportunity_id
        )
        self.follow_up = self._by_id(follow_up_repo.follow_ups, FollowUp)
        self.record_file = self._by_id(record_files, Attachment)
        self.grade_changes_of_customer = self._children(
            grade_changes,
            GradeChange,
            GradeChange.customer_id,
            order=(GradeChange.at.desc(), GradeChange.id.desc()),
        )
        self.evidence_of_opportunity = self._children(
            deal_evidence,
            Evidence,
            Evidence.opportunity_id,
            order=(Evidence.occurred_at, Evidence.created_at, Evidence.id),  # oldest first, as REST
        )
        self.attempts_of_delivery = DataLoader(load_fn=self._attempts)
        self.signals_of_customer = self._children(
            scopes.customer_signals,
            CustomerSignal,
            CustomerSignal.customer_id,
            order=(CustomerSignal.last_seen_at.desc(), CustomerSignal.signal),  # as REST
        )
        self.signal_hits_of_follow_up = self._children(
            signal_repo.visible_hits,
            SignalHit,
            SignalHit.follow_up_id,
            order=(SignalHit.source, SignalHit.start, SignalHit.id),  # the summary's, then the transcript's
        )
        self.transcript = self._by_id(scopes.transcripts, Transcript)
        self.transcript_of_follow_up = self._children(
            scopes.transcripts, Transcript, Transcript.follow_up_id, also=self.transcript
        )
        self.post_mortems_of_opportunity = self._children(
            scopes.post_mortems, PostMortem, PostMortem.opportunity_id
        )
        self.materials_of_post_mortem = self._children(
            scopes.post_mortem_materials,
            PostMortemMaterial,
            PostMortemMaterial.post_mortem_id,
            order=(PostMortemMaterial.created_at, PostMortemMaterial.id),  # oldest first, as REST
        )
        # Filtered child pages: one loader per filter value, made on first use.
        self._filtered: dict[tuple[str, str | None], DataLoader[PageKey, PageResult]] = {}
        self._once: dict[str, asyncio.Future[Any]] = {}

    async def evidence_config(self) -> Config:
        """The tenant's current evidence model."""
        tenant_id = self._ctx.principal.tenant_id
        return await self._memo(
            "evidence_config", lambda: self._ctx.run(lambda session: current_config(session, tenant_id))
        )

    async def pricing(self) -> Pricing:
        """The evidence model, the current calibration (cached per tenant) and today's date."""

        async def load() -> Pricing:
            config = await self.evidence_config()
            tenant_id = self._ctx.principal.tenant_id
            return await self._ctx.run(lambda session: forecast_service.pricing(session, tenant_id, config))

        return await self._memo("pricing", load)

    async def signal_config(self) -> SignalConfig:
        """The tenant's current signal definitions and playbooks."""
        tenant_id = self._ctx.principal.tenant_id
        return await self._memo(
            "signal_config", lambda: self._ctx.run(lambda session: signal_service.current(session, tenant_id))
        )

    async def loss_reason_labels(self) -> dict[str, str]:
        """The tenant's loss-reason labels by code."""
        tenant_id = self._ctx.principal.tenant_id

        async def load() -> dict[str, str]:
            listed = await self._ctx.run(lambda session: loss_reasons.current(session, tenant_id))
            return loss_reasons.labels(listed)

        return await self._memo("loss_reason_labels", load)

    async def _memo(self, name: str, load: Callable[[], Awaitable[T]]) -> T:
        """`load()` once per request, however many resolvers ask at once. Shielded: a cancelled
        resolver must not cancel the answer its siblings are waiting for."""
        if name not in self._once:
            self._once[name] = asyncio.ensure_future(load())
        result: T = await asyncio.shield(self._once[name])
        return result

    def runs_of_rule(self, status: str | None) -> DataLoader[PageKey, PageResult]:
        return self._filtered_pages("runs", status, rule_runs(status), RuleRun, RuleRun.rule_id)

    def deliveries_to(self, status: str | None) -> DataLoader[PageKey, PageResult]:
        return self._filtered_pages("deliveries", status, deliveries(status), Delivery, Delivery.target_id)

    def _filtered_pages(
        self, name: str, value: str | None, scope: Scope, model: Any, parent: Any
    ) -> DataLoader[PageKey, PageResult]:
        key = (name, value)
        if key not in self._filtered:
            self._filtered[key] = self._pages(scope, model, parent)
        return self._filtered[key]

    async def _attempts(self, keys: list[str]) -> list[list[Any]]:
        principal = self._ctx.principal
        rows = await self._ctx.run(
            lambda session: delivery_repo.attempts_of(session, principal.tenant_id, as_uuids(keys))
        )
        grouped: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[str(row.delivery_id)].append(row)
        return [grouped.get(key, []) for key in keys]

    def _by_id(self, scope: Scope, model: Any) -> DataLoader[str, Any]:
        async def load(keys: list[str]) -> list[Any]:
            stmt = scope(self._ctx.principal).where(model.id.in_(as_uuids(keys)))
            found = {str(row.id): row for row in await self._ctx.scalars(stmt)}
            return [found.get(key) for key in keys]

        return DataLoader(load_fn=load)

    def _children(
        self,
        scope: Scope,
        model: Any,
        parent: Any,
        also: DataLoader[str, Any] | None = None,
        order: Sequence[Any] | None = None,
    ) -> DataLoader[str, list[Any]]:
        """Children per parent id in `order` (default newest first by created_at, id); each child
        also fills the by-id loader `also`."""
        order_by = order or (model.created_at.desc(), model.id.desc())

        async def load(keys: list[str]) -> list[list[Any]]:
            stmt = scope(self._ctx.principal).where(parent.in_(as_uuids(keys))).order_by(*order_by)
            rows = await self._ctx.scalars(stmt)
            if also is not None:
                self.prime(also, rows)
            grouped: dict[str, list[Any]] = defaultdict(list)
            for row in rows:
                grouped[str(getattr(row, parent.key))].append(row)
            return [grouped.get(key, []) for key in keys]

        return DataLoader(load_fn=load)

    def _pages(self, scope: Scope, model: Any, parent: Any) -> DataLoader[PageKey, PageResult]:
        """A page of children per parent: one windowed query per distinct (first, after)."""

        async def load(keys: list[PageKey]) -> list[PageResult]:
            groups: dict[tuple[int, Cursor | None], list[str]] = defaultdict(list)
            for parent_id, first, after in keys:
                groups[(first, after)].append(parent_id)
            results: dict[PageKey, PageResult] = {}
            for (first, after), parent_ids in groups.items():
                stmt = scope(self._ctx.principal).where(parent.in_(as_uuids(parent_ids)))
                if after is not None:
                    stmt = stmt.where(after_cursor(model, after))
                rank = sa.func.row_number().over(
                    partition_by=parent, order_by=(model.created_at.desc(), model.id.desc())
                )
                ranked = stmt.add_columns(rank.label("rank")).subquery()
                row = aliased(model, ranked)
                page = sa.select(row).where(ranked.c.rank <= first + 1).order_by(ranked.c.rank)
                grouped: dict[str, list[Any]] = defaultdict(list)
                for item in await self._ctx.scalars(page):
                    grouped[str(getattr(item, parent.key))].append(item)
                for parent_id in parent_ids:
                    items = grouped.get(parent_id, [])
                    results[(parent_id, first, after)] = (items[:first], len(items) > first)
            return [results[key] for key in keys]

        return DataLoader(load_fn=load)

    def prime(self, loader: DataLoader[str, Any], rows: Sequence[Any]) -> None:
        """Rows a list already fetched need not be fetched again for a relation."""
        loader.prime_many({str(row.id): row for row in rows})
