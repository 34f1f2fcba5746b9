"""Executing a rule's actions. Each kind plans (resolves who, what, when) and then, unless it is a
dry run, does it — one code path for `/rules/{id}/test` and for real runs.

Every effect carries a key derived from (rule, event, action index), so a retried run or a
redelivered event finds the effect it already made instead of making another.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import record, snapshot
from salescore.delivery import service as delivery
from salescore.document import service as document_service
from salescore.kit.types import utcnow
from salescore.knowledge import service as knowledge
from salescore.models import Customer, Opportunity, Tenant, WebhookSubscription
from salescore.notification.service import notify
from salescore.rules import assignees
from salescore.rules.context import RuleContext
from salescore.rules.due import due_at
from salescore.rules.templating import render
from salescore.tenancy.service import workday_overrides
from salescore.todo.system import create_system_todo

Result = dict[str, Any]
Executor = Callable[[AsyncSession, RuleContext, dict[str, Any], str, bool], Awaitable[Result]]


class ActionFailed(RuntimeError):
    """An action that cannot be carried out now (retried with backoff)."""


def _data(ctx: RuleContext) -> dict[str, Any]:
    return ctx.as_condition_input()


async def _notify(session: AsyncSession, ctx: RuleContext, params: dict[str, Any], key: str, dry: bool,
                  *, kind: str = "rule") -> Result:
    people: list[uuid.UUID] = []
    for spec in params["to"]:
        people += [p for p in await assignees.resolve(session, ctx, spec, single=False) if p not in people]
    title, body = render(params["title"], _data(ctx)), render(params.get("body", ""), _data(ctx))
    result = {"to": [str(p) for p in people], "title": title}
    if not people:
        return {**result, "status": "skipped", "detail": f"nobody to notify ({', '.join(params['to'])})"}
    if not dry:
        link = _link(ctx)
        for person in people:
            await notify(session, tenant_id=ctx.event.tenant_id, user_id=person, kind=kind, title=title,
                         body=body, link=link, dedupe_key=f"{key}:{person}")
    return result


def _link(ctx: RuleContext) -> str | None:
    if ctx.customer.get("id"):
        return f"/api/v1/customers/{ctx.customer['id']}"
    return None


async def notify_action(session: AsyncSession, ctx: RuleContext, params: dict[str, Any], key: str, dry: bool) -> Result:
    return await _notify(session, ctx, params, key, dry)


async def escalate_action(session: AsyncSession, ctx: RuleContext, params: dict[str, Any], key: str, dry: bool) -> Result:
    """Up the chain: the owner's manager and the directors."""
    return await _notify(session, ctx, {**params, "to": ["owners_manager", "directors"]}, key, dry, kind="escalation")


async def create_todo_action(session: AsyncSession, ctx: RuleContext, params: dict[str, Any], key: str, dry: bool) -> Result:
    people = await assignees.resolve(session, ctx, params.get("assignee", "owner"), single=True)
    if not people:
        raise ActionFailed(f"nobody to assign the todo to ({params.get('assignee', 'owner')})")
    tenant = await session.get(Tenant, ctx.event.tenant_id)
    overrides = workday_overrides(tenant) if tenant else None
    due = due_at(params.get("due"), now=utcnow(), tz=ctx.timezone, overrides=overrides, data=_data(ctx))
    title = render(params["title"], _data(ctx))
    result = {"assignee_id": str(people[0]), "title": title, "due_at": due.isoformat() if due else None,
              "requires_attachment": bool(params.get("requires_attachment"))}
    if not dry:
        todo = await create_system_todo(
            session, tenant_id=ctx.event.tenant_id, assignee_id=people[0], title=title,
            description=render(params.get("description", ""), _data(ctx)) or None, due_at=due, source="rule",
            source_ref=key.rsplit(":", 1)[0][:100], customer_id=ctx.ref("customer_id"),
            opportunity_id=ctx.ref("opportunity_id"), requires_attachment=bool(params.get("requires_attachment")),
            escalate_to=params.get("escalate_to"), dedupe_key=key,
        )
        result["todo_id"] = str(todo.id)
    return result


async def _customer(session: AsyncSession, ctx: RuleContext) -> Customer:
    customer_id = ctx.ref("customer_id")
    customer = await session.scalar(sa.select(Customer).where(
        Customer.tenant_id == ctx.event.tenant_id, Customer.id == customer_id)) if customer_id else None
    if customer is None or customer.deleted_at is not None:
        raise ActionFailed("the event is about no (live) customer")
    return customer


