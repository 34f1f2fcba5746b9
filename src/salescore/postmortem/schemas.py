"""Post-mortem inputs and response shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, StringConstraints

from salescore.analytics.schemas import Period
from salescore.kit.schemas import InModel, OutModel, PastDatetime
from salescore.models.postmortem import MATERIAL_KINDS, REQUIRED_KINDS

MAX_NOTE = 5000
MAX_TEXT = 100_000
MaterialKind = Literal["transcript", "proposal_version", "email_timeline", "competitor_note", "quote_history",
                       "meeting_notes"]
assert get_args(MaterialKind) == MATERIAL_KINDS
TimelineKind = Literal["follow_up", "action", "quote", "stage_change", "evidence", "signal", "transcript",
                       "document", "loss", "material"]
Label = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class LossReasonIn(InModel):
    code: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    label: Label


class LossReasonsIn(InModel):
    items: Annotated[list[LossReasonIn], Field(min_length=1, max_length=50)] = Field(
        description="The whole list, in display order; codes unique; `other` must stay"
    )


class LossReason(OutModel):
    code: str
    label: str


class LossReasonList(OutModel):
    items: list[LossReason]


class LoseIn(InModel):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="A code of the tenant's loss-reason list (GET /api/v1/loss-reasons)"
    )
    competitor: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = Field(
        None, description="Who won; also added to the deal's competitors"
    )
    note: Annotated[str, StringConstraints(max_length=MAX_NOTE)] = ""
    lost_at: PastDatetime | None = Field(
        None, description="When the deal was lost: default now; not in the future, not before the deal's created_at"
    )


class MaterialRead(OutModel):
    id: uuid.UUID
    post_mortem_id: uuid.UUID
    kind: MaterialKind
    label: str
    text: str | None
    attachment_ids: list[uuid.UUID]
    transcript_id: uuid.UUID | None
    created_by: uuid.UUID | None
    created_at: datetime


class PostMortemSummary(OutModel):
    id: uuid.UUID
    opportunity_id: uuid.UUID
    status: Literal["pending", "completed", "withdrawn"] = Field(
        description="pending: the deal is lost_pending_review; completed: the package held enough kinds and the "
        "deal became lost (locked); withdrawn: the deal was reopened or won before that"
    )
    reason: str
    reason_label: str = Field(description="From the tenant's current list (the code itself if no longer listed)")
    competitor: str | None
    note: str
    lost_at: datetime
    owner_id: uuid.UUID = Field(description="The deal's owner when it was lost")
    stage: str | None = Field(description="The deal's stage when it was lost")
    requested_by: uuid.UUID | None
    created_at: datetime
    completed_at: datetime | None
    withdrawn_at: datetime | None
    locked: bool = Field(description="No more materials: completed or withdrawn")
    kinds_present: list[MaterialKind]
    kinds_missing: list[MaterialKind] = Field(description="Kinds the package does not hold yet")
    kinds_needed: int = Field(description="How many more distinct kinds complete the package (0 once completed)")
    required_kinds: int = REQUIRED_KINDS
    materials: list[MaterialRead] = Field(description="Oldest first")


class MaterialAdded(MaterialRead):
    post_mortem: PostMortemSummary


class TimelineEntry(OutModel):
    at: datetime
    kind: TimelineKind
    id: uuid.UUID
    title: str
    summary: str | None = Field(description="The first 200 characters of the entry's text, if it has any")
    user_id: uuid.UUID | None
    details: dict[str, Any]


class PostMortemRead(PostMortemSummary):
    timeline: list[TimelineEntry] = Field(description="Oldest first; ties by kind, then id")
    timeline_cap: int = Field(description="At most this many entries of each source: the most recent ones")
    timeline_counts: dict[str, int] = Field(
        description="Entries per source before the cap (quote and action are separate sources)"
    )


class Figures(OutModel):
    count: int
    amount: float = Field(description="Sum of the amounts of the counted deals in `currency` (others not converted)")


class ReasonFigures(Figures):
    reason: str
    label: str


class OwnerReasonFigures(ReasonFigures):
    owner_id: uuid.UUID
    name: str | None


class StageReasonFigures(ReasonFigures):
    stage: str | None


class LossFlag(OutModel):
    owner_id: uuid.UUID
    name: str | None
    reason: str
    label: str
    months: list[str] = Field(description="The run of consecutive months (YYYY-MM, tenant time), 3 or more")


class LossReasonAnalytics(Period):
    currency: str
    reasons: list[LossReason] = Field(description="The tenant's current loss-reason list")
    total: Figures
    by_reason: list[ReasonFigures]
    by_owner: list[OwnerReasonFigures]
    by_stage: list[StageReasonFigures]
    flags: list[LossFlag] = Field(description="A rep losing on the same reason in 3 or more consecutive months")
