"""HTTP for customer health (SPEC §6): the model, recomputes, one customer's grade explained,
grading accuracy and backtests."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from salescore.health import service
from salescore.health.defaults import BASELINE_RULE
from salescore.health.schemas import (
    Backtest,
    BacktestIn,
    CustomerHealth,
    GradingAccuracy,
    HealthModelIn,
    HealthModelRead,
)
from salescore.job.schemas import JobRead
from salescore.kit.csvexport import CSV_RESPONSE, FormatQuery, csv_response
from salescore.kit.deps import ConfigWriterDep, PrincipalDep, SessionDep
from salescore.kit.i18n import LangDep
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.schemas import IsoDate
from salescore.models import Job

router = APIRouter(tags=["health"], responses=PROBLEM_RESPONSES)
AsOfQuery = Annotated[IsoDate | None, Query(description="Default: today (tenant time) minus horizon_days")]

_POINT_IN_TIME = (
    "Point-in-time: grades are reconstructed as of the end of `as_of` (tenant time) from follow-ups' and "
    "actions' occurred_at and the recorded history of requirement flags and contact roles; nothing "
    "recorded as happening later is used. A won deal counts when its won_at falls in the `horizon_days` "
    "after that instant. A rep sees figures over their own customers, a manager their teams', "
    "directors and admins the tenant's."
)


@router.get("/api/v1/health-model", response_model=HealthModelRead, summary="The current health model")
async def get_model(session: SessionDep, principal: PrincipalDep, lang: LangDep) -> dict[str, Any]:
    """Weights, thresholds and each indicator's exact definition. Readable by everyone: rules are
    transparent to reps."""
    return service.model_read(await service.current_model(session, principal.tenant_id), lang)


@router.put(
    "/api/v1/health-model",
    response_model=HealthModelRead,
    summary="Publish a new health-model version",
    description=(
        "Directors and admins. Creates the next version (grades record the version they were computed "
        "with) and starts a whole-tenant recompute job (`recompute_job_id`, see `GET /api/v1/jobs/{id}`). "
        "Weights may be 0 or negative; thresholds need A >= B."
    ),
)
async def put_model(
    session: SessionDep, principal: ConfigWriterDep, data: HealthModelIn, lang: LangDep
) -> dict[str, Any]:
    model, job = await service.put_model(session, principal, data)
    return service.model_read(model, lang, job)


@router.post(
    "/api/v1/health-model/recompute",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Recompute every customer's grade now",
    description="Directors and admins. Answers the queued job; poll `GET /api/v1/jobs/{id}` (Location).",
)
async def recompute(session: SessionDep, principal: ConfigWriterDep, response: Response) -> Job:
    job = await service.start_recompute(session, principal.tenant_id, requested_by=principal.user_id,
                                        reason="manual")
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return job


@router.post(
    "/api/v1/health-model/backtest",
    response_model=Backtest,
    summary="Score a candidate model on history (writes nothing)",
    description=(
        "The grading accuracy of the candidate weights/thresholds beside the current model's and the "
        f"static baseline (`{BASELINE_RULE}`), on the same customers. {_POINT_IN_TIME}"
    ),
)
async def backtest(session: SessionDep, principal: PrincipalDep, data: BacktestIn) -> dict[str, Any]:
    return await service.backtest(session, principal, data)


@router.get(
    "/api/v1/customers/{customer_id}/health",
    response_model=CustomerHealth,
    summary="A customer's health score and grade, explained",
    description=(
        "Each indicator of the model with its value, weight, contribution (weight × value; they add up "
        "to the score) and the records behind it (at most 100 per indicator; the value counts them all). "
        "A graded customer is explained as of `graded_at` with the model version that graded it."
    ),
)
async def customer_health(
    session: SessionDep, principal: PrincipalDep, customer_id: uuid.UUID, lang: LangDep
) -> dict[str, Any]:
    return await service.customer_health(session, principal, customer_id, lang)


@router.get(
    "/api/v1/analytics/grading-accuracy",
    response_model=GradingAccuracy,
    responses=CSV_RESPONSE,
    tags=["analytics"],
    summary="Grading accuracy (分级准确率) against a static baseline",
    description=(
        "A-grade customers as of `as_of` that had a deal won within `horizon_days` ÷ all A-grade customers "
        f"then, with the current model; the baseline applies `{BASELINE_RULE}` to the same customers "
        f"(annual_purchase as it stands: it keeps no history). {_POINT_IN_TIME}"
    ),
)
async def grading_accuracy(
    session: SessionDep,
    principal: PrincipalDep,
    as_of: AsOfQuery = None,
    horizon_days: Annotated[int, Query(ge=1, le=365, description="Days after as_of a win counts in")] = 90,
    format: FormatQuery = "json",
) -> Any:
    body = await service.grading_accuracy(session, principal, as_of, horizon_days)
    if format == "csv":  # one row: the figure and its baseline as dotted columns
        return csv_response([body], f"grading-accuracy-{body['as_of']}")
    return body
