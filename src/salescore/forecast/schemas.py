from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from salescore.kit.schemas import InModel, OutModel

PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
PeriodText = Annotated[str, StringConstraints(pattern=PERIOD_PATTERN)]
CurrencyText = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class Figures(OutModel):
    commit: float = Field(description="Amount of deals whose evidence says commit")
    best_case: float
    pipeline: float
    unqualified: float = Field(description="Amount of deals without evidence")
    expected: float = Field(description="Σ win_probability.mean × amount")
    p10: float = Field(description="10th percentile of the simulated won amount")
    p50: float
    p90: float
    deals: int = Field(description="Open deals expected to close in the period")
    closed_won: float = Field(description="Already won in the period by as_of (not part of the figures above)")


class OwnerFigures(Figures):
    owner_id: uuid.UUID
    name: str | None
    team_id: uuid.UUID | None


class TeamFigures(Figures):
    team_id: uuid.UUID | None
    name: str | None


class Forecast(Figures):
    period: str
    as_of: datetime
    currency: str
    seed: int
    draws: int = Field(description="Monte Carlo draws")
    observations: int = Field(description="Closed-deal checkpoint observations the probabilities rest on")
    model_version: int = Field(description="Evidence model version")
    by_owner: list[OwnerFigures]
    by_team: list[TeamFigures]


class SnapshotIn(InModel):
    period: PeriodText | None = Field(None, description="Default: the current month (tenant time)")
    currency: CurrencyText = "CNY"


class SnapshotRead(OutModel):
    id: uuid.UUID
    period: str
    currency: str
    as_of: datetime
    kind: Literal["monthly", "on_demand"]
    seed: int
    figures: Forecast
    created_by: uuid.UUID | None
    created_at: datetime


class AccuracyMonth(OutModel):
    period: str
    as_of: datetime = Field(description="When the forecast was (or, backtested, would have been) made")
    expected: float
    p10: float
    p50: float
    p90: float
    actual_won: float = Field(description="Amount of the deals won in the month (tenant time)")
    deviation: float | None = Field(description="(expected − actual_won) / actual_won; null when nothing was won")
    accuracy: float | None = Field(description="max(0, 1 − |deviation|)")
    within_p10_p90: bool
    complete: bool = Field(description="False for the current, unfinished month")
    source: Literal["snapshot", "backtest"]


class Accuracy(OutModel):
    currency: str
    months: list[AccuracyMonth]


class Stage(OutModel):
    code: str
    label: str


class Cell(OutModel):
    stage: str | None
    completeness: float | None = Field(description="Mean completeness of the rep's open deals in the stage; "
                                                   "null when the stage expects no evidence")
    deals: int
    measured: int = Field(description="Deals with a completeness (their stage expects evidence)")


class HeatmapRow(OutModel):
    owner_id: uuid.UUID
    name: str | None
    team_id: uuid.UUID | None
    completeness: float | None
    deals: int
    cells: list[Cell]


class Risk(OutModel):
    opportunity_id: uuid.UUID
    name: str
    owner_id: uuid.UUID
    owner_name: str | None
    stage: str | None
    amount: Decimal | None
    currency: str
    rep_forecast_category: str | None
    forecast_category: str
    maturity: float
    completeness: float
    reason: Literal["commit_claim", "late_stage"]
    expected: list[str]
    missing: list[str]


class Heatmap(OutModel):
    stages: list[Stage]
    rows: list[HeatmapRow]
    risks: list[Risk] = Field(description="高预测但低证据: at most 200, largest amounts first")
    risk_threshold: float
