"""HTTP for the product knowledge base (产品部知识库)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from salescore.kit.deps import PrincipalDep, SessionDep
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, paginate
from salescore.knowledge import repository as repo
from salescore.knowledge.schemas import KnowledgeEntryRead
from salescore.models import KnowledgeEntry

router = APIRouter(prefix="/api/v1/knowledge-base", tags=["knowledge base"], responses=PROBLEM_RESPONSES)
Kind = Literal["requirement", "sop", "script", "case"]


@router.get("", response_model=Page[KnowledgeEntryRead])
async def list_entries(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
    kind: Kind | None = None,
    customer_id: uuid.UUID | None = None,
) -> Page[KnowledgeEntryRead]:
    """Entries newest first; `q` searches title and text, `tag` an exact tag (e.g. an industry)."""
    stmt = repo.search(principal, q=q, tag=tag, kind=kind, customer_id=customer_id)
    rows, nxt = await paginate(session, stmt, KnowledgeEntry, limit=limit, cursor=cursor)
    return Page[KnowledgeEntryRead](items=rows, next_cursor=nxt)  # type: ignore[arg-type]


@router.get("/{entry_id}", response_model=KnowledgeEntryRead)
async def get_entry(session: SessionDep, principal: PrincipalDep, entry_id: uuid.UUID) -> KnowledgeEntry:
    return await repo.get_entry(session, principal, entry_id)
