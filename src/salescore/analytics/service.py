"""Analytics rules: periods in tenant time, the workday calendar, who may be asked about, and
turning the small per-user SQL aggregates into rates. Never loops over reports or actions.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.action import service as action_service
from salescore.action.defaults import ACTION_TEMPLATES
from salescore.analytics import repository as repo
from salescore.analytics import scope
from salescore.kit import workdays as calendar
from salescore.kit.errors import Unprocessable
from salescore.kit.i18n import Lang, label_of
from salescore.kit.principal import Principal
from salescore.kit.types import utcnow
from salescore.tenancy import service as tenancy

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 366
# "High activity, zero conversion" (§5, the seed's case): an action used on at least this many
# distinct days in the period without a single win among the touched customers' deals.
HIGH_ACTIVITY_DAYS = 10
SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    today: date


def resolve_period(
    start: date | None,
    end: date | None,
    today: date,
    *,
    default_start: Callable[[date], date] | None = None,
    bounds: tuple[date, date] | None = None,
    max_days: int = MAX_PERIOD_DAYS,
) -> Period:
    """The period every analytics figure is asked for. Defaults: `to` = today (tenant time), or `from`
    when that is later; `from` = `default_start(to)` (the 30 days ending at `to` unless given), never
    before the lower bound. With `bounds`, both days must lie within them (far dates would overflow
    the tenant-time arithmetic of some figures)."""
    if bounds is not None:
        for field, day in (("from", start), ("to", end)):
            if day is not None and not bounds[0] <= day <= bounds[1]:
                raise Unprocessable.field(field, f"must be from {bounds[0]} to {bounds[1]}")
    if end is None:
        end = today if start is None or start <= today else start
    if start is None:
        start = (default_start(end) if default_start is not None
                 else end - timedelta(days=min(DEFAULT_PERIOD_DAYS - 1, (end - date.min).days)))
        if bounds is not None:
            start = max(bounds[0], start)
    if end < start:
        raise Unprocessable.field("to", "must not be before `from`")
    if (end - start).days + 1 > max_days:
        raise Unprocessable.field("to", f"the period may span at most {max_days} days")
    return Period(start, end, today)


@dataclass(frozen=True)
class TenantCalendar:
    timezone: str
    overrides: dict[str, bool]


async def _tenant_period(
    session: AsyncSession, principal: Principal, start: date | None, end: date | None
) -> tuple[Period, TenantCalendar]:
    tenant = await tenancy.get_tenant(session, principal.tenant_id)
    period = resolve_period(start, end, calendar.local_date(utcnow(), tenant.timezone))
    return period, TenantCalendar(tenant.timezone, tenancy.workday_overrides(tenant))


@dataclass
class Tally:
    """The sums behind one row of figures (a user, a team, the total)."""

    expected: int = 0
    submitted: int = 0
    on_time: int = 0
    delay_seconds: int = 0

    def add(self, other: Tally) -> None:
        self.expected += other.expected
        self.submitted += other.submitted
        self.on_time += other.on_time
        self.delay_seconds += other.delay_seconds

    def figures(self) -> dict[str, Any]:
        def ratio(part: int, whole: int) -> float | None:
            return round(part / whole, 4) if whole else None

        return {
            "expected": self.expected, "submitted": self.submitted,
            "submission_rate": ratio(self.submitted, self.expected),
            "on_time": self.on_time, "on_time_rate": ratio(self.on_time, self.submitted),
            "mean_delay_days": round(self.delay_seconds / self.submitted / SECONDS_PER_DAY, 4)
            if self.submitted else None,
        }


@dataclass(frozen=True)
class ReportTallies:
    """Per writer and period: the daily-report sums behind the submission figures."""

    writers: Sequence[Any]  # (id, name, team_id, team_name, created_at), sorted by name
    tallies: dict[tuple[uuid.UUID, int], Tally]  # (writer id, period index) -> sums

    def of(self, user_id: uuid.UUID, period: int = 0) -> Tally:
        return self.tallies.get((user_id, period), Tally())


async def report_tallies(
    session: AsyncSession,
    principal: Principal,
    team_id: uuid.UUID | None,
    periods: Sequence[tuple[date, date]],
    through: date,
    tenant: TenantCalendar,
) -> ReportTallies:
    """The one definition of expected and submitted daily reports (§5), for consecutive periods:
    expected = the workdays of each period up to `through`, on or after the writer's creation day
    (tenant time), for active reps and managers; submitted = their reports dated on those days.
    Used by the daily-report analytics (one period) and the weekly KPIs (one period per week)."""
    start, end = periods[0][0], periods[-1][1]
    counted = [d for d in calendar.workdays_in(start, end, tenant.overrides) if d <= through]
    # counted_before[i] = counted workdays before day start+i, so a user whose first expected
    # day is f expects counted_before[last + 1] - counted_before[f] reports in a period: O(1).
    counted_days, counted_before = set(counted), [0]
    for day in calendar.days(start, end):
        counted_before.append(counted_before[-1] + (day in counted_days))
    writers = await repo.report_writers(session, principal, team_id)
    late: list[tuple[uuid.UUID, date]] = []  # writers who joined after the first period began
    tallies: dict[tuple[uuid.UUID, int], Tally] = {}
    for w in writers:
        joined = calendar.local_date(w.created_at, tenant.timezone)
        if joined > start:
            late.append((w.id, joined))
        for i, (first, last) in enumerate(periods):
            first = max(first, joined)
            if first <= last:
                expected = counted_before[(last - start).days + 1] - counted_before[(first - start).days]
                tallies[(w.id, i)] = Tally(expected)
    starts = [first for first, _ in periods]
    rows = await repo.report_counts(session, principal, team_id, counted, late, starts) if writers else []
    for row in rows:
        tally = tallies.setdefault((row.user_id, int(row.period)), Tally())
        tally.submitted, tally.on_time, tally.delay_seconds = row.submitted, row.on_time, int(row.delay_seconds)
    return ReportTallies(writers, tallies)


async def daily_report_stats(
    session: AsyncSession,
    principal: Principal,
    start: date | None,
    end: date | None,
    team_id: uuid.UUID | None,
) -> dict[str, Any]:
    period, tenant = await _tenant_period(session, principal, start, end)
    await scope.check_team(session, principal, team_id)
    days = calendar.workdays_in(period.start, period.end, tenant.overrides)
    through = min(period.end, period.today)
    found = await report_tallies(session, principal, team_id, [(period.start, period.end)], through, tenant)
    writers = found.writers

    users, teams, total = [], {}, Tally()
    for w in writers:
        tally = found.of(w.id)
        users.append({"user_id": w.id, "name": w.name, "team_id": w.team_id, **tally.figures()})
        total.add(tally)
        if w.team_id is not None:
            teams.setdefault(w.team_id, (w.team_name, Tally()))[1].add(tally)
    return {
        "from": period.start, "to": period.end, "through": through, "workdays": len(days),
        "calendar_warnings": calendar.calendar_warnings(period.start, period.end),
        "users": users,
        "teams": sorted(
            ({"team_id": tid, "name": name, **t.figures()} for tid, (name, t) in teams.items()),
            key=lambda t: (t["name"], str(t["team_id"])),
        ),
        "total": total.figures(),
    }


@cache
def _default_labels() -> dict[str, dict[str, str]]:
    return {t["code"]: t for t in ACTION_TEMPLATES}


async def action_labels(session: AsyncSession, tenant_id: uuid.UUID, lang: Lang) -> dict[str, str]:
    """code -> label: the tenant's own templates, then the defaults (actions recorded under a
    code the tenant no longer has), then the code itself."""
    defaults = {code: label_of(t, lang) for code, t in _default_labels().items()}
    return defaults | await action_service.labels(session, tenant_id, lang)


async def action_effectiveness(
    session: AsyncSession,
    principal: Principal,
    start: date | None,
    end: date | None,
    *,
    user_id: uuid.UUID | None,
    team_id: uuid.UUID | None,
    code: str | None,
    lang: Lang,
) -> dict[str, Any]:
    period, _ = await _tenant_period(session, principal, start, end)
    await scope.check_team(session, principal, team_id)
    if user_id is not None and not await scope.user_in_reach(session, principal, user_id):
        raise Unprocessable.field("user_id", "no user with this id whose figures you may see")
    rows = await repo.action_usage(
        session, principal, period.start, period.end, user_id=user_id, team_id=team_id, code=code
    )
    labels = await action_labels(session, principal.tenant_id, lang) if rows else {}
    items = [
        {
            **row._asdict(),
            "label": labels.get(row.code, row.code),
            "high_activity_zero_conversion": row.days_used >= HIGH_ACTIVITY_DAYS and row.wins == 0,
        }
        for row in rows
    ]
    return {"from": period.start, "to": period.end, "high_activity_days": HIGH_ACTIVITY_DAYS, "items": items}
