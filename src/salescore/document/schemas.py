"""Documents out, and the customer's response in."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from salescore.kit.schemas import InModel, OutModel

Part = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class DocumentResponseIn(InModel):
    response: Literal["客户已阅", "需修改部位", "read", "revise"] = Field(
        description="客户已阅 (read) or 需修改部位 (revise); either creates a todo for the tech department"
    )
    parts: Annotated[list[Part], Field(max_length=50)] = Field([], description="The parts to change (需修改部位)")
    note: Annotated[str, StringConstraints(max_length=2000)] = ""


class DocumentRead(OutModel):
    id: uuid.UUID
    kind: str
    title: str
    customer_id: uuid.UUID
    opportunity_id: uuid.UUID | None
    follow_up_id: uuid.UUID | None
    action_id: uuid.UUID | None
    owner_id: uuid.UUID | None
    attachment_id: uuid.UUID
    data: dict[str, Any]
    status: Literal["pending", "read", "revise"]
    response: dict[str, Any] | None
    responded_at: datetime | None
    responded_by: uuid.UUID | None
    created_at: datetime
    todo_id: uuid.UUID | None = Field(None, description="The tech department's todo the response created")
