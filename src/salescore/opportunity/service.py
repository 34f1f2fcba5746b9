"""Opportunity rules. Never commits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import record, snapshot
from salescore.customer import service as customer_service
from salescore.events.outbox import emit
from salescore.kit.crud import apply_changes
from salescore.kit.errors import NotFound, Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import Opportunity, StageChange
from salescore.opportunity import repository as repo
from salescore.opportunity.schemas import OpportunityCreate, OpportunityUpdate
from salescore.pipeline import service as pipeline_service
from salescore.pipeline.schemas import StageMove, WinIn
from salescore.postmortem import service as postmortem_service
from salescore.postmortem.defaults import FALLBACK_REASON
from salescore.tenancy.service import assignable_user


async def visible_opportunity(
    session: AsyncSession, principal: Principal, opportunity_id: uuid.UUID, field: str = "opportunity_id"
) -> Opportunity:
    """For other domains: a deal referenced in a body; invisible or unknown -> 422 on `field`."""
    try:
        return await repo.get_opportunity(session, principal, opportunity_id)
    except NotFound as exc:
        raise Unprocessable.field(field, "no such opportunity visible to you") from exc


async def get_opportunity(session: AsyncSession, principal: Principal, opportunity_id: uuid.UUID) -> Opportunity:
    """For other domains' routes: a deal in their path; invisible or unknown -> 404."""
    return await repo.get_opportunity(session, principal, opportunity_id)


async def open_deals_of(session: AsyncSession, principal: Principal, customer_id: uuid.UUID) -> list[Opportunity]:
    """The customer's open deals the caller may see (an action never reaches a deal that is 404 to them)."""
    return await repo.open_deals_of(session, principal, customer_id)


async def create_opportunity(session: AsyncSession, principal: Principal, data: OpportunityCreate) -> Opportunity:
    customer = await customer_service.visible_customer(session, principal, data.customer_id)
    owner = await assignable_user(session, principal, data.owner_id or principal.user_id, "owner_id")
    pipeline_id, stage = await pipeline_service.pipeline_for_new_deal(session, principal, data.pipeline_id, data.stage)
    now = utcnow()
    closing = _closing_stamps(data, now)
    deal = Opportunity(
        id=new_id(),
        tenant_id=principal.tenant_id,
        customer_id=customer.id,
        owner_id=owner.id,
        created_at=data.created_at or min(now, closing["won_at"] or closing["lost_at"] or now),
        updated_at=now,
        pipeline_id=pipeline_id,
        stage=stage,
        **data.model_dump(exclude={"customer_id", "owner_id", "created_at", "pipeline_id", "stage", "status",
                                   "won_at", "lost_at"}),
        **closing,
    )
    session.add(deal)
    await session.flush()
    await pipeline_service.record_first_stage(session, principal, deal)
    record(session, principal, action="create", entity="opportunity", obj=deal)
    return deal


def _closing_stamps(data: OpportunityCreate, now: datetime) -> dict[str, Any]:
    """status, won_at, lost_at of a deal created open or imported closed: closed no earlier than its
    given created_at (without one, a closed import was created when it closed)."""
    for stamp in ("won_at", "lost_at"):
        if getattr(data, stamp) is not None and data.status != stamp.removesuffix("_at"):
            raise Unprocessable.field(stamp, f"only with status={stamp.removesuffix('_at')}")
    if data.lost_reason is not None and data.status != "lost":
        raise Unprocessable.field("lost_reason", "only with status=lost")
    stamps: dict[str, Any] = {"status": data.status, "won_at": None, "lost_at": None}
    if data.status != "open":
        field = f"{data.status}_at"
        stamps[field] = getattr(data, field) or now
        if data.created_at is not None and stamps[field] < data.created_at:
            raise Unprocessable.field(field, "must not be before created_at")
    return stamps


LOST = ("lost_pending_review", "lost")


def _status_changes(deal: Opportunity, changes: dict[str, Any]) -> str | None:
    """Apply the status transition's timestamps; returns the event type it implies. A loss is not
    handled here: it goes through the post-mortem (see update_opportunity)."""
    status = changes.get("status")
    if status is None or status == deal.status:
        for stamp in ("won_at", "lost_at"):
            if stamp in changes and status is None and deal.status != stamp.removesuffix("_at"):
                raise Unprocessable.field(stamp, f"only with status={stamp.removesuffix('_at')}")
        changes.pop("status", None)
        return None
    now = utcnow()
    if status == "won":
        changes["won_at"] = changes.get("won_at") or now
        changes["lost_at"], changes["lost_reason"] = None, None
        return "opportunity.won"
    # Reopening never leaves a stale close stamp behind.
    changes["won_at"], changes["lost_at"], changes["lost_reason"] = None, None, None
    return "opportunity.reopened"


