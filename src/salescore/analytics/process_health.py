"""Process health index (过程健康度, §10): per rep per day, 0.4·effective follow-ups + 0.3·objection
records + 0.3·proposal customization, each normalized to the tenant's 90th percentile of reps over
the window and capped at 1, scaled to 0–100.

Days are computed in SQL and stored (by the periodic duty for yesterday, or on demand for days a
request asks about that are not stored); the endpoint aggregates the stored rows. A follow-up
recorded, moved or deleted in the past, or a change of the definition (analytics settings), makes
the days it affects unstored again (process_health_handlers), so they are recomputed when next
asked for.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.analytics import process_health_repository as repo
from salescore.analytics import scope
from salescore.analytics.service import resolve_period
from salescore.analytics.settings import settings_of
from salescore.kit import workdays as calendar
from salescore.kit.dialect import without_jit
from salescore.kit.errors import Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import utcnow
from salescore.tenancy import service as tenancy

WEIGHTS = {"follow_ups": 0.4, "objections": 0.3, "proposals": 0.3}
# Windows reach back window_days before `from`; no CRM record predates this, and dates near
# date.min would overflow in the tenant-time arithmetic.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)


async def compute_missing(session: AsyncSession, tenant_id: uuid.UUID, days: list[date]) -> list[date]:
    """Compute and store those of `days` not stored yet, under the tenant's lock; the days computed."""
    if not days:
        return []
    await repo.lock_days(session, tenant_id)
    # Days before the tenant's first follow-up have nothing to index: neither the duty nor a request
    # stores them (a request for 1970 costs one indexed lookup, not 366 empty days).
    first = await repo.first_activity_day(session, tenant_id, (await tenancy.get_tenant(session, tenant_id)).timezone)
    candidates = [d for d in days if first is not None and d >= first]
    missing = sorted(set(candidates) - await repo.stored_days(session, tenant_id, candidates))
    await compute_days(session, tenant_id, missing)
    return missing


async def compute_days(session: AsyncSession, tenant_id: uuid.UUID, days: list[date]) -> None:
    """Compute and store `days` for the tenant with its current settings (replacing stored rows),
    and mark them stored. Callers hold `repo.lock_days`. Never commits."""
    if not days:
        return
    tenant = await tenancy.get_tenant(session, tenant_id)
    conf = settings_of(tenant)
    definition = repo.Definition(
        window_days=conf.process_health.window_days,
        effective_channels=conf.kpis.effective_channels,
        objection_codes=conf.process_health.objection_codes,
        proposal_codes=conf.process_health.proposal_codes,
    )
    now = utcnow()
    await without_jit(session)
    await repo.replace_days(session, tenant_id, sorted(days), definition, tenant.timezone, now)
    await repo.mark_stored(session, tenant_id, days, now)


def resolve_range(start: date | None, end: date | None, yesterday: date) -> tuple[date, date]:
    """Defaults: the 30 days to yesterday, or to `to`, or from `from` to yesterday."""
    period = resolve_period(start, end, yesterday, bounds=(FIRST_DAY, LAST_DAY))
    return period.start, period.end


async def process_health(
    session: AsyncSession,
    principal: Principal,
    start: date | None,
    end: date | None,
    *,
    group_by: scope.GroupBy,
    team_id: uuid.UUID | None,
    user_id: uuid.UUID | None,
) -> dict[str, Any]:
    tenant = await tenancy.get_tenant(session, principal.tenant_id)
    yesterday = calendar.local_date(utcnow(), tenant.timezone) - timedelta(days=1)
    start, end = resolve_range(start, end, yesterday)
    await scope.check_team(session, principal, team_id)
    if user_id is not None and not await scope.user_in_reach(session, principal, user_id):
        raise Unprocessable.field("user_id", "no user with this id whose figures you may see")
    # Today is still happening: only days up to yesterday are computed (and so ever stored).
    through = min(end, yesterday)
    first = await repo.first_activity_day(session, principal.tenant_id, tenant.timezone) if through >= start else None
    wanted = list(calendar.days(max(start, first), through)) if first is not None and through >= first else []
    missing = []
    if set(wanted) - await repo.stored_days(session, principal.tenant_id, wanted):
        missing = await compute_missing(session, principal.tenant_id, wanted)

    daily, overall = await repo.group_series(session, principal, start, through, group_by, team_id, user_id)
    groups = _groups(group_by, daily, overall)
    labels = await scope.group_labels(session, principal, group_by, [g["key"] for g in groups])
    for g in groups:
        g["label"] = labels.get(g["key"], g["key"])
    groups.sort(key=lambda g: (g["label"], g["key"]))
    result: dict[str, Any] = {
        "from": start, "to": end, "through": through if wanted else None, "group_by": group_by,
        "weights": WEIGHTS, "window_days": settings_of(tenant).process_health.window_days,
        "computed_days": len(missing), "groups": groups, "reps": None,
    }
    if group_by == "rep" or user_id is not None:
        rows = await repo.rep_days(session, principal, start, through, group_by == "product_line", team_id, user_id)
        result["reps"] = _reps(rows)
    return result


def _groups(group_by: scope.GroupBy, daily: Any, overall: Any) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for row in overall:
        key = scope.normal_key(group_by, row.key)
        groups[key] = {"key": key, "label": key, "mean": round(float(row.mean), 2), "trend": None, "n": row.n,
                       "series": []}
    for row in daily:
        groups[scope.normal_key(group_by, row.key)]["series"].append(
            {"day": _day(row.day), "index": round(float(row.mean), 2), "n": row.n})
    for g in groups.values():
        if g["series"]:
            g["trend"] = round(g["series"][-1]["index"] - g["series"][0]["index"], 2)
    return list(groups.values())


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _reps(rows: Any) -> list[dict[str, Any]]:
    reps: dict[uuid.UUID, dict[str, Any]] = {}
    for r in rows:
        rep = reps.setdefault(r.user_id, {"user_id": r.user_id, "name": r.name, "team_id": r.team_id, "days": []})
        rep["days"].append({
            "day": r.day,
            "product_line": r.product_line or None,
            "index": r.health_index,
            "follow_ups": r.follow_ups, "objections": r.objections, "proposals": r.proposals,
            "components": {"follow_ups": round(r.c_follow_ups, 4), "objections": round(r.c_objections, 4),
                           "proposals": round(r.c_proposals, 4)},
            "p90": {"follow_ups": r.p90_follow_ups, "objections": r.p90_objections, "proposals": r.p90_proposals},
            "window_days": r.window_days,
        })
    return list(reps.values())


CSV_GROUP_COLUMNS = ("group_by", "key", "label", "day", "index", "n", "range_mean", "range_trend")
CSV_REP_COLUMNS = ("user_id", "name", "day", "product_line", "index", "follow_ups", "objections", "proposals")


def csv_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Per rep per day (with counts and components) when reps are listed, else per group per day."""
    if result["reps"] is not None:
        return [{"user_id": rep["user_id"], "name": rep["name"], **day}
                for rep in result["reps"] for day in rep["days"]]
    return [{"group_by": result["group_by"], "key": g["key"], "label": g["label"], "day": point["day"],
             "index": point["index"], "n": point["n"], "range_mean": g["mean"], "range_trend": g["trend"]}
            for g in result["groups"] for point in g["series"]]
