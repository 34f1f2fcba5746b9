"""HTTP for auth, me, users, teams and API keys."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from salescore.kit.deps import AdminDep, ConfigWriterDep, PrincipalDep, SessionDep, client_host, rate_limit, runtime_of
from salescore.kit.etag import IfMatchHeader, check_if_match, set_etag
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, paginate
from salescore.kit.security import create_access_token
from salescore.models import ApiKey, Team, Tenant, User
from salescore.tenancy import repository as repo
from salescore.tenancy import service
from salescore.tenancy.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    MeOut,
    Role,
    SignupIn,
    SignupOut,
    TeamCreate,
    TeamRead,
    TeamUpdate,
    TenantRead,
    TenantUpdate,
    TokenOut,
    UserCreate,
    UserRead,
    UserUpdate,
)

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)


def _token(request: Request, user: User) -> tuple[str, int]:
    runtime = runtime_of(request)
    return create_access_token(
        runtime.secret_key, user_id=user.id, tenant_id=user.tenant_id,
        minutes=runtime.settings.access_token_minutes,
    )


@router.post("/auth/signup", response_model=SignupOut, status_code=status.HTTP_201_CREATED, tags=["auth"])
async def signup(request: Request, session: SessionDep, data: SignupIn) -> SignupOut:
    """Create a tenant, its first admin and the default configuration."""
    settings = runtime_of(request).settings
    await rate_limit(request, f"signup:{client_host(request)}", settings.login_attempts_per_minute)
    tenant, user = await service.signup(session, data, timezone=settings.timezone)
    token, expires = _token(request, user)
    return SignupOut(
        tenant=tenant, user=user, access_token=token, expires_in=expires  # type: ignore[arg-type]
    )


@router.post("/auth/token", response_model=TokenOut, tags=["auth"])
async def token(
    request: Request, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> TokenOut:
    """OAuth2 password flow: username = email. Attempts are rate-limited per email and per client."""
    settings = runtime_of(request).settings
    per_minute = settings.login_attempts_per_minute
    await rate_limit(request, f"login:{form.username.strip().lower()}", per_minute)
    await rate_limit(request, f"login-ip:{client_host(request)}", per_minute * 3)
    user = await service.authenticate(session, form.username, form.password)
    access, expires = _token(request, user)
    return TokenOut(access_token=access, expires_in=expires)


@router.get("/me", response_model=MeOut, tags=["auth"])
async def me(session: SessionDep, principal: PrincipalDep) -> dict:
    user = await repo.get_user(session, principal, principal.user_id)
    tenant = await session.get(Tenant, principal.tenant_id)
    return service.me_payload(user, tenant, principal)  # type: ignore[arg-type]


@router.get("/tenant", response_model=TenantRead, tags=["tenant"])
async def get_tenant(session: SessionDep, principal: PrincipalDep) -> Tenant:
    return await session.get_one(Tenant, principal.tenant_id)


@router.patch("/tenant", response_model=TenantRead, tags=["tenant"])
async def update_tenant(session: SessionDep, principal: ConfigWriterDep, data: TenantUpdate) -> Tenant:
    """Tenant settings (name, timezone): configuration, so directors and admins only."""
    tenant = await session.get_one(Tenant, principal.tenant_id)
    return await service.update_tenant(session, principal, tenant, data)


# --- users -------------------------------------------------------------------------------------

@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED, tags=["users"])
async def create_user(session: SessionDep, principal: AdminDep, data: UserCreate, response: Response) -> User:
    user = await service.create_user(session, principal, data)
    set_etag(response, user.version)
    return user


@router.get("/users", response_model=Page[UserRead], tags=["users"])
async def list_users(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    team_id: uuid.UUID | None = None,
    role: Role | None = None,
    is_active: bool | None = None,
) -> Page[UserRead]:
    stmt = repo.user_list(principal, team_id=team_id, role=role, is_active=is_active)
    rows, nxt = await paginate(session, stmt, User, limit=limit, cursor=cursor)
    return Page[UserRead](items=rows, next_cursor=nxt)  # type: ignore[arg-type]


@router.get("/users/{user_id}", response_model=UserRead, tags=["users"])
async def get_user(session: SessionDep, principal: PrincipalDep, user_id: uuid.UUID, response: Response) -> User:
    user = await repo.get_user(session, principal, user_id)
    set_etag(response, user.version)
    return user


@router.patch("/users/{user_id}", response_model=UserRead, tags=["users"])
async def update_user(
    session: SessionDep,
    principal: PrincipalDep,
    user_id: uuid.UUID,
    data: UserUpdate,
    response: Response,
    if_match: IfMatchHeader = None,
) -> User:
    user = await repo.get_user(session, principal, user_id)
    check_if_match(if_match, user.version)
    user = await service.update_user(session, principal, user, data)
    set_etag(response, user.version)
    return user


@router.post("/users/{user_id}/deactivate", response_model=UserRead, tags=["users"])
async def deactivate_user(session: SessionDep, principal: AdminDep, user_id: uuid.UUID) -> User:
    """The user can no longer log in, and their tokens and API keys stop working at once."""
    user = await repo.get_user(session, principal, user_id)
    return await service.set_active(session, principal, user, False)


@router.post("/users/{user_id}/activate", response_model=UserRead, tags=["users"])
async def activate_user(session: SessionDep, principal: AdminDep, user_id: uuid.UUID) -> User:
    user = await repo.get_user(session, principal, user_id)
    return await service.set_active(session, principal, user, True)


# --- teams -------------------------------------------------------------------------------------

@router.post("/teams", response_model=TeamRead, status_code=status.HTTP_201_CREATED, tags=["teams"])
async def create_team(session: SessionDep, principal: AdminDep, data: TeamCreate, response: Response) -> Team:
    team = await service.create_team(session, principal, data)
    set_etag(response, team.version)
    return team


@router.get("/teams", response_model=Page[TeamRead], tags=["teams"])
async def list_teams(
    session: SessionDep, principal: PrincipalDep, limit: LimitQuery = DEFAULT_LIMIT, cursor: CursorQuery = None
) -> Page[TeamRead]:
    rows, nxt = await paginate(session, repo.teams(principal), Team, limit=limit, cursor=cursor)
    return Page[TeamRead](items=rows, next_cursor=nxt)  # type: ignore[arg-type]


@router.get("/teams/{team_id}", response_model=TeamRead, tags=["teams"])
async def get_team(session: SessionDep, principal: PrincipalDep, team_id: uuid.UUID, response: Response) -> Team:
    team = await repo.get_team(session, principal, team_id)
    set_etag(response, team.version)
    return team


@router.patch("/teams/{team_id}", response_model=TeamRead, tags=["teams"])
async def update_team(
    session: SessionDep,
    principal: AdminDep,
    team_id: uuid.UUID,
    data: TeamUpdate,
    response: Response,
    if_match: IfMatchHeader = None,
) -> Team:
    team = await repo.get_team(session, principal, team_id)
    check_if_match(if_match, team.version)
    team = await service.update_team(session, principal, team, data)
    set_etag(response, team.version)
    return team


@router.delete("/teams/{team_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["teams"])
async def delete_team(session: SessionDep, principal: AdminDep, team_id: uuid.UUID) -> None:
    team = await repo.get_team(session, principal, team_id)
    await service.delete_team(session, principal, team)


# --- API keys ----------------------------------------------------------------------------------

@router.post("/api-keys", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED, tags=["api-keys"])
async def create_api_key(session: SessionDep, principal: PrincipalDep, data: ApiKeyCreate) -> dict:
    """The key acts as its creator (same role and visibility), limited to its scopes. Shown once."""
    key, secret = await service.create_api_key(session, principal, data)
    return {**ApiKeyRead.model_validate(key).model_dump(), "key": secret}


@router.get("/api-keys", response_model=Page[ApiKeyRead], tags=["api-keys"])
async def list_api_keys(
    session: SessionDep, principal: PrincipalDep, limit: LimitQuery = DEFAULT_LIMIT, cursor: CursorQuery = None
) -> Page[ApiKeyRead]:
    rows, nxt = await paginate(session, repo.api_keys(principal), ApiKey, limit=limit, cursor=cursor)
    return Page[ApiKeyRead](items=rows, next_cursor=nxt)  # type: ignore[arg-type]


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["api-keys"])
async def revoke_api_key(session: SessionDep, principal: PrincipalDep, key_id: uuid.UUID) -> None:
    key = await repo.get_api_key(session, principal, key_id)
    await service.revoke_api_key(session, principal, key)

