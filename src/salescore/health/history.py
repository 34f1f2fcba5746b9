"""The change history of the attributes health reads point-in-time (requirement flags, contact
roles), written by the services that change them, in their transaction.

A row says "from `effective_at` on, this attribute had this value". `effective_at` is business
time: a customer's (possibly imported) created_at, an action's occurred_at, or now for an edit.
Flags are stored as 'true' / 'false'; a contact's role as its code, and NULL once it is deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.health import defaults as d
from salescore.kit.types import GUID, JSONType, UTCDateTime, new_id, utcnow
from salescore.models import AttributeHistory, Contact, Customer


def record_attributes(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    entity: str,
    entity_id: uuid.UUID,
    customer_id: uuid.UUID,
    values: Mapping[str, str | None],
    effective_at: datetime,
) -> None:
    now = utcnow()
    session.add_all(
        AttributeHistory(
            id=new_id(), tenant_id=tenant_id, entity=entity, entity_id=entity_id, customer_id=customer_id,
            attribute=attribute, value=value, effective_at=effective_at, recorded_at=now,
        )
        for attribute, value in values.items()
    )


def _flag(value: Any) -> str:
    return "true" if value else "false"


def record_requirements(
    session: AsyncSession,
    customer: Customer,
    flags: Mapping[str, Any],
    effective_at: datetime,
    *,
    before: Mapping[str, Any] | None = None,
    stated: bool = False,
) -> None:
    """Record requirement flags: every one given when `stated` (an action states them at its moment,
    changed or not); else those that differ from `before`; on creation (`before` None) only the true
    ones -- a flag nobody provided is false without a row, so an action dated before the customer
    was entered is not overruled by a default."""
    def wanted(flag: str) -> bool:
        if flag not in flags:
            return False
        if stated:
            return True
        if before is None:
            return bool(flags[flag])
        return bool(before.get(flag)) != bool(flags[flag])

    values = {f"requirements.{flag}": _flag(flags[flag]) for flag in d.REQUIREMENT_FLAGS if wanted(flag)}
    if values:
        record_attributes(session, tenant_id=customer.tenant_id, entity="customer", entity_id=customer.id,
                          customer_id=customer.id, values=values, effective_at=effective_at)


def record_role(
    session: AsyncSession, contact: Contact, effective_at: datetime, *, deleted: bool = False
) -> None:
    role = None if deleted else contact.decision_role
    record_attributes(session, tenant_id=contact.tenant_id, entity="contact", entity_id=contact.id,
                      customer_id=contact.customer_id, values={d.ROLE_ATTRIBUTE: role},
                      effective_at=effective_at)


# --- backfill ----------------------------------------------------------------------------------

BACKFILL_CHUNK = 5000
_meta = sa.MetaData()  # the columns the backfill reads, apart from the models' metadata
_CUSTOMERS = sa.Table("customers", _meta, sa.Column("tenant_id", GUID), sa.Column("id", GUID),
                      sa.Column("requirements", JSONType), sa.Column("created_at", UTCDateTime()))
_CONTACTS = sa.Table("contacts", _meta, sa.Column("tenant_id", GUID), sa.Column("id", GUID),
                     sa.Column("customer_id", GUID), sa.Column("decision_role", sa.String()),
                     sa.Column("created_at", UTCDateTime()), sa.Column("deleted_at", UTCDateTime()))


def backfill(connection: Connection) -> int:
    """History for records written without it (bulk-loaded data such as the demo seeder's): each
    customer's true flags from its created_at, each contact's role from its created_at (and none from
    its deleted_at). Entities that already have history are skipped, so a second run adds nothing.
    Migration 0003 does the same for the records that predate it. Returns the rows written.

    Synchronous: `await async_connection.run_sync(backfill)`.
    """
    h = AttributeHistory.__table__

    def without_history(table: sa.Table, entity: str) -> Any:
        return ~sa.exists().where(h.c.tenant_id == table.c.tenant_id, h.c.entity == entity,
                                  h.c.entity_id == table.c.id)

    recorded = utcnow()
    rows: list[dict[str, Any]] = []
    written = 0

    def add(entity: str, row: Any, entity_id: Any, attribute: str, value: str | None, at: datetime) -> None:
        nonlocal written
        rows.append({"tenant_id": row.tenant_id, "id": new_id(), "entity": entity, "entity_id": entity_id,
                     "customer_id": row.customer_id, "attribute": attribute, "value": value,
                     "effective_at": at, "recorded_at": recorded})
        if len(rows) >= BACKFILL_CHUNK:
            connection.execute(sa.insert(h), rows)
            written += len(rows)
            rows.clear()

    c = _CUSTOMERS.c
    customers = connection.execute(
        sa.select(c.tenant_id, c.id.label("customer_id"), c.requirements, c.created_at)
        .where(without_history(_CUSTOMERS, "customer"))
    )
    for row in customers.all():
        for flag in d.REQUIREMENT_FLAGS:
            if (row.requirements or {}).get(flag):  # a false flag needs no row (see record_requirements)
                add("customer", row, row.customer_id, f"requirements.{flag}", "true", row.created_at)
    k = _CONTACTS.c
    contacts = connection.execute(
        sa.select(k.tenant_id, k.id, k.customer_id, k.decision_role, k.created_at, k.deleted_at)
        .where(without_history(_CONTACTS, "contact"))
    )
    for row in contacts.all():
        add("contact", row, row.id, d.ROLE_ATTRIBUTE, row.decision_role, row.created_at)
        if row.deleted_at is not None:
            add("contact", row, row.id, d.ROLE_ATTRIBUTE, None, row.deleted_at)
    if rows:
        connection.execute(sa.insert(h), rows)
        written += len(rows)
    return written
