"""Attachment rules. Never commits."""

from __future__ import annotations

import asyncio
import mimetypes
import unicodedata
import uuid
from collections.abc import AsyncIterable, Collection
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi.responses import FileResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.attachment import repository as repo
from salescore.attachment.sniff import ALLOWED_TYPES, content_type_of
from salescore.audit.service import record
from salescore.kit import storage
from salescore.kit.errors import FieldError, NotFound, Unprocessable, UnsupportedMediaType
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.kit.uploads import Upload
from salescore.models import Attachment

MAX_FILENAME = 255
_BINARY = {"type": "string", "format": "binary"}
# OpenAPI for every route that answers with a stored file (attachments, generated documents).
FILE_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The stored file, served with its recorded media type",
        "content": {media_type: {"schema": _BINARY} for media_type in ALLOWED_TYPES},
        "headers": {
            "Content-Disposition": {
                "description": "attachment; filename*=UTF-8''<original name, percent-encoded>",
                "schema": {"type": "string"},
            },
            "X-Content-Type-Options": {"schema": {"type": "string", "enum": ["nosniff"]}},
        },
    },
}


def clean_filename(raw: str | None) -> str | None:
    """The base name only, without control or invisible format characters (a right-to-left
    override can make an .exe name display as .pdf), at most 255 characters. Metadata only."""
    if not raw:
        return None
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if name in {"", ".", ".."}:
        return None
    if len(name) > MAX_FILENAME:
        stem, dot, suffix = name.rpartition(".")
        keep = f"{dot}{suffix}" if dot and stem and len(suffix) <= 16 else ""
        name = name[: MAX_FILENAME - len(keep)] + keep
    return name


async def upload(
    session: AsyncSession,
    principal: Principal,
    chunks: AsyncIterable[bytes],
    *,
    filename: str | None,
    max_bytes: int,
    storage_dir: Path | None = None,
) -> Attachment:
    """Store an uploaded file whose type is allowed. Nothing reaches the store when the file is
    empty, too large (413) or of a type outside the allowlist (415)."""
    root = storage.resolve_root(storage_dir)
    async with storage.staging(root, max_bytes=max_bytes) as staged:
        async for chunk in chunks:
            await staged.write(chunk)
        if staged.size == 0:
            raise Unprocessable.field("file", "the file is empty")
        content_type = await asyncio.to_thread(content_type_of, staged.path)
        if content_type is None:
            message = f"not an allowed file type; allowed: {', '.join(ALLOWED_TYPES)}"
            raise UnsupportedMediaType(f"file: {message}", errors=[FieldError("file", message)])
        blob = await staged.commit()
    attachment = _row(principal.tenant_id, principal.user_id, blob, content_type, clean_filename(filename))
    session.add(attachment)
    await session.flush()
    record(session, principal, action="create", entity="attachment", obj=attachment)
    return attachment


async def store_uploads(
    session: AsyncSession, principal: Principal, uploads: list[Upload], *, max_bytes: int,
    storage_dir: Path | None = None,
) -> list[str]:
    """Store a request's files; their ids. Each is checked (type 415, size 413) before the next is
    read, and an error rolls the request back, so nothing of a refused request is kept."""
    ids = []
    for item in uploads:
        attachment = await upload(session, principal, item.chunks, filename=item.filename, max_bytes=max_bytes,
                                  storage_dir=storage_dir)
        ids.append(str(attachment.id))
    return ids


async def store_generated(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID | None,
    data: bytes,
    filename: str,
    content_type: str,
    storage_dir: Path | None = None,
) -> Attachment:
    """A document the server produced (e.g. 《客户技术确认单》): its type is known, so no sniffing,
    and the domain that generated it records the audit entry for its own record."""
    blob = await storage.store_bytes(storage.resolve_root(storage_dir), data)
    attachment = _row(tenant_id, user_id, blob, content_type, clean_filename(filename))
    session.add(attachment)
    await session.flush()
    return attachment


def _row(
    tenant_id: uuid.UUID,
    user_id: uuid.UUID | None,
    blob: storage.Blob,
    content_type: str,
    filename: str | None,
) -> Attachment:
    return Attachment(
        id=new_id(), tenant_id=tenant_id, uploaded_by=user_id, sha256=blob.sha256, size=blob.size,
        content_type=content_type, filename=filename, created_at=utcnow(),
    )


async def visible_attachment(
    session: AsyncSession, principal: Principal, attachment_id: uuid.UUID, field: str = "attachment_id"
) -> Attachment:
    """For other domains: an attachment referenced in a body; invisible or unknown -> 422 on `field`."""
    try:
        return await repo.get_attachment(session, principal, attachment_id)
    except NotFound as exc:
        raise Unprocessable.field(field, "no such attachment visible to you") from exc


async def check_attachment_ids(
    session: AsyncSession,
    principal: Principal,
    ids: list[uuid.UUID],
    field: str,
    *,
    attached: Collection[uuid.UUID] = (),
) -> list[Attachment]:
    """The visible attachments among `ids` (each once, in order); any other id -> 422 on
    `field.<index>`. Ids in `attached` (already on the record) pass unchecked and are not
    returned: a file a colleague attached earlier stays even if this caller can't see it."""
    attached = set(attached)
    found = await repo.visible_among(session, principal, set(ids) - attached)
    errors = [
        FieldError(f"{field}.{index}", "no such attachment visible to you")
        for index, ident in enumerate(ids)
        if ident not in found and ident not in attached
    ]
    if errors:
        raise Unprocessable(f"{errors[0]['field']}: {errors[0]['message']}", errors=errors)
    return [found[ident] for ident in dict.fromkeys(ids) if ident in found]


async def get_for_record(session: AsyncSession, tenant_id: uuid.UUID, attachment_id: uuid.UUID) -> Attachment:
    """The file behind a record the caller may already read (a generated document is visible
    wherever its customer is, not only to whoever triggered it)."""
    attachment = await repo.by_id(session, tenant_id, attachment_id)
    if attachment is None:
        raise NotFound("attachment not found")
    return attachment


async def file_response(attachment: Attachment, storage_dir: Path | None = None) -> FileResponse:
    """The download of an attachment the caller has been allowed to read. Routers of other
    domains serve files through here, since they may call this service but not its router."""
    path = await storage.read_path(storage.resolve_root(storage_dir), attachment.sha256)
    headers = {
        "Content-Disposition": content_disposition(attachment),
        # Browsers must not second-guess the sniffed type (a text file rendered as HTML).
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private",
    }
    return FileResponse(path, media_type=attachment.content_type, headers=headers)


def content_disposition(attachment: Attachment) -> str:
    """Always a download; the UTF-8 name per RFC 6266/5987 with an ASCII fallback for old clients."""
    ext = mimetypes.guess_extension(attachment.content_type) or ""
    name = attachment.filename or f"{attachment.id}{ext}"
    fallback = "".join(ch if " " <= ch < "\x7f" and ch not in '"\\' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
