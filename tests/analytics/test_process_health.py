"""Process health index (过程健康度, §10) against hand-computed oracles.

The main oracle uses a 7-day window over National Day 2026 (Thu 1 – Wed 7 Oct, all holidays): the
window counts calendar days, so the holiday week is a full window. Reps A, B (team 1), C, D
(team 2); D was created 8 Oct 01:00 Shanghai (7 Oct in UTC), so D is a rep on 8 Oct only. The
managers were created today and count on no October day. p90 is percentile_cont:
sorted v, position (n − 1)·0.9, interpolated between the ranks around it.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from salescore.analytics import process_health
from salescore.analytics.process_health_tasks import store_yesterday
from salescore.models import FollowUp, ProcessHealthDay, Tenant, User
from tests.support import Actor, Harness

SH = ZoneInfo("Asia/Shanghai")
LONG_AGO = datetime(2003, 1, 1, tzinfo=UTC)
OCT7, OCT8 = date(2026, 10, 7), date(2026, 10, 8)
RANGE = {"from": "2026-10-07", "to": "2026-10-08"}
OBJECTION = {"code": "objection_handled", "fields": {"category": "价格"}}
PROPOSAL = {"code": "proposal_sent", "fields": {"core_need": "降本", "decision_maker_role": "technical"}}


def at(day: int, hour: int = 10, minute: int = 0, second: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=SH)


async def _execute(h: Harness, stmt: Any) -> None:
    async with h.runtime.sessionmaker() as session:
        await session.execute(stmt.execution_options(synchronize_session=False))
        await session.commit()


async def created_at(h: Harness, actor: Actor, when: datetime) -> None:
    await _execute(h, sa.update(User).where(User.id == uuid.UUID(actor.user_id)).values(created_at=when))


async def window_days(h: Harness, tenant_id: str, days: int) -> None:
    """The tenant's process-health window, written to its settings row directly."""
    settings = {"analytics": {"process_health": {"window_days": days}}}
    await _execute(h, sa.update(Tenant).where(Tenant.id == uuid.UUID(tenant_id)).values(settings=settings))


async def follow_up(
    h: Harness, actor: Actor, customer: str, when: datetime, channel: str = "visit",
    actions: list[dict[str, Any]] | None = None, deal: str | None = None, delete: bool = False,
) -> None:
    body: dict[str, Any] = {"customer_id": customer, "channel": channel, "occurred_at": when.isoformat(),
                            "actions": actions or []}
    if deal:
        body["opportunity_id"] = deal
    r = await h.client.post("/api/v1/follow-ups", headers=actor.headers, json=body)
    assert r.status_code == 201, r.text
    if delete:
        gone = await h.client.delete(f"/api/v1/follow-ups/{r.json()['id']}", headers=actor.headers)
        assert gone.status_code == 204, gone.text


