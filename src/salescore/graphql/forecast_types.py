"""GraphQL types of evidence and forecasts (SPEC §8): the evidence model, a deal's evidence and win
probability, the forecast, its snapshots and accuracy, the credibility heatmap.

Each is built from what REST answers -- the service's dict read through REST's response schema
(evidence.schemas, forecast.schemas) -- so both APIs show the same figures in the same shapes
(a stored snapshot's JSON comes back with its ids and timestamps typed, as REST reads it)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from typing import Any, Self

import strawberry
from pydantic import BaseModel
from strawberry import Info

from salescore.evidence import schemas as evidence_schemas
from salescore.forecast import schemas as forecast_schemas
from salescore.graphql.context import ctx
from salescore.graphql.types import Opportunity, Team, User, _one, _plain


def read_as(schema: type[BaseModel], raw: Any) -> dict[str, Any]:
    """`raw` (a service dict, a stored JSON document or an ORM row) as REST's schema reads it."""
    return schema.model_validate(raw).model_dump()


class FromDict:
    """Build a type from a dict: every init field is read from the same-named key."""

    @classmethod
    def from_dict(cls, raw: dict[str, Any], **overrides: Any) -> Self:
        values = {
            f.name: overrides[f.name] if f.name in overrides else _plain(raw[f.name])
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            if f.init
        }
        return cls(**values)


# --- evidence ------------------------------------------------------------------------------------


@strawberry.type(description="Win probability with its 80% interval (Beta posterior, SPEC §8).")
class WinProbability:
    mean: float = strawberry.field(description="Mean of the Beta posterior")
    low: float = strawberry.field(description="Its 10th percentile")
    high: float = strawberry.field(description="Its 90th percentile")


@strawberry.type(description="An evidence node: what a deal with this evidence has reached.")
class EvidenceNode(FromDict):
    code: str
    label: str
    label_en: str | None
    coefficient: float = strawberry.field(description="0 < c ≤ 1: how far a deal with this evidence has got")
    order: int
    requires_attachment: bool


@strawberry.type(description="Maturity from which a deal is `commit`, and from which it is `best_case`.")
class EvidenceThresholds(FromDict):
    commit: float
    best_case: float


@strawberry.type(description="The tenant's current evidence model (GET /api/v1/evidence-model).")
class EvidenceModel(FromDict):
    version: int
    is_default: bool = strawberry.field(description="True until the tenant stores a version of its own")
    nodes: list[EvidenceNode]
    thresholds: EvidenceThresholds
    prior_strength: float = strawberry.field(
        description="k: how many closed deals the coefficient counts as in a win probability"
    )
    created_at: datetime | None
    created_by: strawberry.ID | None

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Self:
        read = read_as(evidence_schemas.EvidenceModelRead, raw)
        return cls.from_dict(
            read,
            nodes=[EvidenceNode.from_dict(n) for n in read["nodes"]],
            thresholds=EvidenceThresholds.from_dict(read["thresholds"]),
        )


@strawberry.type(description="Evidence that a deal reached a node; revoked evidence stays on record.")
class Evidence(FromDict):
    id: strawberry.ID
    opportunity_id: strawberry.ID
    node: str
    label: str | None = strawberry.field(description="The node's label (null if the node left the model)")
    coefficient: float | None
    attachment_ids: list[strawberry.ID] = strawberry.field(
        description="Download each with "
        "GET /api/v1/opportunities/{id}/evidence/{evidence_id}/files/{attachment_id}"
    )
    text: str | None
    note: str | None
    occurred_at: datetime = strawberry.field(description="When the evidenced fact happened")
    created_by: strawberry.ID | None
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: strawberry.ID | None
    revoke_reason: str | None

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Self:
        return cls.from_dict(read_as(evidence_schemas.EvidenceRead, raw))

    @strawberry.field
    async def creator(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.created_by, User)


# --- the forecast --------------------------------------------------------------------------------


@strawberry.type
class ForecastFigures:
    commit: float = strawberry.field(description="Amount of deals whose evidence says commit")
    best_case: float
    pipeline: float
    unqualified: float = strawberry.field(description="Amount of deals without evidence")
    expected: float = strawberry.field(description="Σ winProbability.mean × amount")
    p10: float = strawberry.field(description="10th percentile of the simulated won amount")
    p50: float
    p90: float
    deals: int = strawberry.field(description="Open deals expected to close in the period")
    closed_won: float = strawberry.field(
        description="Already won in the period by asOf (not part of the figures above)"
    )


@strawberry.type
class OwnerForecast(ForecastFigures, FromDict):
    owner_id: strawberry.ID
    name: str | None
    team_id: strawberry.ID | None

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.owner_id, User)


@strawberry.type
class TeamForecast(ForecastFigures, FromDict):
    team_id: strawberry.ID | None = strawberry.field(description="Null: reps in no team")
    name: str | None

    @strawberry.field
    async def team(self, info: Info) -> Team | None:
        return await _one(ctx(info).loaders.team, self.team_id, Team)


