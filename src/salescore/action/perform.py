"""Performing checked actions: their rows, their sync maps and their events, in the caller's transaction.

Sync writes happen at the action's moment (`occurred_at`): quote_submitted_at and friends are
that moment, not the server's clock. A stage write goes last and through the pipeline's rules,
so a contract_push obeys exactly what POST /opportunities/{id}/stage obeys.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.action.validation import CheckedAction
from salescore.audit.service import record, snapshot
from salescore.events.outbox import emit
from salescore.health import history
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.kit.workdays import local_date
from salescore.models import ActionRecord, Customer, FollowUp, Opportunity
from salescore.pipeline import service as pipeline_service


def _value(entry: dict[str, Any], action: CheckedAction, moment: datetime) -> Any:
    if entry.get("value") == "occurred_at":
        return moment
    return action.fields.get(entry["field"])


def _set_deal(deal: Opportunity, target: str, value: Any, mode: str) -> None:
    attr = target.removeprefix("opportunity.")
    if attr.startswith("custom."):
        deal.custom = {**(deal.custom or {}), attr.removeprefix("custom."): value}
    elif attr == "competitors":
        current = list(deal.competitors or [])
        incoming = value if isinstance(value, list) else [value]
        deal.competitors = current + [c for c in incoming if c not in current] if mode == "append" else incoming
    elif attr == "expected_close_date":
        deal.expected_close_date = date.fromisoformat(value)
    elif attr == "amount":
        deal.amount = Decimal(str(value))
    else:
        setattr(deal, attr, value)


def _set_customer(customer: Customer, target: str, value: Any) -> None:
    attr = target.removeprefix("customer.")
    if attr.startswith("requirements."):
        customer.requirements = {**(customer.requirements or {}), attr.removeprefix("requirements."): bool(value)}
    elif attr.startswith("custom."):
        customer.custom = {**(customer.custom or {}), attr.removeprefix("custom."): value}


async def perform(
    session: AsyncSession,
    principal: Principal,
    follow_up: FollowUp,
    checked: list[CheckedAction],
    customer: Customer,
    deal: Opportunity | None,
    *,
    timezone: str,
    paths: list[str],
) -> list[ActionRecord]:
    """Write the action rows, apply the sync maps, move the stage last, emit `action.performed`.

    `paths[i]` is where errors about action i's fields point (e.g. "items.0.fields.").
    """
    moment = follow_up.occurred_at
    rows = []
    for position, action in enumerate(checked):
        row = ActionRecord(
            id=new_id(), tenant_id=follow_up.tenant_id, follow_up_id=follow_up.id, position=position,
            customer_id=customer.id, opportunity_id=deal.id if deal is not None and action.touches_deal else follow_up.opportunity_id,
            user_id=follow_up.user_id, code=action.code, template_revision=action.template.revision,
            fields=action.fields, occurred_at=moment, local_date=local_date(moment, timezone),
            created_via=follow_up.created_via, created_at=utcnow(),
        )
        session.add(row)
        rows.append(row)
    await session.flush()

    customer_before = snapshot(customer)
    deal_before = snapshot(deal) if deal is not None else None
    stage_move: tuple[str, str] | None = None
    flags: dict[str, Any] = {}  # requirement flags the actions state, for health's history
    for action, path in zip(checked, paths, strict=True):
        for entry in action.template.sync:
            value = _value(entry, action, moment)
            if value is None:
                continue
            target = entry["target"]
            if target == "opportunity.stage":
                stage_move = (value, path)
            elif target.startswith("opportunity.") and deal is not None:
                _set_deal(deal, target, value, entry.get("mode", "set"))
            elif target.startswith("customer."):
                _set_customer(customer, target, value)
                if target.startswith("customer.requirements."):
                    flags[target.removeprefix("customer.requirements.")] = bool(value)
    if flags:
        # Recorded even when the flag did not change: the action is evidence of it at its moment.
        history.record_requirements(session, customer, flags, moment, stated=True)
    if snapshot(customer) != customer_before:
        await session.flush()
        record(session, principal, action="update", entity="customer", obj=customer, before=customer_before)
    if deal is not None:
        if stage_move is not None:
            await pipeline_service.move_stage(
                session, principal, deal, stage_move[0], via="action", at=moment, follow_up_id=follow_up.id,
                field_prefix=stage_move[1], before=deal_before,
            )
        elif snapshot(deal) != deal_before:
            await session.flush()
            record(session, principal, action="update", entity="opportunity", obj=deal, before=deal_before)

    for row, action in zip(rows, checked, strict=True):
        emit(
            session, tenant_id=row.tenant_id, type="action.performed", entity="action", entity_id=row.id,
            actor_id=principal.user_id,
            payload={
                "action_id": str(row.id), "code": row.code, "fields": row.fields,
                "template_revision": row.template_revision, "effects": list(action.template.effects),
                "follow_up_id": str(follow_up.id), "customer_id": str(customer.id),
                "opportunity_id": str(row.opportunity_id) if row.opportunity_id else None,
                "user_id": str(row.user_id), "owner_id": str(customer.owner_id) if customer.owner_id else None,
                "occurred_at": moment.isoformat(), "created_via": row.created_via,
            },
        )
    return rows
