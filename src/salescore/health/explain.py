"""The records behind each indicator of one customer (GET /customers/{id}/health).

The values themselves come from the one SQL computation (indicators.py); this lists what it
counted, read with the same rules, so a director can check a grade by hand.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.health import defaults as d
from salescore.health import repository as repo


def _record(kind: str, id: Any, occurred_at: datetime | None, description: str,
            **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "id": id, "occurred_at": occurred_at, "description": description[:200], **extra}


async def _interactions(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID,
                        as_of: datetime) -> list[dict[str, Any]]:
    rows = await repo.interaction_records(session, tenant_id, customer_id, as_of)
    return [_record("follow_up", r.id, r.occurred_at, f"{r.channel}: {r.summary}"[:200], value=r.channel,
                    follow_up_id=r.id) for r in rows]


async def _requirements(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID,
                        as_of: datetime) -> list[dict[str, Any]]:
    latest = await repo.history_rows(session, tenant_id, customer_id, "customer", d.REQUIREMENT_ATTRIBUTES,
                                     as_of)
    records = []
    for flag, attribute in zip(d.REQUIREMENT_FLAGS, d.REQUIREMENT_ATTRIBUTES, strict=True):
        row = latest.get((customer_id, attribute))
        value = row.value if row is not None else "false"
        records.append(_record("requirement", row.id if row else None, row.effective_at if row else None,
                               f"{flag} = {value}", value=value))
    return records


async def _decision_chain(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID,
                          as_of: datetime) -> list[dict[str, Any]]:
    """Contacts holding a counted role as of as_of, each with the latest follow-up that named them."""
    roles = await repo.history_rows(session, tenant_id, customer_id, "contact", (d.ROLE_ATTRIBUTE,), as_of)
    holders = {contact: row.value for (contact, _), row in roles.items() if row.value in d.DECISION_ROLES}
    engaged: dict[uuid.UUID, Any] = {}
    for follow_up in await repo.engaging_follow_ups(session, tenant_id, customer_id, as_of):
        for raw in follow_up.contact_ids or []:
            try:
                contact_id = uuid.UUID(str(raw))
            except ValueError:
                continue
            if contact_id in holders:
                engaged.setdefault(contact_id, follow_up)  # newest first: keep the latest
    names = await repo.contact_names(session, tenant_id, list(engaged))
    ordered = sorted(engaged, key=lambda c: (d.DECISION_ROLES.index(holders[c]), str(c)))
    return [
        _record("contact", contact_id, engaged[contact_id].occurred_at,
                f"{names.get(contact_id, '?')} ({holders[contact_id]})", value=holders[contact_id],
                follow_up_id=engaged[contact_id].id)
        for contact_id in ordered
    ]


async def _competitors(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID,
                       as_of: datetime) -> list[dict[str, Any]]:
    rows = await repo.competitor_records(session, tenant_id, customer_id, as_of)
    records = []
    for r in rows:
        fields = r.fields or {}
        text = " / ".join(str(fields[k]) for k in ("competitor", "note") if fields.get(k))
        records.append(_record("action", r.id, r.occurred_at, f"{d.COMPETITOR_ACTION}: {text}",
                               value=fields.get("competitor"), follow_up_id=r.follow_up_id))
    return records


EXPLAINERS = {
    d.INTERACTION: _interactions,
    d.REQUIREMENTS: _requirements,
    d.DECISION_CHAIN: _decision_chain,
    d.COMPETITOR: _competitors,
}


async def records(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, as_of: datetime,
                  codes: list[str]) -> dict[str, list[dict[str, Any]]]:
    return {code: await EXPLAINERS[code](session, tenant_id, customer_id, as_of) for code in codes}