async def _loss_of(
    session: AsyncSession, deal: Opportunity, changes: dict[str, Any]
) -> postmortem_service.Loss | None:
    """PATCH status=lost declares a loss like POST /lose (lost_reason from the tenant's list, default
    `other`): the deal goes to lost_pending_review. On a deal already lost it changes nothing; its
    lost_at / lost_reason belong to its post-mortem then, except on a deal imported as lost."""
    if changes.get("status") == "lost" and deal.status not in LOST:
        changes.pop("status")
        return await postmortem_service.checked_loss(
            session, deal, reason=changes.pop("lost_reason", None) or FALLBACK_REASON,
            lost_at=changes.pop("lost_at", None), reason_field="lost_reason",
        )
    if changes.get("status") == "lost":
        changes.pop("status")
    if changes.get("status") is None:
        for field in ("lost_at", "lost_reason"):
            if field not in changes:
                continue
            if deal.status not in LOST:
                raise Unprocessable.field(field, "only with status=lost")
            if deal.status == "lost_pending_review" or await postmortem_service.has_post_mortem(session, deal):
                raise Unprocessable.field(field, "set by the deal's post-mortem; reopen the deal to declare the loss again")
    return None


async def update_opportunity(
    session: AsyncSession, principal: Principal, deal: Opportunity, data: OpportunityUpdate
) -> Opportunity:
    changes = data.model_dump(exclude_unset=True)
    if "owner_id" in changes:
        if changes["owner_id"] is None:
            raise Unprocessable.field("owner_id", "may not be null")
        await assignable_user(session, principal, changes["owner_id"], "owner_id")
    stage = changes.pop("stage", None) if "stage" in changes else None
    if stage is not None and changes.get("status") is not None:
        # Each implies the other's outcome (a move back reopens; a win moves to the last stage).
        raise Unprocessable.field("stage", "change the stage or the status in one request, not both")
    loss = await _loss_of(session, deal, changes)
    event_type = "opportunity.lost_pending_review" if loss else _status_changes(deal, changes)
    before = snapshot(deal)
    apply_changes(deal, changes, not_null=("name", "currency", "competitors", "external_refs", "custom"))
    if loss:
        postmortem_service.mark_pending(deal, loss)
    await session.flush()
    if stage is not None and stage != deal.stage:
        # A stage written by PATCH obeys the pipeline's rules like the stage endpoint does.
        await pipeline_service.move_stage(session, principal, deal, stage, via="api", before=before)
        if event_type:
            emit_for(session, principal, deal, event_type)
        return deal
    record(
        session, principal, action="update", entity="opportunity", obj=deal, before=before,
        also_emit=(event_type,) if event_type else (),
    )
    if loss:
        await postmortem_service.open_post_mortem(session, principal, deal, loss)
    elif before["status"] == "lost_pending_review" and deal.status != "lost_pending_review":
        await postmortem_service.withdraw(session, principal, deal)
    return deal


def emit_for(session: AsyncSession, principal: Principal, deal: Opportunity, event_type: str) -> None:
    emit(session, tenant_id=deal.tenant_id, type=event_type, entity="opportunity", entity_id=deal.id,
         actor_id=principal.user_id, payload={"record": snapshot(deal)})


async def move_stage(session: AsyncSession, principal: Principal, deal: Opportunity, data: StageMove) -> Opportunity:
    await pipeline_service.move_stage(session, principal, deal, data.stage, via="api", at=data.at,
                                      override_reason=data.override_reason)
    return deal


async def stage_history(session: AsyncSession, principal: Principal, deal: Opportunity) -> list[StageChange]:
    return await pipeline_service.stage_history(session, principal, deal.id)


async def win(session: AsyncSession, principal: Principal, deal: Opportunity, data: WinIn) -> Opportunity:
    return await pipeline_service.win(session, principal, deal, data.won_at, data.amount)


async def delete_opportunity(session: AsyncSession, principal: Principal, deal: Opportunity) -> None:
    before = snapshot(deal)
    deal.deleted_at = utcnow()
    await session.flush()
    record(session, principal, action="delete", entity="opportunity", obj=deal, before=before)
