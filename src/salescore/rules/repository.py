"""Rule and run queries: rules are transparent to the whole tenant (SPEC §2)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.kit.crud import one_or_404
from salescore.kit.principal import Principal
from salescore.kit.visibility import tenant_rows
from salescore.models import Rule, RuleRun


def rules(principal: Principal) -> sa.Select[Any]:
    return tenant_rows(Rule, principal)


async def get_rule(session: AsyncSession, principal: Principal, rule_id: uuid.UUID) -> Rule:
    return await one_or_404(session, rules(principal), Rule, rule_id, "rule")


def runs_of(principal: Principal, rule_id: uuid.UUID, status: str | None) -> sa.Select[Any]:
    stmt = sa.select(RuleRun).where(RuleRun.tenant_id == principal.tenant_id, RuleRun.rule_id == rule_id)
    return stmt.where(RuleRun.status == status) if status else stmt
