from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints

from salescore.kit.schemas import AwareDatetime, InModel, OutModel

TodoStatus = Literal["open", "done", "cancelled"]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=5000)]
MAX_ATTACHMENTS = 20
AttachmentIds = Annotated[
    list[uuid.UUID],
    Field(max_length=MAX_ATTACHMENTS, description="Ids from POST /api/v1/attachments (at most 20 per todo)"),
]


class TodoCreate(InModel):
    title: Title
    description: Description | None = None
    assignee_id: uuid.UUID | None = Field(None, description="Defaults to the caller; any active colleague.")
    due_at: AwareDatetime | None = None
    customer_id: uuid.UUID | None = None
    opportunity_id: uuid.UUID | None = None
    requires_attachment: StrictBool = False
    attachment_ids: AttachmentIds = []


class TodoUpdate(InModel):
    title: Title | None = None
    description: Description | None = None
    assignee_id: uuid.UUID | None = None
    due_at: AwareDatetime | None = None
    status: Literal["open", "cancelled"] | None = Field(
        None, description="Use POST /todos/{id}/complete to finish a todo."
    )
    attachment_ids: AttachmentIds | None = Field(None, description="Replaces the todo's files as a whole")


class TodoComplete(InModel):
    attachment_ids: AttachmentIds = Field([], description="Files to add to the todo before completing it")


class TodoRead(OutModel):
    id: uuid.UUID
    title: str
    description: str | None
    assignee_id: uuid.UUID
    due_at: datetime | None
    status: TodoStatus
    source: str
    source_ref: str | None
    customer_id: uuid.UUID | None
    opportunity_id: uuid.UUID | None
    requires_attachment: bool
    attachment_ids: list[uuid.UUID]
    created_by: uuid.UUID | None
    completed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
