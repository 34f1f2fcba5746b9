"""GraphQL types of the process analytics (§5): daily-report discipline and action effectiveness.
Built from analytics.service's answers, the same figures REST serves."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Self

import strawberry
from strawberry import Info

from salescore.graphql.context import ctx
from salescore.graphql.types import Customer, Team, User, _one

USAGE = (
    "name",
    "code",
    "label",
    "times_used",
    "days_used",
    "customers_touched",
    "wins",
    "high_activity_zero_conversion",
)
FIGURES = ("expected", "submitted", "submission_rate", "on_time", "on_time_rate", "mean_delay_days")


def _id(value: uuid.UUID | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type
class ReportFigures:
    expected: int = strawberry.field(
        description="Workdays in the period (up to today) on or after each user's creation"
    )
    submitted: int = strawberry.field(description="Reports dated on one of those expected workdays")
    submission_rate: float | None = strawberry.field(
        description="submitted / expected; null when nothing was expected"
    )
    on_time: int = strawberry.field(description="Submitted reports that met their deadline")
    on_time_rate: float | None = strawberry.field(
        description="on_time / submitted; null when nothing was submitted"
    )
    mean_delay_days: float | None

    @classmethod
    def from_dict(cls, raw: dict[str, Any], **extra: Any) -> Self:
        return cls(**{k: raw[k] for k in FIGURES}, **extra)


@strawberry.type
class UserReportFigures(ReportFigures):
    user_id: strawberry.ID
    name: str
    team_id: strawberry.ID | None

    @strawberry.field
    async def user(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.user_id, User)


@strawberry.type
class TeamReportFigures(ReportFigures):
    team_id: strawberry.ID
    name: str

    @strawberry.field
    async def team(self, info: Info) -> Team | None:
        return await _one(ctx(info).loaders.team, self.team_id, Team)


@strawberry.type(description="Daily-report discipline per user and team over a period.")
class DailyReportStats:
    from_: date = strawberry.field(name="from", description="First day of the period (tenant time)")
    to: date = strawberry.field(description="Last day of the period (tenant time)")
    through: date = strawberry.field(
        description="Last day counted: `to`, or today when `to` is in the future"
    )
    workdays: int
    calendar_warnings: list[str]
    users: list[UserReportFigures]
    teams: list[TeamReportFigures] = strawberry.field(description="Per current team of the listed users")
    total: ReportFigures

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Self:
        return cls(
            from_=raw["from"],
            to=raw["to"],
            through=raw["through"],
            workdays=raw["workdays"],
            calendar_warnings=raw["calendar_warnings"],
            users=[
                UserReportFigures.from_dict(
                    u, user_id=_id(u["user_id"]), name=u["name"], team_id=_id(u["team_id"])
                )
                for u in raw["users"]
            ],
            teams=[
                TeamReportFigures.from_dict(t, team_id=_id(t["team_id"]), name=t["name"])
                for t in raw["teams"]
            ],
            total=ReportFigures.from_dict(raw["total"]),
        )


@strawberry.type
class ActionUsage:
    user_id: strawberry.ID
    name: str
    code: str
    label: str = strawberry.field(description="The action's label in the request language (Accept-Language)")
    times_used: int
    days_used: int = strawberry.field(description="Distinct days (tenant time) the action was recorded")
    customers_touched: int
    wins: int = strawberry.field(
        description="Distinct won opportunities of the touched customers, won within 90 days after one of "
        "these actions on that customer"
    )
    high_activity_zero_conversion: bool

    @strawberry.field
    async def user(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.user_id, User)


@strawberry.type(description="Action usage and wins per user and action code over a period.")
class ActionEffectiveness:
    from_: date = strawberry.field(name="from", description="First day of the period (tenant time)")
    to: date = strawberry.field(description="Last day of the period (tenant time)")
    high_activity_days: int = strawberry.field(description="days_used from which zero wins is flagged")
    items: list[ActionUsage]

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Self:
        items = [
            ActionUsage(user_id=strawberry.ID(str(item["user_id"])), **{k: item[k] for k in USAGE})
            for item in raw["items"]
        ]
        return cls(from_=raw["from"], to=raw["to"], high_activity_days=raw["high_activity_days"], items=items)


# --- interaction heatmap (客户互动热力图) ----------------------------------------------------------


@strawberry.type(description="A column of the interaction heatmap: a Monday-start week or a weekday.")
class InteractionHeatColumn:
    key: str = strawberry.field(description="week: the week's Monday (YYYY-MM-DD); weekday: 1 (Monday) .. 7")
    label: str = strawberry.field(description="week: the Monday's date; weekday: the day's name")
    from_: date | None = strawberry.field(
        name="from", description="First day of the window in this column (a week may be clipped)"
    )
    to: date | None = strawberry.field(description="Last day of the window in this column")
    days: int = strawberry.field(
        description="Days of the window in this column (< 7: a clipped week; weekday: its occurrences)"
    )


@strawberry.type
class InteractionHeatCell:
    col: str = strawberry.field(description="The column key")
    count: int = strawberry.field(description="Interactions (follow-ups) in this row and column")
    customers: int | None = strawberry.field(
        description="Distinct customers touched; rows=rep only (null for rows=customer)"
    )


@strawberry.type
class InteractionHeatTotal:
    count: int
    customers: int = strawberry.field(description="Distinct customers touched")


@strawberry.type
class InteractionHeatColumnTotal(InteractionHeatTotal):
    col: str


@strawberry.type(description="A row of the interaction heatmap: a rep (user) or a customer.")
class InteractionHeatRow:
    id: strawberry.ID = strawberry.field(description="The user (rows=rep) or the customer (rows=customer)")
    rows: strawberry.Private[str]
    label: str
    total: int = strawberry.field(description="Interactions of this row over the window")
    customers: int | None = strawberry.field(
        description="rows=rep: distinct customers touched over the window"
    )
    team_id: strawberry.ID | None = strawberry.field(description="rows=rep: the user's current team")
    team_name: str | None
    owner_id: strawberry.ID | None = strawberry.field(description="rows=customer: the customer's owner")
    owner_name: str | None
    grade: str | None = strawberry.field(description="rows=customer: the customer's current grade")
    cells: list[InteractionHeatCell] = strawberry.field(description="One per column, zeros included")
    last_interaction_at: datetime | None = strawberry.field(
        description="The row's latest interaction in the window"
    )

    @strawberry.field(description="rows=rep: the user")
    async def user(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.id, User) if self.rows == "rep" else None

    @strawberry.field(description="rows=customer: the customer")
    async def customer(self, info: Info) -> Customer | None:
        return await _one(ctx(info).loaders.customer, self.id, Customer) if self.rows == "customer" else None


@strawberry.type(description="Follow-ups per rep or customer × week or weekday of tenant time.")
class InteractionHeatmap:
    from_: date = strawberry.field(name="from", description="First day of the window (tenant time)")
    to: date = strawberry.field(description="Last day of the window (tenant time)")
    rows: str = strawberry.field(description="rep | customer")
    cols: str = strawberry.field(description="week | weekday")
    timezone: str
    channels: list[str] | None = strawberry.field(description="The channels counted; null: all")
    columns: list[InteractionHeatColumn]
    items: list[InteractionHeatRow]
    column_totals: list[InteractionHeatColumnTotal] = strawberry.field(
        description="Per column over every visible interaction matching the filters, also of unlisted rows"
    )
    total: InteractionHeatTotal
    max: int = strawberry.field(description="The largest listed cell count: the top of the colour scale")
    row_count: int = strawberry.field(
        description="rows=rep: the listed users; rows=customer: the customers with any interaction"
    )
    truncated: bool = strawberry.field(
        description="rows=customer: more customers had interactions than limit"
    )

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Self:
        items = [
            InteractionHeatRow(
                id=strawberry.ID(str(i["id"])), rows=raw["rows"], label=i["label"], total=i["total"],
                customers=i["customers"], team_id=_id(i["team_id"]), team_name=i["team_name"],
                owner_id=_id(i["owner_id"]), owner_name=i["owner_name"], grade=i["grade"],
                cells=[InteractionHeatCell(**c) for c in i["cells"]],
                last_interaction_at=i["last_interaction_at"],
            )
            for i in raw["items"]
        ]
        return cls(
            from_=raw["from"], to=raw["to"], rows=raw["rows"], cols=raw["cols"], timezone=raw["timezone"],
            channels=raw["channels"],
            columns=[
                InteractionHeatColumn(
                    key=c["key"], label=c["label"], from_=c["from"], to=c["to"], days=c["days"]
                )
                for c in raw["columns"]
            ],
            items=items,
            column_totals=[InteractionHeatColumnTotal(**t) for t in raw["column_totals"]],
            total=InteractionHeatTotal(**raw["total"]),
            max=raw["max"], row_count=raw["row_count"], truncated=raw["truncated"],
        )
