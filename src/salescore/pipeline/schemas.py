"""Pipelines in and out (SPEC §5)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt, StringConstraints

from salescore.customer.schemas import Money
from salescore.kit.schemas import InModel, OutModel, PastDatetime

StageCode = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
Label = Annotated[str, StringConstraints(min_length=1, max_length=100)]
ForecastCategory = Literal["unqualified", "pipeline", "best_case", "commit"]


class StageIn(InModel):
    code: StageCode
    label: Label | None = Field(None, description="zh-CN label; defaults to the code")
    label_en: Label | None = None
    required_fields: Annotated[list[Key], Field(max_length=20)] = Field(
        [], description="Opportunity attributes (amount, expected_close_date, ...) or keys of its `custom`"
    )
    required_actions: Annotated[list[Key], Field(max_length=20)] = Field(
        [], description="Action codes that must have been recorded on the deal"
    )
    expected_evidence: Annotated[list[Key], Field(max_length=10)] = []
    forecast_category: ForecastCategory = "pipeline"
    sla_hours: Annotated[StrictInt, Field(ge=1, le=24 * 366)] | None = None


class PipelineCreate(InModel):
    name: Label
    region: Annotated[str, StringConstraints(max_length=100)] | None = None
    stages: Annotated[list[StageIn], Field(min_length=1, max_length=30)]
    is_default: StrictBool = False


class PipelineUpdate(InModel):
    name: Label | None = None
    region: Annotated[str, StringConstraints(max_length=100)] | None = None
    stages: Annotated[list[StageIn], Field(min_length=1, max_length=30)] | None = None
    is_default: StrictBool | None = Field(None, description="true makes this the tenant's default pipeline")


class PipelineClone(InModel):
    name: Label | None = Field(None, description="Defaults to the source name + （副本）")
    region: Annotated[str, StringConstraints(max_length=100)] | None = None


class StageRead(OutModel):
    code: str
    label: str
    labels: dict[str, str]
    required_fields: list[str]
    required_actions: list[str]
    expected_evidence: list[str]
    forecast_category: str
    sla_hours: int | None


class PipelineRead(OutModel):
    id: uuid.UUID
    name: str
    region: str | None
    is_default: bool
    cloned_from_id: uuid.UUID | None
    stages: list[StageRead]
    version: int
    created_at: datetime
    updated_at: datetime


class StageMove(InModel):
    stage: StageCode
    at: PastDatetime | None = Field(None, description="When the move happened (imports); defaults to now")
    override_reason: Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=r"\S")] | None = Field(
        None,
        description="Managers, directors and admins: move forward although requirements are missing (特批), "
        "saying why. The move is recorded with `compliant: false` and this reason (GET …/stage-changes; it counts "
        "against the action compliance rate); the event `opportunity.stage_changed` also lists the requirements "
        "waived. Without missing requirements it is ignored.",
    )


class WinIn(InModel):
    won_at: PastDatetime | None = None
    amount: Money | None = None


class StageChangeRead(OutModel):
    id: uuid.UUID
    opportunity_id: uuid.UUID
    pipeline_id: uuid.UUID | None
    from_: str | None = Field(validation_alias="from_stage", serialization_alias="from")
    to: str | None = Field(validation_alias="to_stage")
    by: uuid.UUID | None = Field(validation_alias="by_id", description="Who moved it")
    from_stage: str | None
    to_stage: str | None
    at: datetime
    by_id: uuid.UUID | None
    via: str
    follow_up_id: uuid.UUID | None
    compliant: bool = Field(description="Every required field and action of the stages passed was present")
    override_reason: str | None = Field(description="Why a manager moved it forward anyway (特批); null otherwise")

