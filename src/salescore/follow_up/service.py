"""Follow-up rules. Never commits."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import record, snapshot
from salescore.customer import service as customer_service
from salescore.follow_up.schemas import FollowUpCreate, FollowUpUpdate
from salescore.kit.crud import apply_changes
from salescore.kit.errors import Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import FollowUp
from salescore.opportunity import service as opportunity_service
from salescore.tenancy.service import assignable_user


async def _check_refs(
    session: AsyncSession,
    principal: Principal,
    customer_id: uuid.UUID,
    opportunity_id: uuid.UUID | None,
    contact_ids: list[uuid.UUID] | None,
) -> None:
    if opportunity_id is not None:
        deal = await opportunity_service.visible_opportunity(session, principal, opportunity_id)
        if deal.customer_id != customer_id:
            raise Unprocessable.field("opportunity_id", "the opportunity belongs to another customer")
    if contact_ids:
        known = await customer_service.contact_ids_of(session, principal, customer_id)
        for index, contact_id in enumerate(contact_ids):
            if contact_id not in known:
                raise Unprocessable.field(f"contact_ids.{index}", "not a contact of this customer")


async def create_follow_up(session: AsyncSession, principal: Principal, data: FollowUpCreate) -> FollowUp:
    customer = await customer_service.visible_customer(session, principal, data.customer_id)
    await _check_refs(session, principal, customer.id, data.opportunity_id, data.contact_ids)
    # The caller was loaded and found active by authentication: only another author needs a lookup.
    author_id = principal.user_id
    if data.user_id is not None and data.user_id != principal.user_id:
        author_id = (await assignable_user(session, principal, data.user_id, "user_id")).id
    now = utcnow()
    follow_up = FollowUp(
        id=new_id(),
        tenant_id=principal.tenant_id,
        customer_id=customer.id,
        opportunity_id=data.opportunity_id,
        user_id=author_id,
        channel=data.channel,
        occurred_at=data.occurred_at or now,
        summary=data.summary,
        actions=[a.model_dump() for a in data.actions],
        contact_ids=[str(c) for c in dict.fromkeys(data.contact_ids)],
        created_via=data.created_via or ("api" if principal.api_key_id else "app"),
        recorded_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(follow_up)
    await session.flush()
    record(session, principal, action="create", entity="follow_up", obj=follow_up)
    return follow_up


async def update_follow_up(
    session: AsyncSession, principal: Principal, follow_up: FollowUp, data: FollowUpUpdate
) -> FollowUp:
    changes = data.model_dump(exclude_unset=True)
    await _check_refs(
        session, principal, follow_up.customer_id, changes.get("opportunity_id"), data.contact_ids
    )
    if "contact_ids" in changes and changes["contact_ids"] is not None:
        changes["contact_ids"] = [str(c) for c in dict.fromkeys(data.contact_ids or [])]
    before = snapshot(follow_up)
    apply_changes(
        follow_up, changes, not_null=("channel", "occurred_at", "summary", "actions", "contact_ids")
    )
    await session.flush()
    record(session, principal, action="update", entity="follow_up", obj=follow_up, before=before)
    return follow_up


async def delete_follow_up(session: AsyncSession, principal: Principal, follow_up: FollowUp) -> None:
    before = snapshot(follow_up)
    follow_up.deleted_at = utcnow()
    await session.flush()
    record(session, principal, action="delete", entity="follow_up", obj=follow_up, before=before)
