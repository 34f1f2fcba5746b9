"""The rules' periodic duties: due runs (delays and retries), overdue todos, missing daily reports."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.daily_report.service import deadline_for, end_of_day
from salescore.events.outbox import emit, take_pending
from salescore.events.periodic import claim_mark, periodic
from salescore.kit.types import utcnow
from salescore.kit.workdays import is_workday, local_date
from salescore.models import DailyReport, RuleRun, Tenant, Todo, User
from salescore.models.daily_report import REPORTING_ROLES
from salescore.rules.actions import _notify
from salescore.rules.context import build_context
from salescore.rules.engine import resume
from salescore.tenancy.service import workday_overrides

log = logging.getLogger("salescore.rules")
BATCH = 100


def _for_update(session: AsyncSession, stmt: sa.Select[Any]) -> sa.Select[Any]:
    # Several workers: each due row is taken by one of them; SQLite has a single writer anyway.
    return stmt.with_for_update(skip_locked=True) if session.bind.dialect.name == "postgresql" else stmt


async def run_due(runtime: Any, *, now: datetime | None = None) -> int:
    now = now or utcnow()
    async with runtime.sessionmaker() as session:
        due = list(await session.execute(
            sa.select(RuleRun.tenant_id, RuleRun.id)
            .where(RuleRun.status.in_(("scheduled", "failed")), RuleRun.next_attempt_at <= now)
            .order_by(RuleRun.next_attempt_at).limit(BATCH)
        ))
    for tenant_id, run_id in due:
        async with runtime.sessionmaker() as session:
            run = await session.scalar(_for_update(session, sa.select(RuleRun).where(
                RuleRun.tenant_id == tenant_id, RuleRun.id == run_id,
                RuleRun.status.in_(("scheduled", "failed")), RuleRun.next_attempt_at <= now)))
            if run is None:
                continue
            try:
                await resume(session, run, now=now)
                await session.commit()
            except Exception as exc:  # one broken run must not stop the others (of every tenant)
                log.exception("rule run crashed", extra={"rule_run_id": str(run_id)})
                await session.rollback()
                await _bury(runtime, tenant_id, run_id, now, f"{type(exc).__name__}: {exc}")
                continue
            await runtime.publish(take_pending(session))
    return len(due)


async def _bury(runtime: Any, tenant_id: uuid.UUID, run_id: uuid.UUID, now: datetime, error: str) -> None:
    async with runtime.sessionmaker() as session:
        await session.execute(sa.update(RuleRun).where(RuleRun.tenant_id == tenant_id, RuleRun.id == run_id).values(
            status="dead", error=error[:1000], next_attempt_at=None, finished_at=now))
        await session.commit()


async def escalate_overdue(runtime: Any, *, now: datetime | None = None) -> int:
    """A rule's todo still open at its due time: tell whoever `escalate_to` names, once."""
    now = now or utcnow()
    async with runtime.sessionmaker() as session:
        todos = list(await session.scalars(_for_update(session, sa.select(Todo).where(
            Todo.status == "open", Todo.deleted_at.is_(None), Todo.escalate_to.is_not(None),
            Todo.escalated_at.is_(None), Todo.due_at <= now).limit(BATCH))))
        for todo in todos:
            await session.execute(sa.update(Todo).where(Todo.tenant_id == todo.tenant_id, Todo.id == todo.id)
                                  .values(escalated_at=now))
            try:
                async with session.begin_nested():
                    await _escalate(session, todo)
            except Exception:  # marked escalated all the same: a broken one must not block the rest
                log.exception("overdue escalation failed", extra={"todo_id": str(todo.id)})
        await session.commit()
        await runtime.publish(take_pending(session))
    return len(todos)


async def _escalate(session: AsyncSession, todo: Todo) -> None:
    """`todo.overdue` for the change feed and rules, and the escalation card itself."""
    event = emit(session, tenant_id=todo.tenant_id, type="todo.overdue", entity="todo", entity_id=todo.id,
                 payload={"todo_id": str(todo.id), "title": todo.title, "assignee_id": str(todo.assignee_id),
                          "due_at": todo.due_at.isoformat() if todo.due_at else None,
                          "escalate_to": todo.escalate_to,
                          "customer_id": str(todo.customer_id) if todo.customer_id else None})
    await session.flush()
    ctx = await build_context(session, event)
    await _notify(session, ctx, {"to": [todo.escalate_to], "title": f"待办逾期未完成：{todo.title}"[:200],
                                 "body": "到期仍未完成，请跟进。"}, f"todo:{todo.id}:overdue", False, kind="escalation")


async def missing_daily_reports(runtime: Any, *, now: datetime | None = None) -> int:
    """At each workday's report deadline, one `daily_report.missing` event per reporter without one."""
    now = now or utcnow()
    emitted = 0
    async with runtime.sessionmaker() as session:
        tenants = list(await session.scalars(sa.select(Tenant)))
    for tenant in tenants:
        day = _last_due_day(tenant, now)
        if day is None:
            continue
        async with runtime.sessionmaker() as session:
            if not await claim_mark(session, tenant.id, f"daily-report-missing:{day.isoformat()}"):
                continue
            submitted = sa.select(DailyReport.user_id).where(
                DailyReport.tenant_id == tenant.id, DailyReport.report_date == day)
            users = list(await session.scalars(sa.select(User).where(
                User.tenant_id == tenant.id, User.is_active.is_(True), User.role.in_(REPORTING_ROLES),
                User.created_at < end_of_day(tenant, day), User.id.not_in(submitted))))
            for user in users:
                emit(session, tenant_id=tenant.id, type="daily_report.missing", entity="user", entity_id=user.id,
                     payload={"user_id": str(user.id), "date": day.isoformat(),
                              "deadline_at": deadline_for(tenant, day).isoformat()})
            emitted += len(users)
            await session.commit()
            await runtime.publish(take_pending(session))
    return emitted


def _last_due_day(tenant: Tenant, now: datetime) -> Any:
    """The latest workday (within a week) whose deadline has passed, if the tenant existed then."""
    overrides = workday_overrides(tenant)
    day = local_date(now, tenant.timezone) + timedelta(days=1)  # today first: a deadline may be the same day
    for _ in range(9):
        day = day - timedelta(days=1)
        if is_workday(day, overrides) and deadline_for(tenant, day) <= now:
            return day if local_date(tenant.created_at, tenant.timezone) <= day else None
    return None


@periodic("rules.due", every_seconds=5)
async def _run_due(runtime: Any) -> int:
    return await run_due(runtime)


@periodic("rules.overdue_todos", every_seconds=30)
async def _overdue(runtime: Any) -> int:
    return await escalate_overdue(runtime)


@periodic("rules.daily_report_missing", every_seconds=60)
async def _missing(runtime: Any) -> int:
    return await missing_daily_reports(runtime)


