from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StrictFloat, StrictInt

from salescore.health import defaults as d
from salescore.kit.schemas import InModel, IsoDate, OutModel

IndicatorCode = Literal[
    "interaction_frequency", "requirement_clarity", "decision_chain", "competitor_activity"
]
Grade = Literal["A", "B", "C"]
Weight = Annotated[
    StrictFloat,
    Field(ge=-d.WEIGHT_LIMIT, le=d.WEIGHT_LIMIT, allow_inf_nan=False,
          description="Any finite number; 0 switches an indicator off, a negative weight reads it as risk."),
]
Threshold = Annotated[StrictFloat, Field(ge=-d.WEIGHT_LIMIT, le=d.WEIGHT_LIMIT, allow_inf_nan=False)]
HorizonDays = Annotated[StrictInt, Field(ge=1, le=365)]


class IndicatorWeightIn(InModel):
    code: IndicatorCode
    weight: Weight


class ThresholdsIn(InModel):
    A: Threshold = Field(description="Grade A from this score on")
    B: Threshold = Field(description="Grade B from this score on (at most A); below it, C")


class HealthModelIn(InModel):
    indicators: Annotated[list[IndicatorWeightIn], Field(min_length=1, max_length=len(d.CODES))] = Field(
        description="Each indicator at most once; one left out does not count (weight 0)."
    )
    thresholds: ThresholdsIn


class BacktestIn(HealthModelIn):
    as_of: IsoDate | None = Field(None, description="Default: today (tenant time) minus horizon_days")
    horizon_days: HorizonDays = 90


class IndicatorWeight(OutModel):
    code: IndicatorCode
    label: str
    weight: float
    definition: str


class Thresholds(OutModel):
    A: float
    B: float


class HealthModelRead(OutModel):
    version: int
    is_default: bool = Field(description="True while the tenant runs the built-in version 1")
    indicators: list[IndicatorWeight]
    thresholds: Thresholds
    created_at: datetime | None
    created_by: uuid.UUID | None
    recompute_job_id: uuid.UUID | None = Field(None, description="The whole-tenant recompute a PUT started")


class HealthRecord(OutModel):
    kind: Literal["follow_up", "requirement", "contact", "action"]
    id: uuid.UUID | None = Field(description="The follow-up, history row, contact or action row")
    occurred_at: datetime | None = Field(description="When it happened / took effect (null: never recorded)")
    description: str
    value: str | None = None
    follow_up_id: uuid.UUID | None = None


class IndicatorExplained(OutModel):
    code: IndicatorCode
    label: str
    definition: str
    value: float
    weight: float
    contribution: float
    records: list[HealthRecord]


class CustomerHealth(OutModel):
    customer_id: uuid.UUID
    score: float | None
    grade: Grade | None
    model_version: int
    graded_at: datetime | None = Field(
        description="When the stored grade was computed; null: never graded yet")
    as_of: datetime = Field(description="The moment the indicators below are computed for")
    thresholds: Thresholds
    indicators: list[IndicatorExplained]


class Figures(OutModel):
    a_count: int
    a_won: int
    accuracy: float | None = Field(description="a_won / a_count, 4 decimals; null when a_count is 0")


class ModelFigures(Figures):
    model_version: int | None = None
    grades: dict[str, int] = Field(description="Customers per grade (A, B, C) as of the date")


class BaselineFigures(Figures):
    rule: str


class GradingAccuracy(OutModel):
    as_of: date
    horizon_days: int
    as_of_time: datetime = Field(
        description="The instant grades are reconstructed for: the end of as_of, tenant time")
    customers: int = Field(description="Customers (visible to the caller) that existed at as_of_time")
    model_version: int
    a_count: int
    a_won: int
    accuracy: float | None
    grades: dict[str, int]
    baseline: BaselineFigures


class Backtest(OutModel):
    as_of: date
    horizon_days: int
    as_of_time: datetime
    customers: int
    candidate: ModelFigures
    current: ModelFigures
    baseline: BaselineFigures


def rounded(a_won: int, a_count: int) -> float | None:
    return round(a_won / a_count, 4) if a_count else None


def figures(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "accuracy": rounded(row["a_won"], row["a_count"])}
