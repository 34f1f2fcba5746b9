"""The outbox → webhook deliveries, and the periodic sender's registration."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.delivery import sender as _sender  # noqa: F401 - registers the `delivery.send` duty
from salescore.delivery.service import queue_for_event
from salescore.events.registry import on
from salescore.models import Event


@on("*", name="delivery.webhooks")
async def queue_webhooks(session: AsyncSession, event: Event) -> None:
    """Every event may match some subscription's patterns; queue_for_event decides per tenant."""
    await queue_for_event(session, event)
