"""Follow-up rules. Never commits.

A follow-up's actions are checked against the tenant's action templates and performed in the
same transaction: action rows, sync maps (customer/deal fields, stage moves) and events.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.action import repository as action_repo
from salescore.action import service as action_service
from salescore.action.perform import perform
from salescore.action.validation import CheckedAction
from salescore.audit.service import record, snapshot
from salescore.customer import service as customer_service
from salescore.follow_up.schemas import ActionIn, FollowUpCreate, FollowUpUpdate
from salescore.kit.crud import apply_changes
from salescore.follow_up import repository as repo
from salescore.kit.errors import NotFound, Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.kit.workdays import local_date
from salescore.models import ActionRecord, Customer, FollowUp, Opportunity
from salescore.opportunity import service as opportunity_service
from salescore.signal import service as signal_service
from salescore.tenancy.service import assignable_user, get_tenant


async def _check_refs(
    session: AsyncSession,
    principal: Principal,
    customer_id: uuid.UUID,
    opportunity_id: uuid.UUID | None,
    contact_ids: list[uuid.UUID] | None,
    prefix: str = "",
) -> Opportunity | None:
    deal = None
    if opportunity_id is not None:
        deal = await opportunity_service.visible_opportunity(session, principal, opportunity_id, f"{prefix}opportunity_id")
        if deal.customer_id != customer_id:
            raise Unprocessable.field(f"{prefix}opportunity_id", "the opportunity belongs to another customer")
    if contact_ids:
        known = await customer_service.contact_ids_of(session, principal, customer_id)
        for index, contact_id in enumerate(contact_ids):
            if contact_id not in known:
                raise Unprocessable.field(f"{prefix}contact_ids.{index}", "not a contact of this customer")
    return deal


def _inputs(actions: list[ActionIn], prefix: str = "actions") -> list[action_service.ActionInput]:
    return [
        action_service.ActionInput(a.code, a.fields, f"{prefix}.{i}.code", f"{prefix}.{i}.fields")
        for i, a in enumerate(actions)
    ]


async def _timezone(session: AsyncSession, tenant_id: uuid.UUID) -> str:
    return (await get_tenant(session, tenant_id)).timezone


async def record_follow_up(
    session: AsyncSession,
    principal: Principal,
    customer: Customer,
    *,
    deal: Opportunity | None,
    checked: list[CheckedAction],
    paths: list[str],
    author_id: uuid.UUID,
    channel: str,
    occurred_at: datetime,
    summary: str,
    created_via: str,
    contact_ids: list[uuid.UUID] | None = None,
) -> FollowUp:
    """Write one follow-up and perform its (already checked) actions; shared with daily reports."""
    now = utcnow()
    follow_up = FollowUp(
        id=new_id(),
        tenant_id=principal.tenant_id,
        customer_id=customer.id,
        opportunity_id=deal.id if deal is not None else None,
        user_id=author_id,
        channel=channel,
        occurred_at=occurred_at,
        summary=summary,
        actions=[{"code": c.code, "fields": c.fields, "template_revision": c.template.revision} for c in checked],
        contact_ids=[str(c) for c in dict.fromkeys(contact_ids or [])],
        created_via=created_via,
        recorded_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(follow_up)
    await session.flush()
    if checked:
        tz = await _timezone(session, principal.tenant_id)
        await perform(session, principal, follow_up, checked, customer, deal, timezone=tz, paths=paths)
    # Not a column: the response carries what the rep's words set off (SPEC §9).
    follow_up.signals = await _scan(session, follow_up, fresh=True)  # type: ignore[attr-defined]
    record(session, principal, action="create", entity="follow_up", obj=follow_up)
    return follow_up


async def _scan(session: AsyncSession, follow_up: FollowUp, *, fresh: bool) -> dict[str, object]:
    return await signal_service.scan(
        session, tenant_id=follow_up.tenant_id,
        source="daily_report" if follow_up.created_via == "daily_report" else "follow_up", source_id=follow_up.id,
        text=follow_up.summary, customer_id=follow_up.customer_id, opportunity_id=follow_up.opportunity_id,
        follow_up_id=follow_up.id, user_id=follow_up.user_id, occurred_at=follow_up.occurred_at, fresh=fresh,
    )


async def deal_for_actions(
    session: AsyncSession, principal: Principal, customer: Customer, given: Opportunity | None,
    checked: list[CheckedAction], path: str,
) -> Opportunity | None:
    """The deal a follow-up belongs to: the one given, else the only open one when an action needs it."""
    if given is not None or not any(c.touches_deal for c in checked):
        return given
    return await action_service.resolve_deal(
        session, principal, customer.id, given, path, required=any(c.moves_stage for c in checked)
    )


async def create_follow_up(session: AsyncSession, principal: Principal, data: FollowUpCreate) -> FollowUp:
    customer = await customer_service.visible_customer(session, principal, data.customer_id)
    given = await _check_refs(session, principal, customer.id, data.opportunity_id, data.contact_ids)
    checked = await action_service.check_actions(session, principal, _inputs(data.actions))
    deal = await deal_for_actions(session, principal, customer, given, checked, "opportunity_id")
    # The caller was loaded and found active by authentication: only another author needs a lookup.
    author_id = principal.user_id
    if data.user_id is not None and data.user_id != principal.user_id:
        author_id = (await assignable_user(session, principal, data.user_id, "user_id")).id
    return await record_follow_up(
        session, principal, customer, deal=deal, checked=checked,
        paths=[f"actions.{i}.fields." for i in range(len(checked))], author_id=author_id,
        channel=data.channel, occurred_at=data.occurred_at or utcnow(), summary=data.summary,
        created_via=data.created_via or ("api" if principal.api_key_id else "app"), contact_ids=data.contact_ids,
    )


async def _live_records(session: AsyncSession, follow_up: FollowUp) -> list[ActionRecord]:
    rows = await session.scalars(
        sa.select(ActionRecord)
        .where(ActionRecord.tenant_id == follow_up.tenant_id, ActionRecord.follow_up_id == follow_up.id,
               ActionRecord.deleted_at.is_(None))
        .order_by(ActionRecord.position)
    )
    return list(rows)


async def update_follow_up(
    session: AsyncSession, principal: Principal, follow_up: FollowUp, data: FollowUpUpdate
) -> FollowUp:
    changes = data.model_dump(exclude_unset=True)
    given = await _check_refs(
        session, principal, follow_up.customer_id, changes.get("opportunity_id"), data.contact_ids
    )
    if "contact_ids" in changes and changes["contact_ids"] is not None:
        changes["contact_ids"] = [str(c) for c in dict.fromkeys(data.contact_ids or [])]
    new_actions: list[CheckedAction] | None = None
    if changes.get("actions") is not None:
        new_actions = await action_service.check_actions(session, principal, _inputs(data.actions or []))
        changes["actions"] = [
            {"code": c.code, "fields": c.fields, "template_revision": c.template.revision} for c in new_actions
        ]
    before = snapshot(follow_up)
    apply_changes(
        follow_up, changes, not_null=("channel", "occurred_at", "summary", "actions", "contact_ids")
    )
    await session.flush()
    if "occurred_at" in changes:
        # The actions happened when the follow-up did: per-day analytics must move with it.
        tz = await _timezone(session, principal.tenant_id)
        await action_repo.move_records(
            session, follow_up.tenant_id, follow_up.id, follow_up.occurred_at, local_date(follow_up.occurred_at, tz)
        )
    if new_actions is not None:
        await _replace_actions(session, principal, follow_up, new_actions, given)
    if {"occurred_at", "opportunity_id"} & changes.keys():
        await signal_service.move_conversation(session, follow_up.tenant_id, follow_up.id, follow_up.customer_id,
                                               follow_up.occurred_at, follow_up.opportunity_id)
    if {"summary", "occurred_at", "opportunity_id"} & changes.keys():
        follow_up.signals = await _scan(session, follow_up, fresh=False)  # type: ignore[attr-defined]
    record(session, principal, action="update", entity="follow_up", obj=follow_up, before=before)
    return follow_up


async def _replace_actions(
    session: AsyncSession, principal: Principal, follow_up: FollowUp, checked: list[CheckedAction],
    given: Opportunity | None,
) -> None:
    """Keep the rows of actions that did not change; retire the others; perform only the new ones,
    so an edit never repeats an effect (a todo, a document) of an action that stayed."""
    old = await _live_records(session, follow_up)
    unmatched_old = {(r.code, repr(sorted(r.fields.items()))): r for r in old}
    fresh: list[CheckedAction] = []
    for action in checked:
        key = (action.code, repr(sorted(action.fields.items())))
        if unmatched_old.pop(key, None) is None:
            fresh.append(action)
    await action_repo.retire_records_by_id(session, follow_up.tenant_id, [r.id for r in unmatched_old.values()])
    if not fresh:
        return
    customer = await customer_service.visible_customer(session, principal, follow_up.customer_id)
    if given is None and follow_up.opportunity_id is not None:
        given = await opportunity_service.visible_opportunity(session, principal, follow_up.opportunity_id)
    deal = await deal_for_actions(session, principal, customer, given, fresh, "opportunity_id")
    if deal is not None and follow_up.opportunity_id is None:
        follow_up.opportunity_id = deal.id
    tz = await _timezone(session, principal.tenant_id)
    paths = [f"actions.{a.index}.fields." for a in fresh]
    await perform(session, principal, follow_up, fresh, customer, deal, timezone=tz, paths=paths)


async def delete_follow_up(session: AsyncSession, principal: Principal, follow_up: FollowUp) -> None:
    before = snapshot(follow_up)
    follow_up.deleted_at = utcnow()
    await action_repo.retire_records(session, follow_up.tenant_id, [follow_up.id])
    await signal_service.retire_conversation(session, follow_up.tenant_id, follow_up.id, follow_up.customer_id)
    await session.flush()
    record(session, principal, action="delete", entity="follow_up", obj=follow_up, before=before)


async def retire(session: AsyncSession, principal: Principal, follow_up_id: uuid.UUID) -> None:
    """Delete a follow-up a daily-report amendment replaced; one already deleted by hand is left be."""
    try:
        follow_up = await repo.get_follow_up(session, principal, follow_up_id)
    except NotFound:
        return
    await delete_follow_up(session, principal, follow_up)


async def revise(
    session: AsyncSession, principal: Principal, follow_up_id: uuid.UUID, **changes: object
) -> FollowUp:
    """Correct a follow-up's summary, channel or time (a daily-report amendment), as PATCH would."""
    follow_up = await repo.get_follow_up(session, principal, follow_up_id)
    return await update_follow_up(session, principal, follow_up, FollowUpUpdate.model_validate(changes))


async def live_ids(session: AsyncSession, principal: Principal, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    return await repo.live_ids(session, principal, ids)


async def get_follow_up(session: AsyncSession, principal: Principal, follow_up_id: uuid.UUID) -> FollowUp:
    """For other domains' routes with the follow-up id in the path: invisible or unknown -> 404."""
    return await repo.get_follow_up(session, principal, follow_up_id)
