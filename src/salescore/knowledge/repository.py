"""Knowledge-base queries: the whole tenant reads it (it is how individual knowledge becomes the organization's)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.crud import like_pattern, one_or_404
from salescore.kit.dialect import json_array_items
from salescore.kit.principal import Principal
from salescore.kit.visibility import tenant_rows
from salescore.models import KnowledgeEntry


def entries(principal: Principal) -> sa.Select[Any]:
    return tenant_rows(KnowledgeEntry, principal)


def search(
    principal: Principal, *, q: str | None, tag: str | None, kind: str | None, customer_id: uuid.UUID | None
) -> sa.Select[Any]:
    stmt = entries(principal)
    if kind:
        stmt = stmt.where(KnowledgeEntry.kind == kind)
    if customer_id:
        stmt = stmt.where(KnowledgeEntry.customer_id == customer_id)
    if q:
        pattern = like_pattern(q)
        stmt = stmt.where(sa.or_(KnowledgeEntry.title.ilike(pattern, escape="\\"),
                                 KnowledgeEntry.body.ilike(pattern, escape="\\")))
    if tag:
        tags = json_array_items(KnowledgeEntry.tags).table_valued("value")
        stmt = stmt.where(sa.exists(sa.select(1).select_from(tags).where(tags.c.value == tag)))
    return stmt


async def get_entry(session: AsyncSession, principal: Principal, entry_id: uuid.UUID) -> KnowledgeEntry:
    return await one_or_404(session, entries(principal), KnowledgeEntry, entry_id, "knowledge entry")
