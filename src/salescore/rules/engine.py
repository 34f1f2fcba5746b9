"""Running rules on events: match, check the condition, execute the actions — once per (rule, event).

A run executes inside a savepoint of the handler's transaction: a failing action undoes the run's
other effects and leaves a failed run with its error and next attempt, never blocking the event's
other rules or the write that caused it. Delayed triggers become scheduled runs that re-check the
condition when due (a quote confirmed within 24 h cancels the reminder).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.events.outbox import CAUSED_BY
from salescore.kit.types import new_id, utcnow
from salescore.models import Event, Rule, RuleRun
from salescore.rules.actions import EXECUTORS, ActionFailed
from salescore.rules.condition import ConditionError, evaluate
from salescore.rules.context import RuleContext, build_context

log = logging.getLogger("salescore.rules")
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1), timedelta(hours=6))
MAX_ATTEMPTS = len(BACKOFF) + 1
MAX_DEPTH = 3


def depth(event: Event) -> int:
    return int(((event.payload or {}).get("caused_by") or {}).get("depth", 0))


def triggered(rule: Rule, event_type: str) -> bool:
    return fnmatchcase(event_type, str((rule.trigger or {}).get("event", "")))


async def rules_for(session: AsyncSession, event: Event) -> list[Rule]:
    stmt = (
        sa.select(Rule)
        .where(Rule.tenant_id == event.tenant_id, Rule.enabled.is_(True), Rule.deleted_at.is_(None))
        .order_by(Rule.position, Rule.created_at, Rule.id)
    )
    return [r for r in await session.scalars(stmt) if triggered(r, event.type)]


async def execute(session: AsyncSession, ctx: RuleContext, rule: Rule, *, dry: bool) -> list[dict[str, Any]]:
    """Run (or plan) every action in order. Raises ActionFailed-like errors with the step attached."""
    results: list[dict[str, Any]] = []
    cause = {"rule_id": str(rule.id), "event_id": str(ctx.event.id), "depth": depth(ctx.event) + 1}
    token = CAUSED_BY.set(cause)
    try:
        for index, action in enumerate(rule.actions):
            kind = action.get("kind", "")
            key = f"rule:{rule.id}:{ctx.event.id}:{index}"
            try:
                outcome = await EXECUTORS[kind](session, ctx, action, key, dry)
            except Exception as exc:
                raise StepFailed(index, kind, exc, results) from exc
            results.append({"index": index, "kind": kind, "status": outcome.pop("status", "would" if dry else "done"),
                            **outcome})
    finally:
        CAUSED_BY.reset(token)
    return results


class StepFailed(Exception):
    def __init__(self, index: int, kind: str, cause: Exception, done: list[dict[str, Any]]) -> None:
        detail = str(cause) if isinstance(cause, ActionFailed) else f"{type(cause).__name__}: {cause}"
        super().__init__(f"action {index} ({kind}): {detail}"[:1000])
        self.index, self.kind, self.done = index, kind, done


async def _attempt(session: AsyncSession, run: RuleRun, rule: Rule, ctx: RuleContext, now: datetime) -> None:
    run.attempts += 1
    try:
        async with session.begin_nested():
            run.results = await execute(session, ctx, rule, dry=False)
    except StepFailed as exc:
        run.results = [*exc.done, {"index": exc.index, "kind": exc.kind, "status": "failed", "error": str(exc)}]
        _failed(run, str(exc), now)
        log.warning("rule run failed", extra={"rule_id": str(rule.id), "event_id": str(run.event_id),
                                              "attempt": run.attempts, "error": str(exc)})
        return
    run.status, run.error, run.next_attempt_at, run.finished_at = "succeeded", None, None, now


def _failed(run: RuleRun, error: str, now: datetime) -> None:
    run.error = error
    if run.attempts >= MAX_ATTEMPTS:
        run.status, run.next_attempt_at, run.finished_at = "dead", None, now
    else:
        run.status, run.next_attempt_at = "failed", now + BACKOFF[run.attempts - 1]


async def on_event(session: AsyncSession, event: Event) -> int:
    """Start every matching rule's run for this event. Returns how many runs were recorded."""
    if depth(event) >= MAX_DEPTH:
        return 0
    rules = await rules_for(session, event)
    if not rules:
        return 0
    done = set(await session.scalars(sa.select(RuleRun.rule_id).where(
        RuleRun.tenant_id == event.tenant_id, RuleRun.event_id == event.id)))
    ctx = await build_context(session, event)
    now, started = utcnow(), 0
    for rule in (r for r in rules if r.id not in done):
        run = RuleRun(id=new_id(), tenant_id=event.tenant_id, rule_id=rule.id, rule_version=rule.version,
                      event_id=event.id, event_type=event.type, status="scheduled", attempts=0, results=[],
                      created_at=now)
        try:
            holds = evaluate(rule.condition, ctx.as_condition_input())
        except ConditionError as exc:
            run.status, run.error, run.finished_at = "dead", str(exc), now
            session.add(run)
            started += 1
            continue
        if not holds:
            continue
        session.add(run)
        started += 1
        delay = (rule.trigger or {}).get("delay_hours")
        if delay:
            run.next_attempt_at = event.occurred_at + timedelta(hours=float(delay))
            continue
        await session.flush()
        await _attempt(session, run, rule, ctx, now)
    await session.flush()
    return started


async def resume(session: AsyncSession, run: RuleRun, *, now: datetime) -> None:
    """Carry out a scheduled run that is due, or retry a failed one."""
    rule = await session.scalar(sa.select(Rule).where(Rule.tenant_id == run.tenant_id, Rule.id == run.rule_id))
    event = await session.scalar(sa.select(Event).where(Event.id == run.event_id))
    if rule is None or event is None or rule.deleted_at is not None or not rule.enabled:
        run.status, run.error, run.next_attempt_at, run.finished_at = "skipped", "the rule was disabled or deleted", None, now
        return
    ctx = await build_context(session, event)
    if run.status == "scheduled":
        try:
            holds = evaluate(rule.condition, ctx.as_condition_input())
        except ConditionError as exc:
            run.status, run.error, run.next_attempt_at, run.finished_at = "dead", str(exc), None, now
            return
        if not holds:
            run.status, run.next_attempt_at, run.finished_at = "skipped", None, now
            run.error = "the condition no longer held when the delay ended"
            return
    await _attempt(session, run, rule, ctx, now)
