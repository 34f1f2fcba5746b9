"""Analytics query inputs and response shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field

from salescore.kit.schemas import OutModel


class Period(OutModel):
    # `from` is a Python keyword: the field is `from_`, serialized (and documented) as `from`.
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from", description="First day of the period (tenant time)")
    to: date = Field(description="Last day of the period (tenant time)")


class ReportFigures(OutModel):
    expected: int = Field(description="Workdays in the period (up to today) on or after each user's creation")
    submitted: int = Field(description="Reports dated on one of those expected workdays")
    submission_rate: float | None = Field(description="submitted / expected; null when nothing was expected")
    on_time: int = Field(description="Submitted reports that met their deadline")
    on_time_rate: float | None = Field(description="on_time / submitted; null when nothing was submitted")
    mean_delay_days: float | None = Field(
        description="Mean of max(0, submitted_at - end of the report's day) in days over submitted reports"
    )


class UserReportFigures(ReportFigures):
    user_id: uuid.UUID
    name: str
    team_id: uuid.UUID | None


class TeamReportFigures(ReportFigures):
    team_id: uuid.UUID
    name: str


class DailyReportAnalytics(Period):
    through: date = Field(description="Last day counted: `to`, or today when `to` is in the future")
    workdays: int = Field(description="Workdays from `from` to `to` (statutory calendar + tenant overrides)")
    calendar_warnings: list[str] = Field(
        description="Years the statutory calendar does not know yet; Monday–Friday was used for them"
    )
    users: list[UserReportFigures]
    teams: list[TeamReportFigures] = Field(description="Per current team of the listed users")
    total: ReportFigures


class ActionUsage(OutModel):
    user_id: uuid.UUID
    name: str
    code: str
    label: str = Field(description="The action's label in the request language (Accept-Language)")
    times_used: int
    days_used: int = Field(description="Distinct days (tenant time) the action was recorded")
    customers_touched: int
    wins: int = Field(
        description="Distinct won opportunities of the touched customers, won within 90 days after "
        "one of these actions on that customer"
    )
    high_activity_zero_conversion: bool


class ActionEffectiveness(Period):
    high_activity_days: int = Field(description="days_used from which zero wins is flagged")
    items: list[ActionUsage]


class BoardWindow(OutModel):
    from_: datetime = Field(alias="from", description="Start of the window (inclusive)")
    to: datetime = Field(description="End of the window (exclusive): the end of as_of, tenant time")
    model_config = ConfigDict(populate_by_name=True)


class RedWindow(BoardWindow):
    submitted_before: datetime = Field(
        description="Quotes submitted after this have not had their confirmation hours yet and are left out")


class BoardCheck(OutModel):
    value: float | None = Field(description="The figure; null when the sample is empty")
    threshold: float = Field(description="The alert threshold (tenant analytics settings)")
    status: Literal["ok", "alert"] = Field(description="alert when value > threshold")
    sample_size: int = Field(description="How many records the figure is computed over")
    ids: list[uuid.UUID] = Field(description="The records that breach, for drill-down")


class RedCheckOut(BoardCheck):
    unconfirmed: int = Field(description="Quotes not confirmed in time (value = unconfirmed / sample_size)")
    window: RedWindow


class SlowDeal(OutModel):
    id: uuid.UUID
    signed_on: date = Field(description="Local date of the deal's first contract_signed action")
    paid_on: date | None = Field(description="Local date of its first payment_received action; null: unpaid")
    workdays: int = Field(description="Workdays d with signed_on < d <= paid_on (unpaid: as_of)")


class YellowCheckOut(BoardCheck):
    deals: list[SlowDeal] = Field(description="The deals over the threshold, slowest first")
    window: BoardWindow


class GreenCheckOut(BoardCheck):
    grade: str = Field(description="The grade watched (A by default)")
    window: BoardWindow


class ThreeColorBoard(OutModel):
    as_of: date
    team_id: uuid.UUID | None
    calendar_warnings: list[str]
    red: RedCheckOut = Field(description="红色断点: share of quotes left unconfirmed; ids = those deals")
    yellow: YellowCheckOut = Field(description="黄色卡点: median workdays signing → first payment; ids = deals over it")
    green: GreenCheckOut = Field(description="绿色盲区: graded customers without a follow-up; ids = those customers")
