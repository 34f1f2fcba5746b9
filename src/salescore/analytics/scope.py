"""Who an analytics figure is about and how it is grouped (§10): the people the caller may see,
as one CTE every figure joins to, and the group key of `group_by`.

A rep sees their own figures, a manager their teams' members, directors and admins everyone.
Team and region are the rep's current team and that team's region; product line is the deal's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import Query
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.errors import NotFound, Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.visibility import owner_visible
from salescore.models import Team, User
from salescore.tenancy import service as tenancy

GroupBy = Literal["tenant", "team", "rep", "region", "product_line"]
GroupByQuery = Annotated[
    GroupBy,
    Query(description="One series per: the tenant (what the caller may see), team, rep, region (the rep's team's "
                      "region) or product line (the deal's)"),
]
TeamQuery = Annotated[uuid.UUID | None, Query(description="Only the current members of this team")]
EARLIEST_AS_OF = date(2000, 1, 1)  # the earliest `as_of` a point-in-time figure is asked for
TENANT_KEY = "tenant"
NO_KEY = "none"  # the group of records without a team, region or product line


async def check_team(session: AsyncSession, principal: Principal, team_id: uuid.UUID | None) -> None:
    """A team filter must name a team of the tenant within the caller's reach."""
    if team_id is None:
        return
    try:
        await tenancy.get_team(session, principal, team_id)
    except NotFound as exc:
        raise Unprocessable.field("team_id", "no such team in this tenant") from exc
    reach = principal.sees_whole_tenant or team_id in principal.managed_team_ids
    if not (reach or team_id == principal.team_id):
        raise Unprocessable.field("team_id", "not a team whose figures you may see")


def team_members(principal: Principal, team_id: uuid.UUID) -> sa.Select[Any]:
    """Ids of the team's current members (the team filter of every figure)."""
    return sa.select(User.id).where(User.tenant_id == principal.tenant_id, User.team_id == team_id)


async def user_in_reach(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> bool:
    """Whether `user_id` is a user of the tenant whose figures the caller may see."""
    found = await session.scalar(sa.select(User.id).where(
        User.tenant_id == principal.tenant_id, User.id == user_id, owner_visible(principal, User.id)))
    return found is not None


def people(principal: Principal, team_id: uuid.UUID | None = None, name: str = "people") -> sa.CTE:
    """(user_id, name, team_id, team_name, region, team_kind) of every user the caller may see
    (of one team when given). Figures join their records' user column to it."""
    stmt = (
        sa.select(
            User.id.label("user_id"), User.name.label("name"), User.team_id.label("team_id"),
            Team.name.label("team_name"), Team.region.label("region"), Team.kind.label("team_kind"),
        )
        .outerjoin(Team, sa.and_(Team.tenant_id == User.tenant_id, Team.id == User.team_id))
        .where(User.tenant_id == principal.tenant_id, owner_visible(principal, User.id))
    )
    if team_id is not None:
        stmt = stmt.where(User.team_id == team_id)
    return stmt.cte(name)


def group_key(group_by: GroupBy, who: sa.CTE, product_line: Any = None) -> sa.ColumnElement[Any]:
    """The text key of a record's group: 'tenant', a user or team id, a region or product line
    name, or 'none' when the record has no team / region / product line. `who` is `people()`."""
    if group_by == "tenant":
        return sa.literal(TENANT_KEY, sa.String)
    if group_by == "rep":
        return sa.cast(who.c.user_id, sa.String)
    if group_by == "team":
        return sa.func.coalesce(sa.cast(who.c.team_id, sa.String), NO_KEY)
    if group_by == "region":
        return sa.func.coalesce(who.c.region, NO_KEY)
    if product_line is None:
        raise ValueError("product_line grouping needs the deal's product line column")
    return sa.func.coalesce(product_line, NO_KEY)


def normal_key(group_by: GroupBy, key: Any) -> str:
    """A group key as the API shows it: user and team ids dashed on both engines."""
    text = str(key)
    if group_by in ("rep", "team") and _is_uuid(text):
        return str(uuid.UUID(text))
    return text


async def group_labels(
    session: AsyncSession, principal: Principal, group_by: GroupBy, keys: Iterable[str]
) -> dict[str, str]:
    """key -> display label: user and team names; regions and product lines are their own label."""
    wanted = set(keys)
    labels = {k: k for k in wanted}
    if NO_KEY in wanted:
        labels[NO_KEY] = {"team": "(no team)", "region": "(no region)", "product_line": "(no product line)"}.get(
            group_by, NO_KEY)
    if TENANT_KEY in wanted and group_by == "tenant":
        labels[TENANT_KEY] = (await tenancy.get_tenant(session, principal.tenant_id)).name
    by_id = {uuid.UUID(k): k for k in wanted - {NO_KEY, TENANT_KEY} if group_by in ("rep", "team") and _is_uuid(k)}
    if by_id:
        model = User if group_by == "rep" else Team
        rows = await session.execute(sa.select(model.id, model.name).where(
            model.tenant_id == principal.tenant_id, model.id.in_(list(by_id))))
        for row_id, name in rows:
            labels[by_id[row_id]] = name
    return labels


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
