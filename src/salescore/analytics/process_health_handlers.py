"""Keeping stored process-health days honest: a follow-up (with its actions) recorded, moved or
deleted in the past changes the index of every day whose window holds it, so those days' marks go
and the days are recomputed when next asked for (the duty recomputes yesterday on its next round).

Only events that can touch a past day run: a follow-up logged as it happens (occurred_at = now, the
app's default) touches today, which is never stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.analytics import process_health_repository as repo
from salescore.analytics.settings import settings_of
from salescore.events.registry import on
from salescore.kit import workdays as calendar
from salescore.kit.types import utcnow
from salescore.models import Event
from salescore.tenancy import service as tenancy

# A follow-up occurring more than this before it is recorded may belong to a day already stored (23:58
# logged at 00:02); the handler then decides in tenant time. Logged "now" (the app's default), it cannot.
BACK_DATED = timedelta(seconds=1)
# Follow-up attributes the index reads (actions carry the objection and proposal codes).
INPUTS = frozenset({"occurred_at", "channel", "actions", "user_id", "opportunity_id", "deleted_at"})


def _moments(event: Event) -> list[datetime]:
    payload = event.payload or {}
    record, changes = payload.get("record") or {}, payload.get("changes") or {}
    texts = [record.get("occurred_at"), *(changes.get("occurred_at") or [])]
    out = []
    for text in texts:
        try:
            out.append(datetime.fromisoformat(text))
        except (TypeError, ValueError):
            continue
    return out


def _touches_the_past(event: Event) -> bool:
    if event.type == "follow_up.updated" and not set((event.payload or {}).get("changes") or {}) & INPUTS:
        return False
    moments = _moments(event)
    recorded = event.occurred_at or utcnow()
    return event.type != "follow_up.created" or any(m < recorded - BACK_DATED for m in moments)


@on("follow_up.created", "follow_up.updated", "follow_up.deleted", name="analytics.process_health_stale",
    when=_touches_the_past)
async def forget_affected_days(session: AsyncSession, event: Event) -> None:
    tenant = await tenancy.get_tenant(session, event.tenant_id)
    window = settings_of(tenant).process_health.window_days
    yesterday = calendar.local_date(utcnow(), tenant.timezone) - timedelta(days=1)
    firsts = [d for d in (calendar.local_date(m, tenant.timezone) for m in _moments(event)) if d <= yesterday]
    if firsts:
        await repo.lock_days(session, tenant.id)  # a computation in flight commits its marks first
        for first in firsts:
            await repo.forget_days(session, tenant.id, first, min(yesterday, first + timedelta(days=window - 1)))
