"""Action template and action record queries."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.crud import one_or_404
from salescore.kit.principal import Principal
from salescore.kit.types import utcnow
from salescore.models import ActionRecord, ActionTemplate, ActionTemplateVersion


def templates(principal: Principal) -> sa.Select[Any]:
    """Configuration is readable by the whole tenant."""
    return sa.select(ActionTemplate).where(ActionTemplate.tenant_id == principal.tenant_id)


async def get_template(session: AsyncSession, principal: Principal, template_id: uuid.UUID) -> ActionTemplate:
    return await one_or_404(session, templates(principal), ActionTemplate, template_id, "action template")


async def templates_by_code(
    session: AsyncSession, tenant_id: uuid.UUID, codes: Iterable[str]
) -> dict[str, ActionTemplate]:
    wanted = set(codes)
    if not wanted:
        return {}
    rows = await session.scalars(
        sa.select(ActionTemplate).where(ActionTemplate.tenant_id == tenant_id, ActionTemplate.code.in_(wanted))
    )
    return {t.code: t for t in rows}


async def code_exists(session: AsyncSession, tenant_id: uuid.UUID, code: str) -> bool:
    return (
        await session.scalar(
            sa.select(ActionTemplate.id).where(ActionTemplate.tenant_id == tenant_id, ActionTemplate.code == code)
        )
    ) is not None


async def all_codes(session: AsyncSession, tenant_id: uuid.UUID) -> set[str]:
    return set(await session.scalars(sa.select(ActionTemplate.code).where(ActionTemplate.tenant_id == tenant_id)))


def versions(principal: Principal, template_id: uuid.UUID) -> sa.Select[Any]:
    return (
        sa.select(ActionTemplateVersion)
        .where(ActionTemplateVersion.tenant_id == principal.tenant_id, ActionTemplateVersion.template_id == template_id)
        .order_by(ActionTemplateVersion.revision.desc())
    )


async def retire_records(session: AsyncSession, tenant_id: uuid.UUID, follow_up_ids: Iterable[uuid.UUID]) -> None:
    """Soft-delete the action rows of follow-ups that were deleted or had their actions replaced."""
    ids = list(follow_up_ids)
    if ids:
        await session.execute(
            sa.update(ActionRecord)
            .where(ActionRecord.tenant_id == tenant_id, ActionRecord.follow_up_id.in_(ids),
                   ActionRecord.deleted_at.is_(None))
            .values(deleted_at=utcnow())
        )


async def retire_records_by_id(session: AsyncSession, tenant_id: uuid.UUID, ids: Iterable[uuid.UUID]) -> None:
    wanted = list(ids)
    if wanted:
        await session.execute(
            sa.update(ActionRecord)
            .where(ActionRecord.tenant_id == tenant_id, ActionRecord.id.in_(wanted))
            .values(deleted_at=utcnow())
        )


async def label_rows(session: AsyncSession, tenant_id: uuid.UUID) -> list[tuple[str, str, str]]:
    rows = await session.execute(
        sa.select(ActionTemplate.code, ActionTemplate.label, ActionTemplate.label_en)
        .where(ActionTemplate.tenant_id == tenant_id)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def move_records(
    session: AsyncSession, tenant_id: uuid.UUID, follow_up_id: uuid.UUID, occurred_at: datetime, day: date
) -> None:
    await session.execute(
        sa.update(ActionRecord)
        .where(ActionRecord.tenant_id == tenant_id, ActionRecord.follow_up_id == follow_up_id)
        .values(occurred_at=occurred_at, local_date=day)
    )
