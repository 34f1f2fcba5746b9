"""HTTP for follow-ups."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from salescore.follow_up import repository as repo
from salescore.follow_up import service
from salescore.follow_up.schemas import Channel, FollowUpCreate, FollowUpRead, FollowUpUpdate
from salescore.kit.deps import PrincipalDep, SessionDep
from salescore.kit.etag import IfMatchHeader, check_if_match, set_etag
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, paginate
from salescore.kit.schemas import AwareDatetime
from salescore.models import FollowUp

router = APIRouter(prefix="/api/v1/follow-ups", tags=["follow-ups"], responses=PROBLEM_RESPONSES)


@router.post("", response_model=FollowUpRead, status_code=status.HTTP_201_CREATED)
async def create_follow_up(
    session: SessionDep, principal: PrincipalDep, data: FollowUpCreate, response: Response
) -> FollowUp:
    follow_up = await service.create_follow_up(session, principal, data)
    set_etag(response, follow_up.version)
    return follow_up


@router.get("", response_model=Page[FollowUpRead])
async def list_follow_ups(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    customer_id: uuid.UUID | None = None,
    opportunity_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
    channel: Channel | None = None,
    updated_since: AwareDatetime | None = None,
    occurred_from: AwareDatetime | None = None,
    occurred_to: AwareDatetime | None = None,
) -> Page[FollowUpRead]:
    stmt = repo.follow_up_list(
        principal, customer_id=customer_id, opportunity_id=opportunity_id, user_id=user_id, channel=channel,
        updated_since=updated_since, occurred_from=occurred_from, occurred_to=occurred_to,
    )
    rows, nxt = await paginate(session, stmt, FollowUp, limit=limit, cursor=cursor)
    return Page[FollowUpRead](items=rows, next_cursor=nxt)  # type: ignore[arg-type]


@router.get("/{follow_up_id}", response_model=FollowUpRead)
async def get_follow_up(
    session: SessionDep, principal: PrincipalDep, follow_up_id: uuid.UUID, response: Response
) -> FollowUp:
    follow_up = await repo.get_follow_up(session, principal, follow_up_id)
    set_etag(response, follow_up.version)
    return follow_up


@router.patch("/{follow_up_id}", response_model=FollowUpRead)
async def update_follow_up(
    session: SessionDep,
    principal: PrincipalDep,
    follow_up_id: uuid.UUID,
    data: FollowUpUpdate,
    response: Response,
    if_match: IfMatchHeader = None,
) -> FollowUp:
    follow_up = await repo.get_follow_up(session, principal, follow_up_id)
    check_if_match(if_match, follow_up.version)
    follow_up = await service.update_follow_up(session, principal, follow_up, data)
    set_etag(response, follow_up.version)
    return follow_up


@router.delete("/{follow_up_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_follow_up(
    session: SessionDep, principal: PrincipalDep, follow_up_id: uuid.UUID, if_match: IfMatchHeader = None
) -> None:
    follow_up = await repo.get_follow_up(session, principal, follow_up_id)
    check_if_match(if_match, follow_up.version)
    await service.delete_follow_up(session, principal, follow_up)
