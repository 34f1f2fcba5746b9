"""The change feed: ordered domain events for polling integrators (§12)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from salescore.events import repository as repo
from salescore.kit.deps import ConfigWriterDep, SessionDep, runtime_of
from salescore.kit.errors import Unprocessable
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.pagination import DEFAULT_LIMIT, LimitQuery
from salescore.kit.schemas import OutModel

router = APIRouter(prefix="/api/v1/events", tags=["events"], responses=PROBLEM_RESPONSES)


class EventRead(OutModel):
    id: uuid.UUID
    seq: int
    type: str
    entity: str
    entity_id: uuid.UUID
    actor_id: uuid.UUID | None
    payload: dict[str, Any]
    occurred_at: datetime


class EventPage(OutModel):
    items: list[EventRead]
    next_cursor: str | None


@router.get("", response_model=EventPage)
async def change_feed(
    request: Request,
    session: SessionDep,
    principal: ConfigWriterDep,
    after: Annotated[str | None, Query(max_length=32, description="`next_cursor` of the previous call")] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    type: Annotated[str | None, Query(max_length=64, description="Only this event type")] = None,
) -> EventPage:
    """Oldest first. Keep polling with the returned `next_cursor`; it is returned even when no
    new events exist yet, so a poller never loses its place. Events appear once they are a few
    seconds old (SALESCORE_CHANGE_FEED_SETTLE_SECONDS), so one committed late is never skipped."""
    position = 0
    if after:
        if not after.isdigit():
            raise Unprocessable.field("after", "invalid cursor; pass next_cursor back unchanged")
        position = int(after)
    settle = timedelta(seconds=runtime_of(request).settings.change_feed_settle_seconds)
    rows = list(await session.scalars(repo.feed(principal, after=position, settle=settle, type=type).limit(limit)))
    last = rows[-1].seq if rows else position
    return EventPage(items=rows, next_cursor=str(last))  # type: ignore[arg-type]
