"""Tenants, users, teams and API keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType, UTCDateTime, new_id, utcnow
from salescore.models.base import Base, TenantScoped, Timestamped, Versioned, tenant_fk

ROLES = ("rep", "manager", "director", "admin", "staff")
DEPARTMENTS = ("sales", "tech", "product", "finance", "operations")
TEAM_KINDS = ("sales", "store")


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    timezone: Mapped[str] = mapped_column(sa.String(64), nullable=False, default="Asia/Shanghai")
    # Tenant-level options (daily-report deadline, workday overrides, ...); see tenancy.schemas.
    settings: Mapped[dict[str, Any]] = mapped_column(
        JSONType, nullable=False, default=dict, server_default=sa.text("'{}'")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class Team(TenantScoped, Timestamped, Versioned, Base):
    __tablename__ = "teams"
    __table_args__ = (tenant_fk("manager_id", "users", use_alter=True),)

    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    region: Mapped[str | None] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="sales")
    manager_id: Mapped[uuid.UUID | None] = mapped_column(GUID)


class User(TenantScoped, Timestamped, Versioned, Base):
    __tablename__ = "users"
    __table_args__ = (
        tenant_fk("team_id", "teams"),
        sa.Index("ix_users_tenant_team", "tenant_id", "team_id"),
    )

    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    # Login name across the whole instance, stored lower-cased.
    email: Mapped[str] = mapped_column(sa.String(254), nullable=False, unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    role: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    department: Mapped[str | None] = mapped_column(sa.String(32))
    team_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    password_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)


class ApiKey(TenantScoped, Base):
    __tablename__ = "api_keys"
    __table_args__ = (tenant_fk("user_id", "users", ondelete="CASCADE"),)

    user_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    # The public part of the key; the secret is kept only as a SHA-256 digest.
    prefix: Mapped[str] = mapped_column(sa.String(32), nullable=False, unique=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    scopes: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
