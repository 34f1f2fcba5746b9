"""The six quick-screen answers measured on the tenant's own data (GET /api/v1/analytics/diagnosis).

Each answer reuses the figure that already defines it elsewhere (daily-report discipline, the KPI
lead response, the board's signing → payment, forecast accuracy); `sources` says how each was
measured and over how many records, so a director can check it by hand. An answer without data
is None (the screen lists it as unanswered).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.analytics import board_repository, kpi_repository, scope
from salescore.analytics import service as report_analytics
from salescore.analytics.kpis import FORECAST_CURRENCY
from salescore.analytics.settings import settings_of
from salescore.diagnosis import repository as repo
from salescore.forecast.accuracy import accuracy
from salescore.forecast.deals import Scope
from salescore.forecast.service import period_of
from salescore.kit import sqlstats
from salescore.kit import workdays as calendar
from salescore.kit.dialect import without_jit
from salescore.kit.principal import Principal
from salescore.kit.types import utcnow
from salescore.tenancy import service as tenancy

WINDOW_DAYS = 30  # daily reports, lead response
PAYMENT_WINDOW_DAYS = 90  # contracts signed


async def measure(session: AsyncSession, principal: Principal) -> tuple[dict[str, float | None], dict[str, Any]]:
    tenant = await tenancy.get_tenant(session, principal.tenant_id)
    tz, now = tenant.timezone, utcnow()
    today = calendar.local_date(now, tz)
    await without_jit(session)
    answers: dict[str, float | None] = {}
    sources: dict[str, Any] = {}

    reports = await report_analytics.daily_report_stats(session, principal, None, None, None)
    answers["daily_report_delay_days"] = reports["total"]["mean_delay_days"]
    sources["daily_report_delay_days"] = {
        "how": "mean delay of the daily reports submitted for the last 30 days (GET /api/v1/analytics/daily-reports)",
        "n": reports["total"]["submitted"], "from": reports["from"], "to": reports["to"]}

    age, graded = await repo.grade_age_days(session, principal, now)
    answers["grading_refresh_interval_days"] = None if age is None else round(age, 2)
    sources["grading_refresh_interval_days"] = {
        "how": "median days since each graded customer's grade was last computed", "n": graded}

    last_month = period_of(now, tz).previous()
    months = (await accuracy(session, Scope(principal), first=last_month, last=last_month,
                             currency=FORECAST_CURRENCY))["months"]
    deviation = months[0]["deviation"] if months else None
    answers["forecast_deviation_pct"] = None if deviation is None else round(abs(deviation) * 100, 2)
    sources["forecast_deviation_pct"] = {
        "how": f"|deviation| of {last_month.code} in {FORECAST_CURRENCY} (GET /api/v1/analytics/forecast-accuracy)",
        "period": last_month.code, "source": months[0]["source"] if months else None}

    first_day = today - timedelta(days=WINDOW_DAYS - 1)
    window = sqlstats.buckets([first_day], today, tz)
    rows = await kpi_repository.first_response(
        session, principal, scope.people(principal), "tenant", sqlstats.bucket_table(window),
        (window[0].starts_at, window[0].ends_at), until=window[0].ends_at, channels=settings_of(tenant).kpis.effective_channels)
    lead = rows[0] if rows else None
    answers["lead_first_response_hours"] = None if lead is None or lead.median is None else round(float(lead.median), 2)
    sources["lead_first_response_hours"] = {
        "how": "median hours from a customer's creation to its first effective follow-up, customers created in "
               "the last 30 days (the KPI lead_first_response_hours)",
        "n": int(lead.answered) if lead else 0, "from": first_day, "to": today}

    firsts, default_pipeline = await repo.first_stages(session, principal.tenant_id)
    open_deals, stuck = await repo.stuck_in_first_stage(session, principal, now, firsts, default_pipeline)
    answers["stuck_in_first_stage_share"] = round(stuck / open_deals, 4) if open_deals else None
    sources["stuck_in_first_stage_share"] = {
        "how": "open deals in their pipeline's first stage for longer than its time limit (sla_hours, else 14 "
               "days) ÷ open deals", "n": open_deals, "stuck": stuck}

    since = sqlstats.local_start(today + timedelta(days=1), tz) - timedelta(days=PAYMENT_WINDOW_DAYS)
    days = [(day, i + 1) for i, day in enumerate(calendar.days(calendar.local_date(since, tz), today))]
    signed, median, _ = await board_repository.signing_to_payment(
        session, principal, None, since=since, end=sqlstats.local_start(today + timedelta(days=1), tz),
        running_workdays=days, max_workdays=None)
    answers["contract_to_payment_days"] = median
    sources["contract_to_payment_days"] = {
        "how": "median calendar days from a deal's first contract_signed to its first payment_received (unpaid: "
               "today), deals signed in the last 90 days (the board's yellow check in calendar days)", "n": signed}
    return answers, sources
