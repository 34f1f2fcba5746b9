"""Daily reports (日报 = 每日3件事 + 1个客户进展, §5)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from salescore.kit.types import GUID, JSONType, UTCDateTime
from salescore.models.base import Base, TenantScoped, Timestamped, Versioned, tenant_fk


# Who is expected to hand in a daily report every workday.
REPORTING_ROLES = ("rep", "manager")


class DailyReport(TenantScoped, Timestamped, Versioned, Base):
    __tablename__ = "daily_reports"
    __table_args__ = (
        tenant_fk("user_id", "users"),
        tenant_fk("team_id", "teams"),
        sa.UniqueConstraint("tenant_id", "user_id", "report_date", name="uq_daily_reports_user_date"),
        sa.Index("ix_daily_reports_tenant_date", "tenant_id", "report_date"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(GUID, nullable=False)
    # The author's team when the report was submitted (kept for history; team analytics group by
    # current membership until memberships have a history of their own).
    team_id: Mapped[uuid.UUID | None] = mapped_column(GUID)
    report_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    # [{customer_id, opportunity_id, action_code, fields, note, occurred_at, channel, follow_up_id}]
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    # {customer_id, note, follow_up_id}
    progress: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # max(0, submitted_at - end of report_date in tenant time), fixed at first submission.
    delay_seconds: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    on_time: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    amended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
