"""Rules as tenant data: seeding, editing (audited), and the dry run. Never commits."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import record, snapshot
from salescore.kit.crud import apply_changes
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import Event, Rule, Tenant, User
from salescore.rules.condition import ConditionError, evaluate
from salescore.rules.context import build_context
from salescore.rules.defaults import DEFAULT_RULES
from salescore.rules.engine import StepFailed, execute, triggered
from salescore.rules.schemas import RuleCreate, RuleTestIn, RuleUpdate
from salescore.tenancy.service import register_tenant_seeder


def default_rule_rows(tenant_id: uuid.UUID) -> list[Rule]:
    now = utcnow()
    return [Rule(id=new_id(), tenant_id=tenant_id, created_at=now, updated_at=now, enabled=True,
                 condition=spec.get("condition"), **{k: copy.deepcopy(v) for k, v in spec.items() if k != "condition"})
            for spec in DEFAULT_RULES]


@register_tenant_seeder
async def seed_default_rules(session: AsyncSession, tenant: Tenant, admin: User) -> None:
    session.add_all(default_rule_rows(tenant.id))
    await session.flush()


def _dump(data: RuleCreate | RuleUpdate) -> dict[str, Any]:
    return data.model_dump(exclude_unset=True, exclude_none=False, mode="json")


async def create_rule(session: AsyncSession, principal: Principal, data: RuleCreate) -> Rule:
    now = utcnow()
    values = data.model_dump(mode="json")
    values["trigger"] = {k: v for k, v in values["trigger"].items() if v is not None}
    rule = Rule(id=new_id(), tenant_id=principal.tenant_id, created_by=principal.user_id, created_at=now,
                updated_at=now, **values)
    session.add(rule)
    await session.flush()
    record(session, principal, action="create", entity="rule", obj=rule)
    return rule


async def update_rule(session: AsyncSession, principal: Principal, rule: Rule, data: RuleUpdate) -> Rule:
    changes = _dump(data)
    if "trigger" in changes and changes["trigger"] is not None:
        changes["trigger"] = {k: v for k, v in changes["trigger"].items() if v is not None}
    before = snapshot(rule)
    apply_changes(rule, changes, not_null=("name", "description", "enabled", "trigger", "actions", "position"))
    await session.flush()
    record(session, principal, action="update", entity="rule", obj=rule, before=before)
    return rule


async def delete_rule(session: AsyncSession, principal: Principal, rule: Rule) -> None:
    before = snapshot(rule)
    rule.deleted_at = utcnow()
    await session.flush()
    record(session, principal, action="delete", entity="rule", obj=rule, before=before)


async def dry_run(session: AsyncSession, principal: Principal, rule: Rule, data: RuleTestIn) -> dict[str, Any]:
    """What the rule would do for this event — resolved people, titles, due times — without doing it."""
    given = data.event
    event = Event(id=new_id(), tenant_id=principal.tenant_id, type=given.type, entity=given.entity or "none",
                  entity_id=given.entity_id or uuid.UUID(int=0), actor_id=principal.user_id,
                  payload=given.payload, occurred_at=utcnow(), attempts=0)
    out: dict[str, Any] = {"triggered": triggered(rule, given.type), "condition": None, "actions": [],
                           "delay_hours": (rule.trigger or {}).get("delay_hours")}
    ctx = await build_context(session, event)
    try:
        out["condition"] = evaluate(rule.condition, ctx.as_condition_input())
    except ConditionError as exc:
        out["error"] = str(exc)
        return out
    if out["triggered"] and out["condition"]:
        try:
            out["actions"] = await execute(session, ctx, rule, dry=True)
        except StepFailed as exc:
            out["actions"] = [*exc.done, {"index": exc.index, "kind": exc.kind, "status": "would_fail",
                                          "error": str(exc)}]
    return out
