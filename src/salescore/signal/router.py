"""HTTP for customer signals and playbooks (SPEC §9)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from salescore.kit.deps import ConfigWriterDep, PrincipalDep, SessionDep
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, paginate
from salescore.kit.crud import where_equal
from salescore.models import SignalConfig, SignalHit
from salescore.signal import repository as repo
from salescore.signal import service
from salescore.signal.defaults import PRESETS
from salescore.signal.schemas import (
    CustomerSignals,
    Detection,
    DetectIn,
    PlaybookIn,
    SignalCode,
    SignalConfigIn,
    SignalConfigRead,
    SignalConfigVersion,
    SignalHitRead,
)

router = APIRouter(tags=["signals"], responses=PROBLEM_RESPONSES)
SIGNALS = "/api/v1/signals"
Preset = Literal[tuple(PRESETS)]  # type: ignore[valid-type]


@router.get(SIGNALS, response_model=SignalConfigRead, summary="The signal definitions and their playbooks")
async def get_signals(session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """Everyone reads them: the phrases that raise a signal and what the playbook suggests."""
    return service.config_read(await service.current(session, principal.tenant_id))


@router.put(
    SIGNALS,
    response_model=SignalConfigRead,
    summary="Publish a new version of the signals and playbooks",
    description=(
        "Directors and admins. Replaces the whole set; the previous versions stay readable with their "
        "author. Every pattern is checked now (invalid or empty-matching regexes, nested unbounded "
        "repetition, patterns that time out on long text → 422 naming the pattern), never at detection time."
    ),
)
async def put_signals(session: SessionDep, principal: ConfigWriterDep, data: SignalConfigIn) -> dict[str, Any]:
    return service.config_read(await service.put_config(session, principal, data))


@router.get(f"{SIGNALS}/versions", response_model=Page[SignalConfigVersion], summary="Configuration history")
async def list_versions(
    session: SessionDep, principal: PrincipalDep, limit: LimitQuery = DEFAULT_LIMIT, cursor: CursorQuery = None
) -> Page[Any]:
    rows, nxt = await paginate(session, repo.versions(principal.tenant_id), SignalConfig, limit=limit,
                               cursor=cursor)
    return Page[Any](items=[{"version": r.version, "note": r.note, "signal_count": len(r.signals),
                             "created_at": r.created_at, "created_by": r.created_by} for r in rows],
                     next_cursor=nxt)


@router.get(f"{SIGNALS}/versions/{{version}}", response_model=SignalConfigRead, summary="One stored version")
async def get_version(
    session: SessionDep, principal: PrincipalDep, version: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> dict[str, Any]:
    return service.config_read(await service.version(session, principal.tenant_id, version))


@router.post(
    f"{SIGNALS}/presets/{{preset}}",
    response_model=SignalConfigRead,
    summary="Add a preset's signals (e.g. the store 门店 preset)",
    description="Directors and admins. Signals the tenant already has (by code) are kept as they are.",
)
async def apply_preset(session: SessionDep, principal: ConfigWriterDep, preset: Preset) -> dict[str, Any]:
    return service.config_read(await service.apply_preset(session, principal, preset))


@router.put(f"{SIGNALS}/{{code}}/playbook", response_model=SignalConfigRead, summary="Edit one signal's playbook")
async def put_playbook(
    session: SessionDep, principal: ConfigWriterDep, code: Annotated[str, Path(max_length=64)], data: PlaybookIn
) -> dict[str, Any]:
    return service.config_read(await service.put_playbook(session, principal, code, data))


@router.post(
    f"{SIGNALS}/detect",
    response_model=Detection,
    summary="Find signals in text as a rep types",
    description=(
        "Nothing is stored. Matching ignores spacing, case and full-/half-width forms. With `customer_id`, "
        "each suggestion counts the customer's earlier conversations carrying the signal plus this one, and "
        "carries the playbook's warning from the escalation count on."
    ),
)
async def detect(session: SessionDep, principal: PrincipalDep, data: DetectIn) -> dict[str, Any]:
    return await service.detect(session, principal, data.text, data.customer_id)


@router.get("/api/v1/customers/{customer_id}/signals", response_model=CustomerSignals, tags=["customers"],
            summary="A customer's signals: counts and last seen")
async def customer_signals(session: SessionDep, principal: PrincipalDep, customer_id: uuid.UUID) -> dict[str, Any]:
    return await service.customer_signals(session, principal, customer_id)


@router.get("/api/v1/signal-hits", response_model=Page[SignalHitRead], summary="Stored signal hits, newest first")
async def list_hits(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    customer_id: uuid.UUID | None = None,
    opportunity_id: uuid.UUID | None = None,
    follow_up_id: uuid.UUID | None = None,
    signal: Annotated[SignalCode | None, Query()] = None,
) -> Page[Any]:
    stmt = where_equal(repo.visible_hits(principal), (SignalHit.customer_id, customer_id),
                       (SignalHit.opportunity_id, opportunity_id), (SignalHit.follow_up_id, follow_up_id),
                       (SignalHit.signal, signal))
    rows, nxt = await paginate(session, stmt, SignalHit, limit=limit, cursor=cursor)
    return Page[Any](items=rows, next_cursor=nxt)
