"""Rules in and out (SPEC §7). Action parameters are checked here, at save time."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StringConstraints, field_validator, model_validator

from salescore.kit.schemas import InModel, OutModel
from salescore.models.customer import LIFECYCLES
from salescore.rules import assignees
from salescore.rules.condition import ConditionError, compile_condition

EventPattern = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z_*]+(\.[a-z_*]+)*$")]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(max_length=4000)]
Hours = Annotated[StrictFloat, Field(gt=0, le=24 * 366)]
VALUES = {"lifecycle": LIFECYCLES, "rep_forecast_category": ("pipeline", "best_case", "commit")}
SETTABLE = {
    "customer": {"lifecycle", "tags", "industry", "region", "source"},
    "opportunity": {"product_line", "rep_forecast_category"},
}


def _assignee(value: str) -> str:
    if not assignees.is_valid(value):
        raise ValueError("owner, owners_manager, directors, admins, department:<name> or user:<uuid>")
    return value


Assignee = Annotated[str, StringConstraints(max_length=64)]


class Trigger(InModel):
    event: EventPattern = Field(description="Event type or glob pattern, e.g. customer.grade_changed, action.*")
    delay_hours: Hours | None = Field(
        None, description="Run this long after the event, re-checking the condition then (e.g. 24 h without a reply)"
    )


class Due(InModel):
    in_hours: Hours | None = None
    end_of_week: StrictBool | None = None
    field: Annotated[str, StringConstraints(max_length=64, pattern=r"^(record|customer|opportunity|payload)\.[a-z_.]+$")] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Due:
        given = [k for k in ("in_hours", "end_of_week", "field") if getattr(self, k) not in (None, False)]
        if len(given) != 1:
            raise ValueError("give exactly one of in_hours, end_of_week (true) or field")
        return self


class NotifyAction(InModel):
    kind: Literal["notify"]
    to: Annotated[list[Assignee], Field(min_length=1, max_length=5)]
    title: Title
    body: Body = ""

    _check = field_validator("to")(lambda v: [_assignee(x) for x in v])


class CreateTodoAction(InModel):
    kind: Literal["create_todo"]
    title: Title
    assignee: Assignee = "owner"
    description: Body = ""
    due: Due | None = None
    requires_attachment: StrictBool = False
    escalate_to: Assignee | None = Field(None, description="Notified when the todo is still open at its due time")

    _check = field_validator("assignee", "escalate_to")(lambda v: v if v is None else _assignee(v))


class KbSyncAction(InModel):
    kind: Literal["kb_sync"]


class GenerateDocumentAction(InModel):
    kind: Literal["generate_document"]
    template: Literal["tech_confirmation"]


class WebhookAction(InModel):
    kind: Literal["webhook"]
    subscription_id: uuid.UUID


class WecomAction(InModel):
    kind: Literal["wecom"]
    content: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    robot_id: uuid.UUID | None = Field(None, description="None: every enabled robot of the tenant")


class SetFieldAction(InModel):
    kind: Literal["set_field"]
    target: Literal["customer", "opportunity"]
    field: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z_]+(\.[a-z0-9_]+)?$")]
    value: Annotated[str, StringConstraints(max_length=200)] | StrictInt | StrictFloat | StrictBool | None | list[
        Annotated[str, StringConstraints(max_length=50)]]

    @model_validator(mode="after")
    def _settable(self) -> SetFieldAction:
        if not (self.field in SETTABLE[self.target] or self.field.startswith("custom.")):
            allowed = ", ".join(sorted(SETTABLE[self.target]))
            raise ValueError(f"{self.target} fields a rule may set: {allowed}, custom.<key>")
        allowed_values = VALUES.get(self.field)
        if allowed_values is not None and self.value not in allowed_values:
            raise ValueError(f"{self.field} is one of {', '.join(allowed_values)}")
        if (self.field == "tags") != isinstance(self.value, list):
            raise ValueError("tags take a list of strings; other fields a single value")
        if not self.field.startswith("custom.") and self.field != "tags" and not isinstance(self.value, str):
            raise ValueError(f"{self.field} takes a string")
        return self


class EscalateAction(InModel):
    kind: Literal["escalate"]
    title: Title
    body: Body = ""


RuleAction = Annotated[
    Union[NotifyAction, CreateTodoAction, KbSyncAction, GenerateDocumentAction, WebhookAction, WecomAction,
          SetFieldAction, EscalateAction],
    Field(discriminator="kind"),
]


def _condition(value: str | None) -> str | None:
    if value is not None and value.strip():
        try:
            compile_condition(value)
        except ConditionError as exc:
            raise ValueError(str(exc)) from exc
    return value


class RuleCreate(InModel):
    name: Title
    description: Body = ""
    enabled: StrictBool = True
    trigger: Trigger
    condition: Annotated[str, StringConstraints(max_length=1000)] | None = None
    actions: Annotated[list[RuleAction], Field(min_length=1, max_length=10)]
    position: Annotated[StrictInt, Field(ge=0, le=10_000)] = 100

    _check = field_validator("condition")(_condition)


class RuleUpdate(InModel):
    name: Title | None = None
    description: Body | None = None
    enabled: StrictBool | None = None
    trigger: Trigger | None = None
    condition: Annotated[str, StringConstraints(max_length=1000)] | None = None
    actions: Annotated[list[RuleAction], Field(min_length=1, max_length=10)] | None = None
    position: Annotated[StrictInt, Field(ge=0, le=10_000)] | None = None

    _check = field_validator("condition")(_condition)


class RuleRead(OutModel):
    id: uuid.UUID
    code: str | None
    name: str
    description: str
    enabled: bool
    trigger: dict[str, Any]
    condition: str | None
    actions: list[dict[str, Any]]
    position: int
    version: int
    created_at: datetime
    updated_at: datetime


class RuleRunRead(OutModel):
    id: uuid.UUID
    rule_id: uuid.UUID
    rule_version: int
    event_id: uuid.UUID
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    error: str | None
    results: list[dict[str, Any]]
    created_at: datetime
    finished_at: datetime | None


class TestEvent(InModel):
    type: EventPattern
    entity: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    entity_id: uuid.UUID | None = None
    payload: Annotated[dict[str, Any], Field(max_length=100)] = {}


class RuleTestIn(InModel):
    event: TestEvent


class RuleTestOut(OutModel):
    triggered: bool
    condition: bool | None
    error: str | None = None
    delay_hours: float | None = None
    actions: list[dict[str, Any]]
