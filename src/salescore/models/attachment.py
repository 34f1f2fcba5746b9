"""Attachments (content-addressed files) and documents generated from templates."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType, UTCDateTime, utcnow
from salescore.models.base import Base, TenantScoped, tenant_fk


class Attachment(TenantScoped, Base):
    """A stored file: its bytes live under STORAGE_DIR by sha256; the name is metadata only."""

    __tablename__ = "attachments"
    __table_args__ = (
        tenant_fk("uploaded_by", "users"),
        sa.Index("ix_attachments_tenant_created", "tenant_id", "created_at", "id"),
    )

    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    size: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    filename: Mapped[str | None] = mapped_column(sa.String(255))
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(GUID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class Document(TenantScoped, Base):
    """A document generated for a customer (e.g. 《客户技术确认单》) and the customer's response."""

    __tablename__ = "documents"
    __table_args__ = (
        tenant_fk("customer_id", "customers", ondelete="CASCADE"),
        tenant_fk("opportunity_id", "opportunities"),
        tenant_fk("attachment_id", "attachments"),
        sa.UniqueConstraint("tenant_id", "dedupe_key", name="uq_documents_tenant_dedupe"),
        sa.Index("ix_documents_tenant_customer", "tenant_id", "customer_id", "created_at"),
    )

    kind: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    customer_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    opportunity_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    follow_up_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    action_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    attachment_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    # The data the document was filled with, as it stood when generated.
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    # pending | read (客户已阅) | revise (需修改部位)
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="pending")
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_by: Mapped[uuid.UUID | None] = mapped_column(GUID)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