async def kb_sync_action(session: AsyncSession, ctx: RuleContext, params: dict[str, Any], key: str, dry: bool) -> Result:
    customer = await _customer(session, ctx)
    result = {"customer_id": str(customer.id), "requirements": customer.requirements}
    if not dry:
        entry = await knowledge.sync_requirements(session, customer, source={"kind": "rule_run", "key": key})
        result["entry_id"] = str(entry.id)
    return result


async def generate_document_action(session: AsyncSession, ctx: RuleContext, params: dict[str, Any], key: str,
                                   dry: bool) -> Result:
    payload = ctx.event.payload or {}
    if ctx.event.type != "action.performed" or not payload.get("action_id"):
        raise ActionFailed("documents are generated from a performed action (trigger action.performed)")
    customer, deal = await document_service.customer_and_deal(session, ctx.event.tenant_id, payload)
    if customer is None or customer.deleted_at is not None:
        raise ActionFailed("the event is about no (live) customer")
    result = {"template": params["template"], "customer_id": str(customer.id)}
    if not dry:
        document = await document_service.generate_for_action(session, params["template"], payload, customer, deal)
        result["document_id"] = str(document.id)
    return result


async def webhook_action(session: AsyncSession, ctx: RuleContext, params: dict[str, Any], key: str, dry: bool) -> Result:
    subscription = await session.scalar(sa.select(WebhookSubscription).where(
        WebhookSubscription.tenant_id == ctx.event.tenant_id,
        WebhookSubscription.id == uuid.UUID(str(params["subscription_id"])),
        WebhookSubscription.deleted_at.is_(None)))
    if subscription is None or not subscription.enabled:
        raise ActionFailed(f"webhook subscription {params['subscription_id']} is missing or disabled")
    result = {"subscription_id": str(params["subscription_id"])}  # never the URL: it may carry a token
    if not dry:
        created = await delivery.queue_webhook(
            session, tenant_id=ctx.event.tenant_id, subscription_id=uuid.UUID(str(params["subscription_id"])),
            event_type=ctx.event.type, data=_data(ctx), dedupe_key=key, event_id=ctx.event.id,
        )
        result["delivery_id"] = str(created) if created else None
    return result


async def wecom_action(session: AsyncSession, ctx: RuleContext, params: dict[str, Any], key: str, dry: bool) -> Result:
    content = render(params["content"], _data(ctx))
    result: Result = {"content": content}
    if not dry:
        robot = uuid.UUID(str(params["robot_id"])) if params.get("robot_id") else None
        ids = await delivery.queue_wecom(session, tenant_id=ctx.event.tenant_id, markdown=content, dedupe_key=key,
                                         robot_id=robot, event_id=ctx.event.id)
        result["delivery_ids"] = [str(i) for i in ids]
    return result


async def set_field_action(session: AsyncSession, ctx: RuleContext, params: dict[str, Any], key: str, dry: bool) -> Result:
    model = Customer if params["target"] == "customer" else Opportunity
    row_id = ctx.ref(f"{params['target']}_id")
    obj = await session.scalar(sa.select(model).where(model.tenant_id == ctx.event.tenant_id, model.id == row_id)) \
        if row_id else None
    if obj is None or obj.deleted_at is not None:
        raise ActionFailed(f"the event is about no (live) {params['target']}")
    field, value = params["field"], params["value"]
    result = {"target": params["target"], "id": str(obj.id), "field": field, "value": value}
    if dry:
        return result
    before = snapshot(obj)
    if field.startswith("custom."):
        obj.custom = {**(obj.custom or {}), field.split(".", 1)[1]: value}
    else:
        setattr(obj, field, value)
    if snapshot(obj) != before:
        await session.flush()
        record(session, None, action="update", entity=params["target"], obj=obj, before=before,
               extra={"rule_key": key})
    return result


EXECUTORS: dict[str, Executor] = {
    "notify": notify_action, "create_todo": create_todo_action, "kb_sync": kb_sync_action,
    "generate_document": generate_document_action, "webhook": webhook_action, "wecom": wecom_action,
    "set_field": set_field_action, "escalate": escalate_action,
}
