"""Weekly KPIs (§10): every metric as a series of Monday–Sunday weeks in tenant time, per group,
each point with the sample it is computed over -- because a single week misleads.

SQL (kpi_repository) returns one row per (week, group) and metric; this module turns the sums
into rates, attaches the tenant's thresholds and statuses, and lays the points out per group.
Daily-report submission reuses the daily-report analytics' own tallies (one definition).
Grading accuracy and forecast deviation come from their domains' services, one call per month.
"""

from __future__ import annotations

import calendar as months
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.analytics import kpi_repository as repo
from salescore.analytics import scope
from salescore.analytics import service as report_analytics
from salescore.analytics import settings as analytics_settings
from salescore.analytics.scope import NO_KEY, TENANT_KEY, GroupBy
from salescore.analytics.settings import KpiSettings
from salescore.forecast.accuracy import accuracy as forecast_accuracy
from salescore.forecast.deals import Scope as ForecastScope
from salescore.forecast.service import Period as Month
from salescore.health import service as health
from salescore.kit import sqlstats
from salescore.kit import workdays as calendar
from salescore.kit.dialect import without_jit
from salescore.kit.errors import Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import utcnow
from salescore.tenancy import service as tenancy

DEFAULT_WEEKS, MAX_WEEKS = 6, 26
GRADING_HORIZON_DAYS = 90  # the grading-accuracy endpoint's default horizon
FORECAST_CURRENCY = "CNY"
DIGITS = 4

LEAD = "lead_first_response_hours"
STAGE = "stage_transition_rate"
COMPLIANCE = "action_compliance_rate"
REPORTS = "daily_report_submission_rate"
LATENCY = "entry_latency_rate"
PROFILE = "profile_completeness"
GRADING = "grading_accuracy"
FORECAST = "forecast_deviation"
WEEKLY = (LEAD, STAGE, COMPLIANCE, REPORTS, LATENCY, PROFILE)
PROFILE_FACTS = 6

NOT_BY_PRODUCT_LINE = "customers and daily reports have no product line"
NOT_ASKED = "left out with monthly=false"
ONLY_TENANT_WIDE = "computed by its own service for the whole visible tenant only (group_by=tenant)"

Key = tuple[date, str]  # (week's Monday, group key)
Point = dict[str, Any]


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, DIGITS) if whole else None


def _status(value: float | None, threshold: float | None, at_least: bool) -> str | None:
    if value is None or threshold is None:
        return None
    healthy = value >= threshold if at_least else value <= threshold
    return "ok" if healthy else "alert"


