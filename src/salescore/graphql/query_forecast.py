"""Root fields of evidence and forecasts (SPEC §8), as REST serves them under /api/v1/evidence-model and
/api/v1/analytics/forecast*: the same arguments, defaults and service functions, so a rep sees their
own deals, a manager their teams', directors and admins the tenant's. `teamId` and `ownerId` narrow
that (an id outside it simply matches no deal, as in REST). A bad argument is a BAD_USER_INPUT error
naming it; stored snapshots are for directors and admins (FORBIDDEN otherwise)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any

import strawberry
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import Info

from salescore.evidence import service as evidence_service
from salescore.forecast import accuracy as history
from salescore.forecast import heatmap as credibility
from salescore.forecast import service as forecast_service
from salescore.forecast.deals import Scope
from salescore.forecast.schemas import PERIOD_PATTERN
from salescore.forecast.service import Period
from salescore.graphql import forecast_types as ft
from salescore.graphql.context import GraphQLContext, bad_input, ctx
from salescore.graphql.errors import require_roles, service_call
from salescore.graphql.filters import parse_id
from salescore.graphql.resolve import request_lang
from salescore.kit.errors import Unprocessable
from salescore.kit.schemas import PastDatetime
from salescore.kit.types import utcnow
from salescore.tenancy.service import get_tenant

MAX_SEED = 2**31 - 1
_PAST = TypeAdapter(PastDatetime)
_VISIBILITY = "A rep sees their own deals, a manager their teams', directors and admins the tenant's."

Month = Annotated[str | None, strawberry.argument(description="YYYY-MM; default: this month (tenant time)")]
Currency = Annotated[str, strawberry.argument(description="Deals in this currency only (ISO 4217)")]
TeamId = Annotated[
    strawberry.ID | None, strawberry.argument(description="Deals of this team's current members")
]
OwnerId = Annotated[strawberry.ID | None, strawberry.argument(description="Deals of this rep")]


def month(text: str | None, field: str) -> Period | None:
    """A YYYY-MM argument, checked as REST checks the query parameter."""
    if text is None:
        return None
    try:
        if re.fullmatch(PERIOD_PATTERN, text) is None:
            raise Unprocessable.field(field, "a month as YYYY-MM")
        return Period.parse(text, field)
    except Unprocessable as exc:
        raise bad_input(f"{field}: {exc.errors[0]['message']}", field) from exc


def _currency(value: str) -> str:
    if re.fullmatch(r"[A-Z]{3}", value) is None:
        raise bad_input("currency: three capital letters (ISO 4217), e.g. CNY", "currency")
    return value


def _as_of(value: datetime | None) -> datetime | None:
    """kit.schemas.PastDatetime, REST's type of `as_of`: with an offset, not in the future."""
    if value is None:
        return None
    try:
        return _PAST.validate_python(value)
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise bad_input(f"asOf: {message}", "asOf") from exc


def _scope(context: GraphQLContext, team_id: strawberry.ID | None, owner_id: strawberry.ID | None) -> Scope:
    team = None if team_id is None else parse_id(team_id, "teamId")
    owner = None if owner_id is None else parse_id(owner_id, "ownerId")
    return Scope(context.principal, team, owner)


async def _timezone(session: AsyncSession, tenant_id: uuid.UUID) -> str:
    return (await get_tenant(session, tenant_id)).timezone


@strawberry.type
class ForecastQuery:
    @strawberry.field(
        description="The evidence nodes and thresholds (GET /api/v1/evidence-model); readable by everyone."
    )
    async def evidence_model(self, info: Info) -> ft.EvidenceModel:
        config = await ctx(info).loaders.evidence_config()
        return ft.EvidenceModel.of(evidence_service.model_read(config))

    @strawberry.field(
        description="A month's forecast with a probability interval (GET /api/v1/analytics/forecast): over "
        "the open deals expected to close in `period`, amounts by evidence category, the expected value and "
        "P10/P50/P90 of a seeded Monte Carlo. `asOf` makes it point-in-time. " + _VISIBILITY
    )
    async def forecast(
        self,
        info: Info,
        period: Month = None,
        as_of: Annotated[
            datetime | None,
            strawberry.argument(description="With a UTC offset; not in the future. Default: now"),
        ] = None,
        team_id: TeamId = None,
        owner_id: OwnerId = None,
        currency: Currency = "CNY",
        seed: Annotated[int, strawberry.argument(description=f"Monte Carlo seed, 0-{MAX_SEED}")] = (
            forecast_service.DEFAULT_SEED
        ),
    ) -> ft.Forecast:
        c = ctx(info)
        chosen, moment = month(period, "period"), _as_of(as_of)
        scope, currency = _scope(c, team_id, owner_id), _currency(currency)
        if not 0 <= seed <= MAX_SEED:
            raise bad_input(f"seed: between 0 and {MAX_SEED}", "seed")

        async def run(session: AsyncSession) -> dict[str, Any]:
            tz = await _timezone(session, c.principal.tenant_id)
            of = chosen or forecast_service.period_of(moment or utcnow(), tz)
            return await forecast_service.forecast(
                session, scope, period=of, as_of=moment, currency=currency, seed=seed
            )

        return ft.Forecast.of(await service_call(c, run))

    @strawberry.field(
        description="Stored forecasts, newest first, at most 200 (GET /api/v1/analytics/forecast/snapshots). "
        "Directors and admins: a snapshot holds every rep's figures."
    )
    async def forecast_snapshots(self, info: Info, period: Month = None) -> list[ft.ForecastSnapshot]:
        c = ctx(info)
        require_roles(c.principal, "director", "admin")
        chosen = month(period, "period")
        code = None if chosen is None else chosen.code
        rows = await service_call(c, history.snapshots, c.principal.tenant_id, code)
        return [ft.ForecastSnapshot.of(row) for row in rows]

    @strawberry.field(
        description="Forecast accuracy month by month (GET /api/v1/analytics/forecast-accuracy): "
        "each month's forecast of record against the amount won in it; at most 24 months. " + _VISIBILITY
    )
    async def forecast_accuracy(
        self,
        info: Info,
        from_: Annotated[
            str | None, strawberry.argument(name="from", description="YYYY-MM; default: 6 months to `to`")
        ] = None,
        to: Annotated[str | None, strawberry.argument(description="YYYY-MM; default: last month")] = None,
        team_id: TeamId = None,
        owner_id: OwnerId = None,
        currency: Currency = "CNY",
    ) -> ft.ForecastAccuracy:
        c = ctx(info)
        first, last = month(from_, "from"), month(to, "to")
        scope, currency = _scope(c, team_id, owner_id), _currency(currency)

        async def run(session: AsyncSession) -> dict[str, Any]:
            tz = await _timezone(session, c.principal.tenant_id)
            until = last or forecast_service.period_of(utcnow(), tz).previous()
            since = first or until.shifted(-5)
            return await history.accuracy(session, scope, first=since, last=until, currency=currency)

        return ft.ForecastAccuracy.of(await service_call(c, run))

    @strawberry.field(
        description="Credibility heatmap (预测可信度热力图) of reps by stage and the high-forecast-low-evidence "
        "risk list (GET /api/v1/analytics/forecast-heatmap). " + _VISIBILITY
    )
    async def forecast_heatmap(
        self, info: Info, team_id: TeamId = None, owner_id: OwnerId = None
    ) -> ft.ForecastHeatmap:
        c = ctx(info)
        raw = await service_call(c, credibility.heatmap, _scope(c, team_id, owner_id), request_lang(c))
        return ft.ForecastHeatmap.of(raw)
