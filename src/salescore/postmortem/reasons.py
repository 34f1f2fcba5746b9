"""The tenant's loss-reason list (SPEC §10): the built-in defaults until a director replaces it.
Kept in tenant.settings under `loss_reasons` (a key PATCH /tenant leaves alone). Never commits."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import record, snapshot
from salescore.kit.errors import Unprocessable
from salescore.kit.principal import Principal
from salescore.models import Tenant
from salescore.postmortem.defaults import FALLBACK_REASON, LOSS_REASONS
from salescore.postmortem.schemas import LossReasonsIn
from salescore.tenancy import service as tenancy

SETTINGS_KEY = "loss_reasons"


def reasons_of(tenant: Tenant) -> list[dict[str, str]]:
    stored = (tenant.settings or {}).get(SETTINGS_KEY)
    return [{"code": r["code"], "label": r["label"]} for r in (stored or LOSS_REASONS)]


async def current(session: AsyncSession, tenant_id: uuid.UUID) -> list[dict[str, str]]:
    return reasons_of(await tenancy.get_tenant(session, tenant_id))


def labels(reasons: list[dict[str, str]]) -> dict[str, str]:
    return {r["code"]: r["label"] for r in reasons}


def checked_reason(reasons: list[dict[str, str]], code: str, field: str) -> str:
    """`code` when it is on the list, else 422 naming `field` with the codes that are."""
    if code not in labels(reasons):
        known = ", ".join(r["code"] for r in reasons)
        raise Unprocessable.field(field, f"not a loss reason of this tenant: {known}")
    return code


async def replace(session: AsyncSession, principal: Principal, data: LossReasonsIn) -> list[dict[str, str]]:
    """The whole list at once: codes unique and `other` kept. Codes already used by losses may go;
    those losses keep their code (shown with the code as its label)."""
    seen: set[str] = set()
    for index, item in enumerate(data.items):
        if item.code in seen:
            raise Unprocessable.field(f"items.{index}.code", f"{item.code} is listed twice")
        seen.add(item.code)
    if FALLBACK_REASON not in seen:
        raise Unprocessable.field("items", f"must keep `{FALLBACK_REASON}` (the reason of a loss declared without one)")
    tenant = await tenancy.get_tenant(session, principal.tenant_id)
    await tenancy.lock_tenant(session, tenant)
    before = snapshot(tenant)
    items: list[dict[str, Any]] = [item.model_dump() for item in data.items]
    tenant.settings = {**(tenant.settings or {}), SETTINGS_KEY: items}
    await session.flush()
    record(session, principal, action="update", entity="tenant", obj=tenant, before=before, tenant_id=tenant.id,
           event_type="loss_reasons.updated")
    return reasons_of(tenant)
