"""GraphQL types of the process analytics (§5): daily-report discipline and action effectiveness.
Built from analytics.service's answers, the same figures REST serves."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Self

import strawberry
from strawberry import Info

from salescore.graphql.context import ctx
from salescore.graphql.types import Team, User, _one

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
