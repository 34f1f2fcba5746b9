"""Quick-screen answers and report."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictFloat, StrictInt

from salescore.kit.schemas import InModel, OutModel

Number = StrictFloat | StrictInt


class DiagnosisIn(InModel):
    daily_report_delay_days: Annotated[Number, Field(ge=0, le=365)] = Field(
        description="销售日报平均延迟几天: average days a daily report comes in after its day")
    grading_refresh_interval_days: Annotated[Number, Field(ge=0, le=3650)] = Field(
        description="客户分级多久更新一次: days between refreshes of customer grades")
    forecast_deviation_pct: Annotated[Number, Field(ge=-1000, le=1000)] = Field(
        description="月度预测偏差率 in percent; its absolute value is judged (−25 and 25 alike)")
    lead_first_response_hours: Annotated[Number, Field(ge=0, le=8760)] = Field(
        description="Hours from a new lead to the first effective follow-up (call, visit, meeting, WeChat)")
    stuck_in_first_stage_share: Annotated[Number, Field(ge=0, le=1)] = Field(
        description="Share (0–1) of open deals stuck in the first stage")
    contract_to_payment_days: Annotated[Number, Field(ge=0, le=3650)] = Field(
        description="Days from contract signing to the first payment")


class Breakpoint(OutModel):
    code: str = Field(description="The question")
    status: Literal["red", "yellow", "green"]
    value: float = Field(description="The answer judged")
    reason: str
    green_max: float = Field(description="Healthy (green) up to this")
    yellow_max: float = Field(description="Yellow up to this; red above")


class PlanDefault(OutModel):
    kind: str = Field(description="rule | tenant_setting | analytics_setting | health_model | evidence_model | "
                                  "pipeline | action_template | periodic")
    key: str
    value: Any


class Plan(OutModel):
    breakpoint: str = Field(description="The question this plan improves")
    title: str
    steps: list[str]
    go_live_within_hours: int
    features: list[str] = Field(description="The salescore endpoints to use")
    defaults: list[PlanDefault] = Field(description="Settings and default rules to switch on, with their values")


class DiagnosisOut(OutModel):
    answers: dict[str, float | None]
    breakpoints: list[Breakpoint] = Field(description="One per answered question, in question order")
    unanswered: list[str] = Field(description="Questions without an answer (the tenant has no data for them)")
    counts: dict[str, int] = Field(description="Breakpoints per status")
    plans: list[Plan] = Field(min_length=3, max_length=3,
                              description="Exactly 3: red before yellow before unanswered before green, furthest "
                                          "past its healthy line first")


class TenantDiagnosisOut(DiagnosisOut):
    sources: dict[str, Any] = Field(description="How each answer was measured, over which records and window")
