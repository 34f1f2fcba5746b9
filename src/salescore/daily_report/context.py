"""What a rep sees about a customer while writing a report (系统自动带出该客户最近3次沟通摘要)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.action import service as action_service
from salescore.daily_report import repository as repo
from salescore.opportunity import service as opportunity_service
from salescore.signal import service as signal_service
from salescore.kit.i18n import Lang
from salescore.kit.principal import Principal
from salescore.models import Customer, DailyReport


async def customer_context(session: AsyncSession, principal: Principal, customer: Customer) -> dict[str, Any]:
    recent = await repo.recent_follow_ups(session, principal.tenant_id, customer.id)
    return {
        "id": customer.id, "name": customer.name, "industry": customer.industry, "tags": customer.tags,
        "grade": customer.grade, "health_score": customer.health_score,
        "open_opportunities": await opportunity_service.open_deals_of(session, principal, customer.id),
        "open_signals": await signal_service.signals_of(session, principal.tenant_id, customer.id),
        "recent_follow_ups": [
            {"id": f.id, "occurred_at": f.occurred_at, "channel": f.channel, "summary": f.summary,
             "user_id": f.user_id, "action_codes": [a.get("code") for a in f.actions]}
            for f in recent
        ],
    }


async def read_reports(
    session: AsyncSession, principal: Principal, reports: list[DailyReport], lang: Lang
) -> list[dict[str, Any]]:
    """Reports with customer names and industry tags resolved (one lookup for the whole page)."""
    ids = {item["customer_id"] for r in reports for item in r.items} | {r.progress["customer_id"] for r in reports}
    customers = await repo.customer_briefs(session, principal.tenant_id, {uuid.UUID(i) for i in ids})
    labels = await action_service.labels(session, principal.tenant_id, lang)

    def brief(customer_id: str) -> dict[str, Any]:
        c = customers.get(uuid.UUID(customer_id))
        return {"customer_id": customer_id, "customer_name": c.name if c else None,
                "industry": c.industry if c else None, "tags": c.tags if c else []}

    out = []
    for r in reports:
        out.append({
            **{c: getattr(r, c) for c in ("id", "user_id", "team_id", "submitted_at", "deadline_at", "on_time",
                                          "amended_at", "version", "created_at", "updated_at")},
            "date": r.report_date,
            "delay_days": round(r.delay_seconds / 86400, 4),
            "items": [{**item, **brief(item["customer_id"]), "action_label": labels.get(item["action_code"], item["action_code"])}
                      for item in r.items],
            "progress": {**r.progress, **brief(r.progress["customer_id"])},
            "signals": getattr(r, "signals", None),
        })
    return out


