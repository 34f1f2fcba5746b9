"""Customer signals (客户信号): the tenant's signal definitions with their playbooks, the hits found in
what reps write, per-customer counters, and call transcripts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType, UTCDateTime, utcnow
from salescore.models.base import Base, TenantScoped, Timestamped, Versioned, tenant_fk

HIT_SOURCES = ("follow_up", "transcript", "daily_report")


class SignalConfig(TenantScoped, Base):
    """One version of a tenant's signal definitions and playbooks; the highest version is current
    (the built-in defaults until the first edit). Versions are kept: who changed what, when."""

    __tablename__ = "signal_configs"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "version", name="uq_signal_configs_tenant_version"),)

    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    # [{code, label, patterns, exclude, escalation_count, playbook: {diagnosis, scripts, linked_action, warning}}]
    signals: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    note: Mapped[str | None] = mapped_column(sa.String(500))
    created_by: Mapped[uuid.UUID | None] = mapped_column(GUID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class SignalHit(TenantScoped, Base):
    """A signal found in a follow-up's summary, its transcript or a daily report.
    Retired (deleted_at) when its source is edited or deleted, never removed."""

    __tablename__ = "signal_hits"
    __table_args__ = (
        tenant_fk("customer_id", "customers", ondelete="CASCADE"),
        sa.Index("ix_signal_hits_tenant_customer_signal", "tenant_id", "customer_id", "signal", "occurred_at"),
        sa.Index("ix_signal_hits_tenant_source", "tenant_id", "source", "source_id"),
        sa.Index("ix_signal_hits_tenant_follow_up", "tenant_id", "follow_up_id"),
        sa.Index("ix_signal_hits_tenant_opportunity", "tenant_id", "opportunity_id"),
        sa.Index("ix_signal_hits_tenant_created", "tenant_id", "created_at", "id"),
    )

    customer_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    opportunity_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    # The conversation the hit belongs to: a summary and its call's transcript are one occurrence.
    follow_up_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    source: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    source_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    signal: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    matched: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    start: Mapped[int] = mapped_column("match_start", sa.Integer, nullable=False)
    end: Mapped[int] = mapped_column("match_end", sa.Integer, nullable=False)
    user_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    config_version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CustomerSignal(Base):
    """How many conversations with a customer carried a signal: the counter escalation crosses."""

    __tablename__ = "customer_signals"
    __table_args__ = (
        sa.ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"],
                                ondelete="CASCADE"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        GUID, sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True)
    signal: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    count: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    first_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalations: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    last_escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Transcript(TenantScoped, Timestamped, Versioned, Base):
    """A call's transcript (plain text or iFlytek-style segments), one per follow-up."""

    __tablename__ = "transcripts"
    __table_args__ = (
        tenant_fk("follow_up_id", "follow_ups", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "follow_up_id", name="uq_transcripts_tenant_follow_up"),
    )

    follow_up_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    customer_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    # text | iflytek
    format: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    # [{speaker, start_ms, end_ms, text}] (empty for plain text)
    segments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    created_by: Mapped[uuid.UUID | None] = mapped_column(GUID)
