"""Grading accuracy and backtests (SPEC §6): point-in-time, against a hand-computed oracle."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.health.helpers import ALL_FLAGS, competitor, contact
from tests.support import Actor, Harness

TZ = ZoneInfo("Asia/Shanghai")
CANDIDATE = {"indicators": [{"code": "requirement_clarity", "weight": 1.0}], "thresholds": {"A": 0.9, "B": 0.5}}


async def _customer(h: Harness, rep: Actor, name: str, created: datetime, annual: int, **fields: Any) -> str:
    c = await h.customer(rep, name=name, created_at=created.isoformat(), annual_purchase=str(annual), **fields)
    return c["id"]


async def _fu(h: Harness, rep: Actor, cid: str, at: datetime, channel: str = "call", **extra: Any) -> None:
    r = await h.client.post("/api/v1/follow-ups", headers=rep.headers,
                            json={"customer_id": cid, "channel": channel, "occurred_at": at.isoformat(), **extra})
    assert r.status_code == 201, r.text


async def _won(h: Harness, rep: Actor, cid: str, created: datetime, won_at: datetime) -> None:
    deal = await h.opportunity(rep, cid, created_at=created.isoformat())
    r = await h.client.post(f"/api/v1/opportunities/{deal['id']}/win", json={"won_at": won_at.isoformat()},
                            headers=rep.headers)
    assert r.status_code == 200, r.text


async def _history(h: Harness) -> tuple[Any, date, dict[str, str]]:
    """Five customers as of a date 100 days back (T = the end of that day, Shanghai time):

    name  created   annual  at T (default model)                         grade  won in (T, T+90d]
    c1    T-100d    1.0M    12 calls, all flags, competitor: 0.30+0.25+0.15  A      yes (T+30d)
    c2    T-100d    4.0M    same                                             A      no  (T+95d)
    c3    T-100d    5.0M    6 calls, all flags: 0.15+0.25 = 0.40             B      yes (T+10d)
    c4    T-100d    3.0M    nothing (everything comes after T)               C      no
    c6    T-100d    0       nothing before T (12 calls after)                C      yes (T+40d)
    c5    T+5d      9.0M    (created after T: not counted)                   -      yes (T+20d)
    """
    org = await h.org()
    rep = org.reps[0]
    as_of = datetime.now(TZ).date() - timedelta(days=100)
    t = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=TZ).astimezone(UTC) - timedelta(microseconds=1)
    born = t - timedelta(days=100)
    ids = {
        "c1": await _customer(h, rep, "c1", born, 1_000_000, requirements=ALL_FLAGS),
        "c2": await _customer(h, rep, "c2", born, 4_000_000, requirements=ALL_FLAGS),
        "c3": await _customer(h, rep, "c3", born, 5_000_000, requirements=ALL_FLAGS),
        "c4": await _customer(h, rep, "c4", born, 3_000_000),
        "c6": await _customer(h, rep, "c6", born, 0),
        "c5": await _customer(h, rep, "c5", t + timedelta(days=5), 9_000_000, requirements=ALL_FLAGS),
    }
    for name in ("c1", "c2"):
        for k in range(12):
            await _fu(h, rep, ids[name], t - timedelta(days=1 + 7 * k), "visit")
        await _fu(h, rep, ids[name], t - timedelta(days=10), "other", actions=[competitor()])
    for k in range(6):
        await _fu(h, rep, ids["c3"], t - timedelta(days=2 + k))
    for k in range(12):
        await _fu(h, rep, ids["c6"], t + timedelta(days=1 + k))
        await _fu(h, rep, ids["c5"], t + timedelta(days=6 + k))
    await _won(h, rep, ids["c1"], born, t + timedelta(days=30))
    await _won(h, rep, ids["c2"], born, t + timedelta(days=95))
    await _won(h, rep, ids["c3"], born, t + timedelta(days=10))
    await _won(h, rep, ids["c6"], born, t + timedelta(days=40))
    await _won(h, rep, ids["c5"], t + timedelta(days=5), t + timedelta(days=20))
    await h.drain()
    return org, as_of, ids


async def _accuracy(h: Harness, actor: Actor, as_of: date, horizon: int = 90) -> dict[str, Any]:
    r = await h.client.get(f"/api/v1/analytics/grading-accuracy?as_of={as_of.isoformat()}&horizon_days={horizon}",
                           headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def _backtest(h: Harness, actor: Actor, as_of: date) -> dict[str, Any]:
    r = await h.client.post("/api/v1/health-model/backtest", json={**CANDIDATE, "as_of": as_of.isoformat()},
                            headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_grading_accuracy_against_the_baseline_and_a_backtest_use_nothing_after_as_of(h: Harness) -> None:
    org, as_of, ids = await _history(h)
    director = org.director
    acc = await _accuracy(h, director, as_of)
    assert acc["as_of"] == as_of.isoformat() and acc["horizon_days"] == 90 and acc["model_version"] == 1
    assert datetime.fromisoformat(acc["as_of_time"]).astimezone(TZ).time() == time(23, 59, 59, 999999)
    assert acc["customers"] == 5 and acc["grades"] == {"A": 2, "B": 1, "C": 2}
    assert (acc["a_count"], acc["a_won"], acc["accuracy"]) == (2, 1, 0.5)
    assert acc["baseline"] == {"rule": "annual_purchase >= 3000000 -> A", "a_count": 3, "a_won": 1,
                               "accuracy": 0.3333}
    # A 100-day horizon reaches c2's win at T+95d.
    longer = await _accuracy(h, director, as_of, 100)
    assert (longer["a_count"], longer["a_won"], longer["accuracy"]) == (2, 2, 1.0)

    bt = await _backtest(h, director, as_of)
    # Candidate: requirement clarity alone, A >= 0.9 -> c1, c2, c3 are A; c1 and c3 won.
    assert bt["customers"] == 5
    assert bt["candidate"] == {"model_version": None, "grades": {"A": 3, "B": 0, "C": 2}, "a_count": 3, "a_won": 2,
                               "accuracy": 0.6667}
    assert bt["current"] == {"model_version": 1, "grades": acc["grades"], "a_count": 2, "a_won": 1, "accuracy": 0.5}
    assert bt["baseline"] == acc["baseline"]

    # Everything recorded as happening after as_of, and edits made today, change nothing.
    rep = org.reps[0]
    t = datetime.fromisoformat(acc["as_of_time"])
    for k in range(12):
        await _fu(h, rep, ids["c4"], t + timedelta(days=1 + k), "visit")
    await _fu(h, rep, ids["c4"], t + timedelta(hours=1), "other", actions=[competitor()])
    await _fu(h, rep, ids["c3"], t + timedelta(days=3), "other", actions=[competitor()])
    r = await h.client.patch(f"/api/v1/customers/{ids['c4']}", json={"requirements": ALL_FLAGS}, headers=rep.headers)
    assert r.status_code == 200
    r = await h.client.patch(f"/api/v1/customers/{ids['c1']}", json={"requirements": {}}, headers=rep.headers)
    assert r.status_code == 200
    technical = await contact(h, rep, ids["c3"], "technical")  # created today: no role at as_of
    await _fu(h, rep, ids["c3"], t - timedelta(days=3), "visit", contact_ids=[technical])
    await h.drain()
    again = await _accuracy(h, director, as_of)
    # (the c3 visit dated before as_of counts as an interaction: 7 calls -> still B)
    assert {k: again[k] for k in ("customers", "grades", "a_count", "a_won", "accuracy", "baseline")} == {
        k: acc[k] for k in ("customers", "grades", "a_count", "a_won", "accuracy", "baseline")}
    assert (await _backtest(h, director, as_of)) == bt


async def test_visibility_limits_the_customers_counted(h: Harness) -> None:
    org, as_of, _ = await _history(h)
    mine = await _accuracy(h, org.reps[0], as_of)
    assert mine["customers"] == 5 and mine["a_count"] == 2
    assert (await _accuracy(h, org.managers[0], as_of))["a_count"] == 2
    other = await _accuracy(h, org.managers[1], as_of)
    assert other["customers"] == 0 and other["a_count"] == 0 and other["accuracy"] is None
    assert other["baseline"]["a_count"] == 0 and other["baseline"]["accuracy"] is None
    assert (await _backtest(h, org.reps[2], as_of))["candidate"]["a_count"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (f"as_of={(date.today() + timedelta(days=2)).isoformat()}", "as_of"),
        ("as_of=1999-12-31", "as_of"),
        ("as_of=2026-13-01", "as_of"),
        ("as_of=20260101", "as_of"),
        ("horizon_days=0", "horizon_days"),
        ("horizon_days=366", "horizon_days"),
        ("horizon_days=abc", "horizon_days"),
    ],
)
async def test_bad_accuracy_queries_answer_422(h: Harness, query: str, field: str) -> None:
    admin = await h.signup()
    r = await h.client.get(f"/api/v1/analytics/grading-accuracy?{query}", headers=admin.headers)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == field
    body = {**CANDIDATE, "as_of": "1999-12-31"}
    r = await h.client.post("/api/v1/health-model/backtest", json=body, headers=admin.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "as_of"


async def test_default_as_of_is_a_full_horizon_ago(h: Harness) -> None:
    admin = await h.signup()
    r = await h.client.get("/api/v1/analytics/grading-accuracy?horizon_days=30", headers=admin.headers)
    assert r.status_code == 200, r.text
    assert r.json()["as_of"] == (datetime.now(TZ).date() - timedelta(days=30)).isoformat()
    assert r.json()["a_count"] == 0 and r.json()["accuracy"] is None
