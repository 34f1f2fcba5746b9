from __future__ import annotations

import uuid
from datetime import datetime

from salescore.kit.schemas import OutModel


class NotificationRead(OutModel):
    id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    title: str
    body: str
    link: str | None
    read_at: datetime | None
    created_at: datetime


class UnreadCount(OutModel):
    unread: int


class MarkedRead(OutModel):
    marked: int
