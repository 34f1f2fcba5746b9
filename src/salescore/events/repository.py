"""Change-feed queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from salescore.kit.principal import Principal
from salescore.kit.types import utcnow
from salescore.models import Event


def feed(principal: Principal, *, after: int, settle: timedelta, type: str | None = None) -> sa.Select[Any]:
    """The tenant's settled events after a position, oldest first."""
    stmt = sa.select(Event).where(
        Event.tenant_id == principal.tenant_id, Event.seq > after, Event.occurred_at <= utcnow() - settle
    )
    if type:
        stmt = stmt.where(Event.type == type)
    return stmt.order_by(Event.seq)
