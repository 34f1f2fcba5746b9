from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from salescore.kit.schemas import OutModel

JobStatus = Literal["queued", "running", "succeeded", "failed"]


class JobRead(OutModel):
    id: uuid.UUID
    kind: str
    status: JobStatus
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    requested_by: uuid.UUID | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
