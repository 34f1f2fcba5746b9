"""Evidence rules (SPEC §8): the versioned evidence model, adding and revoking evidence, and the
maturity and forecast category it implies. Never commits."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.attachment import service as attachment_service
from salescore.audit.service import record, snapshot
from salescore.evidence import repository as repo
from salescore.evidence.config import Config
from salescore.evidence.schemas import EvidenceModelIn
from salescore.kit.errors import Conflict, NotFound, Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.kit.uploads import Upload
from salescore.models import Attachment, Evidence, EvidenceModel, Opportunity
from salescore.opportunity import repository as opportunity_repo


# --- the model ---------------------------------------------------------------------------------

async def current_config(session: AsyncSession, tenant_id: uuid.UUID) -> Config:
    return Config.of(await repo.latest_model(session, tenant_id))


def _checked(data: EvidenceModelIn) -> None:
    seen: set[str] = set()
    for index, node in enumerate(data.nodes):
        if node.code in seen:
            raise Unprocessable.field(f"nodes.{index}.code", f"{node.code} is listed twice")
        seen.add(node.code)
    if data.thresholds.best_case > data.thresholds.commit:
        raise Unprocessable.field("thresholds.best_case", "must not be greater than thresholds.commit")


def _row(config: Config, tenant_id: uuid.UUID, created_by: uuid.UUID | None) -> EvidenceModel:
    return EvidenceModel(
        id=new_id(), tenant_id=tenant_id, version=config.version, nodes=list(config.nodes),
        thresholds=config.thresholds, prior_strength=config.prior_strength, created_by=created_by,
        created_at=utcnow(),
    )


async def put_config(session: AsyncSession, principal: Principal, data: EvidenceModelIn) -> Config:
    """A new version (the built-in default is stored as version 1 first); every deal's maturity and
    category follow the new coefficients and thresholds in the same transaction."""
    _checked(data)
    await repo.lock_all_deals(session, principal.tenant_id)
    latest = await repo.latest_model(session, principal.tenant_id)
    if latest is None:
        session.add(_row(Config.default(), principal.tenant_id, None))
        version = 2
    else:
        version = latest.version + 1
    nodes = tuple(n.model_dump() for n in data.nodes)
    config = Config(version, nodes, data.thresholds.model_dump(), data.prior_strength)
    row = _row(config, principal.tenant_id, principal.user_id)
    session.add(row)
    await session.flush()
    await _restate_deals(session, principal.tenant_id, config)
    record(session, principal, action="create", entity="evidence_model", obj=row)
    return Config.of(row)


async def _restate_deals(session: AsyncSession, tenant_id: uuid.UUID, config: Config) -> None:
    """Set-based: maturity = highest coefficient among each deal's unrevoked evidence."""
    e, o = Evidence, Opportunity

    def of_deal(expression: Any) -> Any:
        return (sa.select(expression)
                .where(e.tenant_id == o.tenant_id, e.opportunity_id == o.id, e.revoked_at.is_(None))
                .scalar_subquery())

    maturity = sa.func.coalesce(of_deal(sa.func.max(config.coefficient_of(e.node))), 0.0)
    mask = sa.func.coalesce(of_deal(config.mask_of(e.node)), 0)
    await session.execute(
        sa.update(o).where(o.tenant_id == tenant_id)
        .values(maturity=maturity, forecast_category=config.category_of(maturity), evidence_mask=mask,
                version=o.version + 1)
        .execution_options(synchronize_session=False)
    )
    # Deals already loaded in this session must not keep their old figures.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Opportunity) and obj.tenant_id == tenant_id:
            await session.refresh(obj, ["maturity", "forecast_category", "evidence_mask", "version"])


# --- evidence ----------------------------------------------------------------------------------

async def add_evidence(
    session: AsyncSession,
    principal: Principal,
    deal: Opportunity,
    *,
    node: str,
    uploads: list[Upload],
    text: str | None,
    note: str | None,
    occurred_at: datetime | None,
    max_bytes: int,
    storage_dir: Path | None,
) -> Evidence:
    await opportunity_repo.lock_deal(session, deal)  # before the model is read: a model change waits for us, or we for it
    config = await current_config(session, deal.tenant_id)
    definition = config.node(node)
    if definition is None:
        known = ", ".join(n["code"] for n in config.nodes)
        raise Unprocessable.field("node", f"not an evidence node of this tenant: {known}")
    text = text if text and text.strip() else None
    if not uploads and text is None:
        raise Unprocessable.field("files", "give at least one file or the pasted text")
    if definition.get("requires_attachment") and not uploads:
        raise Unprocessable.field("files", f"{node} needs a file (a scan or a screenshot)")
    attachment_ids = await attachment_service.store_uploads(
        session, principal, uploads, max_bytes=max_bytes, storage_dir=storage_dir
    )
    now = utcnow()
    evidence = Evidence(
        id=new_id(), tenant_id=deal.tenant_id, opportunity_id=deal.id, node=node,
        attachment_ids=attachment_ids, text=text, note=note, occurred_at=occurred_at or now,
        created_by=principal.user_id, created_at=now,
    )
    session.add(evidence)
    await session.flush()
    record(session, principal, action="create", entity="evidence", obj=evidence,
           also_emit=("opportunity.evidence_added",))
    await restate(session, principal, deal, config)
    return evidence


