"""Automation rules (自动化策略), their runs, background jobs and periodic marks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType, UTCDateTime, utcnow
from salescore.models.base import Base, SoftDeleted, TenantScoped, Timestamped, Versioned, tenant_fk

RULE_RUN_STATUSES = ("scheduled", "succeeded", "failed", "skipped", "dead")
JOB_STATUSES = ("queued", "running", "succeeded", "failed")


class Rule(TenantScoped, Timestamped, Versioned, SoftDeleted, Base):
    __tablename__ = "rules"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "code", name="uq_rules_tenant_code"),
        sa.Index("ix_rules_tenant_created", "tenant_id", "created_at", "id"),
    )

    # Seeded defaults carry a stable code; tenant-made rules have none.
    code: Mapped[str | None] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    enabled: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    trigger: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    condition: Mapped[str | None] = mapped_column(sa.Text)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=100)
    created_by: Mapped[uuid.UUID | None] = mapped_column(GUID)


class RuleRun(TenantScoped, Base):
    """One (rule, event): unique, so an event delivered twice never runs a rule twice."""

    __tablename__ = "rule_runs"
    __table_args__ = (
        tenant_fk("rule_id", "rules", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "rule_id", "event_id", name="uq_rule_runs_rule_event"),
        sa.Index("ix_rule_runs_tenant_rule_created", "tenant_id", "rule_id", "created_at", "id"),
        sa.Index("ix_rule_runs_due", "status", "next_attempt_at"),
    )

    rule_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    rule_version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    event_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    event_type: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(sa.Text)
    # Per action: {index, kind, status, detail}.
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Job(TenantScoped, Timestamped, Base):
    """A background job a user started (e.g. a whole-tenant health recompute)."""

    __tablename__ = "jobs"
    __table_args__ = (sa.Index("ix_jobs_tenant_created", "tenant_id", "created_at", "id"),)

    kind: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="queued")
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(sa.Text)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(GUID)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScheduleMark(Base):
    """A periodic duty done once per tenant and period ("weekly-regrade:2026-W48").

    Inserting the mark is the lock: whichever worker inserts it does the duty.
    """

    __tablename__ = "schedule_marks"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        GUID, sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
