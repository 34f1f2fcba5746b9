"""Health rules (SPEC §6): the versioned model, recomputes, explanations, accuracy and backtests.
Never commits."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import record
from salescore.customer import service as customer_service
from salescore.health import defaults as d
from salescore.health import explain
from salescore.health import repository as repo
from salescore.health.indicators import Model
from salescore.health.regrade import Regraded, regrade
from salescore.health.schemas import BacktestIn, HealthModelIn, figures
from salescore.job import service as job_service
from salescore.kit.errors import Conflict, Unprocessable
from salescore.kit.i18n import Lang
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.kit.visibility import visible_customer_ids
from salescore.kit.workdays import local_date, local_datetime
from salescore.models import HealthModel, Job
from salescore.tenancy.service import get_tenant

RECOMPUTE = "health.recompute"
EARLIEST_AS_OF = date(2000, 1, 1)


# --- the model ---------------------------------------------------------------------------------

async def current_model(session: AsyncSession, tenant_id: uuid.UUID) -> Model:
    row = await repo.latest_model(session, tenant_id)
    return repo.as_model(row) if row is not None else Model.default()


async def model_at(session: AsyncSession, tenant_id: uuid.UUID, version: int) -> Model:
    row = await repo.model_version(session, tenant_id, version)
    if row is not None:
        return repo.as_model(row)
    # Only version 1 can be missing: the built-in default, stored on the first PUT.
    return Model.default() if version == 1 else await current_model(session, tenant_id)


def model_read(model: Model, lang: Lang, job: Job | None = None) -> dict[str, Any]:
    key = "label_en" if lang == "en" else "label"
    return {
        "version": model.version,
        "is_default": model.created_at is None,
        "indicators": [{"code": code, "label": d.LABELS[code][key], "weight": weight,
                        "definition": d.DEFINITIONS[code]} for code, weight in model.weights.items()],
        "thresholds": model.thresholds,
        "created_at": model.created_at,
        "created_by": model.created_by,
        "recompute_job_id": job.id if job is not None else None,
    }


def candidate(data: HealthModelIn, version: int = 0) -> Model:
    """The model a body describes; duplicate codes and A < B answer 422 on the offending field."""
    seen: set[str] = set()
    for index, indicator in enumerate(data.indicators):
        if indicator.code in seen:
            raise Unprocessable.field(f"indicators.{index}.code", f"{indicator.code} is listed twice")
        seen.add(indicator.code)
    if data.thresholds.A < data.thresholds.B:
        raise Unprocessable.field("thresholds.B", "must not be greater than thresholds.A")
    return Model(version, {i.code: i.weight for i in data.indicators},
                 {"A": data.thresholds.A, "B": data.thresholds.B})


async def put_model(session: AsyncSession, principal: Principal, data: HealthModelIn) -> tuple[Model, Job]:
    """A new version (the built-in default is stored as version 1 first), then a whole-tenant recompute."""
    proposed = candidate(data)
    latest = await repo.latest_model(session, principal.tenant_id)
    now = utcnow()
    if latest is None:
        default = Model.default()
        session.add(HealthModel(id=new_id(), tenant_id=principal.tenant_id, version=1, created_at=now,
                                indicators=d.default_indicators(), thresholds=default.thresholds))
    version = (latest.version if latest is not None else 1) + 1
    row = HealthModel(
        id=new_id(), tenant_id=principal.tenant_id, version=version,
        indicators=[{"code": code, "weight": weight} for code, weight in proposed.weights.items()],
        thresholds=proposed.thresholds, created_by=principal.user_id, created_at=now,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:  # another PUT took this version number first
        raise Conflict("the health model changed meanwhile; read it again and retry") from exc
    record(session, principal, action="create", entity="health_model", obj=row)
    job = await start_recompute(session, principal.tenant_id, requested_by=principal.user_id,
                                reason="model_updated", model_version=version)
    return repo.as_model(row), job


# --- recomputes --------------------------------------------------------------------------------

async def start_recompute(session: AsyncSession, tenant_id: uuid.UUID, *, requested_by: uuid.UUID | None,
                          reason: str, **params: Any) -> Job:
    return await job_service.start_job(session, tenant_id=tenant_id, kind=RECOMPUTE,
                                       params={"reason": reason, **params}, requested_by=requested_by)


async def recompute_tenant(
    session: AsyncSession, tenant_id: uuid.UUID, *, now: datetime | None = None
) -> dict[str, Any]:
    model = await current_model(session, tenant_id)
    now = now or utcnow()
    done = await regrade(session, tenant_id, model, now=now)
    return {"customers": done.customers, "changed": done.changed, "model_version": model.version,
            "as_of": now.isoformat()}


async def recompute_customer(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Regraded:
    model = await current_model(session, tenant_id)
    return await regrade(session, tenant_id, model, now=utcnow(), customer_id=customer_id)


# --- one customer, explained -------------------------------------------------------------------

async def customer_health(session: AsyncSession, principal: Principal, customer_id: uuid.UUID,
                          lang: Lang) -> dict[str, Any]:
    """The stored grade explained as of the moment it was computed, with the model version it
    used; a customer not graded yet is computed now with the current model (graded_at null)."""
    customer = await customer_service.get_customer(session, principal, customer_id)
    version, graded_at = customer.health_model_version, customer.graded_at
    score, grade = customer.health_score, customer.grade
    if graded_at is not None and version is not None and score is not None:
        model, as_of = await model_at(session, customer.tenant_id, version), graded_at
    else:
        model, as_of = await current_model(session, customer.tenant_id), utcnow()
    values = await repo.values_of(session, customer.tenant_id, customer.id, as_of)
    values = values or dict.fromkeys(d.CODES, 0.0)
    if as_of is not graded_at:  # not graded yet: what the current model says now
        score = model.score(values)
        grade = model.grade(score)
    records = await explain.records(session, customer.tenant_id, customer.id, as_of, list(model.weights))
    key = "label_en" if lang == "en" else "label"
    return {
        "customer_id": customer.id,
        "score": score,
        "grade": grade,
        "model_version": model.version,
        "graded_at": customer.graded_at,
        "as_of": as_of,
        "thresholds": model.thresholds,
        "indicators": [
            {"code": code, "label": d.LABELS[code][key], "definition": d.DEFINITIONS[code],
             "value": values[code], "weight": weight, "contribution": weight * values[code],
             "records": records[code]}
            for code, weight in model.weights.items()
        ],
    }


# --- grading accuracy and backtests --------------------------------------------------------------

async def _period(session: AsyncSession, tenant_id: uuid.UUID, as_of: date | None,
                  horizon_days: int) -> tuple[date, datetime, datetime]:
    """(as_of, its end instant in tenant time, the end of the horizon)."""
    tz = (await get_tenant(session, tenant_id)).timezone
    today = local_date(utcnow(), tz)
    as_of = as_of if as_of is not None else today - timedelta(days=horizon_days)
    if as_of < EARLIEST_AS_OF or as_of > today:
        raise Unprocessable.field("as_of", f"must be a date from {EARLIEST_AS_OF.isoformat()} to today")
    # Everything recorded on the as_of day counts: the last microsecond of it, tenant time.
    end_of_day = local_datetime(as_of + timedelta(days=1), time(0), tz) - timedelta(microseconds=1)
    return as_of, end_of_day, end_of_day + timedelta(days=horizon_days)


def _visible(principal: Principal) -> Any:
    return None if principal.sees_whole_tenant else visible_customer_ids(principal)


def _baseline(figs: dict[str, Any]) -> dict[str, Any]:
    return figures({"rule": d.BASELINE_RULE, **figs["baseline"]})


async def grading_accuracy(session: AsyncSession, principal: Principal, as_of: date | None,
                           horizon_days: int) -> dict[str, Any]:
    day, moment, end = await _period(session, principal.tenant_id, as_of, horizon_days)
    model = await current_model(session, principal.tenant_id)
    figs = await repo.accuracy(session, principal.tenant_id, moment, end, [model], _visible(principal))
    ours = figures(figs["models"][0])
    return {"as_of": day, "horizon_days": horizon_days, "as_of_time": moment, "customers": figs["customers"],
            "model_version": model.version, **ours, "baseline": _baseline(figs)}


async def backtest(session: AsyncSession, principal: Principal, data: BacktestIn) -> dict[str, Any]:
    proposed = candidate(data)
    day, moment, end = await _period(session, principal.tenant_id, data.as_of, data.horizon_days)
    model = await current_model(session, principal.tenant_id)
    figs = await repo.accuracy(session, principal.tenant_id, moment, end, [proposed, model],
                               _visible(principal))
    return {
        "as_of": day, "horizon_days": data.horizon_days, "as_of_time": moment, "customers": figs["customers"],
        "candidate": figures({**figs["models"][0], "model_version": None}),
        "current": figures({**figs["models"][1], "model_version": model.version}),
        "baseline": _baseline(figs),
    }
