"""Document queries: a document is visible where its customer is."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.crud import one_or_404, where_equal
from salescore.kit.principal import Principal
from salescore.kit.visibility import tenant_rows, visible_customer_ids
from salescore.models import Contact, Document, DocumentTemplate, User


def documents(principal: Principal) -> sa.Select[Any]:
    stmt = tenant_rows(Document, principal)
    if principal.sees_whole_tenant:
        return stmt
    return stmt.where(Document.customer_id.in_(visible_customer_ids(principal)))


def document_list(
    principal: Principal, *, customer_id: uuid.UUID | None = None, opportunity_id: uuid.UUID | None = None,
    status: str | None = None,
) -> sa.Select[Any]:
    return where_equal(
        documents(principal), (Document.customer_id, customer_id), (Document.opportunity_id, opportunity_id),
        (Document.status, status),
    )


async def get_document(session: AsyncSession, principal: Principal, document_id: uuid.UUID) -> Document:
    return await one_or_404(session, documents(principal), Document, document_id, "document")


async def by_dedupe_key(session: AsyncSession, tenant_id: uuid.UUID, key: str) -> Document | None:
    return await session.scalar(sa.select(Document).where(Document.tenant_id == tenant_id, Document.dedupe_key == key))


async def contacts_of(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[Contact]:
    rows = await session.scalars(
        sa.select(Contact)
        .where(Contact.tenant_id == tenant_id, Contact.customer_id == customer_id, Contact.deleted_at.is_(None))
        .order_by(Contact.created_at)
        .limit(20)
    )
    return list(rows)


async def user_name(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID | None) -> str | None:
    if user_id is None:
        return None
    return await session.scalar(sa.select(User.name).where(User.tenant_id == tenant_id, User.id == user_id))


def templates(principal: Principal) -> sa.Select[Any]:
    """The tenant's own (live) template rows; the built-ins are merged in by the service."""
    return tenant_rows(DocumentTemplate, principal).order_by(DocumentTemplate.code)


async def template_row(session: AsyncSession, tenant_id: uuid.UUID, code: str) -> DocumentTemplate | None:
    """The tenant's row for a code, soft-deleted or not (the code is unique per tenant, so an
    edit after a reset revives the row and carries its version on)."""
    return await session.scalar(
        sa.select(DocumentTemplate).where(DocumentTemplate.tenant_id == tenant_id, DocumentTemplate.code == code)
    )
