"""GraphQL types of customer signals (§9) and call transcripts (§12): the signal definitions with
their playbooks, stored hits, a customer's counters and a follow-up's transcript.

The configuration is read through REST's response schema (signal.schemas) and a counter as
signal.service.customer_signals reads it, so both APIs show the same values in the same shapes;
relations go through loaders."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import Info

from salescore.graphql.context import ctx
from salescore.graphql.forecast_types import FromDict, read_as
from salescore.graphql.types import Customer, FollowUp, FromRow, Opportunity, User, _one
from salescore.signal import schemas as signal_schemas
from salescore.signal.config import Config
from salescore.signal.service import config_read

_ESCALATION_HELP = "Conversations with one customer carrying the signal at which `signal.escalated` is sent"


@strawberry.type(description="What a playbook offers to do: generate a document, or record an action.")
class LinkedAction(FromDict):
    kind: str = strawberry.field(description="document | action")
    template: str | None = strawberry.field(description="Document template code (kind `document`)")
    code: str | None = strawberry.field(description="Action template code (kind `action`)")
    label: str


@strawberry.type(description="场景化引导: what to make of a signal and what to say.")
class Playbook(FromDict):
    diagnosis: str
    scripts: list[str] = strawberry.field(description="1–3 suggested scripts (推荐话术)")
    linked_action: LinkedAction | None
    warning: str = strawberry.field(description="Shown from the escalation count on")

    @classmethod
    def from_dict(cls, raw: dict[str, Any], **overrides: Any) -> Self:
        linked = raw["linked_action"]
        return super().from_dict(
            raw, linked_action=None if linked is None else LinkedAction.from_dict(linked), **overrides
        )


@strawberry.type(description="客户信号: a signal definition with its playbook.")
class Signal(FromDict):
    code: str
    label: str
    patterns: list[str] = strawberry.field(description="Phrases; one in regex syntax is a regular expression")
    exclude: list[str] = strawberry.field(description="Phrases that cancel a match they cover")
    escalation_count: int = strawberry.field(description=_ESCALATION_HELP)
    playbook: Playbook

    @classmethod
    def from_dict(cls, raw: dict[str, Any], **overrides: Any) -> Self:
        return super().from_dict(raw, playbook=Playbook.from_dict(raw["playbook"]), **overrides)


@strawberry.type(description="The tenant's current signal definitions and playbooks (readable by everyone).")
class SignalConfig(FromDict):
    version: int
    is_default: bool = strawberry.field(description="True until a director stores the tenant's own version")
    signals: list[Signal]
    note: str | None
    created_at: datetime | None
    created_by: strawberry.ID | None

    @classmethod
    def of(cls, config: Config) -> Self:
        raw = read_as(signal_schemas.SignalConfigRead, config_read(config))
        return cls.from_dict(raw, signals=[Signal.from_dict(s) for s in raw["signals"]])


@strawberry.type(description="A signal found in a follow-up's summary, its transcript or a daily report.")
class SignalHit(FromRow):
    id: strawberry.ID
    signal: str = strawberry.field(description="The signal's code")
    matched: str = strawberry.field(description="The text that matched")
    start: int = strawberry.field(description="Offset of the match in its source's text (characters)")
    end: int
    source: str = strawberry.field(description="follow_up | transcript | daily_report")
    source_id: strawberry.ID
    follow_up_id: strawberry.ID | None = strawberry.field(description="The conversation the hit belongs to")
    customer_id: strawberry.ID | None
    opportunity_id: strawberry.ID | None
    user_id: strawberry.ID | None
    occurred_at: datetime
    config_version: int = strawberry.field(description="The signal configuration version that found it")
    created_at: datetime

    @strawberry.field(description="The signal's label (its code when no longer defined)")
    async def label(self, info: Info) -> str:
        config = await ctx(info).loaders.signal_config()
        return str(config.by_code.get(self.signal, {}).get("label", self.signal))

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return await _one(ctx(info).loaders.customer, self.customer_id, Customer)

    @strawberry.field
    async def opportunity(self, info: Info) -> Opportunity | None:
        return await _one(ctx(info).loaders.opportunity, self.opportunity_id, Opportunity)

    @strawberry.field
    async def follow_up(self, info: Info) -> FollowUp | None:
        return await _one(ctx(info).loaders.follow_up, self.follow_up_id, FollowUp)

    @strawberry.field
    async def user(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.user_id, User)


@strawberry.type(description="A signal's count for one customer: conversations carrying it, and when.")
class CustomerSignal:
    signal: str
    label: str
    count: int = strawberry.field(description="Conversations with the customer carrying the signal")
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    escalation_count: int | None = strawberry.field(description="Null when the signal is no longer defined")
    escalated: bool = strawberry.field(description="The count has reached the escalation count")
    escalations: int = strawberry.field(description="How many times the count crossed the escalation count")

    @classmethod
    def of(cls, row: Any, config: Config) -> Self:
        """As signal.service.customer_signals reads a counter."""
        signal = config.by_code.get(row.signal)
        threshold = signal["escalation_count"] if signal else None
        return cls(
            signal=row.signal, label=signal["label"] if signal else row.signal, count=row.count,
            first_seen_at=row.first_seen_at, last_seen_at=row.last_seen_at, escalation_count=threshold,
            escalated=threshold is not None and row.count >= threshold, escalations=row.escalations,
        )


@strawberry.type(description="A stretch of speech in a transcript.")
class TranscriptSegment:
    speaker: str | None
    start_ms: int | None
    end_ms: int | None
    text: str


@strawberry.type(description="A call's transcript (plain text or iFlytek-style segments), one per follow-up.")
class Transcript(FromRow):
    id: strawberry.ID
    follow_up_id: strawberry.ID
    customer_id: strawberry.ID
    format: str = strawberry.field(description="text | segments | iflytek")
    text: str
    segments: list[TranscriptSegment] = strawberry.field(description="Empty for plain text")
    version: int
    created_by: strawberry.ID | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any, **overrides: Any) -> Self:
        segments = [
            TranscriptSegment(
                speaker=s.get("speaker"), start_ms=s.get("start_ms"), end_ms=s.get("end_ms"),
                text=s.get("text", ""),
            )
            for s in row.segments or []
        ]
        return super().from_row(row, segments=segments, **overrides)

    @strawberry.field
    async def follow_up(self, info: Info) -> FollowUp | None:
        return await _one(ctx(info).loaders.follow_up, self.follow_up_id, FollowUp)
