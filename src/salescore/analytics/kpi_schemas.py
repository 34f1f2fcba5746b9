"""The weekly KPIs' response shape (§10)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import Field

from salescore.analytics.scope import GroupBy
from salescore.analytics.settings import KpiSettings
from salescore.kit.schemas import OutModel

Status = Literal["ok", "alert"]


class KpiWeek(OutModel):
    week_start: date = Field(description="Monday (tenant time)")
    week_end: date = Field(description="Sunday, or as_of for the last, partial week")
    partial: bool = Field(description="True for the week holding as_of when as_of is not its Sunday")


class KpiPoint(OutModel):
    week_start: date
    value: float | None = Field(description="The week's figure; null when n is 0")
    n: int = Field(description="The sample the value is computed over (see each metric)")
    threshold: float | None = Field(
        description="The healthy bound the status compares with (null: the metric has none)")
    status: Status | None = Field(description="ok or alert against the threshold; null without value or threshold")
    unanswered: int | None = Field(
        None, description="lead_first_response_hours only: customers created in the week with no effective "
                          "follow-up by as_of (not in n)")


class MonthlyPoint(OutModel):
    month: str = Field(description="YYYY-MM")
    month_start: date
    month_end: date = Field(description="Last day of the month, or as_of for the month holding it")
    value: float | None
    n: int
    complete: bool = Field(description="False while the figure can still change (horizon or month not over)")


class KpiGroup(OutModel):
    key: str = Field(description="'tenant', a user or team id, a region or product line, or 'none'")
    label: str
    series: dict[str, list[KpiPoint]] = Field(
        description="metric -> one point per week, oldest first: lead_first_response_hours, "
                    "stage_transition_rate, action_compliance_rate, daily_report_submission_rate, "
                    "entry_latency_rate, profile_completeness (see `omitted` for the ones a grouping leaves out)")
    monthly: dict[str, list[MonthlyPoint]] = Field(
        description="group_by=tenant only: grading_accuracy and forecast_deviation per month of the window")


class Kpis(OutModel):
    as_of: date
    group_by: GroupBy
    team_id: uuid.UUID | None
    weeks: list[KpiWeek]
    settings: KpiSettings = Field(description="The tenant's KPI settings the figures used (thresholds, stages, "
                                              "channels; GET/PUT /api/v1/analytics/settings)")
    calendar_warnings: list[str] = Field(
        description="Years the statutory calendar does not know yet; Monday–Friday was used for them")
    omitted: dict[str, str] = Field(description="metric -> why this grouping or filter leaves it out")
    groups: list[KpiGroup]
