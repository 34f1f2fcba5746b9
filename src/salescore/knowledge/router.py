"""HTTP for the product knowledge base (产品部知识库)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from salescore.kit.deps import ConfigWriterDep, PrincipalDep, SessionDep
from salescore.kit.etag import IfMatchHeader, check_if_match, set_etag
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, paginate
from salescore.knowledge import repository as repo
from salescore.knowledge import service
from salescore.knowledge.schemas import (
    CitationKind,
    Kind,
    KnowledgeEntryCreate,
    KnowledgeEntryRead,
    KnowledgeEntryUpdate,
    PromoteIn,
    PromoteOut,
)
from salescore.models import KnowledgeEntry

router = APIRouter(prefix="/api/v1/knowledge-base", tags=["knowledge base"], responses=PROBLEM_RESPONSES)


def _read(entry: KnowledgeEntry) -> dict[str, Any]:
    return {**{c.key: getattr(entry, c.key) for c in KnowledgeEntry.__table__.columns},
            "read_only": entry.dedupe_key is not None}


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
    cites_kind: Annotated[CitationKind | None, Query(description="Entries citing a record of this kind")] = None,
    cites_id: Annotated[uuid.UUID | None, Query(description="Entries citing this record (e.g. a post-mortem)")] = None,
) -> Page[Any]:
    """Entries newest first; `q` searches title, text and tags, `tag` an exact tag (e.g. an industry),
    `cites_kind` / `cites_id` the entries citing a post-mortem, customer, deal or follow-up."""
    stmt = repo.search(principal, q=q, tag=tag, kind=kind, customer_id=customer_id, cites_kind=cites_kind,
                       cites_id=cites_id)
    rows, nxt = await paginate(session, stmt, KnowledgeEntry, limit=limit, cursor=cursor)
    return Page[Any](items=[_read(e) for e in rows], next_cursor=nxt)


@router.post("", response_model=KnowledgeEntryRead, status_code=status.HTTP_201_CREATED)
async def create_entry(
    session: SessionDep, principal: PrincipalDep, data: KnowledgeEntryCreate, response: Response
) -> dict[str, Any]:
    """Anyone may write an entry; citations must name records visible to the writer (else 422
    naming `citations.N.id`)."""
    entry = await service.create_entry(session, principal, data)
    set_etag(response, entry.version)
    return _read(entry)


@router.get("/{entry_id}", response_model=KnowledgeEntryRead)
async def get_entry(
    session: SessionDep, principal: PrincipalDep, entry_id: uuid.UUID, response: Response
) -> dict[str, Any]:
    entry = await repo.get_entry(session, principal, entry_id)
    set_etag(response, entry.version)
    return _read(entry)


@router.patch("/{entry_id}", response_model=KnowledgeEntryRead)
async def update_entry(
    session: SessionDep, principal: PrincipalDep, entry_id: uuid.UUID, data: KnowledgeEntryUpdate,
    response: Response, if_match: IfMatchHeader = None,
) -> dict[str, Any]:
    """The author, a manager, director or admin (else 403); a system-kept requirement entry: 409."""
    entry = await repo.get_entry(session, principal, entry_id)
    check_if_match(if_match, entry.version)
    entry = await service.update_entry(session, principal, entry, data)
    set_etag(response, entry.version)
    return _read(entry)


@router.delete("/{entry_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_entry(
    session: SessionDep, principal: PrincipalDep, entry_id: uuid.UUID, if_match: IfMatchHeader = None
) -> None:
    entry = await repo.get_entry(session, principal, entry_id)
    check_if_match(if_match, entry.version)
    await service.delete_entry(session, principal, entry)


@router.post("/{entry_id}/promote", response_model=PromoteOut)
async def promote_entry(
    session: SessionDep, principal: ConfigWriterDep, entry_id: uuid.UUID, data: PromoteIn
) -> dict[str, Any]:
    """Directors and admins: make an `sop` or `script` entry a suggested script of a signal's playbook
    (at most 3 per playbook; 422 naming `signal` otherwise). Answers the new signal configuration version."""
    entry = await repo.get_entry(session, principal, entry_id)
    version = await service.promote(session, principal, entry, data)
    return {"entry_id": entry.id, "signal": data.signal, "version": version}
