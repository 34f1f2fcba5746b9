"""Daily reports in and out."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from salescore.kit.schemas import InModel, IsoDate, OutModel, PastDatetime
from salescore.signal.schemas import CustomerSignalRead, Detection

Channel = Literal["call", "meeting", "email", "wechat", "visit", "demo", "other"]
ActionCode = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]


class ReportItemIn(InModel):
    customer_id: uuid.UUID = Field(description="Name and industry tags are resolved by the server")
    opportunity_id: uuid.UUID | None = Field(
        None, description="Needed only when the action syncs to a deal and the customer has several open ones"
    )
    action_code: ActionCode
    fields: Annotated[dict[str, Any], Field(max_length=50)] = {}
    note: Annotated[str, StringConstraints(max_length=500)] = ""
    occurred_at: PastDatetime | None = Field(None, description="Defaults to 18:00 tenant time on the report's date")
    channel: Channel | None = Field(None, description="Defaults to the action template's channel")


class ProgressIn(InModel):
    customer_id: uuid.UUID
    note: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class DailyReportCreate(InModel):
    date: IsoDate
    items: Annotated[list[ReportItemIn], Field(min_length=1, max_length=3)] = Field(
        description="The day's 1-3 things, each a ticked action"
    )
    progress: ProgressIn = Field(description="The one customer progress (required)")


class DailyReportAmend(InModel):
    date: IsoDate | None = Field(None, description="May be sent back unchanged; a report never changes its date")
    items: Annotated[list[ReportItemIn], Field(min_length=1, max_length=3)]
    progress: ProgressIn


class CustomerBrief(OutModel):
    customer_id: uuid.UUID
    customer_name: str | None
    industry: str | None
    tags: list[str]


class ReportItemRead(CustomerBrief):
    opportunity_id: uuid.UUID | None
    action_code: str
    action_label: str
    fields: dict[str, Any]
    note: str
    occurred_at: datetime
    channel: str
    follow_up_id: uuid.UUID


class ProgressRead(CustomerBrief):
    note: str
    follow_up_id: uuid.UUID


class ReportSignals(Detection):
    follow_up_id: uuid.UUID
    customer_id: uuid.UUID


class DailyReportRead(OutModel):
    id: uuid.UUID
    user_id: uuid.UUID
    team_id: uuid.UUID | None
    date: date
    items: list[ReportItemRead]
    progress: ProgressRead
    submitted_at: datetime
    deadline_at: datetime
    on_time: bool
    delay_days: float = Field(description="submitted_at − end of the report's date, when positive")
    amended_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
    signals: list[ReportSignals] | None = Field(
        None, description="Signals found in the report's notes, per follow-up written (SPEC §9); present in the "
                          "answer to a submission or an amendment"
    )


class FollowUpBrief(OutModel):
    id: uuid.UUID
    occurred_at: datetime
    channel: str
    summary: str
    user_id: uuid.UUID
    action_codes: list[str]


class OpportunityBrief(OutModel):
    id: uuid.UUID
    name: str
    stage: str | None
    amount: Decimal | None
    currency: str
    expected_close_date: date | None
    maturity: float
    forecast_category: str


class CustomerContext(OutModel):
    id: uuid.UUID
    name: str
    industry: str | None
    tags: list[str]
    grade: str | None
    health_score: float | None
    open_opportunities: list[OpportunityBrief]
    open_signals: list[CustomerSignalRead] = Field(
        description="Signals (§9) this customer's conversations carry: counts and last seen, latest first"
    )
    recent_follow_ups: list[FollowUpBrief] = Field(description="The last 3 follow-ups, newest first")
