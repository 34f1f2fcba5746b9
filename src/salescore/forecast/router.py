"""HTTP for forecasts (SPEC §8): the forecast, snapshots, accuracy, the credibility heatmap."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from salescore.forecast import accuracy as history
from salescore.forecast import heatmap as credibility
from salescore.forecast import service
from salescore.forecast.deals import Scope
from salescore.forecast.schemas import (
    PERIOD_PATTERN,
    Accuracy,
    Forecast,
    Heatmap,
    SnapshotIn,
    SnapshotRead,
)
from salescore.kit.csvexport import CSV_RESPONSE, FormatQuery, csv_response, tagged
from salescore.kit.deps import ConfigWriterDep, PrincipalDep, SessionDep
from salescore.kit.i18n import LangDep
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.schemas import PastDatetime
from salescore.kit.types import utcnow
from salescore.models import ForecastSnapshot
from salescore.tenancy.service import get_tenant

router = APIRouter(prefix="/api/v1/analytics", tags=["forecast"], responses=PROBLEM_RESPONSES)

PeriodQuery = Annotated[str | None, Query(pattern=PERIOD_PATTERN, description="YYYY-MM; default: this month")]
CurrencyQuery = Annotated[str, Query(pattern=r"^[A-Z]{3}$", description="Deals in this currency only")]
TeamQuery = Annotated[uuid.UUID | None, Query(description="Deals of this team's current members")]
OwnerQuery = Annotated[uuid.UUID | None, Query(description="Deals of this rep")]
_VISIBILITY = "A rep sees their own deals, a manager their teams', directors and admins the tenant's."


@router.get(
    "/forecast",
    response_model=Forecast,
    responses=CSV_RESPONSE,
    summary="Forecast of a month with a probability interval",
    description=(
        "Over the open deals expected to close in `period`: amounts by evidence category, the expected value "
        "Σ win_probability.mean × amount, and P10/P50/P90 of a seeded Monte Carlo (same data and seed, same "
        "figures). `as_of` (default now) makes it point-in-time: only evidence that occurred and deals that "
        "existed by then count, deals closed later count as open, amounts and expected close dates are taken "
        "as they stood then (audit history), and probabilities are calibrated on deals closed before it. "
        f"Amounts are in `currency`; deals in other currencies are not converted. {_VISIBILITY}"
    ),
)
async def get_forecast(
    session: SessionDep,
    principal: PrincipalDep,
    period: PeriodQuery = None,
    as_of: Annotated[PastDatetime | None, Query(description="ISO 8601 with offset; not in the future")] = None,
    team_id: TeamQuery = None,
    owner_id: OwnerQuery = None,
    currency: CurrencyQuery = "CNY",
    seed: Annotated[int, Query(ge=0, le=2**31 - 1, description="Monte Carlo seed")] = service.DEFAULT_SEED,
    format: FormatQuery = "json",
) -> Any:
    tz = (await get_tenant(session, principal.tenant_id)).timezone
    month = service.Period.parse(period) if period else service.period_of(as_of or utcnow(), tz, "as_of")
    body = await service.forecast(session, Scope(principal, team_id, owner_id), period=month, as_of=as_of,
                                  currency=currency, seed=seed)
    if format == "csv":  # the whole scope, then per team and per owner (column `level`)
        total = {k: v for k, v in body.items() if k not in ("by_owner", "by_team")}
        return csv_response(tagged("level", [("total", [total]), ("team", body["by_team"]),
                                             ("owner", body["by_owner"])]), f"forecast-{body['period']}")
    return body


@router.post(
    "/forecast/snapshots",
    response_model=SnapshotRead,
    status_code=status.HTTP_201_CREATED,
    summary="Store the tenant's forecast now (on demand)",
    description="Directors and admins. The worker stores one per currency in play at the start of every month.",
)
async def take_snapshot(session: SessionDep, principal: ConfigWriterDep, data: SnapshotIn) -> ForecastSnapshot:
    tz = (await get_tenant(session, principal.tenant_id)).timezone
    month = service.Period.parse(data.period) if data.period else service.period_of(utcnow(), tz)
    return await history.take_snapshot(session, principal.tenant_id, period=month, currency=data.currency,
                                       kind="on_demand", created_by=principal.user_id)


@router.get("/forecast/snapshots", response_model=list[SnapshotRead], summary="Stored forecasts, newest first")
async def list_snapshots(session: SessionDep, principal: ConfigWriterDep, period: PeriodQuery = None) -> list[ForecastSnapshot]:
    """Directors and admins (a snapshot holds every rep's figures); at most 200."""
    return await history.snapshots(session, principal.tenant_id, period)


@router.get(
    "/forecast-accuracy",
    response_model=Accuracy,
    responses=CSV_RESPONSE,
    summary="Forecast accuracy month by month",
    description=(
        "Each month's forecast of record — the earliest snapshot stored by the end of the month's first day, "
        "or else a point-in-time backtest as of its first day 00:00 (tenant time) — against the amount won "
        "in the month. deviation = (expected − actual_won) / actual_won. Snapshots serve the tenant, one team "
        f"or one rep; other scopes are backtested. At most 24 months. {_VISIBILITY}"
    ),
)
async def get_accuracy(
    session: SessionDep,
    principal: PrincipalDep,
    from_: Annotated[str | None, Query(alias="from", pattern=PERIOD_PATTERN, description="YYYY-MM; default: 6 months to `to`")] = None,
    to: Annotated[str | None, Query(pattern=PERIOD_PATTERN, description="YYYY-MM; default: last month")] = None,
    team_id: TeamQuery = None,
    owner_id: OwnerQuery = None,
    currency: CurrencyQuery = "CNY",
    format: FormatQuery = "json",
) -> Any:
    tz = (await get_tenant(session, principal.tenant_id)).timezone
    last = service.Period.parse(to, "to") if to else service.period_of(utcnow(), tz).previous()
    first = service.Period.parse(from_, "from") if from_ else last.shifted(-5)
    body = await history.accuracy(session, Scope(principal, team_id, owner_id), first=first, last=last,
                                  currency=currency)
    if format == "csv":
        return csv_response(({"currency": body["currency"], **m} for m in body["months"]),
                            f"forecast-accuracy-{first.code}-{last.code}")
    return body


@router.get(
    "/forecast-heatmap",
    response_model=Heatmap,
    responses=CSV_RESPONSE,
    summary="Credibility heatmap (预测可信度热力图) and the high-forecast-low-evidence risk list",
    description=(
        "Rows are reps, columns stages: each cell is the mean evidence completeness (evidenced ÷ expected "
        "nodes of the stage) of the rep's open deals there, with counts. Risks: open deals the rep calls "
        "`commit` — measured against the stage's nodes plus every node a commit implies — or in their "
        f"pipeline's last two stages, whose completeness is below 0.5. {_VISIBILITY}"
    ),
)
async def get_heatmap(
    session: SessionDep, principal: PrincipalDep, lang: LangDep, team_id: TeamQuery = None, owner_id: OwnerQuery = None,
    format: FormatQuery = "json",
) -> Any:
    body = await credibility.heatmap(session, Scope(principal, team_id, owner_id), lang)
    if format == "csv":  # one row per rep × stage cell, then the risks (column `part`)
        cells = [{"owner_id": r["owner_id"], "name": r["name"], "team_id": r["team_id"], **c}
                 for r in body["rows"] for c in r["cells"]]
        return csv_response(tagged("part", [("cell", cells), ("risk", body["risks"])]), "forecast-heatmap",
                            empty=["part", "owner_id", "name", "team_id", "stage", "completeness", "deals", "measured"])
    return body
