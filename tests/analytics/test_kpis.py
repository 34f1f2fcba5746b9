"""Weekly KPIs (§10): each metric against a hand-computed oracle over the two National Day weeks of
2026 -- W1 Mon 28 Sep – Sun 4 Oct (1–4 Oct off) and W2 Mon 5 Oct – Sun 11 Oct (5–7 Oct off, Sat 10 Oct a
make-up workday) -- in Asia/Shanghai, the zone of every test tenant. Records are made through the API
and back-dated with SQL where the API stamps the server clock.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from salescore.models import FollowUp, Opportunity, StageChange, User
from tests.support import Actor, Harness, Org

SH = ZoneInfo("Asia/Shanghai")
W1, W2 = "2026-09-28", "2026-10-05"
AS_OF = {"as_of": "2026-10-11", "weeks": 2}
LONG_AGO = datetime(2003, 1, 1, tzinfo=UTC)


def sh(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


async def _execute(h: Harness, stmt: Any) -> None:
    async with h.runtime.sessionmaker() as session:
        await session.execute(stmt.execution_options(synchronize_session=False))
        await session.commit()


async def kpis(h: Harness, actor: Actor, **params: Any) -> dict[str, Any]:
    r = await h.client.get("/api/v1/analytics/kpis", params={**AS_OF, **params}, headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()


def series(body: dict[str, Any], metric: str, key: str = "tenant") -> list[tuple[Any, ...]]:
    """(value, n) per week of one group's series; (None, 0) for a group that is absent."""
    group = next((g for g in body["groups"] if g["key"] == key), None)
    if group is None:
        return [(None, 0)] * len(body["weeks"])
    return [(p["value"], p["n"]) for p in group["series"][metric]]


def statuses(body: dict[str, Any], metric: str, key: str = "tenant") -> list[tuple[Any, Any]]:
    group = next(g for g in body["groups"] if g["key"] == key)
    return [(p["threshold"], p["status"]) for p in group["series"][metric]]


async def customer(h: Harness, actor: Actor, created: datetime, **fields: Any) -> str:
    return (await h.customer(actor, created_at=created.isoformat(), **fields))["id"]


async def follow_up(
    h: Harness, actor: Actor, customer_id: str, channel: str, occurred: datetime, *,
    recorded: datetime | None = None, **fields: Any,
) -> str:
    r = await h.client.post("/api/v1/follow-ups", headers=actor.headers, json={
        "customer_id": customer_id, "channel": channel, "occurred_at": occurred.isoformat(), **fields})
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    # The API stamps recorded_at with the server clock; give it the entry time of the story.
    await _execute(h, sa.update(FollowUp).where(FollowUp.id == uuid.UUID(fid))
                   .values(recorded_at=recorded or occurred + timedelta(minutes=30)))
    return fid


# --- 1. lead → first effective follow-up ------------------------------------------------------

