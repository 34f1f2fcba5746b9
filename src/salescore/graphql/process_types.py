"""GraphQL types of the process analytics of §10: the three-colour board and the quick-screen.
Built from the REST services' answers, the same figures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Self

import strawberry
from strawberry.scalars import JSON


def _ids(values: list[Any]) -> list[strawberry.ID]:
    return [strawberry.ID(str(v)) for v in values]


@strawberry.type(description="One check of the board: alert when value > threshold")
class BoardCheck:
    value: float | None = strawberry.field(description="The figure; null when the sample is empty")
    threshold: float
    status: str = strawberry.field(description="ok | alert")
    sample_size: int
    ids: list[strawberry.ID] = strawberry.field(description="The records that breach, for drill-down")
    window_from: datetime
    window_to: datetime = strawberry.field(description="The end of asOf (exclusive), tenant time")

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Self:
        return cls(value=raw["value"], threshold=raw["threshold"], status=raw["status"],
                   sample_size=raw["sample_size"], ids=_ids(raw["ids"]),
                   window_from=raw["window"]["from"], window_to=raw["window"]["to"])


@strawberry.type(description="A deal over the yellow threshold")
class SlowDeal:
    id: strawberry.ID
    signed_on: date
    paid_on: date | None
    workdays: int


@strawberry.type(description="三色看板 (GET /api/v1/analytics/three-color-board)")
class ThreeColorBoard:
    as_of: date
    calendar_warnings: list[str]
    red: BoardCheck = strawberry.field(description="红色断点: share of quotes left unconfirmed; ids = deals")
    red_unconfirmed: int
    yellow: BoardCheck = strawberry.field(description="黄色卡点: median workdays signing → first payment")
    yellow_deals: list[SlowDeal]
    green: BoardCheck = strawberry.field(description="绿色盲区: graded customers without follow-up; ids = customers")

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Self:
        return cls(
            as_of=raw["as_of"], calendar_warnings=raw["calendar_warnings"],
            red=BoardCheck.from_dict(raw["red"]), red_unconfirmed=raw["red"]["unconfirmed"],
            yellow=BoardCheck.from_dict(raw["yellow"]),
            yellow_deals=[SlowDeal(id=strawberry.ID(str(d["id"])), signed_on=d["signed_on"], paid_on=d["paid_on"],
                                   workdays=d["workdays"]) for d in raw["yellow"]["deals"]],
            green=BoardCheck.from_dict(raw["green"]),
        )


@strawberry.type
class Breakpoint:
    code: str
    status: str = strawberry.field(description="red | yellow | green")
    value: float
    reason: str


@strawberry.type
class ImprovementPlan:
    breakpoint: str
    title: str
    steps: list[str]
    go_live_within_hours: int
    features: list[str]
    defaults: JSON = strawberry.field(description="[{kind, key, value}] settings and default rules to switch on")


@strawberry.type(description="The quick-screen measured on the tenant's data (GET /api/v1/analytics/diagnosis)")
class Diagnosis:
    answers: JSON
    breakpoints: list[Breakpoint]
    unanswered: list[str]
    plans: list[ImprovementPlan]
    sources: JSON

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Self:
        return cls(
            answers=raw["answers"], unanswered=raw["unanswered"], sources=_jsonable(raw["sources"]),
            breakpoints=[Breakpoint(code=b["code"], status=b["status"], value=b["value"], reason=b["reason"])
                         for b in raw["breakpoints"]],
            plans=[ImprovementPlan(breakpoint=p["breakpoint"], title=p["title"], steps=p["steps"],
                                   go_live_within_hours=p["go_live_within_hours"], features=p["features"],
                                   defaults=p["defaults"]) for p in raw["plans"]],
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


@strawberry.type(description="One week of a KPI")
class KpiPoint:
    week_start: date
    value: float | None = strawberry.field(description="Null when n is 0")
    n: int = strawberry.field(description="The sample the value is computed over")
    threshold: float | None
    status: str | None = strawberry.field(description="ok | alert; null without value or threshold")
    unanswered: int | None = strawberry.field(description="leadFirstResponseHours only: customers not answered yet")


@strawberry.type(description="One month of grading accuracy or forecast deviation")
class KpiMonth:
    month: str
    month_start: date
    month_end: date
    value: float | None
    n: int
    complete: bool


@strawberry.type(description="A metric's points, oldest first")
class KpiSeries:
    metric: str
    points: list[KpiPoint]


@strawberry.type(description="A monthly metric's points (groupBy tenant only)")
class KpiMonthlySeries:
    metric: str
    points: list[KpiMonth]


@strawberry.type
class KpiGroup:
    key: str = strawberry.field(description="'tenant', a user or team id, a region or product line, or 'none'")
    label: str
    series: list[KpiSeries]
    monthly: list[KpiMonthlySeries]


@strawberry.type
class KpiWeek:
    week_start: date
    week_end: date
    partial: bool


@strawberry.type(description="Weekly KPI series (GET /api/v1/analytics/kpis)")
class Kpis:
    as_of: date
    group_by: str
    weeks: list[KpiWeek]
    settings: JSON = strawberry.field(description="The KPI settings the figures used")
    calendar_warnings: list[str]
    omitted: JSON = strawberry.field(description="metric -> why this grouping leaves it out")
    groups: list[KpiGroup]

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Self:
        settings = raw["settings"]
        return cls(
            as_of=raw["as_of"], group_by=raw["group_by"], calendar_warnings=raw["calendar_warnings"],
            weeks=[KpiWeek(**w) for w in raw["weeks"]],
            settings=settings.model_dump(mode="json") if hasattr(settings, "model_dump") else settings,
            omitted=raw["omitted"],
            groups=[
                KpiGroup(
                    key=g["key"], label=g["label"],
                    series=[KpiSeries(metric=m, points=[
                        KpiPoint(week_start=p["week_start"], value=p["value"], n=p["n"], threshold=p["threshold"],
                                 status=p["status"], unanswered=p.get("unanswered")) for p in points])
                        for m, points in g["series"].items()],
                    monthly=[KpiMonthlySeries(metric=m, points=[KpiMonth(**p) for p in points])
                             for m, points in g["monthly"].items()],
                )
                for g in raw["groups"]
            ],
        )


@strawberry.type(description="The three components (weights, or a day's components or p90s)")
class HealthFigures:
    follow_ups: float
    objections: float
    proposals: float


@strawberry.type
class HealthPoint:
    day: date
    index: float = strawberry.field(description="Mean index of the group's reps that day")
    n: int = strawberry.field(description="Reps averaged that day")


@strawberry.type
class HealthGroup:
    key: str
    label: str
    mean: float
    trend: float | None = strawberry.field(description="Last day's mean − first day's mean")
    n: int
    series: list[HealthPoint]


@strawberry.type
class HealthRepDay:
    day: date
    product_line: str | None
    index: float
    follow_ups: int
    objections: int
    proposals: int
    components: HealthFigures
    p90: HealthFigures
    window_days: int


@strawberry.type
class HealthRep:
    user_id: strawberry.ID
    name: str
    team_id: strawberry.ID | None
    days: list[HealthRepDay]


@strawberry.type(description="过程健康度 (GET /api/v1/analytics/process-health)")
class ProcessHealth:
    from_: date = strawberry.field(name="from")
    to: date
    through: date | None
    group_by: str
    weights: HealthFigures
    window_days: int
    computed_days: int
    groups: list[HealthGroup]
    reps: list[HealthRep] | None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Self:
        def rep(r: dict[str, Any]) -> HealthRep:
            days = [HealthRepDay(**{**d, "components": HealthFigures(**d["components"]),
                                    "p90": HealthFigures(**d["p90"])}) for d in r["days"]]
            return HealthRep(user_id=strawberry.ID(str(r["user_id"])), name=r["name"],
                             team_id=None if r["team_id"] is None else strawberry.ID(str(r["team_id"])), days=days)

        return cls(
            from_=raw["from"], to=raw["to"], through=raw["through"], group_by=raw["group_by"],
            weights=HealthFigures(**raw["weights"]), window_days=raw["window_days"],
            computed_days=raw["computed_days"],
            groups=[HealthGroup(key=g["key"], label=g["label"], mean=g["mean"], trend=g["trend"], n=g["n"],
                                series=[HealthPoint(**p) for p in g["series"]]) for g in raw["groups"]],
            reps=None if raw["reps"] is None else [rep(r) for r in raw["reps"]],
        )
