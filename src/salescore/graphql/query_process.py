"""Root fields of the §10 process analytics (board, quick-screen, settings): the same service
functions as REST, so the same visibility and the same figures. Bad arguments are BAD_USER_INPUT."""

from __future__ import annotations

from datetime import date
from typing import Annotated, get_args

import strawberry
from strawberry import Info
from strawberry.scalars import JSON

from salescore.analytics import board, kpis, process_health
from salescore.analytics import settings as analytics_settings
from salescore.analytics.scope import GroupBy
from salescore.diagnosis import measure
from salescore.diagnosis import service as diagnosis_service
from salescore.graphql import process_types as pt
from salescore.graphql.context import bad_input, ctx
from salescore.graphql.errors import service_call
from salescore.graphql.filters import parse_id
from salescore.graphql.resolve import request_lang

GROUPS = get_args(GroupBy)


@strawberry.type
class ProcessQuery:
    @strawberry.field(description="三色看板: red, yellow and green checks (GET /api/v1/analytics/three-color-board).")
    async def three_color_board(
        self,
        info: Info,
        as_of: Annotated[date | None, strawberry.argument(description="Default: today (tenant time)")] = None,
        team_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this team's members")] = None,
    ) -> pt.ThreeColorBoard:
        c = ctx(info)
        team = None if team_id is None else parse_id(team_id, "teamId")
        raw = await service_call(c, board.three_color_board, c.principal, as_of, team)
        return pt.ThreeColorBoard.from_dict(raw)

    @strawberry.field(description="Weekly KPI series, each point with its n (GET /api/v1/analytics/kpis).")
    async def kpis(
        self,
        info: Info,
        weeks: Annotated[int, strawberry.argument(description="1–26 weeks, the last holding asOf")] = 6,
        group_by: Annotated[str, strawberry.argument(description="tenant | team | rep | region | product_line")]
        = "tenant",
        as_of: Annotated[date | None, strawberry.argument(description="Default: today (tenant time)")] = None,
        team_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this team's members")] = None,
        monthly: Annotated[bool, strawberry.argument(description="groupBy tenant: grading accuracy and forecast "
                                                                 "deviation per month")] = True,
    ) -> pt.Kpis:
        c = ctx(info)
        if not 1 <= weeks <= kpis.MAX_WEEKS:
            raise bad_input(f"weeks: between 1 and {kpis.MAX_WEEKS}", "weeks")
        if group_by not in GROUPS:
            raise bad_input(f"groupBy: one of {', '.join(GROUPS)}", "groupBy")
        team = None if team_id is None else parse_id(team_id, "teamId")
        raw = await service_call(c, kpis.kpis, c.principal, weeks=weeks, group_by=group_by, as_of=as_of,
                                 team_id=team, monthly_figures=monthly)
        return pt.Kpis.from_dict(raw)

    @strawberry.field(description="过程健康度 per group per day, with the per-rep drill-down "
                                  "(GET /api/v1/analytics/process-health; computes and stores missing days).")
    async def process_health(
        self,
        info: Info,
        from_: Annotated[date | None, strawberry.argument(name="from", description="First day (tenant time)")] = None,
        to: Annotated[date | None, strawberry.argument(description="Last day; default yesterday")] = None,
        group_by: Annotated[str, strawberry.argument(description="rep | team | region | product_line | tenant")]
        = "rep",
        team_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this team's members")] = None,
        user_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this rep")] = None,
    ) -> pt.ProcessHealth:
        c = ctx(info)
        if group_by not in GROUPS:
            raise bad_input(f"groupBy: one of {', '.join(GROUPS)}", "groupBy")
        team = None if team_id is None else parse_id(team_id, "teamId")
        user = None if user_id is None else parse_id(user_id, "userId")
        raw = await service_call(c, process_health.process_health, c.principal, from_, to, group_by=group_by,
                                 team_id=team, user_id=user)
        return pt.ProcessHealth.from_dict(raw)

    @strawberry.field(description="The quick-screen measured on the tenant's data (GET /api/v1/analytics/diagnosis).")
    async def diagnosis(self, info: Info) -> pt.Diagnosis:
        c = ctx(info)
        answers, sources = await service_call(c, measure.measure, c.principal)
        return pt.Diagnosis.from_dict({**diagnosis_service.evaluate(answers, request_lang(c)), "sources": sources})

    @strawberry.field(description="The tenant's analytics thresholds and definitions (GET /api/v1/analytics/settings).")
    async def analytics_settings(self, info: Info) -> JSON:
        c = ctx(info)
        current = await service_call(c, analytics_settings.current, c.principal.tenant_id)
        return current.model_dump(mode="json")
