"""Post-mortems (证据复盘): a lost deal's evidence package, one per loss."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType, UTCDateTime, utcnow
from salescore.models.base import Base, TenantScoped, tenant_fk

MATERIAL_KINDS = ("transcript", "proposal_version", "email_timeline", "competitor_note", "quote_history",
                  "meeting_notes")
REQUIRED_KINDS = 3


class PostMortem(TenantScoped, Base):
    """The loss a rep declared and the package that must back it before the deal counts as `lost`.
    `completed_at` is set (and the package locked) once it holds materials of REQUIRED_KINDS kinds;
    `withdrawn_at` when the deal was reopened before that."""

    __tablename__ = "post_mortems"
    __table_args__ = (
        tenant_fk("opportunity_id", "opportunities", ondelete="CASCADE"),
        sa.Index("ix_post_mortems_tenant_opportunity", "tenant_id", "opportunity_id", "created_at"),
    )

    opportunity_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    reason: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    competitor: Mapped[str | None] = mapped_column(sa.String(200))
    note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    lost_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The deal's owner and stage when it was lost (loss analytics group by them).
    owner_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    stage: Mapped[str | None] = mapped_column(sa.String(64))
    requested_by: Mapped[uuid.UUID | None] = mapped_column(GUID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PostMortemMaterial(TenantScoped, Base):
    """One piece of the package: files and/or text of one kind."""

    __tablename__ = "post_mortem_materials"
    __table_args__ = (
        tenant_fk("post_mortem_id", "post_mortems", ondelete="CASCADE"),
        sa.Index("ix_post_mortem_materials_tenant_pm", "tenant_id", "post_mortem_id", "created_at"),
    )

    post_mortem_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    opportunity_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    text: Mapped[str | None] = mapped_column(sa.Text)
    attachment_ids: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    # A call transcript cited as material (kind transcript).
    transcript_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    created_by: Mapped[uuid.UUID | None] = mapped_column(GUID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
