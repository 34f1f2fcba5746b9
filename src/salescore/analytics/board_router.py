"""HTTP for the three-colour board and the tenant's analytics settings (§10)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from salescore.analytics import board, settings
from salescore.analytics.schemas import ThreeColorBoard
from salescore.analytics.scope import TeamQuery
from salescore.analytics.settings import AnalyticsSettings
from salescore.kit.csvexport import CSV_RESPONSE, FormatQuery, csv_response
from salescore.kit.deps import ConfigWriterDep, PrincipalDep, SessionDep
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.schemas import IsoDate

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"], responses=PROBLEM_RESPONSES)


@router.get(
    "/three-color-board",
    response_model=ThreeColorBoard,
    responses=CSV_RESPONSE,
    summary="Three-colour board: red breakpoints, yellow sticking points, green blind spots",
    description=(
        "Windows end at the end of `as_of` (tenant time; default today). "
        "**red** 红色断点: `quote_submitted` actions on a deal in the 30 days before as_of whose 24 h have passed "
        "(by as_of, and by now); value = share not followed by `quote_confirmed` on the same deal within 24 h; "
        "ids = those deals. "
        "**yellow** 黄色卡点: deals whose first `contract_signed` action is in the 90 days before as_of; per deal "
        "the workdays d with signing date < d ≤ date of the first `payment_received` action (unpaid: as_of), on the "
        "Chinese statutory calendar with 调休 and the tenant's workday overrides (a year it does not know: "
        "Monday–Friday and a `calendar_warnings` entry); value = the median; ids = deals over the threshold. "
        "**green** 绿色盲区: customers graded A at as_of (today: their grade; a past day: their grade history) "
        "without any follow-up in the 90 days before as_of; value = how many; ids = those customers. "
        "Each check alerts when value > threshold. Windows, thresholds and the grade watched are the tenant's "
        "analytics settings (`PUT /api/v1/analytics/settings`). A rep sees their own deals and customers, a "
        "manager their teams', directors and admins everyone's. `format=csv`: one row per check."
    ),
)
async def three_color_board(
    session: SessionDep,
    principal: PrincipalDep,
    as_of: Annotated[IsoDate | None, Query(description="The day the board is for (tenant time); default today")] = None,
    team_id: TeamQuery = None,
    format: FormatQuery = "json",
) -> Any:
    result = await board.three_color_board(session, principal, as_of, team_id)
    if format == "csv":
        return csv_response(board.csv_rows(result), f"three-color-board-{result['as_of']}")
    return result


@router.get(
    "/settings",
    response_model=AnalyticsSettings,
    summary="The tenant's analytics thresholds and definitions",
    description="Three-colour board windows and thresholds, KPI thresholds and the stage pair, the channels that "
    "count as an effective follow-up, the process-health window and action codes. SPEC defaults until changed.",
)
async def get_settings(session: SessionDep, principal: PrincipalDep) -> AnalyticsSettings:
    return await settings.current(session, principal.tenant_id)


@router.put(
    "/settings",
    response_model=AnalyticsSettings,
    summary="Replace the tenant's analytics thresholds and definitions",
    description="Directors and admins. The whole document; a section or field left out takes its default. "
    "Audited (event `analytics_settings.updated`).",
)
async def put_settings(session: SessionDep, principal: ConfigWriterDep, data: AnalyticsSettings) -> AnalyticsSettings:
    return await settings.replace(session, principal, data)