async def get(h: Harness, actor: Actor, **params: Any) -> dict[str, Any]:
    r = await h.client.get("/api/v1/analytics/process-health", params=params, headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def stored(h: Harness, tenant_id: str) -> list[Any]:
    async with h.runtime.sessionmaker() as session:
        return list((await session.execute(sa.select(ProcessHealthDay).where(
            ProcessHealthDay.tenant_id == uuid.UUID(tenant_id)))).scalars())


async def _oracle_org(h: Harness) -> Any:
    """Records (tenant time), E = effective follow-up, O = objection, P = proposal:
    A: E 30 Sep 23:59:59 (outside), E 1 Oct 00:00:00 (the window's first instant), E 2 (and one
       deleted), E 3, E 5 on a 滤芯 deal, E 7; O 4 (email: no E), O 6 on the 滤芯 deal.
    B: E 3 on a 空压机 deal, E 7 23:59:59 (call); P 8 (email); an email follow-up 5 (not effective).
    C: E 4 (wechat) on a 滤芯 deal.  D: nothing.  The director: E 3 (not a rep).
    """
    org = await h.org()
    a, b, c, d = org.reps
    await window_days(h, a.tenant_id, 7)
    for rep in (a, b, c):
        await created_at(h, rep, LONG_AGO)
    await created_at(h, d, datetime(2026, 10, 7, 17, 0, tzinfo=UTC))  # 8 Oct 01:00 in Shanghai
    plain = {r.user_id: (await h.customer(r))["id"] for r in (a, b, c, org.director)}
    a_deal_customer, b_deal_customer, c_deal_customer = [(await h.customer(r))["id"] for r in (a, b, c)]
    a_deal = (await h.opportunity(a, a_deal_customer, product_line="滤芯"))["id"]
    b_deal = (await h.opportunity(b, b_deal_customer, product_line="空压机"))["id"]
    c_deal = (await h.opportunity(c, c_deal_customer, product_line="滤芯"))["id"]

    pa = plain[a.user_id]
    await follow_up(h, a, pa, at(30, 23, 59, 59, month=9))
    await follow_up(h, a, pa, at(1, 0, 0, 0))
    await follow_up(h, a, pa, at(2))
    await follow_up(h, a, pa, at(2, 11), delete=True)
    await follow_up(h, a, pa, at(3))
    await follow_up(h, a, a_deal_customer, at(5), deal=a_deal)
    await follow_up(h, a, pa, at(7))
    await follow_up(h, a, pa, at(4), channel="email", actions=[OBJECTION])
    await follow_up(h, a, a_deal_customer, at(6), channel="email", actions=[OBJECTION], deal=a_deal)

    pb = plain[b.user_id]
    await follow_up(h, b, b_deal_customer, at(3), deal=b_deal)
    await follow_up(h, b, pb, at(7, 23, 59, 59), channel="call")
    await follow_up(h, b, pb, at(8, 9), channel="email", actions=[PROPOSAL])
    await follow_up(h, b, pb, at(5), channel="email")

    await follow_up(h, c, c_deal_customer, at(4), channel="wechat", deal=c_deal)
    await follow_up(h, org.director, plain[org.director.user_id], at(3))
    return org


def _reps(body: dict[str, Any]) -> dict[tuple[str, str, str | None], dict[str, Any]]:
    return {(r["user_id"], day["day"], day["product_line"]): day for r in body["reps"] for day in r["days"]}


async def test_index_oracle_over_national_day(h: Harness) -> None:
    org = await _oracle_org(h)
    a, b, c, d = org.reps
    body = await get(h, org.director, **RANGE)
    assert (body["from"], body["to"], body["through"], body["group_by"]) == ("2026-10-07", "2026-10-08",
                                                                            "2026-10-08", "rep")
    assert body["weights"] == {"follow_ups": 0.4, "objections": 0.3, "proposals": 0.3}
    assert body["window_days"] == 7 and body["computed_days"] == 2
    days = _reps(body)
    # Only reps and managers, and only those who existed by the day (the managers: today).
    assert {(u, day) for u, day, _ in days} == {(a.user_id, "2026-10-07"), (b.user_id, "2026-10-07"),
                                                (c.user_id, "2026-10-07")} | {
        (r.user_id, "2026-10-08") for r in (a, b, c, d)}

    # 7 Oct, window 1–7 Oct, reps A B C: e = 5, 2, 1 ; o = 2, 0, 0 ; p = 0, 0, 0.
    # p90(e) over [1, 2, 5]: position 1.8 → 2 + 0.8·3 = 4.4; p90(o) over [0, 0, 2] → 1.6; p90(p) = 0.
    a7, b7, c7 = (days[(r.user_id, "2026-10-07", None)] for r in (a, b, c))
    assert (a7["follow_ups"], a7["objections"], a7["proposals"]) == (5, 2, 0)
    assert (b7["follow_ups"], b7["objections"], b7["proposals"]) == (2, 0, 0)
    assert (c7["follow_ups"], c7["objections"], c7["proposals"]) == (1, 0, 0)
    assert a7["p90"] == pytest.approx({"follow_ups": 4.4, "objections": 1.6, "proposals": 0.0})
    assert a7["components"] == {"follow_ups": 1.0, "objections": 1.0, "proposals": 0.0}  # 5 > 4.4: capped
    assert b7["components"] == {"follow_ups": round(2 / 4.4, 4), "objections": 0.0, "proposals": 0.0}
    assert (a7["index"], b7["index"], c7["index"]) == (70.0, 18.18, 9.09)  # 40·2/4.4, 40·1/4.4
    assert a7["window_days"] == 7

    # 8 Oct, window 2–8 Oct, reps A B C D: A loses 1 Oct (e 4), B gains the proposal (p 1).
    # p90(e) over [0, 1, 2, 4] → position 2.7 → 2 + 0.7·2 = 3.4; p90(o) [0, 0, 0, 2] → 1.4;
    # p90(p) [0, 0, 0, 1] → 0.7, and B's 1 > 0.7 is capped.
    a8, b8, c8, d8 = (days[(r.user_id, "2026-10-08", None)] for r in (a, b, c, d))
    assert [(x["follow_ups"], x["objections"], x["proposals"]) for x in (a8, b8, c8, d8)] == [
        (4, 2, 0), (2, 0, 1), (1, 0, 0), (0, 0, 0)]
    assert a8["p90"] == pytest.approx({"follow_ups": 3.4, "objections": 1.4, "proposals": 0.7})
    assert b8["components"] == {"follow_ups": round(2 / 3.4, 4), "objections": 0.0, "proposals": 1.0}
    assert (a8["index"], b8["index"], c8["index"], d8["index"]) == (70.0, 53.53, 11.76, 0.0)

    # Product line slices: the records on deals of that line, p90 over the reps in the slice.
    # 滤芯 (both days): A e 1 o 1, C e 1 → p90(e) [1, 1] = 1, p90(o) [0, 1] = 0.9 → A 70, C 40.
    # 空压机: B e 1 alone → 40.
    assert _reps(await get(h, org.director, user_id=a.user_id, group_by="product_line", **RANGE))[
        (a.user_id, "2026-10-07", "滤芯")]["p90"] == pytest.approx({"follow_ups": 1, "objections": 0.9,
                                                                   "proposals": 0})
    lines = await get(h, org.director, group_by="product_line", **RANGE)
    assert lines["reps"] is None and lines["computed_days"] == 0
    assert [(g["key"], g["label"], g["mean"], g["n"], g["trend"]) for g in lines["groups"]] == [
        ("滤芯", "滤芯", 55.0, 2, 0.0), ("空压机", "空压机", 40.0, 1, 0.0)]
    assert lines["groups"][0]["series"] == [{"day": "2026-10-07", "index": 55.0, "n": 2},
                                            {"day": "2026-10-08", "index": 55.0, "n": 2}]


async def test_group_by_team_region_tenant(h: Harness) -> None:
    org = await _oracle_org(h)
    teams = await get(h, org.director, group_by="team", **RANGE)
    assert teams["reps"] is None
    t1, t2 = ({g["key"]: g for g in teams["groups"]}[t] for t in org.teams)
    assert (t1["label"], t2["label"]) == ("华东", "华南")
    # Team 1 (A, B): 7 Oct (70 + 18.18) / 2, 8 Oct (70 + 53.53) / 2.
    assert [p["n"] for p in t1["series"]] == [2, 2]
    assert t1["series"][0]["index"] == pytest.approx(44.09)
    assert t1["series"][1]["index"] == pytest.approx(61.765, abs=0.006)
    assert t1["trend"] == pytest.approx(61.765 - 44.09, abs=0.011)
    assert t1["mean"] == pytest.approx((70 + 18.18 + 70 + 53.53) / 4, abs=0.006) and t1["n"] == 2
    # Team 2: C alone on 7 Oct (9.09), C and D on 8 Oct (11.76, 0); mean over 3 rep-days.
    assert t2["series"] == [{"day": "2026-10-07", "index": 9.09, "n": 1}, {"day": "2026-10-08", "index": 5.88, "n": 2}]
    assert (t2["mean"], t2["trend"], t2["n"]) == (pytest.approx(6.95), pytest.approx(-3.21), 2)
    regions = await get(h, org.director, group_by="region", **RANGE)
    assert {g["key"] for g in regions["groups"]} == {"华东", "华南"}
    tenant = await get(h, org.director, group_by="tenant", **RANGE)
    [whole] = tenant["groups"]
    assert whole["key"] == "tenant" and [p["n"] for p in whole["series"]] == [3, 4]
    assert whole["series"][0]["index"] == pytest.approx((70 + 18.18 + 9.09) / 3, abs=0.006)
    # The team filter keeps its members.
    only = await get(h, org.director, group_by="rep", team_id=org.teams[1], **RANGE)
    assert {g["key"] for g in only["groups"]} == {org.reps[2].user_id, org.reps[3].user_id}


async def test_visibility_rep_sees_self_manager_team(h: Harness) -> None:
    org = await _oracle_org(h)
    a, b = org.reps[0], org.reps[1]
    mine = await get(h, a, group_by="tenant", **RANGE)
    assert [p["n"] for p in mine["groups"][0]["series"]] == [1, 1]
    assert mine["groups"][0]["series"][0]["index"] == 70.0
    reps = await get(h, a, **RANGE)
    assert [r["user_id"] for r in reps["reps"]] == [a.user_id]
    r = await h.client.get("/api/v1/analytics/process-health", params={"user_id": b.user_id, **RANGE},
                           headers=a.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "user_id"
    team = await get(h, org.managers[0], **RANGE)
    assert {g["key"] for g in team["groups"]} == {a.user_id, b.user_id}


async def test_periodic_duty_stores_yesterday_once_then_on_demand_fills_the_rest(h: Harness) -> None:
    org = await _oracle_org(h)
    await h.drain()  # the back-dated follow-ups' events have run: nothing is stale when the duty starts
    tenant = [uuid.UUID(org.admin.tenant_id)]
    just_after = datetime.combine(OCT8, time(0, 30), tzinfo=SH)  # yesterday = 7 Oct
    sessionmaker = h.runtime.sessionmaker
    assert await store_yesterday(sessionmaker, now=just_after, tenant_ids=tenant) == 1
    first = await stored(h, org.admin.tenant_id)
    # A, B, C in all records; A and C in 滤芯, B in 空压机.
    assert sorted((r.day, r.product_line) for r in first) == sorted(
        [(OCT7, "")] * 3 + [(OCT7, "滤芯")] * 2 + [(OCT7, "空压机")])
    assert await store_yesterday(sessionmaker, now=just_after + timedelta(minutes=5), tenant_ids=tenant) == 0
    assert len(await stored(h, org.admin.tenant_id)) == 6
    body = await get(h, org.director, **RANGE)
    assert body["computed_days"] == 1  # 8 Oct only
    assert len(await stored(h, org.admin.tenant_id)) == 6 + 4 + 3
    assert (await get(h, org.director, **RANGE))["computed_days"] == 0
    # Recomputing a day replaces it: no duplicates, the same figures ...
    def figures(rows: list[Any]) -> dict[Any, Any]:
        return {(r.user_id, r.day, r.product_line): (r.follow_ups, r.health_index) for r in rows}

    before = figures(await stored(h, org.admin.tenant_id))
    async with sessionmaker() as session:
        await process_health.compute_days(session, tenant[0], [OCT7, OCT8])
        await session.commit()
    assert figures(await stored(h, org.admin.tenant_id)) == before
    # ... and a rep without records of a product line any more loses that slice's rows.
    c = uuid.UUID(org.reps[2].user_id)
    async with sessionmaker() as session:
        await session.execute(sa.update(FollowUp).where(FollowUp.user_id == c).values(deleted_at=datetime.now(UTC)))
        await process_health.compute_days(session, tenant[0], [OCT7, OCT8])
        await session.commit()
    after = figures(await stored(h, org.admin.tenant_id))
    assert {k for k in before if k not in after} == {(c, OCT7, "滤芯"), (c, OCT8, "滤芯")}
    assert after[(c, OCT7, "")] == (0, 0.0)


async def test_p90_zero_gives_any_record_the_full_component(h: Harness) -> None:
    """11 reps with the default 30-day window; one proposal among them: p90 over ten 0s and a 1 is
    the value at position 10·0.9 = 9 (0-based), a 0, so that rep's component is 1 (not a division)."""
    org = await h.org()
    extra = [await h.add_user(org.admin, "rep", org.teams[0]) for _ in range(7)]
    reps = [*org.reps, *extra]  # the managers are not in the population: "of reps"
    for rep in reps:
        await created_at(h, rep, LONG_AGO)
    customer = (await h.customer(reps[0]))["id"]
    await follow_up(h, reps[0], customer, at(8, month=9), channel="email", actions=[PROPOSAL])  # 7 Oct's first day
    body = await get(h, org.director, **{"from": "2026-10-07", "to": "2026-10-07"})
    days = _reps(body)
    assert len(days) == 11 and body["window_days"] == 30
    mine = days[(reps[0].user_id, "2026-10-07", None)]
    assert mine["p90"] == {"follow_ups": 0.0, "objections": 0.0, "proposals": 0.0}
    assert mine["components"] == {"follow_ups": 0.0, "objections": 0.0, "proposals": 1.0}
    assert mine["index"] == 30.0
    assert {v["index"] for k, v in days.items() if k[0] != reps[0].user_id} == {0.0}
    # 8 Oct (window 9 Sep – 8 Oct): the proposal has left the window.
    later = _reps(await get(h, org.director, **{"from": "2026-10-08", "to": "2026-10-08"}))
    assert later[(reps[0].user_id, "2026-10-08", None)]["index"] == 0.0


async def test_csv_and_defaults(h: Harness) -> None:
    org = await _oracle_org(h)
    r = await h.client.get("/api/v1/analytics/process-health", headers=org.director.headers,
                           params={"group_by": "team", "format": "csv", **RANGE})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert list(rows[0]) == ["group_by", "key", "label", "day", "index", "n", "range_mean", "range_trend"]
    assert {(row["label"], row["day"], row["index"], row["n"]) for row in rows} >= {
        ("华东", "2026-10-07", "44.09", "2")}
    r = await h.client.get("/api/v1/analytics/process-health", headers=org.director.headers,
                           params={"user_id": org.reps[0].user_id, "format": "csv", **RANGE})
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert [(row["day"], row["index"], row["follow_ups"], row["components.follow_ups"], row["p90.follow_ups"])
            for row in rows] == [("2026-10-07", "70.0", "5", "1.0", "4.4"), ("2026-10-08", "70.0", "4", "1.0", "3.4")]
    # Default: the 30 days to yesterday (tenant time); today is never computed.
    body = await get(h, org.reps[0], group_by="tenant")
    yesterday = datetime.now(SH).date() - timedelta(days=1)
    assert (body["from"], body["to"], body["through"]) == (
        (yesterday - timedelta(days=29)).isoformat(), yesterday.isoformat(), yesterday.isoformat())
    future = await get(h, org.reps[0], **{"from": (yesterday + timedelta(days=1)).isoformat()})
    assert future["through"] is None and future["groups"] == [] and future["computed_days"] == 0


async def test_bad_input_is_422(h: Harness) -> None:
    org = await h.org()
    for params, field in (
        ({"from": "2026-10-02", "to": "2026-10-01"}, "to"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),
        ({"group_by": "customer"}, "group_by"),
        ({"user_id": str(uuid.uuid4())}, "user_id"),
        ({"team_id": str(uuid.uuid4())}, "team_id"),
        ({"from": "10/01/2026"}, "from"),
        ({"format": "xlsx"}, "format"),
        ({"to": "0001-01-01"}, "to"),
        ({"from": "1969-12-31"}, "from"),
    ):
        r = await h.client.get("/api/v1/analytics/process-health", params=params, headers=org.director.headers)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in r.json()["errors"]] == [field], (params, r.text)
    ok = await get(h, org.director, **{"from": "2025-01-01", "to": "2026-01-01"}, group_by="tenant")  # 366 days
    # ... none computed: the tenant has no follow-up at all, nothing to index
    assert ok["computed_days"] == 0 and ok["groups"] == []
    await follow_up(h, org.reps[0], (await h.customer(org.reps[0]))["id"], at(20, month=9))
    ok = await get(h, org.director, **{"from": "2025-10-01", "to": "2026-09-30"}, group_by="tenant")
    assert ok["computed_days"] == 11  # from the first follow-up's day, 20 Sep, on


async def test_back_dated_records_and_a_new_definition_make_days_recomputed(h: Harness) -> None:
    org = await _oracle_org(h)
    await h.drain()
    a = org.reps[0]
    before = _reps(await get(h, org.director, **RANGE))[(a.user_id, "2026-10-07", None)]
    customer = (await h.customer(a))["id"]
    # logged today for 6 Oct: 7 Oct's window (1–7 Oct) holds it, 8 Oct's (2–8 Oct) too
    await follow_up(h, a, customer, at(6, 15))
    await h.drain()
    body = await get(h, org.director, **RANGE)
    assert body["computed_days"] == 2
    after = _reps(body)[(a.user_id, "2026-10-07", None)]
    assert after["follow_ups"] == before["follow_ups"] + 1
    # a follow-up logged as it happens touches only today: nothing becomes stale
    await follow_up(h, a, customer, datetime.now(UTC) - timedelta(minutes=1))
    await h.drain()
    assert (await get(h, org.director, **RANGE))["computed_days"] == 0

    # a new window (a director's PUT) applies to every stored day from the next read on
    r = await h.client.put("/api/v1/analytics/settings", headers=org.director.headers,
                           json={"process_health": {"window_days": 3}})
    assert r.status_code == 200, r.text
    body = await get(h, org.director, **RANGE)
    assert body["computed_days"] == 2 and body["window_days"] == 3
    assert {day["window_days"] for rep in body["reps"] for day in rep["days"]} == {3}
    # other settings leave the stored days alone
    r = await h.client.put("/api/v1/analytics/settings", headers=org.director.headers,
                           json={"process_health": {"window_days": 3}, "board": {"green": {"max_customers": 3}}})
    assert r.status_code == 200
    assert (await get(h, org.director, **RANGE))["computed_days"] == 0


async def test_duty_and_requests_computing_at_once_all_succeed(h: Harness) -> None:
    """On PostgreSQL the duty and a request used to take marks and rows in opposite orders and deadlock."""
    import asyncio

    org = await _oracle_org(h)
    await h.drain()
    just_after = datetime.combine(OCT8, time(0, 30), tzinfo=SH)
    results = await asyncio.gather(
        store_yesterday(h.runtime.sessionmaker, now=just_after, tenant_ids=[uuid.UUID(org.admin.tenant_id)]),
        *[h.client.get("/api/v1/analytics/process-health", params=RANGE, headers=org.director.headers)
          for _ in range(3)],
    )
    assert all(r.status_code == 200 for r in results[1:]), [r.text for r in results[1:]]
    assert sum(r.json()["computed_days"] for r in results[1:]) + results[0] == 2  # each day computed once
    rows = await stored(h, org.admin.tenant_id)
    assert len(rows) == len({(r.user_id, r.day, r.product_line) for r in rows}) == 6 + 4 + 3
