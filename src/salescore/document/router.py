"""HTTP for generated documents and the customer's response to them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status

from salescore.attachment import service as attachment_service
from salescore.customer import service as customer_service
from salescore.document import repository as repo
from salescore.document import service
from salescore.document.render import DOCX_TYPE, content_disposition
from salescore.document.schemas import DocumentCreate, DocumentRead, DocumentResponseIn
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


@router.post("", response_model=DocumentRead, status_code=status.HTTP_201_CREATED)
async def create_document(session: SessionDep, principal: PrincipalDep, data: DocumentCreate) -> dict[str, Any]:
    """Generate a document from a template for a customer you can see (404 otherwise), e.g. the
    《立项支持包》 a playbook links to: filled from the customer's record, stored as blocks (Markdown
    and HTML are served from them) and as a .docx. Emits `document.generated`."""
    return _read(await service.create_document(session, principal, data))


@router.get("/{document_id}", response_model=DocumentRead)
async def get_document(session: SessionDep, principal: PrincipalDep, document_id: uuid.UUID) -> dict[str, Any]:
    return _read(await repo.get_document(session, principal, document_id))


_TEXT = {"type": "string"}
CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The document as .docx (default), Markdown or HTML",
        "content": {DOCX_TYPE: {"schema": {"type": "string", "format": "binary"}},
                    "text/markdown": {"schema": _TEXT}, "text/html": {"schema": _TEXT}},
        "headers": {
            "Content-Disposition": {
                "description": "attachment; filename*=UTF-8''<title>.<docx|md|html>, percent-encoded",
                "schema": {"type": "string"},
            },
            "X-Content-Type-Options": {"schema": {"type": "string", "enum": ["nosniff"]}},
        },
    },
}


@router.get("/{document_id}/content", response_class=Response, responses=CONTENT)
async def download_document(
    request: Request, session: SessionDep, principal: PrincipalDep, document_id: uuid.UUID,
    format_: Annotated[Literal["docx", "md", "html"], Query(alias="format")] = "docx",
) -> Response:
    """The generated document (visible wherever the customer is): the stored .docx, or Markdown /
    HTML rendered from the same blocks (every value escaped)."""
    document = await repo.get_document(session, principal, document_id)
    if format_ == "docx":
        attachment = await attachment_service.get_for_record(session, document.tenant_id, document.attachment_id)
        return await attachment_service.file_response(attachment, runtime_of(request).settings.storage_dir)
    text, media_type, filename = service.render_text(document, format_)
    headers = {"Content-Disposition": content_disposition(filename),
               "X-Content-Type-Options": "nosniff", "Cache-Control": "private",
               "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
    return Response(text, media_type=media_type, headers=headers)


@router.post("/{document_id}/response", response_model=DocumentRead)
async def record_response(
    session: SessionDep, principal: PrincipalDep, document_id: uuid.UUID, data: DocumentResponseIn
) -> dict[str, Any]:
    """The customer's answer: 客户已阅, or 需修改部位 with the parts. Either creates a todo for the
    tech department (the colleague with department `tech` with the fewest open todos); 409 once answered."""
    document = await repo.get_document(session, principal, document_id)
    customer = await customer_service.get_customer(session, principal, document.customer_id)
    return _read(await service.respond(session, principal, document, data, customer.name))
