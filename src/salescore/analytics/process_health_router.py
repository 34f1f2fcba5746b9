"""HTTP for the process health index (过程健康度, §10). Readable by every logged-in user; visibility
limits the reps."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import ConfigDict, Field

from salescore.analytics import process_health as service
from salescore.analytics.scope import GroupBy, TeamQuery
from salescore.kit.csvexport import CSV_RESPONSE, FormatQuery, csv_response
from salescore.kit.deps import PrincipalDep, SessionDep
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.schemas import IsoDate, OutModel

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"], responses=PROBLEM_RESPONSES)


class ProcessHealthFigures(OutModel):
    follow_ups: float
    objections: float
    proposals: float


class ProcessHealthPoint(OutModel):
    day: date
    index: float = Field(description="Mean index of the group's reps that day")
    n: int = Field(description="Reps averaged that day")


class ProcessHealthGroup(OutModel):
    key: str = Field(description="User or team id, region, product line, or `tenant`; `none` for no team/region")
    label: str
    mean: float = Field(description="Mean index over every rep-day of the group in the range")
    trend: float | None = Field(description="Last day's mean − first day's mean (index points)")
    n: int = Field(description="Distinct reps in the group over the range")
    series: list[ProcessHealthPoint]


class ProcessHealthRepDay(OutModel):
    day: date
    product_line: str | None = Field(description="null: all records; else only records on deals of this line")
    index: float = Field(description="round(100 · (0.4·components.follow_ups + 0.3·objections + 0.3·proposals), 2)")
    follow_ups: int = Field(description="Effective follow-ups in the window ending that day")
    objections: int = Field(description="Objection action records in the window")
    proposals: int = Field(description="Proposal customization action records in the window")
    components: ProcessHealthFigures = Field(description="min(1, count / p90); when p90 = 0: 1 if count > 0 else 0")
    p90: ProcessHealthFigures = Field(description="The 90th percentile of the count over the slice's reps that day")
    window_days: int = Field(description="The window the day was computed with")


class ProcessHealthRep(OutModel):
    user_id: uuid.UUID
    name: str
    team_id: uuid.UUID | None
    days: list[ProcessHealthRepDay]


class ProcessHealth(OutModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    through: date | None = Field(description="Last day with figures: `to`, or yesterday when `to` is later; "
                                             "null when the range starts after yesterday")
    group_by: str
    weights: ProcessHealthFigures
    window_days: int = Field(description="The tenant's current window (days stored earlier keep theirs)")
    computed_days: int = Field(description="Days this request computed and stored because they were missing")
    groups: list[ProcessHealthGroup]
    reps: list[ProcessHealthRep] | None = Field(description="Per rep per day drill-down; only for group_by=rep or a user_id")


@router.get(
    "/process-health",
    response_model=ProcessHealth,
    responses=CSV_RESPONSE,
    summary="Process health index (过程健康度) per rep, team, region, product line or tenant",
    description=(
        "Per rep (active rep or manager created by the day) per day D, over the window of the tenant's "
        "`process_health.window_days` **calendar** days ending with D (tenant time; holidays count like any day): "
        "e = effective follow-ups (channel in `kpis.effective_channels`, occurred in the window), o = action "
        "records with a code in `process_health.objection_codes`, p = action records with a code in "
        "`process_health.proposal_codes` (dated in the window); deleted records are left out. Each count is "
        "normalized to the 90th percentile (percentile_cont) of that count over the tenant's reps that day, zeros "
        "included: component = min(1, x / p90), and when p90 = 0, 1 if x > 0 else 0. "
        "index = round(100 · (0.4·e + 0.3·o + 0.3·p components), 2), 0–100. "
        "Product line slices: the same over the records linked to deals of one product line, the percentile over "
        "the reps with such a record in the window. Days are stored: yesterday by a periodic duty, and any day "
        "of the range up to yesterday that was never computed is computed by the request first (`computed_days`); "
        "a stored day is not recomputed. "
        "`groups`: per group (rep, the rep's current team, its region, product line, or the tenant) per day the "
        "mean index of its reps (`n` reps), the mean over all the group's rep-days of the range, and `trend` = "
        "last day mean − first day mean. `reps` (group_by=rep or user_id): every stored row with raw counts, "
        "p90s and components, per product line when group_by=product_line. `from`/`to` default to the 30 days "
        "to yesterday; at most 366 days, none before 1970-01-01. A rep sees their own figures, a manager their teams' members, "
        "directors and admins everyone. `format=csv`: one row per rep per day when reps are listed, else per "
        "group per day."
    ),
)
async def process_health(
    session: SessionDep,
    principal: PrincipalDep,
    from_: Annotated[IsoDate | None, Query(alias="from", description="First day (tenant time)")] = None,
    to: Annotated[IsoDate | None, Query(description="Last day (tenant time); default yesterday")] = None,
    group_by: Annotated[GroupBy, Query(description="One series per rep (default), team, region, product line "
                                                   "or the tenant")] = "rep",
    team_id: TeamQuery = None,
    user_id: Annotated[uuid.UUID | None, Query(description="Only this rep, with the drill-down")] = None,
    format: FormatQuery = "json",
) -> Any:
    result = await service.process_health(session, principal, from_, to, group_by=group_by, team_id=team_id,
                                          user_id=user_id)
    if format == "csv":
        return csv_response(service.csv_rows(result), f"process-health-{result['from']}-{result['to']}",
                            empty=service.CSV_REP_COLUMNS if result["reps"] is not None else service.CSV_GROUP_COLUMNS)
    return result
