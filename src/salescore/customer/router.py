"""HTTP for customers and their contacts."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from salescore.customer import repository as repo
from salescore.customer import service
from salescore.customer.schemas import (
    ContactCreate,
    ContactRead,
    ContactUpdate,
    CustomerCreate,
    CustomerRead,
    CustomerUpdate,
    Lifecycle,
)
from salescore.kit.deps import PrincipalDep, SessionDep
from salescore.kit.etag import IfMatchHeader, check_if_match, set_etag
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, paginate
from salescore.kit.schemas import AwareDatetime
from salescore.models import Contact, Customer

router = APIRouter(prefix="/api/v1/customers", tags=["customers"], responses=PROBLEM_RESPONSES)


@router.post("", response_model=CustomerRead, status_code=status.HTTP_201_CREATED)
async def create_customer(
    session: SessionDep, principal: PrincipalDep, data: CustomerCreate, response: Response
) -> Customer:
    customer = await service.create_customer(session, principal, data)
    set_etag(response, customer.version)
    return customer


@router.get("", response_model=Page[CustomerRead])
async def list_customers(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    updated_since: AwareDatetime | None = None,
    owner_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    grade: Literal["A", "B", "C"] | None = None,
    lifecycle: Lifecycle | None = None,
    industry: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=100, description="Name contains")] = None,
) -> Page[CustomerRead]:
    stmt = repo.customer_list(
        principal, updated_since=updated_since, owner_id=owner_id, team_id=team_id, grade=grade,
        lifecycle=lifecycle, industry=industry, q=q,
    )
    rows, nxt = await paginate(session, stmt, Customer, limit=limit, cursor=cursor)
    return Page[CustomerRead](items=rows, next_cursor=nxt)  # type: ignore[arg-type]


@router.get("/{customer_id}", response_model=CustomerRead)
async def get_customer(
    session: SessionDep, principal: PrincipalDep, customer_id: uuid.UUID, response: Response
) -> Customer:
    customer = await repo.get_customer(session, principal, customer_id)
    set_etag(response, customer.version)
    return customer


@router.patch("/{customer_id}", response_model=CustomerRead)
async def update_customer(
    session: SessionDep,
    principal: PrincipalDep,
    customer_id: uuid.UUID,
    data: CustomerUpdate,
    response: Response,
    if_match: IfMatchHeader = None,
) -> Customer:
    customer = await repo.get_customer(session, principal, customer_id)
    check_if_match(if_match, customer.version)
    customer = await service.update_customer(session, principal, customer, data)
    set_etag(response, customer.version)
    return customer


@router.delete("/{customer_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_customer(
    session: SessionDep, principal: PrincipalDep, customer_id: uuid.UUID, if_match: IfMatchHeader = None
) -> None:
    customer = await repo.get_customer(session, principal, customer_id)
    check_if_match(if_match, customer.version)
    await service.delete_customer(session, principal, customer)


# --- contacts ----------------------------------------------------------------------------------

@router.post(
    "/{customer_id}/contacts", response_model=ContactRead, status_code=status.HTTP_201_CREATED, tags=["contacts"]
)
async def create_contact(
    session: SessionDep, principal: PrincipalDep, customer_id: uuid.UUID, data: ContactCreate, response: Response
) -> Contact:
    customer = await repo.get_customer(session, principal, customer_id)
    contact = await service.create_contact(session, principal, customer, data)
    set_etag(response, contact.version)
    return contact


@router.get("/{customer_id}/contacts", response_model=Page[ContactRead], tags=["contacts"])
async def list_contacts(
    session: SessionDep,
    principal: PrincipalDep,
    customer_id: uuid.UUID,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ContactRead]:
    await repo.get_customer(session, principal, customer_id)
    stmt = repo.contacts(principal).where(Contact.customer_id == customer_id)
    rows, nxt = await paginate(session, stmt, Contact, limit=limit, cursor=cursor)
    return Page[ContactRead](items=rows, next_cursor=nxt)  # type: ignore[arg-type]


@router.get("/{customer_id}/contacts/{contact_id}", response_model=ContactRead, tags=["contacts"])
async def get_contact(
    session: SessionDep, principal: PrincipalDep, customer_id: uuid.UUID, contact_id: uuid.UUID, response: Response
) -> Contact:
    contact = await repo.get_contact(session, principal, customer_id, contact_id)
    set_etag(response, contact.version)
    return contact


@router.patch("/{customer_id}/contacts/{contact_id}", response_model=ContactRead, tags=["contacts"])
async def update_contact(
    session: SessionDep,
    principal: PrincipalDep,
    customer_id: uuid.UUID,
    contact_id: uuid.UUID,
    data: ContactUpdate,
    response: Response,
    if_match: IfMatchHeader = None,
) -> Contact:
    contact = await repo.get_contact(session, principal, customer_id, contact_id)
    check_if_match(if_match, contact.version)
    contact = await service.update_contact(session, principal, contact, data)
    set_etag(response, contact.version)
    return contact


@router.delete("/{customer_id}/contacts/{contact_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["contacts"])
async def delete_contact(
    session: SessionDep,
    principal: PrincipalDep,
    customer_id: uuid.UUID,
    contact_id: uuid.UUID,
    if_match: IfMatchHeader = None,
) -> None:
    contact = await repo.get_contact(session, principal, customer_id, contact_id)
    check_if_match(if_match, contact.version)
    await service.delete_contact(session, principal, contact)
