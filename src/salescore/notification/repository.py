"""Notification queries: cards are personal, not even an admin reads another user's."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from salescore.kit.principal import Principal
from salescore.kit.visibility import tenant_rows
from salescore.models import Notification


def mine(principal: Principal) -> sa.Select[Any]:
    return tenant_rows(Notification, principal).where(Notification.user_id == principal.user_id)


def mine_filtered(principal: Principal, *, unread: bool | None = None) -> sa.Select[Any]:
    stmt = mine(principal)
    if unread is not None:
        stmt = stmt.where(Notification.read_at.is_(None) if unread else Notification.read_at.is_not(None))
    return stmt


def unread_count(principal: Principal) -> sa.Select[Any]:
    return sa.select(sa.func.count()).select_from(mine_filtered(principal, unread=True).subquery())
