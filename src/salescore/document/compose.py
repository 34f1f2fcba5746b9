"""Filling a template from a customer's record: the values (PLACEHOLDERS keys), ${key}
substitution, and sections -> blocks (document/render.py turns blocks into each format).

Substitution is a lookup in a flat dict of the documented keys, nothing else: no attribute
access, no expressions, no template engine.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.attachment import service as attachment_service
from salescore.document import repository as repo
from salescore.document.render import Block
from salescore.document.templates import PLACEHOLDER
from salescore.kit.errors import NotFound
from salescore.kit.types import utcnow
from salescore.kit.workdays import local_date
from salescore.knowledge import service as knowledge_service
from salescore.models import Customer, Opportunity, Tenant

DEFAULT_CASE_TAG = "${customer.industry}"
DEFAULT_CASE_LIMIT = 3
DEFAULT_NO_CASES = "暂无相关案例。"
CASE_EXCERPT = 500


def text_of(value: Any) -> str:
    """A value as it reads inside a sentence ('' when missing)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "已提供" if value else "未提供"
    if isinstance(value, list):
        return "、".join(text_of(v) for v in value if v not in (None, ""))
    return str(value)


def cell_of(value: Any) -> str:
    """A value as it reads in a field row ('—' when missing)."""
    if isinstance(value, list):
        return "；".join(text_of(v) for v in value if v not in (None, "")) or "—"
    return text_of(value) or "—"


def fill(text: str, values: dict[str, Any]) -> str:
    return PLACEHOLDER.sub(lambda m: text_of(values.get(m.group(1))), text)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:,.2f}"


@dataclass(frozen=True)
class Source:
    """What a document is generated from, besides the customer and the deal."""

    user_id: uuid.UUID | None
    action: dict[str, Any] | None = None  # an action.performed payload
    signal: str | None = None


async def _solution_file(session: AsyncSession, tenant_id: uuid.UUID, value: Any) -> Any:
    """An attachment field shows the file's name, not its id."""
    try:
        attachment = await attachment_service.get_for_record(session, tenant_id, uuid.UUID(str(value)))
    except (ValueError, NotFound):
        return value
    return attachment.filename or value


async def values_for(
    session: AsyncSession, customer: Customer, deal: Opportunity | None, source: Source, number: str
) -> dict[str, Any]:
    """Every PLACEHOLDERS key for this customer, deal and source (JSON-ready; None when unknown)."""
    tenant_id = customer.tenant_id
    tenant = await session.scalar(sa.select(Tenant).where(Tenant.id == tenant_id))
    tz = tenant.timezone if tenant else "Asia/Shanghai"
    contacts = await repo.contacts_of(session, tenant_id, customer.id)
    requirements = customer.requirements or {}
    action = source.action or {}
    fields = action.get("fields") or {}
    performed_on = None
    if action.get("occurred_at"):
        performed_on = local_date(datetime.fromisoformat(action["occurred_at"]), tz).isoformat()
    action_user = uuid.UUID(action["user_id"]) if action.get("user_id") else None
    return {
        "customer.name": customer.name, "customer.industry": customer.industry, "customer.region": customer.region,
        "customer.country": customer.country, "customer.city": customer.city,
        "customer.location": " ".join(x for x in (customer.country, customer.region, customer.city) if x) or None,
        "customer.lifecycle": customer.lifecycle, "customer.grade": customer.grade, "customer.source": customer.source,
        "customer.tags": list(customer.tags or []), "customer.annual_purchase": _money(customer.annual_purchase),
        "customer.owner": await repo.user_name(session, tenant_id, customer.owner_id),
        "customer.contacts": [f"{c.name}（{c.title or c.decision_role}）" for c in contacts],
        **{f"customer.requirements.{k}": bool(requirements.get(k))
           for k in ("drawings", "tech_params", "budget_range")},
        "opportunity.name": deal.name if deal else None, "opportunity.stage": deal.stage if deal else None,
        "opportunity.amount": _money(deal.amount) if deal else None,
        "opportunity.currency": deal.currency if deal else None,
        "opportunity.expected_close_date": _iso(deal.expected_close_date) if deal else None,
        "opportunity.product_line": deal.product_line if deal else None,
        "opportunity.competitors": list(deal.competitors or []) if deal else None,
        "action.note": fields.get("note"),
        "action.solution_file": await _solution_file(session, tenant_id, fields["solution_file"])
        if fields.get("solution_file") else None,
        "action.performed_by": await repo.user_name(session, tenant_id, action_user),
        "action.performed_on": performed_on,
        "signal.code": source.signal,
        "document.number": number,
        "document.date": local_date(utcnow(), tz).isoformat(),
        "user.name": await repo.user_name(session, tenant_id, source.user_id),
        "tenant.name": tenant.name if tenant else None,
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _text_blocks(text: str) -> list[Block]:
    """Paragraphs; consecutive lines starting with '- ' form one bulleted list."""
    blocks: list[Block] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("- "):
            if blocks and blocks[-1]["type"] == "list":
                blocks[-1]["items"].append(line[2:])
            else:
                blocks.append({"type": "list", "items": [line[2:]]})
        else:
            blocks.append({"type": "paragraph", "text": line})
    return blocks


async def _cases(
    session: AsyncSession, tenant_id: uuid.UUID, section: dict[str, Any], values: dict[str, Any]
) -> tuple[list[Block], list[dict[str, str]]]:
    tag = fill(section.get("tag") or DEFAULT_CASE_TAG, values).strip()
    entries = await knowledge_service.latest_cases(
        session, tenant_id, tag, section.get("limit") or DEFAULT_CASE_LIMIT) if tag else []
    if not entries:
        return [{"type": "paragraph", "text": fill(section.get("empty_text") or DEFAULT_NO_CASES, values)}], []
    blocks: list[Block] = []
    for i, entry in enumerate(entries, 1):
        body = entry.body if len(entry.body) <= CASE_EXCERPT else entry.body[:CASE_EXCERPT] + "……"
        blocks += [{"type": "heading", "level": 3, "text": f"案例{i}：{entry.title}"}, *_text_blocks(body)]
    return blocks, [{"id": str(e.id), "title": e.title} for e in entries]


async def compose(
    session: AsyncSession, tenant_id: uuid.UUID, title: str, sections: list[dict[str, Any]], values: dict[str, Any]
) -> tuple[list[Block], list[dict[str, str]]]:
    """The document's blocks, and the knowledge-base cases it quotes (for the drill-down)."""
    blocks: list[Block] = [
        {"type": "heading", "level": 1, "text": f"《{title}》"},
        {"type": "paragraph", "text": f"编号：{values.get('document.number') or ''}"},
    ]
    cited: list[dict[str, str]] = []
    for section in sections:
        if section.get("heading"):
            blocks.append({"type": "heading", "level": 2, "text": fill(section["heading"], values)})
        kind = section["kind"]
        if kind == "fields":
            rows = [{"label": r["label"], "value": cell_of(values.get(r["key"]))} for r in section["fields"]]
            blocks.append({"type": "fields", "rows": rows})
        elif kind == "text":
            blocks += _text_blocks(fill(section["text"], values))
        elif kind == "cases":
            case_blocks, used = await _cases(session, tenant_id, section, values)
            blocks += case_blocks
            cited += used
        elif kind == "table":
            rows = [[fill(cell, values) for cell in row] for row in section.get("rows") or []]
            blocks.append({"type": "table", "columns": [fill(c, values) for c in section["columns"]], "rows": rows})
        elif kind == "checklist":
            blocks.append({"type": "checklist", "items": [fill(i, values) for i in section["items"]]})
    return blocks, cited
