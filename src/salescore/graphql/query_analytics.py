"""Root fields of the analytics REST serves under /api/v1/analytics: the same arguments, the same
service functions, so a rep sees their own figures, a manager their teams', directors and admins
everyone's. A bad argument is a BAD_USER_INPUT error naming it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import strawberry
from strawberry import Info

from salescore.analytics import heatmap as heatmap_service
from salescore.analytics import service as analytics_service
from salescore.analytics.service import DEFAULT_PERIOD_DAYS, MAX_PERIOD_DAYS
from salescore.graphql import analytics_types as an
from salescore.graphql import health_types as ht
from salescore.graphql.context import bad_input, ctx
from salescore.graphql.errors import service_call
from salescore.graphql.filters import parse_id
from salescore.graphql.resolve import request_lang
from salescore.health import service as health_service

MAX_HORIZON_DAYS = 365
MAX_CODE = 64

From = Annotated[
    date | None,
    strawberry.argument(
        name="from", description=f"First day (tenant time); default: {DEFAULT_PERIOD_DAYS} days to `to`"
    ),
]
To = Annotated[
    date | None,
    strawberry.argument(
        description=f"Last day (tenant time); default: today. At most {MAX_PERIOD_DAYS} days in all."
    ),
]
TeamId = Annotated[
    strawberry.ID | None, strawberry.argument(description="Only the current members of this team")
]
AsOf = Annotated[
    date | None, strawberry.argument(description="Default: today (tenant time) minus horizonDays")
]
Horizon = Annotated[int, strawberry.argument(description="Days after asOf a win counts in (1-365)")]


def _id(value: strawberry.ID | None, field: str) -> uuid.UUID | None:
    return None if value is None else parse_id(value, field)


@strawberry.type
class AnalyticsQuery:
    @strawberry.field(
        description="Daily-report discipline per user and team (GET /api/v1/analytics/daily-reports)."
    )
    async def daily_report_stats(
        self, info: Info, from_: From = None, to: To = None, team_id: TeamId = None
    ) -> an.DailyReportStats:
        c = ctx(info)
        raw = await service_call(
            c, analytics_service.daily_report_stats, c.principal, from_, to, _id(team_id, "teamId")
        )
        return an.DailyReportStats.from_dict(raw)

    @strawberry.field(
        description="Action usage and wins per user and action code "
        "(GET /api/v1/analytics/action-effectiveness)."
    )
    async def action_effectiveness(
        self,
        info: Info,
        from_: From = None,
        to: To = None,
        user_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this user's actions")
        ] = None,
        team_id: TeamId = None,
        code: Annotated[str | None, strawberry.argument(description="Only this action")] = None,
    ) -> an.ActionEffectiveness:
        c = ctx(info)
        if code is not None and not 1 <= len(code) <= MAX_CODE:
            raise bad_input(f"code: 1 to {MAX_CODE} characters", "code")
        raw = await service_call(
            c,
            analytics_service.action_effectiveness,
            c.principal,
            from_,
            to,
            user_id=_id(user_id, "userId"),
            team_id=_id(team_id, "teamId"),
            code=code,
            lang=request_lang(c),
        )
        return an.ActionEffectiveness.from_dict(raw)

    @strawberry.field(
        description="分级准确率 against the static baseline (GET /api/v1/analytics/grading-accuracy)."
    )
    async def grading_accuracy(
        self, info: Info, as_of: AsOf = None, horizon_days: Horizon = 90
    ) -> ht.GradingAccuracy:
        c = ctx(info)
        if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
            raise bad_input(f"horizonDays: between 1 and {MAX_HORIZON_DAYS}", "horizonDays")
        raw = await service_call(c, health_service.grading_accuracy, c.principal, as_of, horizon_days)
        return ht.GradingAccuracy.from_dict(raw)

    @strawberry.field(
        description="Interaction heatmap 客户互动热力图: follow-ups per rep or customer × week or weekday "
        "(GET /api/v1/analytics/interaction-heatmap; the same window defaults, limits and visibility)."
    )
    async def interaction_heatmap(
        self,
        info: Info,
        rows: Annotated[str, strawberry.argument(description="rep | customer")] = "rep",
        cols: Annotated[str, strawberry.argument(description="week | weekday")] = "week",
        from_: Annotated[
            date | None,
            strawberry.argument(name="from", description="First day (tenant time); default: 12 weeks "
                                "(cols=week) or 90 days (cols=weekday) to `to`"),
        ] = None,
        to: To = None,
        team_id: TeamId = None,
        owner_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this owner's customers")
        ] = None,
        channel: Annotated[
            list[str] | None, strawberry.argument(description="Only these follow-up channels")
        ] = None,
        limit: Annotated[
            int, strawberry.argument(description="rows=customer: the top customers, 1-200")
        ] = heatmap_service.DEFAULT_LIMIT,
    ) -> an.InteractionHeatmap:
        c = ctx(info)
        raw = await service_call(
            c,
            heatmap_service.interaction_heatmap,
            c.principal,
            rows=rows,
            cols=cols,
            start=from_,
            end=to,
            team_id=_id(team_id, "teamId"),
            owner_id=_id(owner_id, "ownerId"),
            channels=channel,
            limit=limit,
            lang=request_lang(c),
        )
        return an.InteractionHeatmap.from_dict(raw)
