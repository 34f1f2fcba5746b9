"""Writing knowledge-base entries. Never commits."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import record, snapshot
from salescore.kit.types import new_id, utcnow
from salescore.models import ActionRecord, Customer, KnowledgeEntry

FLAG_LABELS = {"drawings": "图纸", "tech_params": "技术参数", "budget_range": "预算范围"}
REQUIREMENT_ACTIONS = ("tech_requirement_update", "proposal_sent")


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
