"""Declarative base and mixins shared by every table."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from salescore.kit.types import GUID, UTCDateTime, new_id, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)


class TenantScoped:
    """Primary key (tenant_id, id): every key leads with the tenant, so a row can only
    reference rows of its own tenant and a tenant-sharded PostgreSQL can distribute it."""

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        GUID, sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class Versioned:
    """Optimistic concurrency: SQLAlchemy bumps `version` and guards each UPDATE with it."""

    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class SoftDeleted:
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


def tenant_fk(
    column: str, table: str, *, ondelete: str | None = None, use_alter: bool = False
) -> sa.ForeignKeyConstraint:
    """A foreign key that includes tenant_id, so references never cross tenants.

    Records are soft-deleted, so only CASCADE (for tenant removal) is offered: SET NULL
    would null tenant_id too.
    """
    return sa.ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{table}.tenant_id", f"{table}.id"],
        ondelete=ondelete,
        use_alter=use_alter,
    )
