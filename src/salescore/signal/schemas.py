"""Signals and playbooks in and out (SPEC §9)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt, StringConstraints, model_validator

from salescore.kit.schemas import InModel, OutModel
from salescore.signal.defaults import EXECUTIVE_VISIT_WARNING

SignalCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Pattern = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Script = Annotated[str, StringConstraints(min_length=1, max_length=500)]
MAX_DETECT_TEXT = 20_000
MAX_SIGNALS = 200


class LinkedActionIn(InModel):
    """What the playbook offers to do: generate a document from a template, or record an action."""

    kind: Literal["document", "action"]
    template: SignalCode | None = Field(None, description="Document template code (kind `document`)")
    code: SignalCode | None = Field(None, description="Action template code (kind `action`)")
    label: Annotated[str, StringConstraints(min_length=1, max_length=100)]

    @model_validator(mode="after")
    def _target(self) -> LinkedActionIn:
        if self.kind == "document" and not self.template:
            raise ValueError("a document action names its `template`")
        if self.kind == "action" and not self.code:
            raise ValueError("an action names its action template `code`")
        return self


class PlaybookIn(InModel):
    diagnosis: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    scripts: Annotated[list[Script], Field(min_length=1, max_length=3)] = Field(
        description="1–3 suggested scripts (推荐话术)"
    )
    linked_action: LinkedActionIn | None = None
    warning: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        EXECUTIVE_VISIT_WARNING,
        description="Shown from the escalation count on; `${escalation_count}` is replaced by the count",
    )


class SignalIn(InModel):
    code: SignalCode
    label: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    patterns: Annotated[list[Pattern], Field(min_length=1, max_length=50)] = Field(
        description="Phrases; a pattern using regex syntax (. ^ $ * + ? { } [ ] \\ | ( )) is a regular expression "
                    "run against the normalized text (NFKC, lower case, no whitespace)"
    )
    exclude: Annotated[list[Pattern], Field(max_length=50)] = Field(
        [], description="Phrases that cancel a match they cover (不太贵 is not 太贵)"
    )
    escalation_count: Annotated[StrictInt, Field(ge=1, le=1000)] = Field(
        3, description="Conversations with one customer carrying the signal at which `signal.escalated` is emitted"
    )
    playbook: PlaybookIn


class SignalConfigIn(InModel):
    signals: Annotated[list[SignalIn], Field(max_length=MAX_SIGNALS)]
    note: Annotated[str, StringConstraints(max_length=500)] | None = Field(None, description="What changed and why")


class LinkedAction(OutModel):
    kind: Literal["document", "action"]
    template: str | None = None
    code: str | None = None
    label: str


class Playbook(OutModel):
    diagnosis: str
    scripts: list[str]
    linked_action: LinkedAction | None
    warning: str


class SignalRead(OutModel):
    code: str
    label: str
    patterns: list[str]
    exclude: list[str]
    escalation_count: int
    playbook: Playbook


class SignalConfigRead(OutModel):
    version: int
    is_default: bool = Field(description="True until a director stores the tenant's own version")
    signals: list[SignalRead]
    note: str | None
    created_at: datetime | None
    created_by: uuid.UUID | None


class SignalConfigVersion(OutModel):
    version: int
    note: str | None
    signal_count: int
    created_at: datetime
    created_by: uuid.UUID | None


class DetectIn(InModel):
    text: Annotated[str, StringConstraints(max_length=MAX_DETECT_TEXT)] = Field(
        description=f"What the rep is typing (≤ {MAX_DETECT_TEXT} characters)"
    )
    customer_id: uuid.UUID | None = Field(None, description="Counts this customer's earlier conversations for warnings")

    @model_validator(mode="after")
    def _not_blank(self) -> DetectIn:
        if not self.text.strip():
            raise ValueError("text must not be empty")
        return self


class HitRead(OutModel):
    signal: str
    label: str
    matched: str
    start: int = Field(description="Offset of the match in the text (characters)")
    end: int


class Suggestion(OutModel):
    signal: str
    label: str
    diagnosis: str
    scripts: list[str]
    linked_action: LinkedAction | None
    count: int | None = Field(description="Conversations with the customer carrying the signal, this one included")
    escalation_count: int
    warning: str | None = Field(description="The playbook's warning, once the count reaches the escalation count")


class Detection(OutModel):
    config_version: int
    hits: list[HitRead]
    suggestions: list[Suggestion]


class CustomerSignalRead(OutModel):
    signal: str
    label: str
    count: int
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    escalation_count: int | None = Field(description="None when the signal is no longer defined")
    escalated: bool
    escalations: int = Field(description="How many times the count crossed the escalation count")


class CustomerSignals(OutModel):
    customer_id: uuid.UUID
    items: list[CustomerSignalRead]


class SignalHitRead(OutModel):
    id: uuid.UUID
    signal: str
    matched: str
    start: int
    end: int
    source: Literal["follow_up", "transcript", "daily_report"]
    source_id: uuid.UUID
    follow_up_id: uuid.UUID | None
    customer_id: uuid.UUID | None
    opportunity_id: uuid.UUID | None
    user_id: uuid.UUID | None
    occurred_at: datetime
    config_version: int
    created_at: datetime


class ScriptIn(InModel):
    script: Script


def empty_detection(version: int) -> dict[str, Any]:
    return {"config_version": version, "hits": [], "suggestions": []}
