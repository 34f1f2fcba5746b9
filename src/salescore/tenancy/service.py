"""Tenancy rules: signup, login, users, teams, API keys. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import record, snapshot
from salescore.kit.crud import apply_changes
from salescore.kit.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.security import generate_api_key, hash_password, verify_password
from salescore.kit.types import new_id, utcnow
from salescore.models import ApiKey, Team, Tenant, User
from salescore.tenancy import repository as repo
from salescore.tenancy.schemas import (
    DOMAIN_SETTINGS_KEYS,
    ApiKeyCreate,
    SignupIn,
    TeamCreate,
    TeamUpdate,
    TenantSettings,
    TenantUpdate,
    UserCreate,
    UserUpdate,
    general_settings,
)

TenantSeeder = Callable[[AsyncSession, Tenant, User], Awaitable[None]]
# Later domains append their default-configuration seeders (§4–§13) here.
TENANT_SEEDERS: list[TenantSeeder] = []


def register_tenant_seeder(fn: TenantSeeder) -> TenantSeeder:
    TENANT_SEEDERS.append(fn)
    return fn


def tenant_settings(tenant: Tenant) -> TenantSettings:
    return TenantSettings.model_validate(general_settings(tenant.settings))


def workday_overrides(tenant: Tenant) -> dict[str, bool]:
    return {o.date.isoformat(): o.workday for o in tenant_settings(tenant).workday_overrides}


async def get_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> Tenant:
    return await session.get_one(Tenant, tenant_id)


def system_principal(tenant_id: uuid.UUID, user_id: uuid.UUID) -> Principal:
    return Principal(user_id=user_id, tenant_id=tenant_id, role="admin")


async def signup(session: AsyncSession, data: SignupIn, *, timezone: str) -> tuple[Tenant, User]:
    email = data.email.lower()
    if await repo.email_taken(session, email):
        raise Conflict("email already registered", errors=[{"field": "email", "message": "already registered"}])
    tenant = Tenant(id=new_id(), name=data.tenant_name, timezone=timezone, created_at=utcnow())
    session.add(tenant)
    await session.flush()
    user = User(
        id=new_id(),
        tenant_id=tenant.id,
        name=data.name,
        email=email,
        role="admin",
        password_hash=hash_password(data.password),
        is_active=True,
    )
    session.add(user)
    await session.flush()
    principal = system_principal(tenant.id, user.id)
    record(session, principal, action="create", entity="user", obj=user)
    for seed in TENANT_SEEDERS:
        await seed(session, tenant, user)
    return tenant, user


async def update_tenant(session: AsyncSession, principal: Principal, tenant: Tenant, data: TenantUpdate) -> Tenant:
    changes = data.model_dump(exclude_unset=True)
    if "timezone" in changes:
        try:
            ZoneInfo(changes["timezone"] or "")
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise Unprocessable.field("timezone", "unknown IANA timezone, e.g. Asia/Shanghai") from exc
    if "settings" in changes:
        if changes["settings"] is None:
            raise Unprocessable.field("settings", "may not be null")
    # Other domains write their keys of tenant.settings too: wait for them, then keep their keys.
    await lock_tenant(session, tenant)
    if "settings" in changes:
        kept = {k: v for k, v in (tenant.settings or {}).items() if k in DOMAIN_SETTINGS_KEYS}
        changes["settings"] = {**data.settings.model_dump(mode="json"), **kept}  # type: ignore[union-attr]
    before = snapshot(tenant)
    apply_changes(tenant, changes, not_null=("name", "timezone"))
    await session.flush()
    record(session, principal, action="update", entity="tenant", obj=tenant, before=before, tenant_id=tenant.id)
    return tenant


async def lock_tenant(session: AsyncSession, tenant: Tenant) -> None:
    """Hold the tenant row (and reload it) for the rest of the transaction: writers of
    tenant.settings take turns, so none overwrites another's keys with a stale copy."""
    await session.refresh(tenant, with_for_update=True)


async def authenticate(session: AsyncSession, email: str, password: str) -> User:
    user = await repo.user_by_email(session, email.strip().lower())
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        raise Unauthorized("incorrect email or password")
    return user


async def _check_team(session: AsyncSession, principal: Principal, team_id: uuid.UUID | None) -> None:
    if team_id is not None:
        try:
            await repo.get_team(session, principal, team_id)
        except NotFound as exc:
            raise Unprocessable.field("team_id", "no such team in this tenant") from exc


async def create_user(session: AsyncSession, principal: Principal, data: UserCreate) -> User:
    email = data.email.lower()
    if await repo.email_taken(session, email):
        raise Conflict("email already registered", errors=[{"field": "email", "message": "already registered"}])
    await _check_team(session, principal, data.team_id)
    user = User(
        id=new_id(),
        tenant_id=principal.tenant_id,
        name=data.name,
        email=email,
        phone=data.phone,
        role=data.role,
        department=data.department or ("sales" if data.role in {"rep", "manager", "director"} else None),
        team_id=data.team_id,
        password_hash=hash_password(data.password),
        is_active=True,
    )
    session.add(user)
    await session.flush()
    record(session, principal, action="create", entity="user", obj=user)
    return user


