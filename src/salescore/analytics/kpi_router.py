"""HTTP for the weekly KPIs (§10). Readable by every logged-in user; visibility limits the figures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query

from salescore.analytics import kpis as service
from salescore.analytics.kpi_schemas import Kpis
from salescore.analytics.scope import GroupByQuery, TeamQuery
from salescore.kit.csvexport import CSV_RESPONSE, FormatQuery, csv_response
from salescore.kit.deps import PrincipalDep, SessionDep
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.schemas import IsoDate

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"], responses=PROBLEM_RESPONSES)

CSV_COLUMNS = ("group_key", "group_label", "metric", "week_start", "week_end", "value", "n", "threshold", "status")

_DESCRIPTION = """Weekly series (Monday–Sunday, tenant time) ending with the week holding `as_of` (partial when
`as_of` is not a Sunday), one series per metric and group; every point carries `n`, the sample its value is
computed over (value null when n is 0), the threshold it is held to and its status (ok | alert; null when the
metric has no threshold). Thresholds, stages and channels come from the tenant's analytics settings (`kpis`),
reported under `settings`.

- `lead_first_response_hours`: customers created as leads (lifecycle `lead` at creation) in the week (not
  deleted) -> median hours from creation to
  their first follow-up on an effective channel (call, visit, meeting, wechat by default) by the end of
  `as_of`, clamped at 0; n = customers with one, `unanswered` = those without. Alert above
  `first_response_hours_store` (0.5 h) when every counted customer is a store team's (the customer's team,
  else the owner's), else above `first_response_hours_sales` (4 h). Grouped by the customer's owner.
- `stage_transition_rate`: cohort = deals (not deleted) whose stage at the end of the month before the
  week's last day's month was `stage_from` (样机测试); success = moved into `stage_to` (终审) or a later
  stage of the deal's pipeline after that moment and by the week's end, or won by then. value = successes / n;
  alert below `min_stage_transition_rate` (0.65). Grouped by the deal's owner / product line.
- `action_compliance_rate`: deals (not deleted) with a move in the week that passed stages (the stage endpoint,
  PATCH, an action, a win, or a creation in a later stage that skipped requirements); compliant when every such
  move of the week met its stages' required fields and actions (a manager's 特批 override does not).
  value = compliant / n; alert below `min_action_compliance_rate` (0.82). Grouped by the deal's owner /
  product line.
- `daily_report_submission_rate`: the daily-report analytics' definition per week: n = expected reports
  (workdays of the week up to `as_of`, Chinese statutory calendar with make-up days plus tenant overrides, on or
  after each active rep's or manager's creation), value = reports dated on those days / n. Grouped by writer.
- `entry_latency_rate`: follow-ups (not deleted, not imported) that occurred in the week -> share recorded
  within `entry_latency_hours` (2 h) of occurring. Grouped by the follow-up's user / its deal's product line.
- `profile_completeness`: customers created in the week (not deleted) -> mean share of 6 profile facts present
  now (industry, region, city, source, annual purchase, a contact). Grouped by owner.
- `monthly` (group_by=tenant only): `grading_accuracy` (the grading-accuracy figure as of each month's last
  day, 90-day horizon; n = A-grade customers) and `forecast_deviation` ((forecast - won) / won per month, CNY,
  from forecast accuracy; team filter applies).

group_by=product_line leaves out the customer and daily-report metrics (listed in `omitted`). A rep sees their
own figures, a manager their teams' members, directors and admins everyone. `?format=csv`: one row per group,
metric and week (months for the monthly figures)."""


@router.get(
    "/kpis",
    response_model=Kpis,
    summary="Weekly KPIs per tenant, team, rep, region or product line",
    description=_DESCRIPTION,
    responses=CSV_RESPONSE,
)
async def kpis(
    session: SessionDep,
    principal: PrincipalDep,
    weeks: Annotated[int, Query(ge=1, le=service.MAX_WEEKS, description="How many weeks, the last holding as_of")]
    = service.DEFAULT_WEEKS,
    group_by: GroupByQuery = "tenant",
    as_of: Annotated[IsoDate | None, Query(description="Last day counted (tenant time); default today")] = None,
    team_id: TeamQuery = None,
    monthly: Annotated[bool, Query(description="group_by=tenant: include grading accuracy and forecast deviation "
                                               "per month (each month re-runs their backtests: the slow part at scale)")]
    = True,
    format_: FormatQuery = "json",
) -> Any:
    body = await service.kpis(session, principal, weeks=weeks, group_by=group_by, as_of=as_of, team_id=team_id,
                              monthly_figures=monthly)
    if format_ == "csv":
        return csv_response(_csv_rows(body), "kpis", CSV_COLUMNS)
    return body


def _csv_rows(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    week_end = {w["week_start"]: w["week_end"] for w in body["weeks"]}
    for group in body["groups"]:
        base = {"group_key": group["key"], "group_label": group["label"]}
        for metric, points in group["series"].items():
            for p in points:
                yield {**base, "metric": metric, "week_start": p["week_start"], "week_end": week_end[p["week_start"]],
                       "value": p["value"], "n": p["n"], "threshold": p["threshold"], "status": p["status"]}
        for metric, points in group["monthly"].items():
            for p in points:
                yield {**base, "metric": metric, "week_start": p["month_start"], "week_end": p["month_end"],
                       "value": p["value"], "n": p["n"], "threshold": None, "status": None}
