"""HTTP for document templates: readable by everyone, written by directors and admins."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from salescore.document import template_service as service
from salescore.document.schemas import DocumentTemplateIn, DocumentTemplateRead
from salescore.kit.deps import ConfigWriterDep, PrincipalDep, SessionDep
from salescore.kit.errors import PreconditionFailed
from salescore.kit.etag import IfMatchHeader, check_if_match, set_etag
from salescore.kit.openapi import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1/document-templates", tags=["documents"], responses=PROBLEM_RESPONSES)
CodePath = Annotated[str, Path(min_length=2, max_length=64, pattern=r"^[a-z][a-z0-9_]*$",
                               description="Template code (lower-case slug), e.g. project_approval_pack")]


def _read(template: service.Template) -> dict[str, Any]:
    return asdict(template)


@router.get("", response_model=list[DocumentTemplateRead])
async def list_templates(session: SessionDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The templates that apply: the built-ins, overlaid by the tenant's own versions and codes."""
    return [_read(t) for t in await service.list_templates(session, principal)]


@router.get("/{code}", response_model=DocumentTemplateRead)
async def get_template(
    session: SessionDep, principal: PrincipalDep, code: CodePath, response: Response
) -> dict[str, Any]:
    template = await service.get_template(session, principal, code)
    set_etag(response, template.version)
    return _read(template)


@router.put("/{code}", response_model=DocumentTemplateRead)
async def put_template(
    session: SessionDep, principal: ConfigWriterDep, code: CodePath, data: DocumentTemplateIn, response: Response,
    if_match: IfMatchHeader = None,
) -> dict[str, Any]:
    """Save the tenant's version of a template (a built-in's code, or a new code). Unknown
    placeholder keys and attributes of another section kind answer 422 naming the path."""
    current = await service.effective(session, principal.tenant_id, code)
    if current is None and if_match is not None:
        raise PreconditionFailed("no template with this code yet: omit If-Match to create it")
    if current is not None:
        check_if_match(if_match, current.version)
    template = await service.save_template(session, principal, code, data)
    set_etag(response, template.version)
    return _read(template)


@router.delete("/{code}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_template(
    session: SessionDep, principal: ConfigWriterDep, code: CodePath, if_match: IfMatchHeader = None
) -> None:
    """Back to the built-in (204 also when it already applies); 404 for a code with neither."""
    current = await service.get_template(session, principal, code)
    check_if_match(if_match, current.version)
    await service.reset_template(session, principal, code)