async def test_lead_first_response_hours(h: Harness) -> None:
    org = await h.org()
    a, b = org.reps[0], org.reps[1]
    store_team = await h.add_team(org.admin, "门店", kind="store")
    s = await h.add_user(org.admin, "rep", store_team)
    # W1: hours 3, 1.5, 10, 2 and one customer nobody answered.
    a1 = await customer(h, a, sh(9, 28, 9))
    await follow_up(h, a, a1, "email", sh(9, 28, 10))  # email is not an effective channel
    await follow_up(h, a, a1, "call", sh(9, 28, 12))  # first effective: 3 h
    await follow_up(h, a, a1, "call", sh(9, 28, 13))
    a2 = await customer(h, a, sh(9, 29, 10))
    await follow_up(h, a, a2, "visit", sh(9, 29, 11, 30))  # 1.5 h
    await customer(h, a, sh(9, 30, 8))  # unanswered
    b1 = await customer(h, b, sh(10, 1, 20))
    await follow_up(h, b, b1, "wechat", sh(10, 2, 6))  # 10 h
    a4 = await customer(h, a, sh(10, 4, 23, 30))  # Sunday night, Shanghai: still W1
    await follow_up(h, a, a4, "meeting", sh(10, 5, 1, 30))  # 2 h
    # W2: a customer created 00:30 Monday (Sunday in UTC) answered half an hour *before* creation
    # (clamped to 0), a store customer answered in 0.75 h, one answered only after as_of, one deleted.
    a5 = await customer(h, a, sh(10, 5, 0, 30))
    await follow_up(h, a, a5, "call", sh(10, 5, 0, 0))
    s1 = await customer(h, s, sh(10, 6, 10))
    await follow_up(h, s, s1, "call", sh(10, 6, 10, 45))
    b2 = await customer(h, b, sh(10, 10, 9))
    await follow_up(h, b, b2, "call", sh(10, 12, 9))
    gone = await customer(h, b, sh(10, 6, 9))
    assert (await h.client.delete(f"/api/v1/customers/{gone}", headers=b.headers)).status_code == 204
    # entered as an existing customer, not a lead: no lead response, even answered after 30 h
    known = await customer(h, b, sh(10, 6, 9), lifecycle="customer")
    await follow_up(h, b, known, "call", sh(10, 7, 15))

    body = await kpis(h, org.director)
    assert series(body, "lead_first_response_hours") == [(median([3, 1.5, 10, 2]), 4), (median([0, 0.75]), 2)]
    tenant = next(g for g in body["groups"] if g["key"] == "tenant")
    assert [p["unanswered"] for p in tenant["series"]["lead_first_response_hours"]] == [1, 1]
    assert statuses(body, "lead_first_response_hours") == [(4, "ok"), (4, "ok")]
    # Per rep; by team the store team is held to 0.5 h.
    by_rep = await kpis(h, org.director, group_by="rep")
    assert series(by_rep, "lead_first_response_hours", a.user_id) == [(median([3, 1.5, 2]), 3), (0.0, 1)]
    assert series(by_rep, "lead_first_response_hours", b.user_id) == [(10.0, 1), (None, 0)]
    by_team = await kpis(h, org.director, group_by="team")
    assert series(by_team, "lead_first_response_hours", store_team) == [(None, 0), (0.75, 1)]
    assert statuses(by_team, "lead_first_response_hours", store_team)[1] == (0.5, "alert")
    assert series(by_team, "lead_first_response_hours", org.teams[0]) == [(2.5, 4), (0.0, 1)]
    assert statuses(by_team, "lead_first_response_hours", org.teams[0]) == [(4, "ok"), (4, "ok")]
    # A later as_of sees b2 answered (48 h) in W2.
    later = await kpis(h, org.director, as_of="2026-10-12", weeks=3)
    assert series(later, "lead_first_response_hours")[1] == (median([0, 0.75, 48]), 3)
    # product_line: customers have none, the series is left out and says so.
    by_line = await kpis(h, org.director, group_by="product_line")
    assert "lead_first_response_hours" in by_line["omitted"]
    assert all("lead_first_response_hours" not in g["series"] for g in by_line["groups"])


# --- 2. stage transition rate -----------------------------------------------------------------

async def deal(h: Harness, actor: Actor, stage: str, created: datetime, **fields: Any) -> str:
    cust = await customer(h, actor, datetime(2026, 7, 1, tzinfo=SH))
    return (await h.opportunity(actor, cust, stage=stage, created_at=created.isoformat(), **fields))["id"]


async def move(h: Harness, actor: Actor, deal_id: str, stage: str, at: datetime) -> None:
    r = await h.client.post(f"/api/v1/opportunities/{deal_id}/stage", headers=actor.headers,
                            json={"stage": stage, "at": at.isoformat()})
    assert r.status_code == 200, r.text


