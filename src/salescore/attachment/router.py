"""HTTP for attachments: multipart upload, metadata, download."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, Response, UploadFile, status
from fastapi.responses import FileResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import Message

from salescore.attachment import repository as repo
from salescore.attachment import service
from salescore.attachment.schemas import AttachmentRead
from salescore.kit.deps import PrincipalDep, SessionDep, runtime_of
from salescore.kit.errors import PayloadTooLarge
from salescore.kit.openapi import PROBLEM_RESPONSES, Problem
from salescore.kit.problems import PROBLEM_JSON
from salescore.models import Attachment

# Multipart framing around the file (boundary lines, part headers, a long file name).
MULTIPART_SLACK = 64 * 1024
CHUNK_BYTES = 1024 * 1024


class _BodyTooLarge(Exception):
    pass


class CappedBodyRoute(APIRoute):
    """Refuses a body over the upload limit before multipart parsing spools it to disk: by
    Content-Length up front, and by counting the bytes of a chunked body as they arrive."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def capped(request: Request) -> Response:
            limit = runtime_of(request).settings.max_upload_bytes
            cap = limit + MULTIPART_SLACK
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                raise _too_large(limit)
            received = 0

            async def receive() -> Message:
                nonlocal received
                message = await request.receive()
                received += len(message.get("body", b""))
                if received > cap:
                    raise _BodyTooLarge
                return message

            try:
                return await handle(Request(request.scope, receive))
            except HTTPException as exc:
                # FastAPI reports any failure while parsing the form as a 400.
                if received > cap:
                    raise _too_large(limit) from exc
                raise

        return capped


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the request is larger than the upload limit of {limit} bytes")


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
        session, principal, _chunks(file), filename=file.filename,
        max_bytes=settings.max_upload_bytes, storage_dir=settings.storage_dir,
    )


async def _chunks(file: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await file.read(CHUNK_BYTES):
        yield chunk


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