async def kpis(
    session: AsyncSession,
    principal: Principal,
    *,
    weeks: int,
    group_by: GroupBy,
    as_of: date | None,
    team_id: uuid.UUID | None,
    monthly_figures: bool = True,
) -> dict[str, Any]:
    tenant = await tenancy.get_tenant(session, principal.tenant_id)
    tz = tenant.timezone
    today = calendar.local_date(utcnow(), tz)
    as_of = as_of or today
    if as_of > today:
        raise Unprocessable.field("as_of", "must not be after today (tenant time)")
    if as_of < scope.EARLIEST_AS_OF:
        raise Unprocessable.field("as_of", f"must be {scope.EARLIEST_AS_OF.isoformat()} or later")
    await scope.check_team(session, principal, team_id)
    await without_jit(session)  # at scale M compiling these aggregates costs more than running them
    conf = (await analytics_settings.current(session, tenant.id)).kpis
    periods = sqlstats.buckets(sqlstats.week_starts(as_of, weeks), as_of, tz)
    table = sqlstats.bucket_table(periods, "weeks")
    span = (periods[0].starts_at, periods[-1].ends_at)
    who = scope.people(principal, team_id)
    by_product = group_by == "product_line"

    def keyed(rows: Iterable[Any], point: Callable[[Any], Point]) -> dict[Key, Point]:
        return {(r.first, scope.normal_key(group_by, r.key)): point(r) for r in rows}

    points: dict[str, dict[Key, Point]] = {}
    if not by_product:
        rows = await repo.first_response(session, principal, who, group_by, table, span, until=periods[-1].ends_at,
                                         channels=conf.effective_channels)
        points[LEAD] = keyed(rows, lambda r: _lead(r, conf))
    rows = await _stage_rows(session, principal, who, group_by, periods, conf, tz)
    points[STAGE] = keyed(rows, lambda r: _rate(r.hits, r.n, conf.min_stage_transition_rate))
    rows = await repo.action_compliance(session, principal, who, group_by, table, span)
    points[COMPLIANCE] = keyed(rows, lambda r: _rate(r.compliant, r.n, conf.min_action_compliance_rate))
    if not by_product:
        tenant_calendar = report_analytics.TenantCalendar(tz, tenancy.workday_overrides(tenant))
        points[REPORTS] = await _reports(session, principal, who, group_by, team_id, periods, as_of, tenant_calendar)
    rows = await repo.entry_latency(session, principal, who, group_by, table, span, limit_hours=conf.entry_latency_hours)
    points[LATENCY] = keyed(rows, lambda r: _rate(r.timely, r.n, None))
    if not by_product:
        rows = await repo.profile_completeness(session, principal, who, group_by, table, span)
        points[PROFILE] = keyed(rows, lambda r: _finish(_ratio(int(r.facts), PROFILE_FACTS * r.n), r.n, None, True))

    monthly: dict[str, list[dict[str, Any]]] = {}
    omitted: dict[str, str] = {}
    if by_product:
        omitted.update(dict.fromkeys((LEAD, REPORTS, PROFILE), NOT_BY_PRODUCT_LINE))
    if group_by == "tenant" and not monthly_figures:
        omitted.update(dict.fromkeys((GRADING, FORECAST), NOT_ASKED))
    elif group_by == "tenant":
        first_month = periods[0].first.replace(day=1)
        if team_id is None:
            monthly[GRADING] = await _grading(session, principal, first_month, as_of, today)
        else:
            omitted[GRADING] = "grading accuracy has no team filter"
        monthly[FORECAST] = await _forecast(session, principal, team_id, first_month, as_of)
    else:
        omitted.update(dict.fromkeys((GRADING, FORECAST), ONLY_TENANT_WIDE))

    keys = {key for series in points.values() for (_, key) in series}
    if group_by == "tenant":
        keys.add(TENANT_KEY)
    fixed = {STAGE: conf.min_stage_transition_rate, COMPLIANCE: conf.min_action_compliance_rate}
    labels = await scope.group_labels(session, principal, group_by, keys)
    groups = [
        {
            "key": key, "label": labels.get(key, key),
            "series": {metric: _series(series, key, periods, metric, fixed.get(metric))
                       for metric, series in points.items()},
            "monthly": monthly if key == TENANT_KEY else {},
        }
        for key in sorted(keys, key=lambda k: (k == NO_KEY, labels.get(k, k), k))
    ]
    return {
        "as_of": as_of, "group_by": group_by, "team_id": team_id,
        "weeks": [{"week_start": b.first, "week_end": b.last, "partial": b.last.weekday() != 6} for b in periods],
        "settings": conf, "calendar_warnings": calendar.calendar_warnings(periods[0].first, as_of),
        "omitted": omitted, "groups": groups,
    }


def _series(series: dict[Key, Point], key: str, periods: list[sqlstats.Bucket], metric: str,
            threshold: float | None) -> list[Point]:
    empty: Point = {"value": None, "n": 0, "threshold": threshold, "status": None}
    if metric == LEAD:
        empty["unanswered"] = 0
    return [{"week_start": b.first, **series.get((b.first, key), empty)} for b in periods]


def _finish(value: float | None, n: int, threshold: float | None, at_least: bool, **extra: Any) -> Point:
    return {"value": value, "n": n, "threshold": threshold, "status": _status(value, threshold, at_least), **extra}


def _lead(r: Any, conf: KpiSettings) -> Point:
    answered = int(r.answered)
    # A point is held to the store target only when every customer it counts is a store team's.
    store = int(r.sales_answered) == 0
    threshold = (conf.first_response_hours_store if store else conf.first_response_hours_sales) if answered else None
    value = round(float(r.median), DIGITS) if answered else None
    return _finish(value, answered, threshold, False, unanswered=int(r.customers) - answered)


def _rate(part: Any, n: int, threshold: float | None) -> Point:
    return _finish(_ratio(int(part or 0), n), n, threshold, True)