async def test_stage_transition_rate(h: Harness) -> None:
    org = await h.org()
    a, b = org.reps[0], org.reps[1]
    # SPEC: deals in X at the end of last month that reached Y or later by the end of this month. Both
    # weeks (last days 4 and 11 Oct) are in October: the cohort moment is the end of 30 Sep for both;
    # success: 终审 or later (or a win) by the week's end (5 Oct 00:00 / 12 Oct 00:00).
    d1 = await deal(h, a, "样机测试", sh(8, 20), product_line="P1")
    await move(h, a, d1, "终审", sh(10, 2, 10))  # success in W1 and W2
    d2 = await deal(h, a, "样机测试", sh(8, 25), product_line="P1")
    await move(h, a, d2, "签约", sh(10, 8, 10))  # a later stage, in W2 only
    d3 = await deal(h, a, "初谈", sh(8, 1), product_line="P1")
    await move(h, a, d3, "样机测试", sh(10, 2))  # in 初谈 on 30 Sep: not in the cohort
    r = await h.client.post(f"/api/v1/opportunities/{d3}/win", headers=a.headers,
                            json={"won_at": sh(10, 9).isoformat()})
    assert r.status_code == 200, r.text
    await deal(h, a, "样机测试", sh(8, 10), product_line="P2")  # d4: stays, never succeeds
    d5 = await deal(h, b, "样机测试", sh(8, 15))  # B's, no product line
    await move(h, b, d5, "报价", sh(10, 3))  # moving back is no success
    d6 = await deal(h, a, "样机测试", sh(8, 15))
    await move(h, a, d6, "终审", sh(10, 2))
    assert (await h.client.delete(f"/api/v1/opportunities/{d6}", headers=a.headers)).status_code == 204
    d7 = await deal(h, a, "样机测试", sh(8, 1), product_line="P1")
    await move(h, a, d7, "终审", sh(10, 10))  # W2 only
    d8 = await deal(h, a, "样机测试", sh(8, 1), product_line="P2")
    r = await h.client.post(f"/api/v1/opportunities/{d8}/win", headers=a.headers,
                            json={"won_at": sh(10, 6).isoformat()})  # a win counts as success (W2)
    assert r.status_code == 200, r.text
    # A deal without a pipeline follows the tenant's default pipeline's stage order.
    await _execute(h, sa.update(Opportunity).where(Opportunity.id == uuid.UUID(d2)).values(pipeline_id=None))

    body = await kpis(h, org.director)
    # cohort d1 d2 d4 d5 d7 d8; W1: d1; W2: d1 d2 d7 d8
    assert series(body, "stage_transition_rate") == [(round(1 / 6, 4), 6), (round(4 / 6, 4), 6)]
    assert statuses(body, "stage_transition_rate") == [(0.65, "alert"), (0.65, "ok")]
    by_rep = await kpis(h, org.director, group_by="rep")
    assert series(by_rep, "stage_transition_rate", a.user_id) == [(0.2, 5), (0.8, 5)]
    assert series(by_rep, "stage_transition_rate", b.user_id) == [(0.0, 1), (0.0, 1)]
    by_line = await kpis(h, org.director, group_by="product_line")
    assert series(by_line, "stage_transition_rate", "P1") == [(round(1 / 3, 4), 3), (1.0, 3)]
    assert series(by_line, "stage_transition_rate", "P2") == [(0.0, 2), (0.5, 2)]
    assert series(by_line, "stage_transition_rate", "none") == [(0.0, 1), (0.0, 1)]
    # a week in September takes its cohort at the end of August: d1 d2 d4 d5 d6(deleted) d7 d8, d3 in 初谈
    early = await kpis(h, org.director, as_of="2026-09-30", weeks=1)
    assert series(early, "stage_transition_rate") == [(0.0, 6)]
    # Configurable stages X=初谈, Y=样机测试: d3 was in 初谈 at the end of 30 Sep and reached 样机测试 on 2 Oct.
    r = await h.client.put("/api/v1/analytics/settings", headers=org.director.headers,
                           json={"kpis": {"stage_from": "初谈", "stage_to": "样机测试"}})
    assert r.status_code == 200, r.text
    body = await kpis(h, org.director)
    assert series(body, "stage_transition_rate") == [(1.0, 1), (1.0, 1)]
    assert (body["settings"]["stage_from"], body["settings"]["stage_to"]) == ("初谈", "样机测试")


# --- 3. action compliance rate ----------------------------------------------------------------

async def test_action_compliance_rate(h: Harness) -> None:
    org = await h.org()
    a, b = org.reps[0], org.reps[1]
    d1 = await deal(h, a, "初谈", sh(8, 1), product_line="P1")
    await move(h, a, d1, "报价", sh(9, 30))  # W1, compliant
    d2 = await deal(h, b, "初谈", sh(8, 1))
    await move(h, b, d2, "报价", sh(10, 2))  # W1, marked non-compliant below
    d4 = await deal(h, a, "样机测试", sh(8, 1), product_line="P1")
    await move(h, a, d4, "报价", sh(10, 6))  # W2: non-compliant ...
    await move(h, a, d4, "样机测试", sh(10, 7))  # ... and compliant: the deal is not compliant
    d3 = await deal(h, a, "初谈", sh(8, 1), product_line="P2")
    await move(h, a, d3, "报价", sh(10, 8))  # W2, compliant
    r = await h.client.post(f"/api/v1/opportunities/{d3}/win", headers=a.headers,
                            json={"won_at": sh(10, 9).isoformat()})  # a win is not a person's move
    assert r.status_code == 200, r.text
    await deal(h, a, "报价", sh(10, 6))  # creation is not a move either
    d6 = await deal(h, a, "初谈", sh(8, 1))
    await move(h, a, d6, "报价", sh(10, 6))
    assert (await h.client.delete(f"/api/v1/opportunities/{d6}", headers=a.headers)).status_code == 204
    for deal_id, at in ((d2, sh(10, 2)), (d4, sh(10, 6))):
        await _execute(h, sa.update(StageChange).where(
            StageChange.opportunity_id == uuid.UUID(deal_id), StageChange.at == at.astimezone(UTC),
        ).values(compliant=False))

    body = await kpis(h, org.director)
    assert series(body, "action_compliance_rate") == [(0.5, 2), (0.5, 2)]
    assert statuses(body, "action_compliance_rate") == [(0.82, "alert"), (0.82, "alert")]
    by_rep = await kpis(h, org.director, group_by="rep")
    assert series(by_rep, "action_compliance_rate", a.user_id) == [(1.0, 1), (0.5, 2)]
    assert series(by_rep, "action_compliance_rate", b.user_id) == [(0.0, 1), (None, 0)]
    assert statuses(by_rep, "action_compliance_rate", a.user_id)[0] == (0.82, "ok")
    by_line = await kpis(h, org.director, group_by="product_line")
    assert series(by_line, "action_compliance_rate", "P1") == [(1.0, 1), (0.0, 1)]
    assert series(by_line, "action_compliance_rate", "P2") == [(None, 0), (1.0, 1)]
    assert series(by_line, "action_compliance_rate", "none") == [(0.0, 1), (None, 0)]


# --- 4. daily report submission rate ----------------------------------------------------------

async def report(h: Harness, actor: Actor, day: date, customer_id: str) -> None:
    r = await h.client.post("/api/v1/daily-reports", headers=actor.headers, json={
        "date": day.isoformat(),
        "items": [{"customer_id": customer_id, "action_code": "customer_visit", "fields": {}}],
        "progress": {"customer_id": customer_id, "note": "客户确认下周复测样品"},
    })
    assert r.status_code == 201, r.text


async def test_daily_report_submission_rate_over_national_day(h: Harness) -> None:
    org = await h.org()
    a, b = org.reps[0], org.reps[1]
    await _execute(h, sa.update(User).where(User.id == uuid.UUID(a.user_id)).values(created_at=LONG_AGO))
    # B joins 30 Sep 01:00 Shanghai (29 Sep in UTC): expected from 30 Sep on.
    await _execute(h, sa.update(User).where(User.id == uuid.UUID(b.user_id))
                   .values(created_at=datetime(2026, 9, 29, 17, 0, tzinfo=UTC)))
    ca, cb = (await h.customer(a))["id"], (await h.customer(b))["id"]
    for day in (date(2026, 9, 28), date(2026, 9, 29), date(2026, 10, 3),  # 3 Oct: holiday, not counted
                date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)):  # 10 Oct: make-up Saturday
        await report(h, a, day, ca)
    await report(h, b, date(2026, 9, 28), cb)  # before B existed: not counted
    await report(h, b, date(2026, 10, 9), cb)
    # Workdays: W1 28, 29, 30 Sep; W2 8, 9, 10 Oct. A expects 3 + 3, B 1 + 3; everyone else was
    # created today (nothing expected in October).
    body = await kpis(h, org.director)
    assert series(body, "daily_report_submission_rate") == [(0.5, 4), (round(4 / 6, 4), 6)]
    assert body["calendar_warnings"] == []
    by_rep = await kpis(h, org.director, group_by="rep")
    assert series(by_rep, "daily_report_submission_rate", a.user_id) == [(round(2 / 3, 4), 3), (1.0, 3)]
    assert series(by_rep, "daily_report_submission_rate", b.user_id) == [(0.0, 1), (round(1 / 3, 4), 3)]
    by_team = await kpis(h, org.director, group_by="team")
    assert series(by_team, "daily_report_submission_rate", org.teams[0]) == [(0.5, 4), (round(4 / 6, 4), 6)]
    assert series(by_team, "daily_report_submission_rate", org.teams[1]) == [(None, 0), (None, 0)]
    # A partial last week (as_of Thu 8 Oct) counts its workdays up to as_of only: 8 Oct.
    partial = await kpis(h, org.director, as_of="2026-10-08")
    assert [w["partial"] for w in partial["weeks"]] == [False, True]
    assert partial["weeks"][1] == {"week_start": W2, "week_end": "2026-10-08", "partial": True}
    assert series(partial, "daily_report_submission_rate") == [(0.5, 4), (0.5, 2)]
    # The same figures as the daily-report analytics (one code path).
    r = await h.client.get("/api/v1/analytics/daily-reports", params={"from": W2, "to": "2026-10-11"},
                           headers=org.director.headers)
    assert (r.json()["total"]["expected"], r.json()["total"]["submitted"]) == (6, 4)


# --- 5. entry latency -------------------------------------------------------------------------

async def test_entry_latency_rate(h: Harness) -> None:
    org = await h.org()
    a, b = org.reps[0], org.reps[1]
    ca = await customer(h, a, datetime(2026, 8, 1, tzinfo=SH))
    cb = await customer(h, b, datetime(2026, 8, 1, tzinfo=SH))
    d1 = (await h.opportunity(a, ca, product_line="P1"))["id"]
    await follow_up(h, a, ca, "email", sh(9, 28, 10))  # W1 timely (30 min)
    await follow_up(h, a, ca, "call", sh(9, 28, 13), recorded=sh(9, 28, 16))  # 3 h: late
    await follow_up(h, a, ca, "visit", sh(9, 29, 11), recorded=sh(9, 29, 13, 1))  # 2 h 01: late
    await follow_up(h, b, cb, "wechat", sh(10, 2, 6), recorded=sh(10, 2, 8))  # exactly 2 h: timely
    await follow_up(h, a, ca, "other", sh(9, 29, 9), recorded=sh(10, 4, 9), created_via="import")  # left out
    gone = await follow_up(h, a, ca, "call", sh(9, 30, 9), recorded=sh(10, 4, 9))
    assert (await h.client.delete(f"/api/v1/follow-ups/{gone}", headers=a.headers)).status_code == 204
    await follow_up(h, a, ca, "call", sh(10, 5, 0, 0))  # Monday 00:00 Shanghai: W2, timely
    await follow_up(h, a, ca, "meeting", sh(10, 4, 23, 59), recorded=sh(10, 5, 1))  # W1, timely
    await follow_up(h, a, ca, "call", sh(10, 6, 10), recorded=sh(10, 6, 14), opportunity_id=d1)  # late, P1
    await follow_up(h, b, cb, "call", sh(10, 8, 10), recorded=sh(10, 8, 10, 5))  # timely

    body = await kpis(h, org.director)
    assert series(body, "entry_latency_rate") == [(0.6, 5), (round(2 / 3, 4), 3)]
    assert statuses(body, "entry_latency_rate") == [(None, None), (None, None)]
    by_rep = await kpis(h, org.director, group_by="rep")
    assert series(by_rep, "entry_latency_rate", a.user_id) == [(0.5, 4), (0.5, 2)]
    assert series(by_rep, "entry_latency_rate", b.user_id) == [(1.0, 1), (1.0, 1)]
    by_line = await kpis(h, org.director, group_by="product_line")
    assert series(by_line, "entry_latency_rate", "P1") == [(None, 0), (0.0, 1)]
    assert series(by_line, "entry_latency_rate", "none") == [(0.6, 5), (1.0, 2)]


# --- 6. profile completeness ------------------------------------------------------------------

async def test_profile_completeness(h: Harness) -> None:
    org = await h.org()
    a, b = org.reps[0], org.reps[1]
    full = await customer(h, a, sh(9, 28, 9), region="华东", city="苏州", source="展会", annual_purchase="500000")
    r = await h.client.post(f"/api/v1/customers/{full}/contacts", json={"name": "王工"}, headers=a.headers)
    assert r.status_code == 201, r.text
    await customer(h, a, sh(9, 29, 9))  # industry only: 1
    two = await customer(h, a, sh(9, 30, 9), city="昆山")  # industry, city: 2 (its contact is deleted)
    r = await h.client.post(f"/api/v1/customers/{two}/contacts", json={"name": "李工"}, headers=a.headers)
    contact = r.json()["id"]
    r = await h.client.delete(f"/api/v1/customers/{two}/contacts/{contact}", headers=a.headers)
    assert r.status_code == 204, r.text
    await customer(h, b, sh(10, 1, 9), industry=None)  # nothing: 0
    await customer(h, b, sh(10, 6, 9), industry=None, region="华南")  # W2: 1
    await customer(h, b, datetime(2026, 9, 27, 23, 59, tzinfo=SH), city="广州")  # the week before: not counted
    gone = await customer(h, b, sh(10, 6, 9))
    assert (await h.client.delete(f"/api/v1/customers/{gone}", headers=b.headers)).status_code == 204

    body = await kpis(h, org.director)
    assert series(body, "profile_completeness") == [(round(9 / 24, 4), 4), (round(1 / 6, 4), 1)]
    by_rep = await kpis(h, org.director, group_by="rep")
    assert series(by_rep, "profile_completeness", a.user_id) == [(0.5, 3), (None, 0)]
    assert series(by_rep, "profile_completeness", b.user_id) == [(0.0, 1), (round(1 / 6, 4), 1)]


# --- 7. monthly figures, visibility, input, CSV -----------------------------------------------

async def test_monthly_figures_at_tenant_level_only(h: Harness) -> None:
    org = await h.org()
    body = await kpis(h, org.director)
    monthly = body["groups"][0]["monthly"]
    assert [m["month"] for m in monthly["grading_accuracy"]] == ["2026-09", "2026-10"]
    assert monthly["grading_accuracy"][1]["month_end"] == "2026-10-11"
    assert [m["month"] for m in monthly["forecast_deviation"]] == ["2026-09", "2026-10"]
    assert all(m["value"] is None and m["n"] == 0 for m in monthly["forecast_deviation"])  # nothing won
    team = await kpis(h, org.director, team_id=org.teams[0])
    assert "grading_accuracy" in team["omitted"] and "forecast_deviation" in team["groups"][0]["monthly"]
    by_rep = await kpis(h, org.director, group_by="rep")
    assert all(g["monthly"] == {} for g in by_rep["groups"]) and "forecast_deviation" in by_rep["omitted"]


async def _visibility_org(h: Harness) -> Org:
    org = await h.org()
    a, c = org.reps[0], org.reps[2]  # team 1 and team 2
    for rep, hours in ((a, 1), (org.reps[1], 3), (c, 5)):
        cust = await customer(h, rep, sh(9, 28, 9))
        await follow_up(h, rep, cust, "call", sh(9, 28, 9 + hours))
    return org


