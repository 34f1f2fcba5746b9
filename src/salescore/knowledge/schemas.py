from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from salescore.kit.schemas import OutModel


class KnowledgeEntryRead(OutModel):
    id: uuid.UUID
    kind: str
    title: str
    body: str
    tags: list[str]
    customer_id: uuid.UUID | None
    content: dict[str, Any]
    source: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime
