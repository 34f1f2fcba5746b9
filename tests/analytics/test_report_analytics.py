"""Process analytics (§5): daily-report discipline over the Chinese workday calendar, and action
effectiveness with its 90-day win window. Every figure is checked against a hand-computed oracle.

The 2026 calendar used below, as `chinese_calendar.get_workdays` has it (checked, not assumed):
Mid-Autumn Fri 25 Sep – Sun 27 Sep off; National Day Thu 1 Oct – Wed 7 Oct off; make-up workdays
Sun 20 Sep and Sat 10 Oct; Thu 8 Oct is a normal workday.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
import sqlalchemy as sa

from salescore.models import DailyReport, User
from tests.support import Actor, Harness

SH = ZoneInfo("Asia/Shanghai")  # the tenant timezone every test tenant gets at signup
LONG_AGO = datetime(2003, 1, 1, tzinfo=UTC)
# 19 Sep (Sat) – 11 Oct (Sun) 2026: workdays 20, 21, 22, 23, 24, 28, 29, 30 Sep and 8, 9, 10 Oct.
WINDOW = {"from": "2026-09-19", "to": "2026-10-11"}
WINDOW_WORKDAYS = [date(2026, 9, d) for d in (20, 21, 22, 23, 24, 28, 29, 30)] + [
    date(2026, 10, d) for d in (8, 9, 10)
]


def test_the_2026_calendar_is_what_the_oracles_assume() -> None:
    assert chinese_calendar.get_workdays(date(2026, 9, 19), date(2026, 10, 11)) == WINDOW_WORKDAYS


# --- helpers -----------------------------------------------------------------------------------

async def _execute(h: Harness, stmt: Any) -> None:
    async with h.runtime.sessionmaker() as session:
        await session.execute(stmt)
        await session.commit()


async def created_at(h: Harness, actor: Actor, when: datetime) -> None:
    # The API creates users "now"; back-date the row so that past windows expect their reports.
    await _execute(h, sa.update(User).where(User.id == uuid.UUID(actor.user_id)).values(created_at=when)
                   .execution_options(synchronize_session=False))


def end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SH)


async def report(h: Harness, actor: Actor, day: date, delay_seconds: int = 0, on_time: bool = True) -> None:
    """A daily report for `day` through the API, then given the submission it would have had if
    sent `delay_seconds` after the end of that day."""
    if actor.user_id not in _customers:
        _customers[actor.user_id] = (await h.customer(actor))["id"]
    customer = _customers[actor.user_id]
    r = await h.client.post("/api/v1/daily-reports", headers=actor.headers, json={
        "date": day.isoformat(),
        "items": [{"customer_id": customer, "action_code": "customer_visit", "fields": {}}],
        "progress": {"customer_id": customer, "note": "客户确认下周复测样品"},
    })
    assert r.status_code == 201, r.text
    # The API stamps the first submission with the server clock (today, so every past report
    # would be months late); past submission times can only be set on the row itself.
    submitted = end_of(day) + (timedelta(seconds=delay_seconds) if delay_seconds else -timedelta(hours=2))
    await _execute(h, sa.update(DailyReport).where(DailyReport.id == uuid.UUID(r.json()["id"]))
                   .values(submitted_at=submitted, delay_seconds=delay_seconds, on_time=on_time)
                   .execution_options(synchronize_session=False))


_customers: dict[str, str] = {}


async def analytics(h: Harness, actor: Actor, path: str = "daily-reports", **params: Any) -> dict[str, Any]:
    r = await h.client.get(f"/api/v1/analytics/{path}", params=params, headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()


def by_user(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {u["user_id"]: u for u in body["users"]}


# --- daily reports -----------------------------------------------------------------------------

async def _reporting_org(h: Harness) -> Any:
    """Team 1: rep A (since 2003) with 5 reports on workdays + 1 on a holiday; rep B, created
    30 Sep 01:00 Shanghai (29 Sep in UTC), with one report before and one after. Everyone else
    was created today."""
    org = await h.org()
    a, b = org.reps[0], org.reps[1]
    await created_at(h, a, LONG_AGO)
    await created_at(h, b, datetime(2026, 9, 29, 17, 0, tzinfo=UTC))
    # delays in days: 0, 0, 0.5 (late but on time), 2 (missed the deadline), 0
    await report(h, a, date(2026, 9, 20))  # Sunday make-up workday: expected
    await report(h, a, date(2026, 9, 21))
    await report(h, a, date(2026, 9, 22), delay_seconds=43200)
    await report(h, a, date(2026, 10, 8), delay_seconds=172800, on_time=False)
    await report(h, a, date(2026, 10, 10))  # Saturday make-up workday
    await report(h, a, date(2026, 10, 3), delay_seconds=86400)  # National Day: not counted
    await report(h, b, date(2026, 9, 28))  # before B existed in tenant time: not counted
    await report(h, b, date(2026, 10, 9), delay_seconds=3600)
    return org


async def test_daily_report_figures_over_national_day(h: Harness) -> None:
    org = await _reporting_org(h)
    a, b = org.reps[0], org.reps[1]
    body = await analytics(h, org.director, **WINDOW)
    assert (body["from"], body["to"], body["through"]) == ("2026-09-19", "2026-10-11", "2026-10-11")
    assert body["workdays"] == 11 and body["calendar_warnings"] == []
    users = by_user(body)
    # Reps and managers only: not the director, the admin or the staff member.
    assert set(users) == {m.user_id for m in (*org.reps, *org.managers)}
    assert users[a.user_id] == {
        "user_id": a.user_id, "name": "用户", "team_id": org.teams[0], "expected": 11, "submitted": 5,
        "submission_rate": round(5 / 11, 4), "on_time": 4, "on_time_rate": 0.8, "mean_delay_days": 0.5,
    }
    # B: 30 Sep, 8, 9, 10 Oct expected (a UTC creation date would add 29 Sep).
    assert (users[b.user_id]["expected"], users[b.user_id]["submitted"]) == (4, 1)
    assert users[b.user_id]["mean_delay_days"] == round(3600 / 86400, 4)
    for fresh in (org.reps[2], org.reps[3], *org.managers):  # created today: nothing expected yet
        figures = users[fresh.user_id]
        assert (figures["expected"], figures["submitted"]) == (0, 0)
        assert figures["submission_rate"] is figures["on_time_rate"] is figures["mean_delay_days"] is None
    team1 = next(t for t in body["teams"] if t["team_id"] == org.teams[0])
    assert team1 == {
        "team_id": org.teams[0], "name": "华东", "expected": 15, "submitted": 6, "submission_rate": 0.4,
        "on_time": 5, "on_time_rate": round(5 / 6, 4),
        "mean_delay_days": round((43200 + 172800 + 3600) / 6 / 86400, 4),
    }
    assert body["total"]["expected"] == 15 and body["total"]["submitted"] == 6
    # The team filter: the same figures for team 1's members only.
    filtered = await analytics(h, org.director, team_id=org.teams[0], **WINDOW)
    assert set(by_user(filtered)) == {a.user_id, b.user_id, org.managers[0].user_id}
    assert filtered["total"] == {k: v for k, v in team1.items() if k not in {"team_id", "name"}}


async def test_visibility_rep_manager_director(h: Harness) -> None:
    org = await _reporting_org(h)
    a = org.reps[0]
    mine = await analytics(h, a, **WINDOW)
    assert list(by_user(mine)) == [a.user_id] and mine["total"]["submitted"] == 5
    team = await analytics(h, org.managers[0], **WINDOW)
    assert set(by_user(team)) == {a.user_id, org.reps[1].user_id, org.managers[0].user_id}
    other = await analytics(h, org.managers[1], **WINDOW)
    assert a.user_id not in by_user(other) and other["total"]["submitted"] == 0
    # A team out of reach is refused rather than silently empty.
    r = await h.client.get("/api/v1/analytics/daily-reports", params={"team_id": org.teams[0]},
                           headers=org.managers[1].headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "team_id"
    assert len((await analytics(h, org.admin, **WINDOW))["users"]) == 6


async def test_tenant_workday_overrides_change_expected(h: Harness) -> None:
    org = await _reporting_org(h)
    overrides = [{"date": "2026-10-03", "workday": True}, {"date": "2026-09-21", "workday": False}]
    r = await h.client.patch("/api/v1/tenant", json={"settings": {"workday_overrides": overrides}},
                             headers=org.admin.headers)
    assert r.status_code == 200, r.text
    body = await analytics(h, org.director, **WINDOW)
    a = by_user(body)[org.reps[0].user_id]
    # 3 Oct becomes a workday (its report counts), 21 Sep a day off (its report no longer does).
    assert body["workdays"] == 11
    assert (a["expected"], a["submitted"], a["on_time"]) == (11, 5, 4)
    assert a["mean_delay_days"] == round((43200 + 172800 + 86400) / 5 / 86400, 4)


async def test_unknown_calendar_years_fall_back_to_monday_friday(h: Harness) -> None:
    org = await h.org()
    a = org.reps[0]
    await created_at(h, a, LONG_AGO)
    await report(h, a, date(2003, 3, 3))  # a Monday
    await report(h, a, date(2003, 3, 8))  # a Saturday: not expected under Monday–Friday
    # March 2003 (before the calendar's first year): 21 weekdays.
    past = await analytics(h, a, **{"from": "2003-03-01", "to": "2003-03-31"})
    assert past["workdays"] == 21
    assert len(past["calendar_warnings"]) == 1 and "2003" in past["calendar_warnings"][0]
    assert (past["users"][0]["expected"], past["users"][0]["submitted"]) == (21, 1)
    # January 2030: 23 weekdays, none of them expected yet (the future is not counted).
    future = await analytics(h, a, **{"from": "2030-01-01", "to": "2030-01-31"})
    assert future["workdays"] == 23 and "2030" in future["calendar_warnings"][0]
    assert future["users"][0]["expected"] == 0 and future["total"]["submission_rate"] is None


async def test_default_period_and_bad_input(h: Harness) -> None:
    org = await h.org()
    body = await analytics(h, org.reps[0])
    today = datetime.now(SH).date()
    assert body["to"] == today.isoformat() and body["from"] == (today - timedelta(days=29)).isoformat()
    for path in ("daily-reports", "action-effectiveness"):
        for params, field in (
            ({"from": "2026-10-02", "to": "2026-10-01"}, "to"),
            ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),
            ({"from": "01/10/2026"}, "from"),
            ({"from": "0"}, "from"),
            ({"to": "2026-13-01"}, "to"),
            ({"team_id": str(uuid.uuid4())}, "team_id"),
        ):
            r = await h.client.get(f"/api/v1/analytics/{path}", params=params, headers=org.reps[0].headers)
            assert r.status_code == 422, (path, params, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert [e["field"] for e in r.json()["errors"]] == [field], (path, params, r.text)
    ok = await analytics(h, org.reps[0], **{"from": "2025-01-01", "to": "2026-01-01"})  # 366 days
    assert ok["workdays"] > 240


# --- action effectiveness ----------------------------------------------------------------------

PROPOSAL = {"code": "proposal_sent", "fields": {"core_need": "降本", "decision_maker_role": "technical"}}
VISIT = {"code": "customer_visit", "fields": {}}


async def actions(
    h: Harness, actor: Actor, customer_id: str, action: dict[str, Any], moments: list[datetime],
    deleted: bool = False,
) -> None:
    """One follow-up with `action` at each moment (its action_records row); `deleted` deletes them
    again, which soft-deletes their action rows."""
    for moment in moments:
        r = await h.client.post("/api/v1/follow-ups", headers=actor.headers, json={
            "customer_id": customer_id, "channel": "visit", "occurred_at": moment.isoformat(),
            "actions": [action],
        })
        assert r.status_code == 201, r.text
        if deleted:
            gone = await h.client.delete(f"/api/v1/follow-ups/{r.json()['id']}", headers=actor.headers)
            assert gone.status_code == 204, gone.text


async def won_deal(
    h: Harness, actor: Actor, customer_id: str, won_at: datetime | None, status: str = "won"
) -> None:
    deal = await h.opportunity(actor, customer_id)
    body: dict[str, Any] = {"status": status} | ({"won_at": won_at.isoformat()} if won_at else {})
    r = await h.client.patch(f"/api/v1/opportunities/{deal['id']}", json=body, headers=actor.headers)
    assert r.status_code == 200, r.text
    if won_at:
        assert datetime.fromisoformat(r.json()["won_at"]) == won_at


JUNE = datetime(2026, 6, 1, 9, 30, 15, 250000, tzinfo=SH)  # microseconds on purpose (SQLite text compare)
PERIOD = {"from": "2026-05-01", "to": "2026-07-31"}


async def _active_org(h: Harness) -> Any:
    """busy (team 1): proposal_sent on 10 distinct days, nothing won after it. closer (team 2):
    proposal_sent on 10 distinct days across five customers, two deals won within 90 days."""
    org = await h.org()
    busy, closer = org.reps[0], org.reps[2]
    c = (await h.customer(busy))["id"]
    await actions(h, busy, c, PROPOSAL, [JUNE + timedelta(days=d) for d in range(10)] + [JUNE])
    # Deleted follow-ups soft-delete their action rows: an 11th day and a whole code that vanish.
    await actions(h, busy, c, PROPOSAL, [JUNE + timedelta(days=12)], deleted=True)
    await actions(h, busy, c, VISIT, [JUNE], deleted=True)
    await won_deal(h, busy, c, JUNE - timedelta(days=1))  # won before any action: no win
    # c1 won exactly 90 days after its only action (counts); c2 won 90 days + 1 s after (day 91:
    # does not count) and once before the action; c3 acted on twice with one deal won inside both
    # windows (one win, not two); c4 lost; c5 only adds days (6 more, 10 in all).
    c1, c2, c3, c4, c5 = [(await h.customer(closer))["id"] for _ in range(5)]
    t2, t3 = JUNE + timedelta(days=1), JUNE + timedelta(days=2)
    await actions(h, closer, c1, PROPOSAL, [JUNE])
    await actions(h, closer, c2, PROPOSAL, [t2])
    await actions(h, closer, c3, PROPOSAL, [t3, t3 + timedelta(days=1)])
    await actions(h, closer, c4, PROPOSAL, [JUNE])
    await actions(h, closer, c5, PROPOSAL, [JUNE + timedelta(days=d) for d in range(4, 10)])
    # 31 Jul 16:30 UTC is 1 Aug in Shanghai: outside the period, though its UTC date is inside.
    await actions(h, closer, c5, VISIT, [JUNE, datetime(2026, 7, 31, 16, 30, tzinfo=UTC)])
    await won_deal(h, closer, c1, JUNE + timedelta(days=90))
    await won_deal(h, closer, c2, t2 + timedelta(days=90, seconds=1))
    await won_deal(h, closer, c2, t2 - timedelta(minutes=1))
    await won_deal(h, closer, c3, t3 + timedelta(days=30))
    await won_deal(h, closer, c4, None, status="lost")
    return org


async def test_action_effectiveness_wins_window_and_flags(h: Harness) -> None:
    org = await _active_org(h)
    busy, closer = org.reps[0], org.reps[2]
    body = await analytics(h, org.director, "action-effectiveness", **PERIOD)
    assert (body["from"], body["to"], body["high_activity_days"]) == ("2026-05-01", "2026-07-31", 10)
    items = {(i["user_id"], i["code"]): i for i in body["items"]}
    assert items[(busy.user_id, "proposal_sent")] == {
        "user_id": busy.user_id, "name": "用户", "code": "proposal_sent", "label": "方案发送", "times_used": 11,
        "days_used": 10, "customers_touched": 1, "wins": 0, "high_activity_zero_conversion": True,
    }
    assert (busy.user_id, "customer_visit") not in items
    mine = items[(closer.user_id, "proposal_sent")]
    assert (mine["times_used"], mine["days_used"], mine["customers_touched"], mine["wins"]) == (11, 10, 5, 2)
    assert mine["high_activity_zero_conversion"] is False
    visit = items[(closer.user_id, "customer_visit")]
    assert (visit["times_used"], visit["days_used"], visit["wins"]) == (1, 1, 0)
    assert visit["high_activity_zero_conversion"] is False
    assert len(body["items"]) == 3
    keys = [(i["name"], i["user_id"], i["code"]) for i in body["items"]]
    assert keys == sorted(keys)  # by user (name, then id), then code
    may = {"from": "2026-05-01", "to": "2026-05-31"}
    assert (await analytics(h, org.director, "action-effectiveness", **may))["items"] == []


async def test_action_effectiveness_filters_visibility_and_labels(h: Harness) -> None:
    org = await _active_org(h)
    busy, closer = org.reps[0], org.reps[2]

    async def people(actor: Actor, **params: Any) -> set[str]:
        body = await analytics(h, actor, "action-effectiveness", **PERIOD, **params)
        return {i["user_id"] for i in body["items"]}

    assert await people(org.director) == {busy.user_id, closer.user_id}
    assert await people(org.director, team_id=org.teams[1]) == {closer.user_id}
    assert await people(busy) == {busy.user_id}
    assert await people(org.managers[1]) == {closer.user_id}
    r = await h.client.get("/api/v1/analytics/action-effectiveness", params={"user_id": closer.user_id},
                           headers=busy.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "user_id"

    english = {**org.director.headers, "Accept-Language": "en-US,en;q=0.9"}
    r = await h.client.get("/api/v1/analytics/action-effectiveness", headers=english,
                           params={**PERIOD, "code": "proposal_sent", "user_id": busy.user_id})
    assert r.status_code == 200 and [i["label"] for i in r.json()["items"]] == ["Proposal sent"]
    # A tenant that renamed its template sees its own label.
    templates = (await h.client.get("/api/v1/action-templates", headers=org.admin.headers)).json()
    proposal = next(t for t in templates if t["code"] == "proposal_sent")
    r = await h.client.patch(f"/api/v1/action-templates/{proposal['id']}", json={"label": "方案已发"},
                             headers=org.admin.headers)
    assert r.status_code == 200, r.text
    renamed = await analytics(h, busy, "action-effectiveness", code="proposal_sent", **PERIOD)
    assert [i["label"] for i in renamed["items"]] == ["方案已发"]


def test_add_days_renders_per_dialect_and_keys_its_day_count() -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    from salescore.kit.dialect import add_days
    from salescore.models import ActionRecord

    stmt = sa.select(add_days(ActionRecord.occurred_at, 90))
    assert "action_records.occurred_at + INTERVAL '2160 hours'" in str(stmt.compile(dialect=postgresql.dialect()))
    assert ("datetime(substr(action_records.occurred_at, 1, 19), '+90 days') || substr(action_records.occurred_at, 20)"
            in str(stmt.compile(dialect=sqlite.dialect())))
    # Statements differing only in the day count must not share a cached compilation.
    other = sa.select(add_days(ActionRecord.occurred_at, 91))
    assert stmt._generate_cache_key() != other._generate_cache_key()
