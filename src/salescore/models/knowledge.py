"""The product knowledge base (产品部知识库)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType
from salescore.models.base import Base, SoftDeleted, TenantScoped, Timestamped, Versioned, tenant_fk

KB_KINDS = ("requirement", "sop", "script", "case")


class KnowledgeEntry(TenantScoped, Timestamped, Versioned, SoftDeleted, Base):
    __tablename__ = "knowledge_entries"
    __table_args__ = (
        tenant_fk("customer_id", "customers"),
        sa.UniqueConstraint("tenant_id", "dedupe_key", name="uq_knowledge_entries_tenant_dedupe"),
        sa.Index("ix_knowledge_entries_tenant_created", "tenant_id", "created_at", "id"),
        sa.Index("ix_knowledge_entries_tenant_customer", "tenant_id", "customer_id"),
    )

    kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    tags: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    # Structured content (for a requirement entry: the flags and the customer's details).
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    # Where it came from: {kind: rule_run|post_mortem|manual, id}.
    source: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    # What the entry cites: [{kind: post_mortem|customer|follow_up|opportunity, id}].
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list,
                                                            server_default=sa.text("'[]'"))
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200))
    created_by: Mapped[uuid.UUID | None] = mapped_column(GUID)
