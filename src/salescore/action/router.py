"""HTTP for action templates: readable by everyone (reps see what each action asks and does),
written by directors and admins."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response, status

from salescore.action import repository as repo
from salescore.action import service
from salescore.action.schemas import TemplateCreate, TemplateRead, TemplateUpdate, TemplateVersionRead
from salescore.kit.deps import ConfigWriterDep, PrincipalDep, SessionDep
from salescore.kit.etag import IfMatchHeader, check_if_match, set_etag
from salescore.kit.i18n import LangDep
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.models import ActionTemplate

router = APIRouter(prefix="/api/v1/action-templates", tags=["action templates"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=list[TemplateRead])
async def list_templates(
    session: SessionDep, principal: PrincipalDep, lang: LangDep, include_disabled: bool = False
) -> list[dict[str, Any]]:
    """The field schema a phone renders when a rep ticks an action (labels per Accept-Language)."""
    stmt = repo.templates(principal).order_by(ActionTemplate.created_at, ActionTemplate.code)
    if not include_disabled:
        stmt = stmt.where(ActionTemplate.enabled.is_(True))
    return [service.localized(t, lang) for t in await session.scalars(stmt)]


@router.post("", response_model=TemplateRead, status_code=status.HTTP_201_CREATED)
async def create_template(
    session: SessionDep, principal: ConfigWriterDep, lang: LangDep, data: TemplateCreate, response: Response
) -> dict[str, Any]:
    template = await service.create_template(session, principal, data)
    set_etag(response, template.version)
    return service.localized(template, lang)


@router.get("/{template_id}", response_model=TemplateRead)
async def get_template(
    session: SessionDep, principal: PrincipalDep, lang: LangDep, template_id: uuid.UUID, response: Response
) -> dict[str, Any]:
    template = await repo.get_template(session, principal, template_id)
    set_etag(response, template.version)
    return service.localized(template, lang)


@router.patch("/{template_id}", response_model=TemplateRead)
async def update_template(
    session: SessionDep,
    principal: ConfigWriterDep,
    lang: LangDep,
    template_id: uuid.UUID,
    data: TemplateUpdate,
    response: Response,
    if_match: IfMatchHeader = None,
) -> dict[str, Any]:
    """Edit (a new revision; follow-ups keep the revision they used) or enable/disable."""
    template = await repo.get_template(session, principal, template_id)
    check_if_match(if_match, template.version)
    template = await service.update_template(session, principal, template, data)
    set_etag(response, template.version)
    return service.localized(template, lang)


@router.get("/{template_id}/versions", response_model=list[TemplateVersionRead])
async def list_versions(session: SessionDep, principal: PrincipalDep, template_id: uuid.UUID) -> list[Any]:
    await repo.get_template(session, principal, template_id)
    return list(await session.scalars(repo.versions(principal, template_id)))
