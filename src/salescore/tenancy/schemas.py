from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import EmailStr, StrictBool, StrictInt, Field, StringConstraints, field_validator

from salescore.kit.schemas import InModel, Name, OutModel

Role = Literal["rep", "manager", "director", "admin", "staff"]
Department = Literal["sales", "tech", "product", "finance", "operations"]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]
Phone = Annotated[str, StringConstraints(max_length=32)]


class SignupIn(InModel):
    tenant_name: Name
    name: Name
    email: EmailStr
    password: Password


class DailyReportDeadline(InModel):
    """A report for day D is on time until `time` (tenant time) on the `workdays_after`-th workday after D."""

    workdays_after: Annotated[StrictInt, Field(ge=0, le=10)] = 1
    time: Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = "10:00"


class WorkdayOverride(InModel):
    date: date
    workday: StrictBool = Field(description="true: a workday (e.g. a company make-up day); false: a day off")


# Keys of tenant.settings that other domains own and edit through their own endpoints (the loss-reason
# list: PUT /api/v1/loss-reasons; analytics thresholds: PUT /api/v1/analytics/settings). PATCH /tenant neither shows nor replaces them.
DOMAIN_SETTINGS_KEYS = frozenset({"loss_reasons", "analytics"})


def general_settings(raw: dict[str, Any] | None) -> dict[str, Any]:
    """The part of tenant.settings that TenantSettings describes."""
    return {k: v for k, v in (raw or {}).items() if k not in DOMAIN_SETTINGS_KEYS}


class TenantSettings(InModel):
    daily_report_deadline: DailyReportDeadline = DailyReportDeadline()
    workday_overrides: Annotated[list[WorkdayOverride], Field(max_length=500)] = Field(
        [], description="Tenant exceptions to the Chinese statutory workday calendar"
    )


class TenantRead(OutModel):
    id: uuid.UUID
    name: str
    timezone: str
    settings: TenantSettings
    created_at: datetime

    @field_validator("settings", mode="before")
    @classmethod
    def _defaults(cls, value: Any) -> Any:
        return TenantSettings.model_validate(general_settings(value))


class TenantUpdate(InModel):
    name: Name | None = None
    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        None, description="IANA zone, e.g. Asia/Shanghai: the tenant's days, weeks and deadlines"
    )
    settings: TenantSettings | None = Field(None, description="Replaces the tenant settings as a whole")


class UserRead(OutModel):
    id: uuid.UUID
    name: str
    email: str
    phone: str | None
    role: Role
    department: str | None
    team_id: uuid.UUID | None
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class SignupOut(OutModel):
    tenant: TenantRead
    user: UserRead
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class TokenOut(OutModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class MeOut(UserRead):
    tenant: TenantRead
    managed_team_ids: list[uuid.UUID]


class UserCreate(InModel):
    name: Name
    email: EmailStr
    password: Password
    role: Role
    team_id: uuid.UUID | None = None
    department: Department | None = None
    phone: Phone | None = None


class UserUpdate(InModel):
    name: Name | None = None
    role: Role | None = None
    team_id: uuid.UUID | None = None
    department: Department | None = None
    phone: Phone | None = None
    password: Password | None = None


class TeamCreate(InModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    region: Annotated[str, StringConstraints(max_length=100)] | None = None
    kind: Literal["sales", "store"] = "sales"
    manager_id: uuid.UUID | None = None


class TeamUpdate(InModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    region: Annotated[str, StringConstraints(max_length=100)] | None = None
    kind: Literal["sales", "store"] | None = None
    manager_id: uuid.UUID | None = None


class TeamRead(OutModel):
    id: uuid.UUID
    name: str
    region: str | None
    kind: Literal["sales", "store"]
    manager_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime


ApiScope = Literal["read", "write"]


class ApiKeyCreate(InModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    scopes: Annotated[list[ApiScope], Field(min_length=1, max_length=2)] = ["read", "write"]


class ApiKeyRead(OutModel):
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[ApiScope]
    user_id: uuid.UUID
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The secret. Shown only in this response; store it now.")
