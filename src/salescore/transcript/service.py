"""Storing a follow-up's call transcript and scanning it for signals. Never commits."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import record, snapshot
from salescore.follow_up import service as follow_up_service
from salescore.kit.errors import NotFound
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import FollowUp, Transcript
from salescore.signal import service as signal_service
from salescore.transcript.parse import Parsed


async def _of(session: AsyncSession, follow_up: FollowUp) -> Transcript | None:
    return await session.scalar(
        sa.select(Transcript).where(Transcript.tenant_id == follow_up.tenant_id,
                                    Transcript.follow_up_id == follow_up.id)
        .with_for_update()
    )


async def put_transcript(
    session: AsyncSession, principal: Principal, follow_up: FollowUp, parsed: Parsed
) -> tuple[Transcript, bool]:
    """Store (or replace) the transcript; its signals replace the earlier transcript's. True when new."""
    transcript = await _of(session, follow_up)
    created = transcript is None
    now = utcnow()
    if transcript is None:
        transcript = Transcript(id=new_id(), tenant_id=follow_up.tenant_id, follow_up_id=follow_up.id,
                                customer_id=follow_up.customer_id, format=parsed.format, text=parsed.text,
                                segments=parsed.segments, created_by=principal.user_id, created_at=now,
                                updated_at=now)
        session.add(transcript)
        await session.flush()
        record(session, principal, action="create", entity="transcript", obj=transcript)
    else:
        before = snapshot(transcript)
        transcript.format, transcript.text, transcript.segments = parsed.format, parsed.text, parsed.segments
        await session.flush()
        record(session, principal, action="update", entity="transcript", obj=transcript, before=before)
    transcript.signals = await signal_service.scan(  # type: ignore[attr-defined]  # not a column
        session, tenant_id=follow_up.tenant_id, source="transcript", source_id=transcript.id, text=transcript.text,
        customer_id=follow_up.customer_id, opportunity_id=follow_up.opportunity_id, follow_up_id=follow_up.id,
        user_id=follow_up.user_id, occurred_at=follow_up.occurred_at, fresh=created,
    )
    return transcript, created


async def get_transcript(session: AsyncSession, principal: Principal, follow_up_id: uuid.UUID) -> Transcript:
    follow_up = await follow_up_service.get_follow_up(session, principal, follow_up_id)
    transcript = await session.scalar(
        sa.select(Transcript).where(Transcript.tenant_id == follow_up.tenant_id,
                                    Transcript.follow_up_id == follow_up.id)
    )
    if transcript is None:
        raise NotFound("this follow-up has no transcript")
    return transcript


def read(transcript: Transcript) -> dict[str, Any]:
    values = {c.key: getattr(transcript, c.key) for c in Transcript.__table__.columns if c.key != "tenant_id"}
    values["signals"] = getattr(transcript, "signals", None)
    return values
