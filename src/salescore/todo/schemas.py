from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from salescore.kit.schemas import AwareDatetime, InModel, OutModel

TodoStatus = Literal["open", "done", "cancelled"]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=5000)]


class TodoCreate(InModel):
    title: Title
    description: Description | None = None
    assignee_id: uuid.UUID | None = Field(None, description="Defaults to the caller; any active colleague.")
    due_at: AwareDatetime | None = None
    customer_id: uuid.UUID | None = None
    opportunity_id: uuid.UUID | None = None
    requires_attachment: bool = False


class TodoUpdate(InModel):
    title: Title | None = None
    description: Description | None = None
    assignee_id: uuid.UUID | None = None
    due_at: AwareDatetime | None = None
    status: Literal["open", "cancelled"] | None = Field(
        None, description="Use POST /todos/{id}/complete to finish a todo."
    )


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
    created_by: uuid.UUID | None
    completed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