async def _stage_rows(
    session: AsyncSession, principal: Principal, who: Any, group_by: GroupBy, periods: list[sqlstats.Bucket],
    conf: KpiSettings, tz: str,
) -> list[Any]:
    """Cohort per week: the deals in stage X at the end of the calendar month before the one holding
    the week's last day (SPEC: "at the end of last month"); success: Y or later by the week's end
    ("by the end of this month", so far). Stage order comes from each deal's pipeline (none: the
    tenant's default)."""
    pipelines = await repo.pipelines(session, principal.tenant_id)
    live_defaults = [p.id for p in pipelines if p.is_default and p.deleted_at is None]
    goals = []
    for p in pipelines:
        codes = [stage["code"] for stage in p.stages]
        if conf.stage_to in codes:
            goals += [(p.id, code) for code in codes[codes.index(conf.stage_to):]]
    cohorts = repo.cohort_table([
        (b.first, sqlstats.local_start(b.last.replace(day=1), tz), b.ends_at) for b in periods
    ])
    return list(await repo.stage_transitions(
        session, principal, who, group_by, cohorts, stage_from=conf.stage_from, goals=goals,
        default_pipeline=live_defaults[0] if live_defaults else None,
    ))


async def _reports(
    session: AsyncSession, principal: Principal, who: Any, group_by: GroupBy, team_id: uuid.UUID | None,
    periods: list[sqlstats.Bucket], as_of: date, tenant: Any,
) -> dict[Key, Point]:
    """Expected and submitted reports per writer and week from the daily-report analytics' own
    tallies, summed per group here (one row per writer and week: a small result)."""
    found = await report_analytics.report_tallies(
        session, principal, team_id, [(b.first, b.last) for b in periods], as_of, tenant)
    place = {row.user_id: row for row in await repo.people_groups(session, who)}
    sums: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for (user_id, i), tally in found.tallies.items():
        person = place.get(user_id)
        if person is None:
            continue
        key = {
            "tenant": TENANT_KEY, "rep": str(user_id),
            "team": str(person.team_id) if person.team_id else NO_KEY, "region": person.region or NO_KEY,
        }[group_by]
        total = sums[(periods[i].first, scope.normal_key(group_by, key))]
        total[0] += tally.expected
        total[1] += tally.submitted
    return {k: _rate(submitted, expected, None) for k, (expected, submitted) in sums.items()}


async def _grading(
    session: AsyncSession, principal: Principal, first_month: date, as_of: date, today: date
) -> list[dict[str, Any]]:
    """The grading-accuracy endpoint's figure as of each month's last day (as_of for its month)."""
    out = []
    for first in _months(first_month, as_of):
        last = min(_month_end(first), as_of)
        figs = await health.grading_accuracy(session, principal, last, GRADING_HORIZON_DAYS)
        out.append({
            "month": first.strftime("%Y-%m"), "month_start": first, "month_end": last,
            "value": figs["accuracy"], "n": figs["a_count"],
            "complete": last + timedelta(days=GRADING_HORIZON_DAYS) < today,
        })
    return out


async def _forecast(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID | None, first_month: date, as_of: date
) -> list[dict[str, Any]]:
    """The forecast-accuracy endpoint's deviation ((expected - won) / won) per month, CNY."""
    figs = await forecast_accuracy(
        session, ForecastScope(principal, team_id=team_id),
        first=Month(first_month, _month_end(first_month)), last=Month(as_of.replace(day=1), _month_end(as_of)),
        currency=FORECAST_CURRENCY,
    )
    out = []
    for first, month in zip(_months(first_month, as_of), figs["months"], strict=True):
        value = month["deviation"]
        out.append({
            "month": month["period"], "month_start": first, "month_end": min(_month_end(first), as_of),
            "value": value, "n": 0 if value is None else 1, "complete": month["complete"],
        })
    return out


def _months(first: date, last: date) -> list[date]:
    out = [first]
    while (nxt := _month_end(out[-1]) + timedelta(days=1)) <= last:
        out.append(nxt)
    return out


def _month_end(day: date) -> date:
    return day.replace(day=months.monthrange(day.year, day.month)[1])


