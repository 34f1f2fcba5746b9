"""GraphQL types of customer health (§6): the model, a grade explained, grade history, accuracy.
Built from what health.service answers REST, so both APIs show the same figures."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Self

import strawberry
from strawberry import Info
from strawberry.scalars import JSON

from salescore.graphql.context import ctx
from salescore.graphql.types import Customer, FromRow, _one


def _id(value: uuid.UUID | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type(description="Grade thresholds: A from `A` on, B from `B` on, C below.")
class Thresholds:
    a: float = strawberry.field(name="A")
    b: float = strawberry.field(name="B")

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Self:
        return cls(a=float(raw["A"]), b=float(raw["B"]))


@strawberry.type
class IndicatorWeight:
    code: str = strawberry.field(
        description="interaction_frequency | requirement_clarity | decision_chain | competitor_activity"
    )
    label: str = strawberry.field(description="In the request language (Accept-Language)")
    weight: float
    definition: str


@strawberry.type(description="The current health model: weights, thresholds and each indicator's definition.")
class HealthModel:
    version: int
    is_default: bool = strawberry.field(description="True while the tenant runs the built-in version 1")
    indicators: list[IndicatorWeight]
    thresholds: Thresholds
    created_at: datetime | None
    created_by: strawberry.ID | None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Self:
        return cls(
            version=raw["version"],
            is_default=raw["is_default"],
            indicators=[IndicatorWeight(**i) for i in raw["indicators"]],
            thresholds=Thresholds.from_dict(raw["thresholds"]),
            created_at=raw["created_at"],
            created_by=_id(raw["created_by"]),
        )


@strawberry.type(description="A record behind an indicator's value.")
class HealthRecord:
    kind: str = strawberry.field(description="follow_up | requirement | contact | action")
    id: strawberry.ID | None
    occurred_at: datetime | None
    description: str
    value: str | None
    follow_up_id: strawberry.ID | None


@strawberry.type
class IndicatorExplained:
    code: str
    label: str
    definition: str
    value: float
    weight: float
    contribution: float = strawberry.field(description="weight × value; they add up to the score")
    records: list[HealthRecord]


@strawberry.type(description="A customer's health score and grade, explained.")
class CustomerHealth:
    customer_id: strawberry.ID
    score: float | None
    grade: str | None
    model_version: int
    graded_at: datetime | None = strawberry.field(description="Null: never graded yet")
    as_of: datetime = strawberry.field(description="The moment the indicators are computed for")
    thresholds: Thresholds
    indicators: list[IndicatorExplained]

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Self:
        indicators = [
            IndicatorExplained(
                **{k: i[k] for k in ("code", "label", "definition", "value", "weight", "contribution")},
                records=[
                    HealthRecord(
                        kind=r["kind"],
                        id=_id(r["id"]),
                        occurred_at=r["occurred_at"],
                        description=r["description"],
                        value=r.get("value"),
                        follow_up_id=_id(r.get("follow_up_id")),
                    )
                    for r in i["records"]
                ],
            )
            for i in raw["indicators"]
        ]
        return cls(
            customer_id=strawberry.ID(str(raw["customer_id"])),
            score=raw["score"],
            grade=raw["grade"],
            model_version=raw["model_version"],
            graded_at=raw["graded_at"],
            as_of=raw["as_of"],
            thresholds=Thresholds.from_dict(raw["thresholds"]),
            indicators=indicators,
        )

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return await _one(ctx(info).loaders.customer, self.customer_id, Customer)


@strawberry.type(description="A recorded change of a customer's grade.")
class GradeChange(FromRow):
    id: strawberry.ID
    customer_id: strawberry.ID
    old_grade: str | None
    new_grade: str
    score: float
    indicators: JSON = strawberry.field(description="Indicator code -> value")
    model_version: int
    at: datetime


@strawberry.type
class GradeCounts:
    a: int = strawberry.field(name="A")
    b: int = strawberry.field(name="B")
    c: int = strawberry.field(name="C")


@strawberry.type(description="The static baseline's figures on the same customers.")
class BaselineFigures:
    rule: str
    a_count: int
    a_won: int
    accuracy: float | None


@strawberry.type(description="分级准确率: A customers that won within the horizon ÷ all A customers then.")
class GradingAccuracy:
    as_of: date
    horizon_days: int
    as_of_time: datetime = strawberry.field(description="The end of as_of, tenant time")
    customers: int = strawberry.field(description="Customers (visible to the caller) that existed then")
    model_version: int
    a_count: int
    a_won: int
    accuracy: float | None = strawberry.field(
        description="a_won / a_count, 4 decimals; null when a_count is 0"
    )
    grades: GradeCounts
    baseline: BaselineFigures

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Self:
        grades = raw["grades"]
        b = raw["baseline"]
        return cls(
            **{
                k: raw[k]
                for k in (
                    "as_of",
                    "horizon_days",
                    "as_of_time",
                    "customers",
                    "model_version",
                    "a_count",
                    "a_won",
                    "accuracy",
                )
            },
            grades=GradeCounts(a=grades["A"], b=grades["B"], c=grades["C"]),
            baseline=BaselineFigures(
                rule=b["rule"], a_count=b["a_count"], a_won=b["a_won"], accuracy=b["accuracy"]
            ),
        )
