"""Loss-reason analytics (SPEC §10): losses grouped by reason, by rep × reason and by stage × reason,
and the reps losing on the same reason 3 months running. Aggregated in SQL; Python only shapes the
small grouped results. Never commits."""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.analytics import scope
from salescore.analytics.service import resolve_period
from salescore.kit.errors import Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import utcnow
from salescore.kit.workdays import local_date, local_datetime
from salescore.postmortem import reasons
from salescore.postmortem import repository as repo
from salescore.postmortem.defaults import FALLBACK_REASON
from salescore.tenancy import service as tenancy

DEFAULT_MONTHS = 12
MAX_PERIOD_DAYS = 731
RUN_MONTHS = 3
# Dates any time zone can turn into timestamps.
EARLIEST, LATEST = date(1900, 1, 1), date(9998, 12, 31)


def _month_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def resolve_months(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """Default: the 12 calendar months ending with `to`'s month (`to` defaults to today)."""
    period = resolve_period(start, end, today, default_start=lambda last: _month_back(last, DEFAULT_MONTHS - 1),
                            bounds=(EARLIEST, LATEST), max_days=MAX_PERIOD_DAYS)
    return period.start, period.end


def months_of(start: date, end: date) -> list[date]:
    """The first day of every calendar month from start's to end's."""
    first, months = date(start.year, start.month, 1), []
    while first <= end:
        months.append(first)
        first = _month_back(first, -1)
    return months


async def _check_filters(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID | None, owner_id: uuid.UUID | None
) -> None:
    await scope.check_team(session, principal, team_id)
    if owner_id is not None and not await scope.user_in_reach(session, principal, owner_id):
        raise Unprocessable.field("owner_id", "no user with this id whose figures you may see")


def _figures(row: Any, labels: dict[str, str]) -> dict[str, Any]:
    return {"reason": row.reason, "label": labels.get(row.reason, row.reason), "count": row.count,
            "amount": round(float(row.amount or 0), 2)}


async def loss_reasons(
    session: AsyncSession,
    principal: Principal,
    start: date | None,
    end: date | None,
    *,
    team_id: uuid.UUID | None,
    owner_id: uuid.UUID | None,
    currency: str,
) -> dict[str, Any]:
    tenant = await tenancy.get_tenant(session, principal.tenant_id)
    tz = tenant.timezone
    start, end = resolve_months(start, end, local_date(utcnow(), tz))
    await _check_filters(session, principal, team_id, owner_id)
    months = months_of(start, end)
    # Month k runs from its first day 00:00 (tenant time) to the next's; the first from `from`.
    bounds = [local_datetime(start, time(0), tz), *(local_datetime(m, time(0), tz) for m in months[1:])]
    losses = repo.losses(principal, start=bounds[0], end=local_datetime(end + timedelta(days=1), time(0), tz),
                         currency=currency, fallback_reason=FALLBACK_REASON, team_id=team_id, owner_id=owner_id)
    reason_list = reasons.reasons_of(tenant)
    labels = reasons.labels(reason_list)
    by_reason = [_figures(r, labels) for r in await repo.loss_figures(session, principal, losses, "reason")]
    by_owner = [{**_figures(r, labels), "owner_id": r.owner_id, "name": r.name}
                for r in await repo.loss_figures(session, principal, losses, "owner_id", "reason")]
    by_stage = [{**_figures(r, labels), "stage": r.stage}
                for r in await repo.loss_figures(session, principal, losses, "stage", "reason")]
    runs = await repo.loss_runs(session, principal, losses, bounds, RUN_MONTHS)
    flags = [
        {"owner_id": r.owner_id, "name": r.name, "reason": r.reason, "label": labels.get(r.reason, r.reason),
         "months": [months[i].strftime("%Y-%m") for i in range(r.first, r.last + 1)]}
        for r in runs
    ]
    return {
        "from": start, "to": end, "currency": currency, "reasons": reason_list,
        "total": {"count": sum(r["count"] for r in by_reason),
                  "amount": round(sum(r["amount"] for r in by_reason), 2)},
        "by_reason": sorted(by_reason, key=lambda r: (-r["count"], r["reason"])),
        "by_owner": sorted(by_owner, key=lambda r: (r["name"] or "", str(r["owner_id"]), -r["count"], r["reason"])),
        "by_stage": sorted(by_stage, key=lambda r: (r["stage"] is None, r["stage"] or "", -r["count"], r["reason"])),
        "flags": sorted(flags, key=lambda f: (f["name"] or "", str(f["owner_id"]), f["reason"], f["months"][0])),
    }
