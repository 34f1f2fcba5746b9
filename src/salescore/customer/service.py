"""Customer and contact rules. Never commits."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import record, snapshot
from salescore.customer import repository as repo
from salescore.customer.schemas import ContactCreate, ContactUpdate, CustomerCreate, CustomerUpdate
from salescore.health import history
from salescore.kit.crud import apply_changes
from salescore.kit.errors import NotFound, Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import Contact, Customer
from salescore.tenancy.service import assignable_user, get_team


async def visible_customer(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID, field: str = "customer_id"
) -> Customer:
    """For other domains: a customer referenced in a body; invisible or unknown -> 422 on `field`."""
    try:
        return await repo.get_customer(session, principal, customer_id)
    except NotFound as exc:
        raise Unprocessable.field(field, "no such customer visible to you") from exc


async def get_customer(session: AsyncSession, principal: Principal, customer_id: uuid.UUID) -> Customer:
    """For other domains' routes with the customer id in the path: invisible or unknown -> 404."""
    return await repo.get_customer(session, principal, customer_id)


async def contact_ids_of(session: AsyncSession, principal: Principal, customer_id: uuid.UUID) -> set[uuid.UUID]:
    return await repo.contact_ids_of(session, principal.tenant_id, customer_id)


async def _team_for(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID | None, owner_team: uuid.UUID | None
) -> uuid.UUID | None:
    if team_id is None:
        return owner_team
    try:
        await get_team(session, principal, team_id)
    except NotFound as exc:
        raise Unprocessable.field("team_id", "no such team in this tenant") from exc
    return team_id


async def create_customer(session: AsyncSession, principal: Principal, data: CustomerCreate) -> Customer:
    owner = await assignable_user(session, principal, data.owner_id or principal.user_id, "owner_id")
    values = data.model_dump(exclude={"owner_id", "team_id", "created_at"})
    now = utcnow()
    customer = Customer(
        id=new_id(),
        tenant_id=principal.tenant_id,
        owner_id=owner.id,
        team_id=await _team_for(session, principal, data.team_id, owner.team_id),
        created_at=data.created_at or now,
        updated_at=now,
        created_lifecycle=values.get("lifecycle") or "lead",
        **values,
    )
    session.add(customer)
    await session.flush()
    # Health reads requirement flags point-in-time: they hold from the (possibly imported) creation.
    history.record_requirements(session, customer, customer.requirements, customer.created_at)
    record(session, principal, action="create", entity="customer", obj=customer)
    return customer


async def update_customer(
    session: AsyncSession, principal: Principal, customer: Customer, data: CustomerUpdate
) -> Customer:
    changes = data.model_dump(exclude_unset=True)
    if "owner_id" in changes:
        if changes["owner_id"] is None:
            raise Unprocessable.field("owner_id", "may not be null")
        owner = await assignable_user(session, principal, changes["owner_id"], "owner_id")
        if "team_id" not in changes:
            changes["team_id"] = owner.team_id
    if changes.get("team_id") is not None:
        changes["team_id"] = await _team_for(session, principal, changes["team_id"], None)
    if "requirements" in changes and changes["requirements"] is None:
        raise Unprocessable.field("requirements", "may not be null")
    before = snapshot(customer)
    apply_changes(
        customer, changes,
        not_null=("name", "lifecycle", "tags", "external_refs", "custom"),
    )
    await session.flush()
    if "requirements" in changes:
        history.record_requirements(session, customer, customer.requirements, utcnow(),
                                    before=before["requirements"] or {})
    record(session, principal, action="update", entity="customer", obj=customer, before=before)
    return customer


async def delete_customer(session: AsyncSession, principal: Principal, customer: Customer) -> None:
    """Soft delete: the record and its history stay for audit; it disappears from reads."""
    before = snapshot(customer)
    customer.deleted_at = utcnow()
    await session.flush()
    record(session, principal, action="delete", entity="customer", obj=customer, before=before)


async def create_contact(
    session: AsyncSession, principal: Principal, customer: Customer, data: ContactCreate
) -> Contact:
    contact = Contact(id=new_id(), tenant_id=principal.tenant_id, customer_id=customer.id, **data.model_dump())
    session.add(contact)
    await session.flush()
    history.record_role(session, contact, contact.created_at)
    record(session, principal, action="create", entity="contact", obj=contact)
    return contact


async def update_contact(session: AsyncSession, principal: Principal, contact: Contact, data: ContactUpdate) -> Contact:
    before = snapshot(contact)
    apply_changes(contact, data.model_dump(exclude_unset=True), not_null=("name", "decision_role"))
    await session.flush()
    if contact.decision_role != before["decision_role"]:
        history.record_role(session, contact, utcnow())
    record(session, principal, action="update", entity="contact", obj=contact, before=before)
    return contact


async def delete_contact(session: AsyncSession, principal: Principal, contact: Contact) -> None:
    before = snapshot(contact)
    contact.deleted_at = utcnow()
    await session.flush()
    history.record_role(session, contact, contact.deleted_at, deleted=True)
    record(session, principal, action="delete", entity="contact", obj=contact, before=before)