async def test_rep_manager_director_see_their_own_figures(h: Harness) -> None:
    org = await _visibility_org(h)
    a, c = org.reps[0], org.reps[2]
    assert series(await kpis(h, a), "lead_first_response_hours")[0] == (1.0, 1)
    mine = await kpis(h, a, group_by="rep")
    assert [g["key"] for g in mine["groups"]] == [a.user_id]
    assert series(await kpis(h, org.managers[0]), "lead_first_response_hours")[0] == (2.0, 2)
    team = await kpis(h, org.managers[0], group_by="rep")
    assert c.user_id not in {g["key"] for g in team["groups"]}
    assert series(await kpis(h, org.managers[1]), "lead_first_response_hours")[0] == (5.0, 1)
    assert series(await kpis(h, org.director), "lead_first_response_hours")[0] == (3.0, 3)
    by_team = await kpis(h, org.director, group_by="team")
    assert series(by_team, "lead_first_response_hours", org.teams[0])[0] == (2.0, 2)
    assert series(by_team, "lead_first_response_hours", org.teams[1])[0] == (5.0, 1)
    assert [g["label"] for g in by_team["groups"]] == ["华东", "华南"]
    by_region = await kpis(h, org.director, group_by="region")
    assert series(by_region, "lead_first_response_hours", "华南")[0] == (5.0, 1)
    filtered = await kpis(h, org.director, team_id=org.teams[1])
    assert series(filtered, "lead_first_response_hours")[0] == (5.0, 1)
    # A manager asking for another team is refused, not shown an empty series.
    r = await h.client.get("/api/v1/analytics/kpis", params={"team_id": org.teams[0]},
                           headers=org.managers[1].headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "team_id"


async def test_bad_input_is_422(h: Harness) -> None:
    org = await h.org()
    for params, field in (
        ({"weeks": 0}, "weeks"), ({"weeks": 27}, "weeks"), ({"weeks": "x"}, "weeks"),
        ({"group_by": "city"}, "group_by"), ({"team_id": str(uuid.uuid4())}, "team_id"),
        ({"team_id": "nope"}, "team_id"), ({"as_of": "2026-13-01"}, "as_of"),
        ({"as_of": (datetime.now(SH).date() + timedelta(days=1)).isoformat()}, "as_of"),
        ({"format": "xlsx"}, "format"),
    ):
        r = await h.client.get("/api/v1/analytics/kpis", params=params, headers=org.director.headers)
        assert r.status_code == 422, (params, r.text)
        assert r.json()["errors"][0]["field"] == field, (params, r.json())
    r = await h.client.get("/api/v1/analytics/kpis", headers=org.director.headers)
    body = r.json()
    assert len(body["weeks"]) == 6 and body["as_of"] == datetime.now(SH).date().isoformat()
    assert body["group_by"] == "tenant" and body["settings"]["first_response_hours_sales"] == 4


async def test_csv_has_one_row_per_group_metric_and_week(h: Harness) -> None:
    org = await _visibility_org(h)
    r = await h.client.get("/api/v1/analytics/kpis", params={**AS_OF, "group_by": "team", "format": "csv"},
                           headers=org.director.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert list(rows[0]) == ["group_key", "group_label", "metric", "week_start", "week_end", "value", "n",
                             "threshold", "status"]
    assert len(rows) == 2 * 6 * 2  # two teams, six weekly metrics, two weeks
    lead = [row for row in rows if row["metric"] == "lead_first_response_hours" and row["group_key"] == org.teams[0]]
    assert [(x["week_start"], x["week_end"], x["value"], x["n"], x["threshold"], x["status"]) for x in lead] == [
        (W1, "2026-10-04", "2.0", "2", "4", "ok"), (W2, "2026-10-11", "", "0", "", "")]


async def test_monthly_figures_can_be_left_out(h: Harness) -> None:
    org = await h.org()
    body = await kpis(h, org.director, monthly="false")
    tenant = next(g for g in body["groups"] if g["key"] == "tenant")
    assert tenant["monthly"] == {}
    assert body["omitted"] == {"grading_accuracy": "left out with monthly=false",
                               "forecast_deviation": "left out with monthly=false"}
    assert set(next(g for g in (await kpis(h, org.director))["groups"] if g["key"] == "tenant")["monthly"]) == {
        "grading_accuracy", "forecast_deviation"}
