"""Knowledge-base queries: the whole tenant reads it (it is how individual knowledge becomes the
organization's)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from salescore.kit.crud import like_pattern, one_or_404
from salescore.kit.dialect import json_array_items
from salescore.kit.principal import Principal
from salescore.kit.visibility import tenant_rows
from salescore.models import KnowledgeEntry, PostMortem


class cites(FunctionElement[Any]):
    """True when a JSON array of {kind, id} objects holds one matching the given parts:
    `cites(column, kind=..., id=...)`, either part optional. PostgreSQL: JSONB containment;
    SQLite: json_each over the array."""

    type = sa.Boolean()
    name = "cites"
    inherit_cache = True

    def __init__(self, column: Any, *, kind: str | None = None, id: str | None = None) -> None:
        parts: list[Any] = []
        for key, value in (("kind", kind), ("id", id)):
            if value is not None:
                # The key is a literal clause, so which parts are given is part of the cache key.
                parts += [sa.literal_column(f"'{key}'"), sa.bindparam(None, value, type_=sa.String())]
        super().__init__(column, *parts)


def _cites_parts(element: cites, compiler: Any, **kw: Any) -> tuple[str, list[tuple[str, str]]]:
    column, *rest = [compiler.process(c, **kw) for c in element.clauses]
    return column, list(zip(rest[::2], rest[1::2], strict=True))


@compiles(cites, "postgresql")
def _cites_pg(element: cites, compiler: Any, **kw: Any) -> str:
    column, pairs = _cites_parts(element, compiler, **kw)
    obj = ", ".join(f"{key}, CAST({value} AS TEXT)" for key, value in pairs)
    return f"({column} @> jsonb_build_array(jsonb_build_object({obj})))"


@compiles(cites, "sqlite")
def _cites_sqlite(element: cites, compiler: Any, **kw: Any) -> str:
    column, pairs = _cites_parts(element, compiler, **kw)
    where = " AND ".join(f"json_extract(c.value, '$.' || {key}) = {value}" for key, value in pairs) or "1"
    return f"EXISTS (SELECT 1 FROM json_each({column}) AS c WHERE {where})"


def entries(principal: Principal) -> sa.Select[Any]:
    return tenant_rows(KnowledgeEntry, principal)


def search(
    principal: Principal, *, q: str | None, tag: str | None, kind: str | None, customer_id: uuid.UUID | None,
    cites_kind: str | None = None, cites_id: uuid.UUID | None = None,
) -> sa.Select[Any]:
    stmt = entries(principal)
    if kind:
        stmt = stmt.where(KnowledgeEntry.kind == kind)
    if customer_id:
        stmt = stmt.where(KnowledgeEntry.customer_id == customer_id)
    if q:
        pattern = like_pattern(q)
        tags = json_array_items(KnowledgeEntry.tags).table_valued("value")
        stmt = stmt.where(sa.or_(
            KnowledgeEntry.title.ilike(pattern, escape="\\"), KnowledgeEntry.body.ilike(pattern, escape="\\"),
            sa.exists(sa.select(1).select_from(tags).where(tags.c.value.ilike(pattern, escape="\\"))),
        ))
    if tag:
        tags = json_array_items(KnowledgeEntry.tags).table_valued("value")
        stmt = stmt.where(sa.exists(sa.select(1).select_from(tags).where(tags.c.value == tag)))
    if cites_kind or cites_id:
        stmt = stmt.where(cites(KnowledgeEntry.citations, kind=cites_kind,
                                id=str(cites_id) if cites_id else None))
    return stmt


async def get_entry(session: AsyncSession, principal: Principal, entry_id: uuid.UUID) -> KnowledgeEntry:
    return await one_or_404(session, entries(principal), KnowledgeEntry, entry_id, "knowledge entry")


async def latest_cases(session: AsyncSession, tenant_id: uuid.UUID, tag: str, limit: int) -> list[KnowledgeEntry]:
    """The newest `case` entries carrying `tag` (a document quotes them as industry cases)."""
    tags = json_array_items(KnowledgeEntry.tags).table_valued("value")
    rows = await session.scalars(
        sa.select(KnowledgeEntry)
        .where(KnowledgeEntry.tenant_id == tenant_id, KnowledgeEntry.deleted_at.is_(None),
               KnowledgeEntry.kind == "case",
               sa.exists(sa.select(1).select_from(tags).where(tags.c.value == tag)))
        .order_by(KnowledgeEntry.created_at.desc(), KnowledgeEntry.id.desc())
        .limit(limit)
    )
    return list(rows)


async def post_mortem_deal(
    session: AsyncSession, tenant_id: uuid.UUID, post_mortem_id: uuid.UUID
) -> uuid.UUID | None:
    """The deal a post-mortem belongs to (visibility follows the deal), or None if there is none."""
    return await session.scalar(
        sa.select(PostMortem.opportunity_id).where(PostMortem.tenant_id == tenant_id, PostMortem.id == post_mortem_id)
    )
