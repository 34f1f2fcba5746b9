from __future__ import annotations

import uuid
from datetime import datetime

from salescore.kit.schemas import OutModel


class AttachmentRead(OutModel):
    id: uuid.UUID
    sha256: str
    size: int
    content_type: str
    filename: str | None
    created_at: datetime
