"""HTTP for attachments: multipart upload, metadata, download."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile, status
from fastapi.responses import FileResponse

from salescore.attachment import repository as repo
from salescore.attachment import service
from salescore.attachment.schemas import AttachmentRead
from salescore.kit.deps import PrincipalDep, SessionDep, runtime_of
from salescore.kit.uploads import CappedBodyRoute, chunks
from salescore.kit.openapi import PROBLEM_RESPONSES, Problem
from salescore.kit.problems import PROBLEM_JSON
from salescore.models import Attachment

router = APIRouter(
    prefix="/api/v1/attachments", tags=["attachments"], responses=PROBLEM_RESPONSES,
    route_class=CappedBodyRoute,
)

UNSUPPORTED: dict[int | str, dict[str, Any]] = {
    415: {"model": Problem, "description": "The file's type is not allowed", "content": {PROBLEM_JSON: {}}},
}


@router.post("", response_model=AttachmentRead, status_code=status.HTTP_201_CREATED, responses=UNSUPPORTED)
async def upload_attachment(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    file: Annotated[
        UploadFile,
        File(description="pdf, image, office document, UTF-8 text or .eml, as judged from its bytes"),
    ],
) -> Attachment:
    settings = runtime_of(request).settings
    return await service.upload(
        session, principal, chunks(file), filename=file.filename,
        max_bytes=settings.max_upload_bytes, storage_dir=settings.storage_dir,
    )


@router.get("/{attachment_id}", response_model=AttachmentRead)
async def get_attachment(
    session: SessionDep, principal: PrincipalDep, attachment_id: uuid.UUID
) -> Attachment:
    return await repo.get_attachment(session, principal, attachment_id)


@router.get("/{attachment_id}/content", response_class=FileResponse, responses=service.FILE_CONTENT)
async def download_attachment(
    request: Request, session: SessionDep, principal: PrincipalDep, attachment_id: uuid.UUID
) -> FileResponse:
    attachment = await repo.get_attachment(session, principal, attachment_id)
    return await service.file_response(attachment, runtime_of(request).settings.storage_dir)
