"""Writing knowledge-base entries. Never commits.

Who writes: everyone may create an entry; its author and managers, directors and admins may edit
or delete it (others get 403 — the whole tenant reads the knowledge base, so 404 would be a lie).
A customer's requirement entry is kept current by the system (dedupe_key set) and is read-only
over the API (409). Citations must name records the writer can see.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import record, snapshot
from salescore.customer import service as customer_service
from salescore.follow_up import service as follow_up_service
from salescore.kit.crud import reject_nulls
from salescore.kit.errors import Conflict, FieldError, Forbidden, Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.knowledge import repository as repo
from salescore.knowledge.schemas import (
    SCRIPT_MAX_LENGTH,
    Citation,
    KnowledgeEntryCreate,
    KnowledgeEntryUpdate,
    PromoteIn,
)
from salescore.models import ActionRecord, Customer, KnowledgeEntry
from salescore.opportunity import service as opportunity_service
from salescore.signal import service as signal_service

FLAG_LABELS = {"drawings": "图纸", "tech_params": "技术参数", "budget_range": "预算范围"}
REQUIREMENT_ACTIONS = ("tech_requirement_update", "proposal_sent")
EDITOR_ROLES = frozenset({"manager", "director", "admin"})
PROMOTABLE = ("sop", "script")


async def _latest_actions(session: AsyncSession, customer: Customer) -> list[ActionRecord]:
    """The customer's latest requirement-bearing action of each kind."""
    rows = await session.scalars(
        sa.select(ActionRecord)
        .where(ActionRecord.tenant_id == customer.tenant_id, ActionRecord.customer_id == customer.id,
               ActionRecord.code.in_(REQUIREMENT_ACTIONS), ActionRecord.deleted_at.is_(None))
        .order_by(ActionRecord.occurred_at.desc())
        .limit(20)
    )
    latest: dict[str, ActionRecord] = {}
    for row in rows:
        latest.setdefault(row.code, row)
    return list(latest.values())


async def sync_requirements(
    session: AsyncSession, customer: Customer, *, source: dict[str, Any]
) -> KnowledgeEntry:
    """Copy the customer's latest requirements into its requirement entry (one per customer, kept current)."""
    flags = {k: bool((customer.requirements or {}).get(k)) for k in FLAG_LABELS}
    actions = await _latest_actions(session, customer)
    lines = [f"- {FLAG_LABELS[k]}：{'已提供' if v else '未提供'}" for k, v in flags.items()]
    for row in actions:
        details = "；".join(f"{k}: {v}" for k, v in (row.fields or {}).items() if v not in (None, "", [], False))
        lines.append(f"- {row.code}（{row.occurred_at:%Y-%m-%d}）{details}")
    content = {
        "customer": {"id": str(customer.id), "name": customer.name, "industry": customer.industry},
        "requirements": flags,
        "actions": [{"id": str(r.id), "code": r.code, "fields": r.fields, "occurred_at": r.occurred_at.isoformat()}
                    for r in actions],
    }
    title = f"客户需求：{customer.name}"[:200]
    body = "\n".join(lines)
    tags = sorted({*(customer.tags or []), *([customer.industry] if customer.industry else [])})[:20]
    key = f"requirement:{customer.id}"
    entry = await session.scalar(
        sa.select(KnowledgeEntry).where(KnowledgeEntry.tenant_id == customer.tenant_id, KnowledgeEntry.dedupe_key == key)
    )
    if entry is None:
        now = utcnow()
        entry = KnowledgeEntry(
            id=new_id(), tenant_id=customer.tenant_id, kind="requirement", title=title, body=body, tags=tags,
            customer_id=customer.id, content=content, source=source, dedupe_key=key, created_at=now, updated_at=now,
        )
        session.add(entry)
        await session.flush()
        record(session, None, action="create", entity="knowledge_entry", obj=entry)
        return entry
    before = snapshot(entry)
    entry.title, entry.body, entry.tags, entry.content, entry.source = title, body, tags, content, source
    entry.deleted_at = None
    if snapshot(entry) != before:
        await session.flush()
        record(session, None, action="update", entity="knowledge_entry", obj=entry, before=before)
    return entry


async def latest_cases(session: AsyncSession, tenant_id: uuid.UUID, tag: str, limit: int) -> list[KnowledgeEntry]:
    """For documents: the newest `case` entries tagged `tag` (e.g. the customer's industry)."""
    return await repo.latest_cases(session, tenant_id, tag, limit)


