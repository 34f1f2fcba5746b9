"""Audit log queries."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from salescore.kit.crud import where_equal
from salescore.kit.principal import Principal
from salescore.kit.visibility import tenant_rows
from salescore.models import AuditLog


def audit_list(
    principal: Principal,
    *,
    entity: str | None = None,
    entity_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
) -> sa.Select[Any]:
    return where_equal(
        tenant_rows(AuditLog, principal),
        (AuditLog.entity, entity), (AuditLog.entity_id, entity_id), (AuditLog.actor_id, actor_id),
    )
