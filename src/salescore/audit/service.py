"""Recording a mutation: the audit row and the outbox event, in the caller's transaction."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.events.outbox import emit
from salescore.kit.principal import Principal
from salescore.models import AuditLog
from salescore.ops.logging import request_id_var

# Never copied into audit rows or events.
_SECRET_COLUMNS = frozenset({"password_hash", "secret_hash"})
_BOOKKEEPING = frozenset({"updated_at", "version"})

PAST_TENSE = {"create": "created", "update": "updated", "delete": "deleted"}


def snapshot(obj: Any) -> dict[str, Any]:
    table: sa.Table = obj.__table__
    return {
        c.key: to_jsonable_python(getattr(obj, c.key))
        for c in table.columns
        if c.key not in _SECRET_COLUMNS
    }


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    before, after = before or {}, after or {}
    keys = (set(before) | set(after)) - _BOOKKEEPING
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def record(
    session: AsyncSession,
    principal: Principal | None,
    *,
    action: str,
    entity: str,
    obj: Any,
    before: dict[str, Any] | None = None,
    event_type: str | None = None,
    extra: dict[str, Any] | None = None,
    also_emit: tuple[str, ...] = (),
    tenant_id: Any = None,
) -> dict[str, Any]:
    """Write the audit row and emit `<entity>.<action in past tense>` (or `event_type`),
    plus any domain events in `also_emit` (e.g. `opportunity.won`) with the same payload."""
    after = None if action == "delete" else snapshot(obj)
    # The tenant row itself has no tenant_id: it is passed explicitly.
    tenant_id = tenant_id or obj.tenant_id
    session.add(
        AuditLog(
            tenant_id=tenant_id,
            actor_id=principal.user_id if principal else None,
            actor_kind=principal.actor_kind if principal else "system",
            action=action,
            entity=entity,
            entity_id=obj.id,
            before=before,
            after=after,
            request_id=request_id_var.get(),
        )
    )
    payload: dict[str, Any] = {"changes": changed_fields(before, after), "record": after or before}
    if extra:
        payload.update(extra)
    for type_ in (event_type or f"{entity}.{PAST_TENSE.get(action, action)}", *also_emit):
        emit(
            session,
            tenant_id=tenant_id,
            type=type_,
            entity=entity,
            entity_id=obj.id,
            actor_id=principal.user_id if principal else None,
            payload=payload,
        )
    return payload
