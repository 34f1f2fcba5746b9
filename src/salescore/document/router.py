"""HTTP for generated documents and the customer's response to them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from salescore.attachment import service as attachment_service
from salescore.customer import service as customer_service
from salescore.document import repository as repo
from salescore.document import service
from salescore.document.schemas import DocumentRead, DocumentResponseIn
from salescore.kit.deps import PrincipalDep, SessionDep, runtime_of
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, paginate
from salescore.models import Document

router = APIRouter(prefix="/api/v1/documents", tags=["documents"], responses=PROBLEM_RESPONSES)


def _read(document: Document) -> dict[str, Any]:
    values = {c.key: getattr(document, c.key) for c in Document.__table__.columns}
    values["todo_id"] = (document.response or {}).get("todo_id")
    return values


@router.get("", response_model=Page[DocumentRead])
async def list_documents(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    customer_id: uuid.UUID | None = None,
    opportunity_id: uuid.UUID | None = None,
    status_: Annotated[Literal["pending", "read", "revise"] | None, Query(alias="status")] = None,
) -> Page[Any]:
    stmt = repo.document_list(principal, customer_id=customer_id, opportunity_id=opportunity_id, status=status_)
    rows, nxt = await paginate(session, stmt, Document, limit=limit, cursor=cursor)
    return Page[Any](items=[_read(d) for d in rows], next_cursor=nxt)


@router.get("/{document_id}", response_model=DocumentRead)
async def get_document(session: SessionDep, principal: PrincipalDep, document_id: uuid.UUID) -> dict[str, Any]:
    return _read(await repo.get_document(session, principal, document_id))


@router.get("/{document_id}/content", response_class=FileResponse, responses=attachment_service.FILE_CONTENT)
async def download_document(
    request: Request, session: SessionDep, principal: PrincipalDep, document_id: uuid.UUID
) -> FileResponse:
    """The generated .docx (visible wherever the customer is)."""
    document = await repo.get_document(session, principal, document_id)
    attachment = await attachment_service.get_for_record(session, document.tenant_id, document.attachment_id)
    return await attachment_service.file_response(attachment, runtime_of(request).settings.storage_dir)


@router.post("/{document_id}/response", response_model=DocumentRead)
async def record_response(
    session: SessionDep, principal: PrincipalDep, document_id: uuid.UUID, data: DocumentResponseIn
) -> dict[str, Any]:
    """The customer's answer: 客户已阅, or 需修改部位 with the parts. Either creates a todo for the
    tech department (the colleague with department `tech` with the fewest open todos); 409 once answered."""
    document = await repo.get_document(session, principal, document_id)
    customer = await customer_service.get_customer(session, principal, document.customer_id)
    return _read(await service.respond(session, principal, document, data, customer.name))
