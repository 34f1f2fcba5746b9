"""The three-colour board (三色看板, §10): where the process breaks (red: quotes left unconfirmed),
sticks (yellow: signing → first payment) and goes blind (green: A customers nobody follows up).

Windows end at the end of `as_of` in tenant time; the workday calendar stays in Python and is
handed to SQL as a running count per date, so each check is one aggregate over the window.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.analytics import board_repository as repo
from salescore.analytics.scope import EARLIEST_AS_OF, check_team
from salescore.analytics.settings import settings_of
from salescore.kit import workdays as calendar
from salescore.kit.dialect import without_jit
from salescore.kit.errors import Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.sqlstats import local_start
from salescore.kit.types import utcnow
from salescore.tenancy import service as tenancy


def _check(value: float | None, threshold: float, sample_size: int, ids: list[uuid.UUID],
           **extra: Any) -> dict[str, Any]:
    status = "alert" if value is not None and value > threshold else "ok"
    return {"value": value, "threshold": threshold, "status": status, "sample_size": sample_size, "ids": ids,
            **extra}


async def three_color_board(
    session: AsyncSession, principal: Principal, as_of: date | None, team_id: uuid.UUID | None
) -> dict[str, Any]:
    tenant = await tenancy.get_tenant(session, principal.tenant_id)
    now = utcnow()
    today = calendar.local_date(now, tenant.timezone)
    as_of = as_of or today
    if not EARLIEST_AS_OF <= as_of <= today:
        raise Unprocessable.field("as_of", f"must be a date from {EARLIEST_AS_OF.isoformat()} to today")
    await check_team(session, principal, team_id)
    await without_jit(session)  # at scale M compiling these aggregates costs more than running them
    config = settings_of(tenant).board
    end = local_start(as_of + timedelta(days=1), tenant.timezone)

    red_cfg = config.red
    red_since = end - timedelta(days=red_cfg.window_days)
    # Only quotes whose confirmation window has passed -- by as_of, and by now when as_of is today.
    submitted_before = min(end, now) - timedelta(hours=red_cfg.confirm_hours)
    quotes, missed, red_ids = await repo.unconfirmed_quotes(
        session, principal, team_id, since=red_since, submitted_before=submitted_before,
        confirm_hours=red_cfg.confirm_hours)
    red = _check(round(missed / quotes, 4) if quotes else None, red_cfg.max_unconfirmed_share, quotes, red_ids,
                 unconfirmed=missed, window={"from": red_since, "to": end, "submitted_before": submitted_before})

    yellow_cfg = config.yellow
    yellow_since = end - timedelta(days=yellow_cfg.window_days)
    overrides = tenancy.workday_overrides(tenant)
    first_day = calendar.local_date(yellow_since, tenant.timezone)
    running, count = [], 0
    for day in calendar.days(first_day, as_of):
        count += calendar.is_workday(day, overrides)
        running.append((day, count))
    deals, median, over = await repo.signing_to_payment(
        session, principal, team_id, since=yellow_since, end=end, running_workdays=running,
        max_workdays=yellow_cfg.max_median_workdays)
    yellow = _check(median, yellow_cfg.max_median_workdays, deals, [d[0] for d in over],
                    deals=[{"id": d, "signed_on": s, "paid_on": p, "workdays": w} for d, s, p, w in over],
                    window={"from": yellow_since, "to": end})

    green_cfg = config.green
    green_since = end - timedelta(days=green_cfg.window_days)
    graded, unattended = await repo.unattended_customers(
        session, principal, team_id, grade=green_cfg.grade, since=green_since, end=end, current=as_of == today)
    green = _check(len(unattended), green_cfg.max_customers, graded, unattended, grade=green_cfg.grade,
                   window={"from": green_since, "to": end})

    return {
        "as_of": as_of, "team_id": team_id,
        "calendar_warnings": calendar.calendar_warnings(first_day, as_of),
        "red": red, "yellow": yellow, "green": green,
    }


def csv_rows(board: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per check: figure, threshold, status, sample and the breaching ids."""
    return [
        {"check": key, "as_of": board["as_of"], **{k: board[key][k] for k in
                                                   ("value", "threshold", "status", "sample_size", "ids")}}
        for key in ("red", "yellow", "green")
    ]
