"""Attachment queries: visible to the uploader's reach (owner rule on `uploaded_by`)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.crud import one_or_404
from salescore.kit.principal import Principal
from salescore.kit.visibility import owner_visible, tenant_rows
from salescore.models import Attachment


def attachments(principal: Principal) -> sa.Select[Any]:
    return tenant_rows(Attachment, principal).where(owner_visible(principal, Attachment.uploaded_by))


async def get_attachment(session: AsyncSession, principal: Principal, attachment_id: uuid.UUID) -> Attachment:
    return await one_or_404(session, attachments(principal), Attachment, attachment_id, "attachment")


async def by_id(session: AsyncSession, tenant_id: uuid.UUID, attachment_id: uuid.UUID) -> Attachment | None:
    """Without the uploader rule: for a record (a document) that carries its own visibility."""
    stmt = sa.select(Attachment).where(Attachment.tenant_id == tenant_id, Attachment.id == attachment_id)
    return await session.scalar(stmt)


async def visible_among(
    session: AsyncSession, principal: Principal, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Attachment]:
    if not ids:
        return {}
    rows = await session.scalars(attachments(principal).where(Attachment.id.in_(ids)))
    return {a.id: a for a in rows}
