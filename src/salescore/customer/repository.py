"""Every customer and contact query, starting from the visibility-scoped statement."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.crud import like_pattern, one_or_404, where_equal
from salescore.kit.principal import Principal
from salescore.kit.visibility import owner_visible, tenant_rows, visible_customer_ids
from salescore.models import Contact, Customer


def customers(principal: Principal) -> sa.Select[Any]:
    return tenant_rows(Customer, principal).where(owner_visible(principal, Customer.owner_id))


def customer_list(
    principal: Principal,
    *,
    updated_since: datetime | None = None,
    owner_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    grade: str | None = None,
    lifecycle: str | None = None,
    industry: str | None = None,
    q: str | None = None,
) -> sa.Select[Any]:
    """The visible customers matching the list filters shared by REST and GraphQL."""
    stmt = where_equal(
        customers(principal),
        (Customer.owner_id, owner_id), (Customer.team_id, team_id), (Customer.grade, grade),
        (Customer.lifecycle, lifecycle), (Customer.industry, industry),
    )
    if updated_since is not None:
        stmt = stmt.where(Customer.updated_at >= updated_since)
    if q:
        stmt = stmt.where(Customer.name.ilike(like_pattern(q), escape="\\"))
    return stmt


def contacts(principal: Principal) -> sa.Select[Any]:
    return tenant_rows(Contact, principal).where(Contact.customer_id.in_(visible_customer_ids(principal)))


async def get_customer(session: AsyncSession, principal: Principal, customer_id: uuid.UUID) -> Customer:
    return await one_or_404(session, customers(principal), Customer, customer_id, "customer")


async def get_contact(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID, contact_id: uuid.UUID
) -> Contact:
    stmt = contacts(principal).where(Contact.customer_id == customer_id)
    return await one_or_404(session, stmt, Contact, contact_id, "contact")


async def contact_ids_of(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> set[uuid.UUID]:
    stmt = sa.select(Contact.id).where(
        Contact.tenant_id == tenant_id, Contact.customer_id == customer_id, Contact.deleted_at.is_(None)
    )
    return set(await session.scalars(stmt))
