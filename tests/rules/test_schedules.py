"""Time in rules: end of week on the statutory calendar, overdue escalation, missing daily reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from salescore.kit.types import utcnow
from salescore.models import ScheduleMark
from salescore.rules.due import end_of_week
from salescore.rules.tasks import escalate_overdue, missing_daily_reports
from tests.rules.support import cards, emit_event, rule_by_code, runs, todos
from tests.support import Harness

CST = ZoneInfo("Asia/Shanghai")


def test_end_of_week_is_the_last_workday_of_the_week_with_make_up_days_and_holidays() -> None:
    # An ordinary week: Friday 18:00.
    assert end_of_week(datetime(2026, 11, 25, 10, tzinfo=CST), "Asia/Shanghai") == datetime(2026, 11, 27, 18, tzinfo=CST)
    # Before the 2026 Spring Festival, Saturday 14 February is a make-up workday (调休).
    assert end_of_week(datetime(2026, 2, 11, 10, tzinfo=CST), "Asia/Shanghai") == datetime(2026, 2, 14, 18, tzinfo=CST)
    # The festival week has no workday at all: the end of Sunday.
    assert end_of_week(datetime(2026, 2, 17, 10, tzinfo=CST), "Asia/Shanghai") == datetime(2026, 2, 22, 23, 59, 59, tzinfo=CST)
    # Friday evening after 18:00: the end of Sunday, not a time already past.
    assert end_of_week(datetime(2026, 11, 27, 19, tzinfo=CST), "Asia/Shanghai") == datetime(2026, 11, 29, 23, 59, 59, tzinfo=CST)
    # A tenant override that makes Friday a day off moves it to Thursday.
    assert end_of_week(datetime(2026, 11, 25, 10, tzinfo=CST), "Asia/Shanghai", {"2026-11-27": False}) == \
        datetime(2026, 11, 26, 18, tzinfo=CST)


async def test_receivable_reminder_escalates_to_the_manager_once_when_still_open_at_due(h: Harness) -> None:
    """Default rule 4, fed by a synthetic `receivable.turned_yellow` (its producer is §11)."""
    org = await h.org()
    rep, manager = org.reps[1], org.managers[0]
    customer = await h.customer(rep, name="温州快消")
    await emit_event(h, rep.tenant_id, "receivable.turned_yellow", "customer", customer["id"],
                     {"customer_id": customer["id"], "receivable_id": "r-1"})
    [todo] = await todos(h, rep)
    assert todo["title"] == "发起付款提醒：温州快消" and todo["requires_attachment"] is True
    due = datetime.fromisoformat(todo["due_at"])
    assert timedelta(hours=47, minutes=59) < due - utcnow() <= timedelta(hours=48)
    await escalate_overdue(h.runtime, now=due - timedelta(minutes=1))
    await h.drain()
    assert not [c for c in await cards(h, manager) if c["kind"] == "escalation"]  # not due yet
    await escalate_overdue(h.runtime, now=due + timedelta(minutes=1))
    await escalate_overdue(h.runtime, now=due + timedelta(hours=5))
    await h.drain()
    escalations = [c for c in await cards(h, manager) if c["kind"] == "escalation"]
    assert [c["title"] for c in escalations] == ["待办逾期未完成：发起付款提醒：温州快消"]
    # Completing a todo in time means nobody is told.
    rule = await rule_by_code(h, rep, "receivable_yellow_payment_reminder")
    assert [r["status"] for r in await runs(h, rep, rule["id"])] == ["succeeded"]


async def test_a_missing_daily_report_reminds_its_author_once_at_the_deadline(h: Harness) -> None:
    org = await h.org()
    diligent, forgetful = org.reps[0], org.reps[1]
    # Make the tenant and its people older than the report day, as a running tenant's are.
    async with h.runtime.sessionmaker() as session:
        await session.execute(sa.text("UPDATE tenants SET created_at = :at WHERE id = :id").bindparams(
            at=datetime(2026, 11, 1, tzinfo=UTC), id=__import__("uuid").UUID(org.admin.tenant_id)))
        await session.execute(sa.text("UPDATE users SET created_at = :at WHERE tenant_id = :id").bindparams(
            at=datetime(2026, 11, 1, tzinfo=UTC), id=__import__("uuid").UUID(org.admin.tenant_id)))
        await session.commit()
    customer = await h.customer(diligent)
    r = await h.client.post("/api/v1/daily-reports", headers=diligent.headers, json={
        "date": "2026-11-24", "items": [{"customer_id": customer["id"], "action_code": "customer_visit", "fields": {}}],
        "progress": {"customer_id": customer["id"], "note": "推进顺利"}})
    assert r.status_code == 201, r.text
    # Wednesday 25 Nov 09:59 CST: the deadline for Tuesday's report (10:00 the next workday) has not passed.
    before = datetime(2026, 11, 25, 9, 59, tzinfo=CST)
    after = datetime(2026, 11, 25, 10, 1, tzinfo=CST)
    await missing_daily_reports(h.runtime, now=before)
    await h.drain()
    # Monday's deadline (Tuesday 10:00) has passed: that one is due, Tuesday's is not yet.
    assert [c["title"] for c in await cards(h, forgetful)] == ["日报未提交：2026-11-23"]
    await missing_daily_reports(h.runtime, now=after)
    await missing_daily_reports(h.runtime, now=after + timedelta(minutes=5))
    await h.drain()
    assert sorted(c["title"] for c in await cards(h, forgetful)) == ["日报未提交：2026-11-23", "日报未提交：2026-11-24"]
    assert [c["title"] for c in await cards(h, diligent)] == ["日报未提交：2026-11-23"]
    async with h.runtime.sessionmaker() as session:
        marks = list(await session.scalars(sa.select(ScheduleMark.key).where(
            ScheduleMark.tenant_id == __import__("uuid").UUID(org.admin.tenant_id))))
    assert "daily-report-missing:2026-11-24" in marks