async def _citation_error(
    session: AsyncSession, principal: Principal, citation: Citation, field: str
) -> FieldError | None:
    try:
        if citation.kind == "customer":
            await customer_service.visible_customer(session, principal, citation.id, field=field)
        elif citation.kind == "opportunity":
            await opportunity_service.visible_opportunity(session, principal, citation.id, field=field)
        elif citation.kind == "follow_up":
            if not await follow_up_service.live_ids(session, principal, [citation.id]):
                return FieldError(field, "no such follow-up visible to you")
        else:  # a post-mortem is visible where its deal is
            deal_id = await repo.post_mortem_deal(session, principal.tenant_id, citation.id)
            if deal_id is None:
                return FieldError(field, "no such post-mortem visible to you")
            await opportunity_service.visible_opportunity(session, principal, deal_id, field=field)
    except Unprocessable as exc:
        message = exc.errors[0]["message"] if exc.errors else exc.detail
        if citation.kind == "post_mortem":
            message = "no such post-mortem visible to you"
        return FieldError(field, message)
    return None


async def check_citations(
    session: AsyncSession, principal: Principal, citations: list[Citation], *, kept: Sequence[dict[str, Any]] = ()
) -> list[dict[str, str]]:
    """The citations as stored ({kind, id}, each once, in order); 422 naming `citations.N.id` for
    each record that does not exist or is outside the caller's view. Citations already on the
    entry (`kept`) pass unchecked: a colleague's citation stays even if this editor can't see it."""
    already = {(c["kind"], c["id"]) for c in kept}
    errors: list[FieldError] = []
    out: dict[tuple[str, str], dict[str, str]] = {}
    for i, citation in enumerate(citations):
        key = (citation.kind, str(citation.id))
        if key not in already and key not in out:
            error = await _citation_error(session, principal, citation, f"citations.{i}.id")
            if error is not None:
                errors.append(error)
                continue
        out.setdefault(key, {"kind": key[0], "id": key[1]})
    if errors:
        raise Unprocessable(f"{errors[0]['field']}: {errors[0]['message']}", errors=errors)
    return list(out.values())


def _check_writable(principal: Principal, entry: KnowledgeEntry) -> None:
    if entry.dedupe_key is not None:
        raise Conflict("this entry is kept current by the system from the customer's record; it cannot be edited")
    if entry.created_by != principal.user_id and principal.role not in EDITOR_ROLES:
        raise Forbidden("only the author or a manager, director or admin may change this entry")


async def create_entry(session: AsyncSession, principal: Principal, data: KnowledgeEntryCreate) -> KnowledgeEntry:
    if data.customer_id is not None:
        await customer_service.visible_customer(session, principal, data.customer_id)
    citations = await check_citations(session, principal, data.citations)
    now = utcnow()
    entry = KnowledgeEntry(
        id=new_id(), tenant_id=principal.tenant_id, kind=data.kind, title=data.title, body=data.body,
        tags=list(dict.fromkeys(data.tags)), customer_id=data.customer_id, citations=citations, content={},
        source={"kind": "manual"}, created_by=principal.user_id, created_at=now, updated_at=now,
    )
    session.add(entry)
    await session.flush()
    record(session, principal, action="create", entity="knowledge_entry", obj=entry)
    return entry


async def update_entry(
    session: AsyncSession, principal: Principal, entry: KnowledgeEntry, data: KnowledgeEntryUpdate
) -> KnowledgeEntry:
    _check_writable(principal, entry)
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(changes, ("kind", "title", "body", "tags", "citations"))
    if changes.get("customer_id") is not None and changes["customer_id"] != entry.customer_id:
        await customer_service.visible_customer(session, principal, changes["customer_id"])
    if "citations" in changes:
        changes["citations"] = await check_citations(session, principal, data.citations or [], kept=entry.citations)
    if "tags" in changes:
        changes["tags"] = list(dict.fromkeys(changes["tags"]))
    before = snapshot(entry)
    for key, value in changes.items():
        setattr(entry, key, value)
    if snapshot(entry) != before:
        await session.flush()
        record(session, principal, action="update", entity="knowledge_entry", obj=entry, before=before)
    return entry


async def delete_entry(session: AsyncSession, principal: Principal, entry: KnowledgeEntry) -> None:
    _check_writable(principal, entry)
    before = snapshot(entry)
    entry.deleted_at = utcnow()
    await session.flush()
    record(session, principal, action="delete", entity="knowledge_entry", obj=entry, before=before)


async def promote(session: AsyncSession, principal: Principal, entry: KnowledgeEntry, data: PromoteIn) -> int:
    """Make an SOP or script entry a suggested script (推荐话术) of a signal's playbook; returns the
    signal configuration version that carries it."""
    if entry.kind not in PROMOTABLE:
        message = f"only sop or script entries become playbook scripts; this one is a {entry.kind}"
        raise Unprocessable.field("entry_id", message)
    script = data.script if data.script is not None else entry.body.strip()[:SCRIPT_MAX_LENGTH].strip()
    if not script:
        raise Unprocessable.field("script", "the entry has no body to use as the script; give one")
    return await signal_service.add_script(
        session, principal, data.signal, script, source={"kind": "knowledge_entry", "id": str(entry.id)},
    )
