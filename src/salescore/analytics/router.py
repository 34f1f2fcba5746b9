"""HTTP for process analytics (§5). Readable by every logged-in user; visibility limits the rows."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from salescore.analytics import service
from salescore.analytics.schemas import ActionEffectiveness, ActionUsage, DailyReportAnalytics
from salescore.analytics.service import DEFAULT_PERIOD_DAYS, HIGH_ACTIVITY_DAYS, MAX_PERIOD_DAYS
from salescore.kit.csvexport import CSV_RESPONSE, FormatQuery, csv_response, tagged
from salescore.kit.deps import PrincipalDep, SessionDep
from salescore.kit.i18n import LangDep
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.schemas import IsoDate

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"], responses=PROBLEM_RESPONSES)

FromQuery = Annotated[
    IsoDate | None,
    Query(alias="from", description=f"First day (tenant time); default: {DEFAULT_PERIOD_DAYS} days to `to`"),
]
ToQuery = Annotated[
    IsoDate | None,
    Query(description=f"Last day (tenant time); default: today. At most {MAX_PERIOD_DAYS} days in all."),
]
TeamQuery = Annotated[uuid.UUID | None, Query(description="Only the current members of this team")]

_VISIBILITY = "A rep sees their own figures, a manager their teams' members, directors and admins everyone."


@router.get(
    "/daily-reports",
    response_model=DailyReportAnalytics,
    responses=CSV_RESPONSE,
    summary="Daily-report discipline per user and team",
    description=(
        "Expected reports are the workdays (Chinese statutory calendar with 调休, plus the tenant's "
        "workday overrides) from `from` to `to` -- counted up to today -- on or after each user's "
        "creation, for active reps and managers. Submitted counts reports dated on those days; "
        "on-time and delay come from each report's first submission. A year the calendar does not "
        f"know yet counts Monday–Friday and adds a `calendar_warnings` entry. {_VISIBILITY} "
        "`format=csv`: one row per user, team and the total (column `level`)."
    ),
)
async def daily_report_analytics(
    session: SessionDep,
    principal: PrincipalDep,
    from_: FromQuery = None,
    to: ToQuery = None,
    team_id: TeamQuery = None,
    format: FormatQuery = "json",
) -> Any:
    body = await service.daily_report_stats(session, principal, from_, to, team_id)
    if format == "csv":
        return csv_response(tagged("level", [("user", body["users"]), ("team", body["teams"]),
                                             ("total", [body["total"]])]), f"daily-reports-{body['from']}-{body['to']}")
    return body


@router.get(
    "/action-effectiveness",
    response_model=ActionEffectiveness,
    responses=CSV_RESPONSE,
    summary="Action usage and wins per user and action code",
    description=(
        "Per user × action code over the actions dated (tenant time) from `from` to `to`: times used, "
        "distinct days used, distinct customers touched, and wins -- distinct opportunities of those "
        "customers won within 90 days after one of these actions on that customer. "
        f"`high_activity_zero_conversion` flags an action used on at least {HIGH_ACTIVITY_DAYS} distinct "
        "days with no win. Labels follow `Accept-Language` (zh-CN default, `en`). "
        f"Sorted by user name, then code. {_VISIBILITY} `format=csv`: one row per item."
    ),
)
async def action_effectiveness(
    session: SessionDep,
    principal: PrincipalDep,
    lang: LangDep,
    from_: FromQuery = None,
    to: ToQuery = None,
    user_id: Annotated[uuid.UUID | None, Query(description="Only this user's actions")] = None,
    team_id: TeamQuery = None,
    code: Annotated[str | None, Query(min_length=1, max_length=64, description="Only this action")] = None,
    format: FormatQuery = "json",
) -> Any:
    body = await service.action_effectiveness(
        session, principal, from_, to, user_id=user_id, team_id=team_id, code=code, lang=lang
    )
    if format == "csv":
        return csv_response(body["items"], f"action-effectiveness-{body['from']}-{body['to']}",
                            empty=list(ActionUsage.model_fields))
    return body
