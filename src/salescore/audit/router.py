"""HTTP for reading the audit log (directors and admins)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from salescore.audit import repository as repo

from salescore.kit.deps import ConfigWriterDep, SessionDep
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, paginate
from salescore.kit.schemas import OutModel
from salescore.models import AuditLog

router = APIRouter(prefix="/api/v1/audit-log", tags=["audit"], responses=PROBLEM_RESPONSES)


class AuditRead(OutModel):
    id: uuid.UUID
    actor_id: uuid.UUID | None
    actor_kind: str
    action: str
    entity: str
    entity_id: uuid.UUID
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    at: datetime


@router.get("", response_model=Page[AuditRead])
async def list_audit_log(
    session: SessionDep,
    principal: ConfigWriterDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
) -> Page[AuditRead]:
    """Who changed what, when, with before/after images — newest first."""
    stmt = repo.audit_list(principal, entity=entity, entity_id=entity_id, actor_id=actor_id)
    rows, nxt = await paginate(session, stmt, AuditLog, limit=limit, cursor=cursor, time_column="at")
    return Page[AuditRead](items=rows, next_cursor=nxt)  # type: ignore[arg-type]
