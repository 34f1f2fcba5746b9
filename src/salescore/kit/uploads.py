"""Multipart uploads: a body cap enforced before parsing, and chunked reading of an UploadFile."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response, UploadFile
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import Message

from salescore.kit.deps import runtime_of
from salescore.kit.errors import PayloadTooLarge

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


async def chunks(file: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await file.read(CHUNK_BYTES):
        yield chunk


@dataclass
class Upload:
    """A file of a multipart request, read in chunks by whoever stores it."""

    chunks: AsyncIterable[bytes]
    filename: str | None


def uploads_of(files: list[UploadFile | str] | None) -> list[Upload]:
    """The files sent; a browser's empty file input (an empty string, or a nameless empty part) is none."""
    return [Upload(chunks(f), f.filename) for f in files or [] if not isinstance(f, str) and (f.filename or f.size)]
