from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from salescore.kit.schemas import InModel, OutModel, PastDatetime
from salescore.signal.schemas import Detection

Channel = Literal["call", "meeting", "email", "wechat", "visit", "demo", "other"]
CreatedVia = Literal["app", "daily_report", "import", "api"]
Summary = Annotated[str, StringConstraints(max_length=5000)]


class ActionIn(InModel):
    """A structured action (§4). Stored as given here; validated against templates later."""

    code: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
    fields: Annotated[dict[str, Any], Field(max_length=50)] = {}


class FollowUpCreate(InModel):
    customer_id: uuid.UUID
    opportunity_id: uuid.UUID | None = None
    channel: Channel
    occurred_at: PastDatetime | None = Field(None, description="When it happened; defaults to now.")
    summary: Summary = ""
    actions: Annotated[list[ActionIn], Field(max_length=20)] = []
    contact_ids: Annotated[list[uuid.UUID], Field(max_length=50)] = []
    created_via: Literal["app", "import", "api"] | None = Field(
        None, description="Defaults to `api` for API keys, `app` otherwise."
    )
    user_id: uuid.UUID | None = Field(None, description="Who did it; defaults to the caller.")


class FollowUpUpdate(InModel):
    opportunity_id: uuid.UUID | None = None
    channel: Channel | None = None
    occurred_at: PastDatetime | None = None
    summary: Summary | None = None
    actions: Annotated[list[ActionIn], Field(max_length=20)] | None = None
    contact_ids: Annotated[list[uuid.UUID], Field(max_length=50)] | None = None


class ActionRead(OutModel):
    code: str
    fields: dict[str, Any]


class FollowUpRead(OutModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    opportunity_id: uuid.UUID | None
    user_id: uuid.UUID
    channel: Channel
    occurred_at: datetime
    summary: str
    actions: list[ActionRead]
    contact_ids: list[uuid.UUID]
    created_via: CreatedVia
    recorded_at: datetime
    version: int
    created_at: datetime
    updated_at: datetime
    signals: Detection | None = Field(
        None, description="Signals found in the summary and their playbooks' suggestions (SPEC §9); present in "
                          "the answer to a create, or to an update that changed the summary, time or deal"
    )