async def update_user(session: AsyncSession, principal: Principal, user: User, data: UserUpdate) -> User:
    changes = data.model_dump(exclude_unset=True)
    is_self = user.id == principal.user_id
    if not principal.is_admin and not (is_self and set(changes) <= {"name", "phone", "password"}):
        raise Forbidden("only admins change other users, roles and teams")
    if "team_id" in changes:
        await _check_team(session, principal, changes["team_id"])
    if changes.get("role") and user.id == principal.user_id and changes["role"] != "admin":
        raise Unprocessable.field("role", "you cannot remove your own admin role")
    before = snapshot(user)
    if (password := changes.pop("password", None)) is not None:
        user.password_hash = hash_password(password)
    for key, value in changes.items():
        setattr(user, key, value)
    await session.flush()
    record(session, principal, action="update", entity="user", obj=user, before=before)
    return user


async def set_active(session: AsyncSession, principal: Principal, user: User, active: bool) -> User:
    if user.id == principal.user_id and not active:
        raise Unprocessable.field("id", "you cannot deactivate yourself")
    if user.is_active == active:
        return user
    before = snapshot(user)
    user.is_active = active
    await session.flush()
    record(
        session, principal, action="update", entity="user", obj=user, before=before,
        event_type="user.activated" if active else "user.deactivated",
    )
    return user


async def _check_manager(session: AsyncSession, principal: Principal, manager_id: uuid.UUID | None) -> None:
    if manager_id is not None:
        try:
            await repo.get_user(session, principal, manager_id)
        except NotFound as exc:
            raise Unprocessable.field("manager_id", "no such user in this tenant") from exc


async def create_team(session: AsyncSession, principal: Principal, data: TeamCreate) -> Team:
    await _check_manager(session, principal, data.manager_id)
    team = Team(id=new_id(), tenant_id=principal.tenant_id, **data.model_dump())
    session.add(team)
    await session.flush()
    record(session, principal, action="create", entity="team", obj=team)
    return team


async def update_team(session: AsyncSession, principal: Principal, team: Team, data: TeamUpdate) -> Team:
    changes = data.model_dump(exclude_unset=True)
    if "manager_id" in changes:
        await _check_manager(session, principal, changes["manager_id"])
    for field in ("name", "kind"):
        if field in changes and changes[field] is None:
            raise Unprocessable.field(field, "may not be null")
    before = snapshot(team)
    for key, value in changes.items():
        setattr(team, key, value)
    await session.flush()
    record(session, principal, action="update", entity="team", obj=team, before=before)
    return team


async def delete_team(session: AsyncSession, principal: Principal, team: Team) -> None:
    if await repo.team_members(session, principal, team.id):
        raise Conflict("team still has members; move them first")
    before = snapshot(team)
    record(session, principal, action="delete", entity="team", obj=team, before=before)
    await session.delete(team)
    await session.flush()


async def create_api_key(session: AsyncSession, principal: Principal, data: ApiKeyCreate) -> tuple[ApiKey, str]:
    material = generate_api_key()
    key = ApiKey(
        id=new_id(),
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        name=data.name,
        prefix=material.prefix,
        secret_hash=material.secret_hash,
        scopes=sorted(set(data.scopes)),
        created_at=utcnow(),
    )
    session.add(key)
    await session.flush()
    record(session, principal, action="create", entity="api_key", obj=key)
    return key, material.token


async def revoke_api_key(session: AsyncSession, principal: Principal, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        before = snapshot(key)
        key.revoked_at = utcnow()
        await session.flush()
        record(session, principal, action="update", entity="api_key", obj=key, before=before,
               event_type="api_key.revoked")
    return key


def me_payload(user: User, tenant: Tenant, principal: Principal) -> dict[str, Any]:
    return {
        **{c.key: getattr(user, c.key) for c in User.__table__.columns},
        "tenant": tenant,
        "managed_team_ids": sorted(principal.managed_team_ids, key=str),
    }


async def assignable_user(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, field: str, *, anyone: bool = False
) -> User:
    """The user a record may be given to: an active user of the tenant the caller may reach.

    Reps and staff give records only to themselves, managers within their teams, directors and
    admins to anyone; `anyone=True` (todos for colleagues) lifts the reach rule.
    """
    user = await repo.user_by_id(session, principal.tenant_id, user_id)
    if user is None or not user.is_active:
        raise Unprocessable.field(field, "no active user with this id in the tenant")
    if anyone or principal.sees_whole_tenant or user.id == principal.user_id:
        return user
    if principal.managed_team_ids and user.team_id in principal.managed_team_ids:
        return user
    raise Unprocessable.field(field, "you may only assign to yourself or to members of teams you manage")


async def get_team(session: AsyncSession, principal: Principal, team_id: uuid.UUID) -> Team:
    return await repo.get_team(session, principal, team_id)