async def revoke(
    session: AsyncSession, principal: Principal, deal: Opportunity, evidence: Evidence, reason: str
) -> Evidence:
    await opportunity_repo.lock_deal(session, deal)
    await session.refresh(evidence)
    if evidence.revoked_at is not None:
        raise Conflict("this evidence is already revoked")
    before = snapshot(evidence)
    evidence.revoked_at, evidence.revoked_by, evidence.revoke_reason = utcnow(), principal.user_id, reason
    await session.flush()
    record(session, principal, action="update", entity="evidence", obj=evidence, before=before,
           event_type="evidence.revoked", also_emit=("opportunity.evidence_revoked",))
    await restate(session, principal, deal, await current_config(session, deal.tenant_id))
    return evidence


async def restate(session: AsyncSession, principal: Principal, deal: Opportunity, config: Config) -> None:
    """Maturity, category and evidenced nodes from the deal's unrevoked evidence; a change is audited,
    and a change of maturity emits `opportunity.maturity_changed`."""
    nodes = await repo.active_nodes(session, deal.tenant_id, deal.id)
    maturity, mask = config.maturity(nodes), config.mask(nodes)
    category = config.category(maturity)
    if (deal.maturity, deal.forecast_category, deal.evidence_mask) == (maturity, category, mask):
        return
    before = snapshot(deal)
    moved = deal.maturity != maturity
    deal.maturity, deal.forecast_category, deal.evidence_mask = maturity, category, mask
    await session.flush()
    record(session, principal, action="update", entity="opportunity", obj=deal, before=before,
           also_emit=("opportunity.maturity_changed",) if moved else ())


def evidence_read(evidence: Evidence, config: Config) -> dict[str, Any]:
    definition = config.node(evidence.node) or {}
    return {
        "id": evidence.id, "opportunity_id": evidence.opportunity_id, "node": evidence.node,
        "label": definition.get("label"), "coefficient": definition.get("coefficient"),
        "attachment_ids": evidence.attachment_ids, "text": evidence.text, "note": evidence.note,
        "occurred_at": evidence.occurred_at, "created_by": evidence.created_by, "created_at": evidence.created_at,
        "revoked_at": evidence.revoked_at, "revoked_by": evidence.revoked_by,
        "revoke_reason": evidence.revoke_reason,
    }


def model_read(config: Config) -> dict[str, Any]:
    return {
        "version": config.version, "is_default": config.created_at is None,
        "nodes": sorted(config.nodes, key=lambda n: n["order"]), "thresholds": config.thresholds,
        "prior_strength": config.prior_strength, "created_at": config.created_at,
        "created_by": config.created_by,
    }


async def visible_deal(session: AsyncSession, principal: Principal, opportunity_id: uuid.UUID) -> Opportunity:
    return await opportunity_repo.get_opportunity(session, principal, opportunity_id)


async def list_evidence(session: AsyncSession, deal: Opportunity, *, include_revoked: bool) -> list[dict[str, Any]]:
    config = await current_config(session, deal.tenant_id)
    rows = await repo.deal_evidence(session, deal.tenant_id, deal.id, include_revoked=include_revoked)
    return [evidence_read(row, config) for row in rows]


async def get_evidence(session: AsyncSession, deal: Opportunity, evidence_id: uuid.UUID) -> Evidence:
    return await repo.get_evidence(session, deal.tenant_id, deal.id, evidence_id)


async def evidence_file(
    session: AsyncSession, deal: Opportunity, evidence_id: uuid.UUID, attachment_id: uuid.UUID
) -> Attachment:
    """A file of the deal's evidence: visible with the deal, whoever uploaded it."""
    evidence = await get_evidence(session, deal, evidence_id)
    if str(attachment_id) not in evidence.attachment_ids:
        raise NotFound("no such file on this evidence")
    return await attachment_service.get_for_record(session, deal.tenant_id, attachment_id)
