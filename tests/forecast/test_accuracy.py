"""Forecast accuracy: snapshots of record, point-in-time backtests of a simulated history."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from salescore.forecast.tasks import snapshot_month
from salescore.models import ForecastSnapshot, Opportunity

from tests.forecast import world
from tests.forecast.test_evidence import add
from tests.support import Harness


async def simulated(h: Harness, months: int = 10, per_month: int = 40) -> tuple[object, dict[str, float]]:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    rows, closed = world.build(uuid.UUID(org.admin.tenant_id), uuid.UUID(rep.user_id), uuid.UUID(customer["id"]),
                               months=months, per_month=per_month, seed=2026)
    async with h.runtime.sessionmaker() as session:
        # Deals first: evidence references them (no ORM relationship orders the inserts).
        session.add_all(r for r in rows if isinstance(r, Opportunity))
        await session.flush()
        session.add_all(r for r in rows if not isinstance(r, Opportunity))
        await session.commit()
    won: dict[str, float] = {}
    for deal in closed:
        if deal.won:
            key = f"{deal.closed_at.astimezone(UTC):%Y-%m}"
            won[key] = won.get(key, 0.0) + deal.amount
    return org, won


async def test_backtests_of_a_simulated_history_cover_the_actual_most_months(h: Harness) -> None:
    org, won = await simulated(h)
    today = date.today()
    first, last = world.month_start(today, 6), world.month_start(today, 1)
    url = f"/api/v1/analytics/forecast-accuracy?from={first:%Y-%m}&to={last:%Y-%m}"
    r = await h.client.get(url, headers=org.director.headers)
    assert r.status_code == 200, r.text
    months = r.json()["months"]
    assert [m["period"] for m in months] == [f"{world.month_start(today, back):%Y-%m}" for back in range(6, 0, -1)]
    assert all(m["source"] == "backtest" and m["complete"] for m in months)
    for m in months:
        # Tenant time is Asia/Shanghai; the world closes deals at 06:00 UTC, the same day there.
        assert m["actual_won"] == won.get(m["period"], 0.0)
        assert m["p10"] <= m["p50"] <= m["p90"] and m["expected"] > 0
        assert m["deviation"] == round((m["expected"] - m["actual_won"]) / m["actual_won"], 4)
    covered = sum(m["within_p10_p90"] for m in months)
    assert covered >= 4, months
    mean_abs_deviation = sum(abs(m["deviation"]) for m in months) / len(months)
    assert mean_abs_deviation < 0.35, months  # "ever reached" counting overshoots by ~40%

    # Records dated after each month's first day change no backtest.
    rep = org.reps[0]
    customer = await h.customer(rep)
    fresh = await h.opportunity(rep, customer["id"], amount="5000000",
                                expected_close_date=str(world.month_start(today, 2) + timedelta(days=3)))
    await add(h, rep, fresh["id"], "down_payment", text="首付款")
    again = (await h.client.get(url, headers=org.director.headers)).json()["months"]
    assert again == months


async def test_a_snapshot_of_record_is_preferred_and_the_worker_stores_one_a_month(h: Harness) -> None:
    org, won = await simulated(h, months=3, per_month=10)
    today = date.today()
    tenant_id = uuid.UUID(org.admin.tenant_id)
    month = world.month_start(today, 2)
    as_of = datetime.combine(month, time(0, 1), tzinfo=UTC) - timedelta(hours=8)  # 00:01 Asia/Shanghai
    real = (await h.client.get(f"/api/v1/analytics/forecast?period={month:%Y-%m}", headers=org.director.headers)).json()
    figures = {**real, "expected": 123456.0, "p10": 1.0, "p50": 2.0, "p90": 3.0, "by_owner": [], "by_team": []}
    async with h.runtime.sessionmaker() as session:
        session.add(ForecastSnapshot(id=uuid.uuid4(), tenant_id=tenant_id, period=f"{month:%Y-%m}", currency="CNY",
                                     as_of=as_of, kind="monthly", seed=0, figures=figures, created_at=as_of))
        # Taken too late in the month to be its forecast of record:
        late = as_of + timedelta(days=3)
        session.add(ForecastSnapshot(id=uuid.uuid4(), tenant_id=tenant_id, period=f"{month:%Y-%m}", currency="CNY",
                                     as_of=late, kind="on_demand", seed=0, figures={**figures, "expected": 9.0},
                                     created_at=late))
        await session.commit()
    r = await h.client.get(f"/api/v1/analytics/forecast-accuracy?from={month:%Y-%m}&to={month:%Y-%m}",
                           headers=org.director.headers)
    [m] = r.json()["months"]
    assert (m["source"], m["expected"], m["p50"]) == ("snapshot", 123456.0, 2.0)
    assert m["actual_won"] == won.get(f"{month:%Y-%m}", 0.0)
    # A rep's scope is not in this snapshot's breakdown: their figure is zero, not the tenant's.
    mine = (await h.client.get(f"/api/v1/analytics/forecast-accuracy?from={month:%Y-%m}&to={month:%Y-%m}",
                               headers=org.reps[1].headers)).json()["months"][0]
    assert (mine["source"], mine["expected"]) == ("snapshot", 0.0)

    # The worker's monthly duty: once per month and currency, for tenants that existed at its start.
    def start_of(month: date) -> datetime:  # 00:05 Asia/Shanghai on the month's first day
        return datetime.combine(month, time(0, 5), tzinfo=UTC) - timedelta(hours=8)

    this_month, next_month = world.month_start(today, 0), world.month_start(today, -1)
    sessionmaker = h.runtime.sessionmaker
    assert await snapshot_month(sessionmaker, now=start_of(this_month), tenant_ids=[tenant_id]) == 0  # not yet there
    assert await snapshot_month(sessionmaker, now=start_of(next_month), tenant_ids=[tenant_id]) == 1
    assert await snapshot_month(sessionmaker, now=start_of(next_month) + timedelta(hours=1), tenant_ids=[tenant_id]) == 0
    listed = (await h.client.get("/api/v1/analytics/forecast/snapshots", headers=org.director.headers)).json()
    assert sum(s["kind"] == "monthly" for s in listed) == 2


async def test_on_demand_snapshots_and_bad_ranges(h: Harness) -> None:
    org = await h.org()
    r = await h.client.post("/api/v1/analytics/forecast/snapshots", json={}, headers=org.director.headers)
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "on_demand" and r.json()["figures"]["deals"] == 0
    assert (await h.client.post("/api/v1/analytics/forecast/snapshots", json={},
                                headers=org.reps[0].headers)).status_code == 403
    assert (await h.client.get("/api/v1/analytics/forecast/snapshots", headers=org.reps[0].headers)).status_code == 403
    today = date.today()
    for query in ("from=2026-05&to=2026-01", f"to={world.month_start(today, -2):%Y-%m}", "from=2020-01&to=2026-01",
                  "from=2026-1"):
        r = await h.client.get(f"/api/v1/analytics/forecast-accuracy?{query}", headers=org.director.headers)
        assert r.status_code == 422, (query, r.text)
    r = await h.client.get("/api/v1/analytics/forecast-accuracy", headers=org.director.headers)
    assert r.status_code == 200 and len(r.json()["months"]) == 6
