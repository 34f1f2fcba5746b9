"""Action template definitions in and out (SPEC §4)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StringConstraints

from salescore.kit.schemas import InModel, OutModel

FieldType = Literal["enum", "date", "datetime", "text", "bool", "number", "attachment"]
Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
Label = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Channel = Literal["call", "meeting", "email", "wechat", "visit", "demo", "other"]


class OptionIn(InModel):
    value: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    label: Label
    label_en: Label | None = None


class FieldSpecIn(InModel):
    key: Code
    label: Label
    label_en: Label | None = None
    type: FieldType
    options: Annotated[list[OptionIn], Field(max_length=100)] = []
    required: StrictBool = False
    max_length: Annotated[StrictInt, Field(ge=1, le=5000)] | None = None
    min: StrictFloat | None = None
    max: StrictFloat | None = None


class SyncSpecIn(InModel):
    target: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(
        description="e.g. opportunity.stage, opportunity.expected_close_date, opportunity.quote_submitted_at, "
        "opportunity.competitors, opportunity.amount, opportunity.custom.<key>, "
        "customer.requirements.<drawings|tech_params|budget_range>, customer.custom.<key>"
    )
    field: Code | None = Field(None, description="The action field whose value is written")
    value: Literal["occurred_at"] | None = Field(None, description="`occurred_at`: the action's moment")
    mode: Literal["set", "append"] = "set"


class TemplateDefinition(InModel):
    label: Label
    label_en: Label | None = None
    category: Annotated[str, StringConstraints(min_length=1, max_length=32)] = "custom"
    channel: Channel = Field("other", description="Channel of follow-ups a daily report creates for it")
    fields: Annotated[list[FieldSpecIn], Field(max_length=30)] = []
    sync: Annotated[list[SyncSpecIn], Field(max_length=20)] = []
    effects: Annotated[list[Literal["demo_todo", "tech_confirmation_document"]], Field(max_length=5)] = []


class TemplateCreate(TemplateDefinition):
    code: Code
    enabled: StrictBool = True


class TemplateUpdate(InModel):
    """Any definition change makes a new revision; `enabled` alone does not."""

    label: Label | None = None
    label_en: Label | None = None
    category: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = None
    channel: Channel | None = None
    fields: Annotated[list[FieldSpecIn], Field(max_length=30)] | None = None
    sync: Annotated[list[SyncSpecIn], Field(max_length=20)] | None = None
    effects: Annotated[list[Literal["demo_todo", "tech_confirmation_document"]], Field(max_length=5)] | None = None
    enabled: StrictBool | None = None


class OptionRead(OutModel):
    value: str
    label: str


class FieldSpecRead(OutModel):
    key: str
    label: str
    type: FieldType
    options: list[OptionRead]
    required: bool
    max_length: int | None = None
    min: float | None = None
    max: float | None = None


class SyncSpecRead(OutModel):
    target: str
    field: str | None = None
    value: str | None = None
    mode: str = "set"


class TemplateRead(OutModel):
    id: uuid.UUID
    code: str
    label: str = Field(description="In the request's language (Accept-Language: en → English)")
    labels: dict[str, str] = Field(description='{"zh-CN": ..., "en": ...}')
    category: str
    channel: str
    fields: list[FieldSpecRead]
    sync: list[SyncSpecRead]
    effects: list[str]
    enabled: bool
    is_default: bool
    revision: int
    version: int
    created_at: datetime
    updated_at: datetime


class TemplateVersionRead(OutModel):
    revision: int
    definition: dict[str, Any]
    created_by: uuid.UUID | None
    created_at: datetime
