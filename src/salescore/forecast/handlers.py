"""Keeps the tenant's calibration cache warm: after a deal closes or reopens, or evidence of a closed
deal changes, the observations are recomputed here instead of in the next deal read or forecast."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.events.registry import on
from salescore.evidence.service import current_config
from salescore.forecast import calibration
from salescore.models import Event

CLOSE_FIELDS = frozenset({"status", "won_at", "lost_at", "created_at", "deleted_at"})


def _closing_change(event: Event) -> bool:
    if event.type != "opportunity.updated":
        return True
    return bool(CLOSE_FIELDS & set((event.payload or {}).get("changes") or {}))


@on("opportunity.updated", "opportunity.deleted", "evidence.created", "evidence.revoked",
    name="forecast.recalibrate", when=_closing_change)
async def recalibrate(session: AsyncSession, event: Event) -> None:
    config = await current_config(session, event.tenant_id)
    await calibration.refresh(session, event.tenant_id, config)
