"""HTTP for opportunities."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from salescore.forecast.service import annotate
from salescore.kit.deps import PrincipalDep, SessionDep
from salescore.kit.etag import IfMatchHeader, check_if_match, set_etag
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, paginate
from salescore.kit.schemas import AwareDatetime
from salescore.models import Opportunity, StageChange
from salescore.opportunity import repository as repo
from salescore.opportunity import service
from salescore.opportunity.schemas import OpportunityCreate, OpportunityRead, OpportunityUpdate, Status
from salescore.pipeline.schemas import StageChangeRead, StageMove, WinIn

router = APIRouter(prefix="/api/v1/opportunities", tags=["opportunities"], responses=PROBLEM_RESPONSES)


@router.post("", response_model=OpportunityRead, status_code=status.HTTP_201_CREATED)
async def create_opportunity(
    session: SessionDep, principal: PrincipalDep, data: OpportunityCreate, response: Response
) -> Opportunity:
    deal = await service.create_opportunity(session, principal, data)
    set_etag(response, deal.version)
    await annotate(session, principal.tenant_id, [deal])
    return deal


@router.get("", response_model=Page[OpportunityRead])
async def list_opportunities(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    customer_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    stage: Annotated[str | None, Query(max_length=64)] = None,
    updated_since: AwareDatetime | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Name contains")] = None,
) -> Page[OpportunityRead]:
    stmt = repo.opportunity_list(
        principal, customer_id=customer_id, owner_id=owner_id, status=status_, stage=stage,
        updated_since=updated_since, q=q,
    )
    rows, nxt = await paginate(session, stmt, Opportunity, limit=limit, cursor=cursor)
    await annotate(session, principal.tenant_id, rows)
    return Page[OpportunityRead](items=rows, next_cursor=nxt)  # type: ignore[arg-type]


@router.get("/{opportunity_id}", response_model=OpportunityRead)
async def get_opportunity(
    session: SessionDep, principal: PrincipalDep, opportunity_id: uuid.UUID, response: Response
) -> Opportunity:
    deal = await repo.get_opportunity(session, principal, opportunity_id)
    set_etag(response, deal.version)
    await annotate(session, principal.tenant_id, [deal])
    return deal


@router.patch("/{opportunity_id}", response_model=OpportunityRead)
async def update_opportunity(
    session: SessionDep,
    principal: PrincipalDep,
    opportunity_id: uuid.UUID,
    data: OpportunityUpdate,
    response: Response,
    if_match: IfMatchHeader = None,
) -> Opportunity:
    deal = await repo.get_opportunity(session, principal, opportunity_id)
    check_if_match(if_match, deal.version)
    deal = await service.update_opportunity(session, principal, deal, data)
    set_etag(response, deal.version)
    await annotate(session, principal.tenant_id, [deal])
    return deal


@router.post("/{opportunity_id}/stage", response_model=OpportunityRead)
async def move_stage(
    session: SessionDep, principal: PrincipalDep, opportunity_id: uuid.UUID, data: StageMove, response: Response
) -> Opportunity:
    """Move the deal under its pipeline's rules: 422 lists every missing required field and action
    of the stages up to the target. Moving back is free, and reopens a won or lost deal. A manager,
    director or admin may move forward anyway with `override_reason` (特批; 403 for a rep): the move
    is recorded with `compliant: false` and counts against the action compliance rate."""
    deal = await repo.get_opportunity(session, principal, opportunity_id)
    deal = await service.move_stage(session, principal, deal, data)
    set_etag(response, deal.version)
    await annotate(session, principal.tenant_id, [deal])
    return deal


@router.post("/{opportunity_id}/win", response_model=OpportunityRead)
async def win(
    session: SessionDep, principal: PrincipalDep, opportunity_id: uuid.UUID, response: Response,
    data: WinIn | None = None,
) -> Opportunity:
    """Close the deal as won (won_at defaults to now); it moves to its pipeline's last stage."""
    deal = await repo.get_opportunity(session, principal, opportunity_id)
    deal = await service.win(session, principal, deal, data or WinIn())
    set_etag(response, deal.version)
    await annotate(session, principal.tenant_id, [deal])
    return deal


@router.get("/{opportunity_id}/stage-changes", response_model=list[StageChangeRead])
async def stage_changes(session: SessionDep, principal: PrincipalDep, opportunity_id: uuid.UUID) -> list[StageChange]:
    """Every stage move of the deal (from, to, at, by), oldest first."""
    deal = await repo.get_opportunity(session, principal, opportunity_id)
    return await service.stage_history(session, principal, deal)


@router.delete("/{opportunity_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_opportunity(
    session: SessionDep, principal: PrincipalDep, opportunity_id: uuid.UUID, if_match: IfMatchHeader = None
) -> None:
    deal = await repo.get_opportunity(session, principal, opportunity_id)
    check_if_match(if_match, deal.version)
    await service.delete_opportunity(session, principal, deal)
