"""Regrading one customer within seconds of a change that can move its indicators (SPEC §6).

Each handler applies only when the event can matter (`when=`), so a summary edit or a renamed
contact costs no transaction. The regrade writes the customer with a plain UPDATE and emits only
`customer.grade_changed`, which nothing here listens to: no loop.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.events.registry import on
from salescore.health import defaults as d
from salescore.health import service
from salescore.health import tasks as _tasks  # noqa: F401 - the recompute job's runner, the weekly duty
from salescore.job import handlers as _job_handlers  # noqa: F401 - runs requested jobs
from salescore.models import Event

# Follow-up attributes the indicators read (`actions` covers retired competitor_feedback rows).
FOLLOW_UP_INPUTS = frozenset({"occurred_at", "channel", "contact_ids", "actions", "customer_id"})
HEALTH_ACTIONS = frozenset({d.COMPETITOR_ACTION, "tech_requirement_update"})


def _record(event: Event) -> dict[str, Any]:
    return (event.payload or {}).get("record") or {}


def _changed(event: Event) -> set[str]:
    return set((event.payload or {}).get("changes") or {})


def _changes_any(fields: frozenset[str]) -> Callable[[Event], bool]:
    return lambda event: bool(_changed(event) & fields)


def _counted_role(event: Event) -> bool:
    return _record(event).get("decision_role") in d.DECISION_ROLES


def _any_requirement(event: Event) -> bool:
    return any((_record(event).get("requirements") or {}).values())


async def _regrade(session: AsyncSession, event: Event, customer_id: Any) -> None:
    if customer_id:
        await service.recompute_customer(session, event.tenant_id, uuid.UUID(str(customer_id)))


@on("follow_up.created", "follow_up.deleted", name="health.follow_up")
async def follow_up_changed(session: AsyncSession, event: Event) -> None:
    await _regrade(session, event, _record(event).get("customer_id"))


@on("follow_up.updated", name="health.follow_up_updated", when=_changes_any(FOLLOW_UP_INPUTS))
async def follow_up_updated(session: AsyncSession, event: Event) -> None:
    await _regrade(session, event, _record(event).get("customer_id"))


@on("contact.created", "contact.deleted", name="health.contact", when=_counted_role)
async def contact_changed(session: AsyncSession, event: Event) -> None:
    await _regrade(session, event, _record(event).get("customer_id"))


@on("contact.updated", name="health.contact_updated", when=_changes_any(frozenset({d.ROLE_ATTRIBUTE})))
async def contact_updated(session: AsyncSession, event: Event) -> None:
    await _regrade(session, event, _record(event).get("customer_id"))


@on("customer.created", name="health.customer_created", when=_any_requirement)
async def customer_created(session: AsyncSession, event: Event) -> None:
    await _regrade(session, event, event.entity_id)


@on("customer.updated", name="health.customer_updated", when=_changes_any(frozenset({"requirements"})))
async def customer_updated(session: AsyncSession, event: Event) -> None:
    await _regrade(session, event, event.entity_id)


@on("action.performed", name="health.action", when=lambda e: (e.payload or {}).get("code") in HEALTH_ACTIONS)
async def action_performed(session: AsyncSession, event: Event) -> None:
    await _regrade(session, event, event.payload.get("customer_id"))
