"""HTTP for a user's own reminder cards."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from salescore.kit.crud import one_or_404
from salescore.kit.deps import PrincipalDep, SessionDep
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, paginate
from salescore.models import Notification
from salescore.notification import repository as repo
from salescore.notification import service
from salescore.notification.schemas import MarkedRead, NotificationRead, UnreadCount

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=Page[NotificationRead])
async def list_notifications(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    unread: bool | None = None,
) -> Page[NotificationRead]:
    stmt = repo.mine_filtered(principal, unread=unread)
    rows, nxt = await paginate(session, stmt, Notification, limit=limit, cursor=cursor)
    return Page[NotificationRead](items=rows, next_cursor=nxt)  # type: ignore[arg-type]


@router.get("/unread-count", response_model=UnreadCount)
async def unread_count(session: SessionDep, principal: PrincipalDep) -> UnreadCount:
    return UnreadCount(unread=int(await session.scalar(repo.unread_count(principal)) or 0))


@router.post("/read-all", response_model=MarkedRead)
async def read_all(session: SessionDep, principal: PrincipalDep) -> MarkedRead:
    return MarkedRead(marked=await service.mark_all_read(session, principal))


@router.get("/{notification_id}", response_model=NotificationRead)
async def get_notification(session: SessionDep, principal: PrincipalDep, notification_id: uuid.UUID) -> Notification:
    return await one_or_404(session, repo.mine(principal), Notification, notification_id, "notification")


@router.post("/{notification_id}/read", response_model=NotificationRead)
async def read_notification(
    session: SessionDep, principal: PrincipalDep, notification_id: uuid.UUID
) -> Notification:
    notification = await one_or_404(session, repo.mine(principal), Notification, notification_id, "notification")
    return await service.mark_read(session, notification)
