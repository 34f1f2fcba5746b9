"""HTTP for a user's own reminder cards."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter

from salescore.kit.crud import one_or_404
from salescore.kit.deps import PrincipalDep, SessionDep
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, paginate
from salescore.kit.principal import Principal
from salescore.kit.visibility import tenant_rows
from salescore.models import Notification
from salescore.notification import service
from salescore.notification.schemas import MarkedRead, NotificationRead, UnreadCount

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"], responses=PROBLEM_RESPONSES)


def _mine(principal: Principal) -> sa.Select[Any]:
    # Cards are personal: not even an admin reads another user's.
    return tenant_rows(Notification, principal).where(Notification.user_id == principal.user_id)


@router.get("", response_model=Page[NotificationRead])
async def list_notifications(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    unread: bool | None = None,
) -> Page[NotificationRead]:
    stmt = _mine(principal)
    if unread is not None:
        stmt = stmt.where(Notification.read_at.is_(None) if unread else Notification.read_at.is_not(None))
    rows, nxt = await paginate(session, stmt, Notification, limit=limit, cursor=cursor)
    return Page[NotificationRead](items=rows, next_cursor=nxt)  # type: ignore[arg-type]


@router.get("/unread-count", response_model=UnreadCount)
async def unread_count(session: SessionDep, principal: PrincipalDep) -> UnreadCount:
    stmt = sa.select(sa.func.count()).select_from(
        _mine(principal).where(Notification.read_at.is_(None)).subquery()
    )
    return UnreadCount(unread=int(await session.scalar(stmt) or 0))


@router.post("/read-all", response_model=MarkedRead)
async def read_all(session: SessionDep, principal: PrincipalDep) -> MarkedRead:
    return MarkedRead(marked=await service.mark_all_read(session, principal))


@router.get("/{notification_id}", response_model=NotificationRead)
async def get_notification(session: SessionDep, principal: PrincipalDep, notification_id: uuid.UUID) -> Notification:
    return await one_or_404(session, _mine(principal), Notification, notification_id, "notification")


@router.post("/{notification_id}/read", response_model=NotificationRead)
async def read_notification(
    session: SessionDep, principal: PrincipalDep, notification_id: uuid.UUID
) -> Notification:
    notification = await one_or_404(session, _mine(principal), Notification, notification_id, "notification")
    return await service.mark_read(session, notification)
