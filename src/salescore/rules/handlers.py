"""The outbox hands every event to the rules engine; the tasks module registers the periodic duties."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.events.registry import on
from salescore.models import Event
from salescore.rules import engine, tasks  # noqa: F401 - tasks registers the rules' periodic duties


@on("*", name="rules.run")
async def run_rules(session: AsyncSession, event: Event) -> None:
    await engine.on_event(session, event)
