"""Post-mortem rules (证据复盘, SPEC §10): declaring a loss puts the deal in `lost_pending_review`;
the deal becomes `lost` only once its evidence package holds materials of REQUIRED_KINDS kinds,
and the package then locks. Never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.attachment import service as attachment_service
from salescore.audit.service import record, snapshot
from salescore.kit.errors import Conflict, NotFound, Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.schemas import contains_nul
from salescore.kit.types import new_id, utcnow
from salescore.kit.uploads import Upload
from salescore.models import Attachment, Opportunity, PostMortem, PostMortemMaterial
from salescore.models.postmortem import MATERIAL_KINDS, REQUIRED_KINDS
from salescore.opportunity import repository as opportunity_repo
from salescore.postmortem import reasons
from salescore.postmortem import repository as repo
from salescore.postmortem.defaults import MATERIAL_LABELS
from salescore.postmortem.schemas import LoseIn

# A package stays readable in one response.
MAX_MATERIALS = 30


@dataclass(frozen=True)
class Loss:
    reason: str
    lost_at: datetime


# --- declaring and withdrawing a loss ----------------------------------------------------------

async def checked_loss(
    session: AsyncSession, deal: Opportunity, *, reason: str, lost_at: datetime | None, reason_field: str = "reason"
) -> Loss:
    """The loss an open deal may take: a reason of the tenant's list (else 422 on `reason_field`) and
    a moment not before the deal was created (else 422 on `lost_at`). Any other deal: 409."""
    if deal.status != "open":
        raise Conflict(f"the deal is {deal.status}; only an open deal can be lost (reopen it first)")
    code = reasons.checked_reason(await reasons.current(session, deal.tenant_id), reason, reason_field)
    moment = lost_at or utcnow()
    if moment < deal.created_at:
        raise Unprocessable.field("lost_at", "must not be before the deal's created_at")
    return Loss(code, moment)


def mark_pending(deal: Opportunity, loss: Loss, competitor: str | None = None) -> None:
    deal.status, deal.lost_at, deal.lost_reason, deal.won_at = "lost_pending_review", loss.lost_at, loss.reason, None
    if competitor and competitor not in deal.competitors:
        deal.competitors = [*deal.competitors, competitor]


async def open_post_mortem(
    session: AsyncSession, principal: Principal, deal: Opportunity, loss: Loss, *,
    competitor: str | None = None, note: str = "",
) -> PostMortem:
    """The post-mortem of a loss just declared (the deal already marked pending): the owner and
    stage as they stood."""
    post_mortem = PostMortem(
        id=new_id(), tenant_id=deal.tenant_id, opportunity_id=deal.id, reason=loss.reason, competitor=competitor,
        note=note, lost_at=loss.lost_at, owner_id=deal.owner_id, stage=deal.stage, requested_by=principal.user_id,
        created_at=utcnow(),
    )
    session.add(post_mortem)
    await session.flush()
    record(session, principal, action="create", entity="post_mortem", obj=post_mortem)
    return post_mortem


async def lose(session: AsyncSession, principal: Principal, deal: Opportunity, data: LoseIn) -> PostMortem:
    await opportunity_repo.lock_deal(session, deal)
    loss = await checked_loss(session, deal, reason=data.reason, lost_at=data.lost_at)
    before = snapshot(deal)
    mark_pending(deal, loss, data.competitor)
    await session.flush()
    record(session, principal, action="update", entity="opportunity", obj=deal, before=before,
           also_emit=("opportunity.lost_pending_review",))
    return await open_post_mortem(session, principal, deal, loss, competitor=data.competitor, note=data.note)


async def withdraw(session: AsyncSession, principal: Principal, deal: Opportunity) -> None:
    """The deal left `lost_pending_review` (reopened or won): its pending post-mortem is withdrawn.
    A completed one stays as it was (the history of an earlier loss)."""
    post_mortem = await repo.latest(session, deal)
    if post_mortem is None or post_mortem.completed_at is not None or post_mortem.withdrawn_at is not None:
        return
    before = snapshot(post_mortem)
    post_mortem.withdrawn_at = utcnow()
    await session.flush()
    record(session, principal, action="update", entity="post_mortem", obj=post_mortem, before=before,
           event_type="post_mortem.withdrawn")


async def has_post_mortem(session: AsyncSession, deal: Opportunity) -> bool:
    return await repo.latest(session, deal) is not None


# --- the evidence package ----------------------------------------------------------------------

async def add_material(
    session: AsyncSession,
    principal: Principal,
    deal: Opportunity,
    *,
    kind: str,
    uploads: list[Upload],
    text: str | None,
    transcript_id: uuid.UUID | None,
    max_bytes: int,
    storage_dir: Path | None,
) -> tuple[PostMortemMaterial, PostMortem]:
    """One material; when the package then holds REQUIRED_KINDS kinds, the deal becomes `lost` and
    the package locks, in the same transaction."""
    await opportunity_repo.lock_deal(session, deal)  # before reading the package: concurrent uploads take turns
    post_mortem = await repo.latest(session, deal)
    if post_mortem is not None and post_mortem.completed_at is not None:
        raise Conflict("the package is locked: it was completed and the deal became lost")
    if post_mortem is None or deal.status != "lost_pending_review" or post_mortem.withdrawn_at is not None:
        raise Conflict(f"the deal is {deal.status}, not lost_pending_review: there is no package to add to")
    if kind not in MATERIAL_KINDS:
        raise Unprocessable.field("kind", f"one of {', '.join(MATERIAL_KINDS)}")
    text = text if text and text.strip() else None
    if text is not None and contains_nul(text):
        raise Unprocessable.field("text", "must not contain NUL (U+0000) characters")
    if transcript_id is not None:
        if kind != "transcript":
            raise Unprocessable.field("transcript_id", "only with kind=transcript")
        if await repo.transcript_for_deal(session, deal, transcript_id) is None:
            raise Unprocessable.field("transcript_id", "no transcript of a follow-up of this deal or its customer")
    if not uploads and text is None and transcript_id is None:
        raise Unprocessable.field("files", "give at least one file, the text or a transcript_id")
    materials = await repo.materials(session, post_mortem)
    if len(materials) >= MAX_MATERIALS:
        raise Conflict(f"the package already holds {MAX_MATERIALS} materials")
    attachment_ids = await attachment_service.store_uploads(
        session, principal, uploads, max_bytes=max_bytes, storage_dir=storage_dir
    )
    material = PostMortemMaterial(
        id=new_id(), tenant_id=deal.tenant_id, post_mortem_id=post_mortem.id, opportunity_id=deal.id, kind=kind,
        text=text, attachment_ids=attachment_ids, transcript_id=transcript_id, created_by=principal.user_id,
        created_at=utcnow(),
    )
    session.add(material)
    await session.flush()
    record(session, principal, action="create", entity="post_mortem_material", obj=material,
           also_emit=("post_mortem.material_added",))
    if len({m.kind for m in materials} | {kind}) >= REQUIRED_KINDS:
        await _complete(session, principal, deal, post_mortem)
    return material, post_mortem


async def _complete(session: AsyncSession, principal: Principal, deal: Opportunity, post_mortem: PostMortem) -> None:
    before_deal, before_pm = snapshot(deal), snapshot(post_mortem)
    deal.status = "lost"
    post_mortem.completed_at = utcnow()
    await session.flush()
    record(session, principal, action="update", entity="opportunity", obj=deal, before=before_deal,
           also_emit=("opportunity.lost",))
    record(session, principal, action="update", entity="post_mortem", obj=post_mortem, before=before_pm,
           event_type="post_mortem.completed")


async def material_file(
    session: AsyncSession, deal: Opportunity, material_id: uuid.UUID, attachment_id: uuid.UUID
) -> Attachment:
    """A file of the deal's package: visible with the deal, whoever uploaded it."""
    material = await repo.material_of_deal(session, deal, material_id)
    if str(attachment_id) not in material.attachment_ids:
        raise NotFound("no such file on this material")
    return await attachment_service.get_for_record(session, deal.tenant_id, attachment_id)


