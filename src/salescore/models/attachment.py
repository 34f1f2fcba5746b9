"""Attachments (content-addressed files) and documents generated from templates."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType, UTCDateTime, utcnow
from salescore.models.base import Base, SoftDeleted, TenantScoped, Timestamped, Versioned, tenant_fk


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
    # The rendered content (headings, field tables, paragraphs), from which Markdown and HTML are
    # served; the .docx is rendered once from the same blocks and stored as the attachment.
    blocks: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list,
                                                         server_default=sa.text("'[]'"))
    template_version: Mapped[int | None] = mapped_column(sa.Integer)
    # pending | read (客户已阅) | revise (需修改部位)
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="pending")
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_by: Mapped[uuid.UUID | None] = mapped_column(GUID)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class DocumentTemplate(TenantScoped, Timestamped, Versioned, SoftDeleted, Base):
    """A tenant's document template (tenant data, edited by directors): title and sections whose
    fields and text are filled from the customer's record. The built-in ones apply until edited."""

    __tablename__ = "document_templates"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "code", name="uq_document_templates_tenant_code"),)

    code: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str] = mapped_column(sa.String(1000), nullable=False, default="")
    # [{heading, kind: fields|text|cases|table|checklist, ...}]
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(GUID)