@strawberry.type(
    description="A month's forecast with a probability interval (GET /api/v1/analytics/forecast)."
)
class Forecast(ForecastFigures, FromDict):
    period: str = strawberry.field(description="YYYY-MM")
    as_of: datetime
    currency: str
    seed: int
    draws: int = strawberry.field(description="Monte Carlo draws")
    observations: int = strawberry.field(
        description="Closed-deal checkpoint observations the probabilities rest on"
    )
    model_version: int = strawberry.field(description="Evidence model version")
    by_owner: list[OwnerForecast]
    by_team: list[TeamForecast]

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Self:
        read = read_as(forecast_schemas.Forecast, raw)
        return cls.from_dict(
            read,
            by_owner=[OwnerForecast.from_dict(e) for e in read["by_owner"]],
            by_team=[TeamForecast.from_dict(e) for e in read["by_team"]],
        )


@strawberry.type(description="A stored forecast (monthly by the worker, or on demand).")
class ForecastSnapshot(FromDict):
    id: strawberry.ID
    period: str
    currency: str
    as_of: datetime
    kind: str = strawberry.field(description="monthly | on_demand")
    seed: int
    figures: Forecast
    created_by: strawberry.ID | None
    created_at: datetime

    @classmethod
    def of(cls, row: Any) -> Self:
        read = read_as(forecast_schemas.SnapshotRead, row)
        return cls.from_dict(read, figures=Forecast.of(read["figures"]))


@strawberry.type
class AccuracyMonth(FromDict):
    period: str
    as_of: datetime = strawberry.field(
        description="When the forecast was (or, backtested, would have been) made"
    )
    expected: float
    p10: float
    p50: float
    p90: float
    actual_won: float = strawberry.field(description="Amount of the deals won in the month (tenant time)")
    deviation: float | None = strawberry.field(
        description="(expected − actualWon) / actualWon; null when nothing was won"
    )
    accuracy: float | None = strawberry.field(description="max(0, 1 − |deviation|)")
    within_p10_p90: bool
    complete: bool = strawberry.field(description="False for the current, unfinished month")
    source: str = strawberry.field(description="snapshot | backtest")


@strawberry.type(description="Forecast accuracy month by month (GET /api/v1/analytics/forecast-accuracy).")
class ForecastAccuracy(FromDict):
    currency: str
    months: list[AccuracyMonth]

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Self:
        read = read_as(forecast_schemas.Accuracy, raw)
        return cls.from_dict(read, months=[AccuracyMonth.from_dict(m) for m in read["months"]])


# --- the credibility heatmap ---------------------------------------------------------------------


@strawberry.type
class HeatmapStage(FromDict):
    code: str
    label: str = strawberry.field(description="In the request language (Accept-Language)")


@strawberry.type
class HeatmapCell(FromDict):
    stage: str | None
    completeness: float | None = strawberry.field(
        description="Mean completeness of the rep's open deals in the stage; "
        "null when the stage expects no evidence"
    )
    deals: int
    measured: int = strawberry.field(description="Deals with a completeness (their stage expects evidence)")


@strawberry.type
class HeatmapRow(FromDict):
    owner_id: strawberry.ID
    name: str | None
    team_id: strawberry.ID | None
    completeness: float | None
    deals: int
    cells: list[HeatmapCell]

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.owner_id, User)


@strawberry.type(description="高预测但低证据: an open deal whose claim or stage outruns its evidence.")
class ForecastRisk(FromDict):
    opportunity_id: strawberry.ID
    name: str
    owner_id: strawberry.ID
    owner_name: str | None
    stage: str | None
    amount: Decimal | None
    currency: str
    rep_forecast_category: str | None
    forecast_category: str
    maturity: float
    completeness: float
    reason: str = strawberry.field(description="commit_claim | late_stage")
    expected: list[str] = strawberry.field(description="The evidence nodes expected of the deal")
    missing: list[str]

    @strawberry.field
    async def opportunity(self, info: Info) -> Opportunity | None:
        return await _one(ctx(info).loaders.opportunity, self.opportunity_id, Opportunity)


@strawberry.type(
    description="Credibility heatmap (预测可信度热力图) and the risk list (GET /api/v1/analytics/forecast-heatmap)."
)
class ForecastHeatmap(FromDict):
    stages: list[HeatmapStage]
    rows: list[HeatmapRow] = strawberry.field(
        description="Reps by stage: evidence completeness of open deals"
    )
    risks: list[ForecastRisk] = strawberry.field(description="At most 200, largest amounts first")
    risk_threshold: float

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Self:
        read = read_as(forecast_schemas.Heatmap, raw)
        return cls.from_dict(
            read,
            stages=[HeatmapStage.from_dict(s) for s in read["stages"]],
            rows=[
                HeatmapRow.from_dict(r, cells=[HeatmapCell.from_dict(c) for c in r["cells"]])
                for r in read["rows"]
            ],
            risks=[ForecastRisk.from_dict(r) for r in read["risks"]],
        )
