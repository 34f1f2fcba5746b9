"""Row visibility, applied by construction: every repository query starts here.

A rep sees what they own; a manager, what their teams' members own; a director or admin,
the whole tenant. Anything else answers 404, like an id that does not exist.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from salescore.kit.principal import Principal
from salescore.models import Customer, User


def tenant_rows(model: Any, principal: Principal) -> sa.Select[Any]:
    stmt = sa.select(model).where(model.tenant_id == principal.tenant_id)
    if hasattr(model, "deleted_at"):
        stmt = stmt.where(model.deleted_at.is_(None))
    return stmt


def owner_visible(principal: Principal, owner_column: Any) -> sa.ColumnElement[bool]:
    """The clause limiting `owner_column` (a user id) to what the principal may see."""
    if principal.sees_whole_tenant:
        return sa.true()
    if principal.managed_team_ids:
        team_members = sa.select(User.id).where(
            User.tenant_id == principal.tenant_id, User.team_id.in_(principal.managed_team_ids)
        )
        return sa.or_(owner_column == principal.user_id, owner_column.in_(team_members))
    return owner_column == principal.user_id




def visible_customer_ids(principal: Principal) -> sa.Select[Any]:
    """Ids of the customers the principal may see; records hanging off a customer use it."""
    return sa.select(Customer.id).where(
        Customer.tenant_id == principal.tenant_id,
        Customer.deleted_at.is_(None),
        owner_visible(principal, Customer.owner_id),
    )
