"""Signal rules (SPEC §9): the versioned configuration, live detection, hits stored with what reps
write, per-customer counts and escalation. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.action import service as action_service
from salescore.audit.service import record
from salescore.customer import service as customer_service
from salescore.document import template_service
from salescore.events.outbox import emit
from salescore.kit.errors import FieldError, NotFound, Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import SignalConfig
from salescore.signal import config as cache
from salescore.signal import repository as repo
from salescore.signal.config import Config
from salescore.signal.defaults import PRESETS
from salescore.signal.matcher import Hit
from salescore.signal.safety import pattern_problem
from salescore.signal.schemas import PlaybookIn, SignalConfigIn

MAX_SCRIPTS = 3


# --- configuration -----------------------------------------------------------------------------

async def current(session: AsyncSession, tenant_id: uuid.UUID) -> Config:
    """The tenant's current configuration, compiled (one small query when it is cached)."""
    version = await repo.latest_version(session, tenant_id)
    if version is None:
        return cache.default()
    config = cache.cached(tenant_id, version)
    if config is not None:
        return config
    row = await repo.config_row(session, tenant_id, version)
    assert row is not None
    return cache.remember(tenant_id, Config.of(row))


async def _checked(session: AsyncSession, tenant_id: uuid.UUID, signals: list[dict[str, Any]]) -> None:
    """Every problem at once, each naming its field: duplicate codes, unusable patterns, unknown actions."""
    errors: list[FieldError] = []
    action_codes: set[str] | None = None
    templates: dict[str, bool] = {}
    seen: set[str] = set()
    for i, signal in enumerate(signals):
        if signal["code"] in seen:
            errors.append(FieldError(f"signals.{i}.code", f"{signal['code']} is listed twice"))
        seen.add(signal["code"])
        for key, phrase_only in (("patterns", False), ("exclude", True)):
            for j, pattern in enumerate(signal.get(key, ())):
                problem = pattern_problem(pattern, phrase_only=phrase_only)
                if problem:
                    errors.append(FieldError(f"signals.{i}.{key}.{j}", problem))
        linked = signal["playbook"].get("linked_action")
        if linked and linked["kind"] == "document":
            code = linked["template"]
            if code not in templates:
                templates[code] = await template_service.effective(session, tenant_id, code) is not None
            if not templates[code]:
                errors.append(FieldError(f"signals.{i}.playbook.linked_action.template", "no such document template"))
        if linked and linked["kind"] == "action":
            if action_codes is None:
                action_codes = await action_service.template_codes(session, tenant_id)
            if linked["code"] not in action_codes:
                errors.append(FieldError(f"signals.{i}.playbook.linked_action.code", "no such action template"))
    if errors:
        raise Unprocessable("; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]), errors=errors)


async def _store(
    session: AsyncSession, principal: Principal, change: Callable[[Config], list[dict[str, Any]] | None],
    note: str | None,
) -> Config:
    """A new version: `change` maps the current configuration — read after taking the tenant's lock,
    so concurrent edits apply one after the other — to the new signal list (None: nothing to change)."""
    await repo.lock_configs(session, principal.tenant_id)
    config = await current(session, principal.tenant_id)
    signals = change(config)
    if signals is None:
        return config
    await _checked(session, principal.tenant_id, signals)
    latest = await repo.latest_version(session, principal.tenant_id)
    if latest is None:
        # The built-in defaults become version 1, so the history shows what the first edit changed.
        session.add(SignalConfig(id=new_id(), tenant_id=principal.tenant_id, version=1,
                                 signals=list(cache.default().signals), note="built-in defaults",
                                 created_at=utcnow()))
        latest = 1
    row = SignalConfig(id=new_id(), tenant_id=principal.tenant_id, version=latest + 1, signals=signals, note=note,
                       created_by=principal.user_id, created_at=utcnow())
    session.add(row)
    await session.flush()
    record(session, principal, action="create", entity="signal_config", obj=row,
           extra={"version": row.version})
    # Not cached here: the version exists only once the request commits (current() loads it then).
    return Config.of(row)


async def put_config(session: AsyncSession, principal: Principal, data: SignalConfigIn) -> Config:
    signals = [s.model_dump() for s in data.signals]
    return await _store(session, principal, lambda _: signals, data.note)


async def apply_preset(session: AsyncSession, principal: Principal, name: str) -> Config:
    """Add a preset's signals the tenant does not have yet (codes already present are kept as edited)."""
    preset = PRESETS.get(name)
    if preset is None:
        raise NotFound(f"no preset {name!r}; presets: {', '.join(PRESETS)}")

    def add_missing(config: Config) -> list[dict[str, Any]] | None:
        missing = [dict(s) for s in preset if s["code"] not in config.by_code]
        return [*config.signals, *missing] if missing else None

    return await _store(session, principal, add_missing, f"preset {name} applied")


async def put_playbook(session: AsyncSession, principal: Principal, code: str, data: PlaybookIn) -> Config:
    def edit(config: Config) -> list[dict[str, Any]]:
        if code not in config.by_code:
            raise NotFound(f"no signal {code!r}")
        return [{**s, "playbook": data.model_dump()} if s["code"] == code else s for s in config.signals]

    return await _store(session, principal, edit, f"playbook {code} edited")


async def add_script(
    session: AsyncSession, principal: Principal, signal_code: str, script: str, source: dict[str, Any]
) -> int:
    """Add a suggested script to a signal's playbook (e.g. an SOP promoted from the knowledge base);
    the new configuration version. A script already there changes nothing."""
    def append(config: Config) -> list[dict[str, Any]] | None:
        signal = config.by_code.get(signal_code)
        if signal is None:
            raise Unprocessable.field("signal", f"no signal {signal_code!r}")
        scripts = list(signal["playbook"]["scripts"])
        if script in scripts:
            return None
        if len(scripts) >= MAX_SCRIPTS:
            raise Unprocessable.field("signal", f"the playbook already has {MAX_SCRIPTS} scripts; remove one first")
        playbook = {**signal["playbook"], "scripts": [*scripts, script]}
        return [{**s, "playbook": playbook} if s["code"] == signal_code else s for s in config.signals]

    note = f"script promoted from {source.get('kind', 'source')} {source.get('id', '')}".strip()[:500]
    return (await _store(session, principal, append, note)).version


async def version(session: AsyncSession, tenant_id: uuid.UUID, number: int) -> Config:
    if number == 1 and await repo.latest_version(session, tenant_id) is None:
        return cache.default()
    row = await repo.config_row(session, tenant_id, number)
    if row is None:
        raise NotFound(f"no signal configuration version {number}")
    return Config.of(row)


# --- detection ---------------------------------------------------------------------------------

def _warning(signal: dict[str, Any]) -> str:
    return signal["playbook"]["warning"].replace("${escalation_count}", str(signal["escalation_count"]))


def detection(config: Config, hits: list[Hit], counts: dict[str, int] | None) -> dict[str, Any]:
    """{config_version, hits, suggestions}: one suggestion per signal found, in order of appearance."""
    suggestions = []
    for code in dict.fromkeys(h.signal for h in hits):
        signal = config.by_code[code]
        playbook = signal["playbook"]
        count = counts.get(code) if counts is not None else None
        suggestions.append({
            "signal": code, "label": signal["label"], "diagnosis": playbook["diagnosis"],
            "scripts": playbook["scripts"], "linked_action": playbook.get("linked_action"),
            "count": count, "escalation_count": signal["escalation_count"],
            "warning": _warning(signal) if count is not None and count >= signal["escalation_count"] else None,
        })
    return {
        "config_version": config.version,
        "hits": [{"signal": h.signal, "label": config.by_code[h.signal]["label"], "matched": h.matched,
                  "start": h.start, "end": h.end} for h in hits],
        "suggestions": suggestions,
    }


async def detect(
    session: AsyncSession, principal: Principal, text: str, customer_id: uuid.UUID | None
) -> dict[str, Any]:
    """The live prompt: nothing is stored. With a customer, counts include the text being typed."""
    config = await current(session, principal.tenant_id)
    hits = config.matcher.find(text)
    counts = None
    if customer_id is not None:
        await customer_service.visible_customer(session, principal, customer_id)
        found = sorted({h.signal for h in hits})
        earlier = await repo.counts_for(session, principal.tenant_id, customer_id, found) if found else {}
        counts = {s: earlier.get(s, 0) + 1 for s in found}
    return detection(config, hits, counts)


async def scan(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    source: str,
    source_id: uuid.UUID,
    text: str,
    customer_id: uuid.UUID | None,
    opportunity_id: uuid.UUID | None,
    follow_up_id: uuid.UUID | None,
    user_id: uuid.UUID | None,
    occurred_at: datetime,
    fresh: bool,
) -> dict[str, Any]:
    """Detect and store: the source's hits replace its earlier ones, the customer's counters move by
    conversation (a summary and its transcript count once), and a counter reaching a signal's
    escalation count emits `signal.escalated`. `fresh` skips the look-up of earlier hits."""
    config = await current(session, tenant_id)
    hits = config.matcher.find(text) if text else []
    now = utcnow()
    previous: set[str] = set()
    if follow_up_id is not None and not (fresh and source_id == follow_up_id):
        await repo.lock_follow_up(session, tenant_id, follow_up_id)
    if not fresh:
        previous = await repo.live_signals_of_source(session, tenant_id, source, source_id)
        if previous:
            await repo.retire_source(session, tenant_id, source, source_id, now)
    await repo.add_hits(session, [
        {"tenant_id": tenant_id, "id": new_id(), "customer_id": customer_id, "opportunity_id": opportunity_id,
         "follow_up_id": follow_up_id, "source": source, "source_id": source_id, "signal": h.signal,
         "matched": h.matched[:200], "start": h.start, "end": h.end, "user_id": user_id,
         "config_version": config.version, "occurred_at": occurred_at, "created_at": now}
        for h in hits
    ])
    found = {h.signal for h in hits}
    if customer_id is None or not (found or previous):
        return detection(config, hits, None)
    other: set[str] = set()
    if follow_up_id is not None and not (fresh and source_id == follow_up_id):
        other = await repo.signals_of_conversation(session, tenant_id, follow_up_id, besides=(source, source_id))
    before, after = previous | other, found | other
    counts: dict[str, int] = {}
    for signal in sorted(before - after):
        await _count_down(session, tenant_id, customer_id, signal)
    for signal in sorted(after - before):
        counts[signal] = count = await repo.count_up(session, tenant_id, customer_id, signal, occurred_at)
        definition = config.by_code.get(signal)
        if definition is not None and _crossed(session, customer_id, signal, count, definition["escalation_count"]):
            await _escalate(session, tenant_id, customer_id, definition, count, user_id, now, {
                "follow_up_id": follow_up_id, "opportunity_id": opportunity_id, "source": source,
                "source_id": source_id, "occurred_at": occurred_at})
    unchanged = sorted(found - set(counts))
    if unchanged:
        counts.update(await repo.counts_for(session, tenant_id, customer_id, unchanged))
    return detection(config, hits, counts)


_STARTS = "salescore.signal.starts"


def _crossed(session: AsyncSession, customer_id: uuid.UUID, signal: str, count: int, threshold: int) -> bool:
    """Whether this increment is a crossing of the threshold, judged against the count the
    transaction started from: replacing a conversation (−1 then +1, as a report amendment does)
    brings a customer back to where it was, which is no new crossing."""
    starts = _starts(session)
    start = starts.setdefault((customer_id, signal), count - 1)
    if count == threshold and start < threshold:
        starts[(customer_id, signal)] = threshold  # once per transaction
        return True
    return False


async def _count_down(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, signal: str) -> None:
    count = await repo.count_down(session, tenant_id, customer_id, signal)
    _starts(session).setdefault((customer_id, signal), count + 1)


def _starts(session: AsyncSession) -> dict[tuple[uuid.UUID, str], int]:
    """Counts as they stood when this transaction first touched them (a session may commit twice)."""
    transaction = session.get_transaction()
    kept = session.info.get(_STARTS)
    if kept is None or kept[0] is not transaction:
        kept = session.info[_STARTS] = (transaction, {})
    return kept[1]


async def _escalate(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, signal: dict[str, Any], count: int,
    user_id: uuid.UUID | None, now: datetime, context: dict[str, Any],
) -> None:
    await repo.mark_escalated(session, tenant_id, customer_id, signal["code"], now)
    payload = {"customer_id": str(customer_id), "signal": signal["code"], "label": signal["label"],
               "count": count, "escalation_count": signal["escalation_count"], "warning": _warning(signal),
               **{k: (str(v) if isinstance(v, uuid.UUID) else v.isoformat() if isinstance(v, datetime) else v)
                  for k, v in context.items()}}
    emit(session, tenant_id=tenant_id, type="signal.escalated", entity="customer", entity_id=customer_id,
         actor_id=user_id, payload=payload)


async def retire_conversation(
    session: AsyncSession, tenant_id: uuid.UUID, follow_up_id: uuid.UUID, customer_id: uuid.UUID
) -> None:
    """A deleted follow-up no longer counts: its hits (summary and transcript) are retired."""
    await repo.lock_follow_up(session, tenant_id, follow_up_id)
    signals = await repo.signals_of_conversation(session, tenant_id, follow_up_id, besides=("", follow_up_id))
    await repo.retire_conversation(session, tenant_id, follow_up_id, utcnow())
    for signal in sorted(signals):
        await _count_down(session, tenant_id, customer_id, signal)


async def move_conversation(
    session: AsyncSession, tenant_id: uuid.UUID, follow_up_id: uuid.UUID, customer_id: uuid.UUID,
    occurred_at: datetime, opportunity_id: uuid.UUID | None,
) -> None:
    """A follow-up moved in time or to another deal: every hit of the conversation (its transcript's
    too) moves with it, and the customer's first/last seen follow."""
    await repo.lock_follow_up(session, tenant_id, follow_up_id)
    await repo.move_conversation(session, tenant_id, follow_up_id, occurred_at, opportunity_id)
    signals = await repo.signals_of_conversation(session, tenant_id, follow_up_id, besides=("", follow_up_id))
    for signal in sorted(signals):
        await repo.count_down(session, tenant_id, customer_id, signal, by=0)


# --- reads -------------------------------------------------------------------------------------

async def customer_signals(session: AsyncSession, principal: Principal, customer_id: uuid.UUID) -> dict[str, Any]:
    """For the route: a customer the caller cannot see is a 404."""
    customer = await customer_service.get_customer(session, principal, customer_id)
    return {"customer_id": customer.id, "items": await signals_of(session, customer.tenant_id, customer.id)}


async def signals_of(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[dict[str, Any]]:
    """A customer's counters, latest first, labelled by the current configuration (no visibility check:
    for callers that already hold the customer)."""
    config = await current(session, tenant_id)
    items = []
    for row in await repo.counters_of(session, tenant_id, customer_id):
        signal = config.by_code.get(row.signal)
        threshold = signal["escalation_count"] if signal else None
        items.append({
            "signal": row.signal, "label": signal["label"] if signal else row.signal, "count": row.count,
            "first_seen_at": row.first_seen_at, "last_seen_at": row.last_seen_at, "escalation_count": threshold,
            "escalated": threshold is not None and row.count >= threshold, "escalations": row.escalations,
        })
    return items


def config_read(config: Config) -> dict[str, Any]:
    return {"version": config.version, "is_default": config.is_default, "signals": list(config.signals),
            "note": config.note, "created_at": config.created_at, "created_by": config.created_by}