# --- reading -----------------------------------------------------------------------------------

async def latest_or_404(session: AsyncSession, deal: Opportunity) -> PostMortem:
    post_mortem = await repo.latest(session, deal)
    if post_mortem is None:
        raise NotFound("this deal was never lost: it has no post-mortem")
    return post_mortem


def material_read(material: PostMortemMaterial) -> dict[str, Any]:
    return {
        "id": material.id, "post_mortem_id": material.post_mortem_id, "kind": material.kind,
        "label": MATERIAL_LABELS.get(material.kind, material.kind), "text": material.text,
        "attachment_ids": material.attachment_ids, "transcript_id": material.transcript_id,
        "created_by": material.created_by, "created_at": material.created_at,
    }


def status_of(post_mortem: PostMortem) -> str:
    if post_mortem.completed_at is not None:
        return "completed"
    return "withdrawn" if post_mortem.withdrawn_at is not None else "pending"


async def summary(session: AsyncSession, deal: Opportunity, post_mortem: PostMortem) -> dict[str, Any]:
    materials = await repo.materials(session, post_mortem)
    labels = reasons.labels(await reasons.current(session, deal.tenant_id))
    present = [k for k in MATERIAL_KINDS if k in {m.kind for m in materials}]
    status = status_of(post_mortem)
    return {
        **{c.key: getattr(post_mortem, c.key) for c in PostMortem.__table__.columns if c.key != "tenant_id"},
        "status": status, "reason_label": labels.get(post_mortem.reason, post_mortem.reason),
        "locked": status != "pending", "kinds_present": present,
        "kinds_missing": [k for k in MATERIAL_KINDS if k not in present],
        "kinds_needed": 0 if status == "completed" else max(0, REQUIRED_KINDS - len(present)),
        "required_kinds": REQUIRED_KINDS, "materials": [material_read(m) for m in materials],
    }
