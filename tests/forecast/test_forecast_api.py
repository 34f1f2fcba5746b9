"""Win probabilities and the forecast over HTTP, against figures computed by hand (SPEC §8)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from scipy.stats import beta as beta_dist

from tests.forecast.test_evidence import add
from tests.support import Actor, Harness

NOW = datetime.now(UTC)


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat()


def month_after_next() -> tuple[str, date]:
    first = (date.today().replace(day=1) + timedelta(days=62)).replace(day=1)
    return f"{first:%Y-%m}", first


async def deal(h: Harness, rep: Actor, customer_id: str, **fields: Any) -> dict[str, Any]:
    return await h.opportunity(rep, customer_id, **fields)


async def close(h: Harness, rep: Actor, deal_id: str, status: str, days_ago: float) -> None:
    body = {"status": status, f"{status}_at": ago(days_ago)}
    r = await h.client.patch(f"/api/v1/opportunities/{deal_id}", json=body, headers=rep.headers)
    assert r.status_code == 200, r.text


async def history(h: Harness, rep: Actor, customer_id: str) -> None:
    """Closed deals whose observations are, by hand:
    A: created 200d ago, ② at 150d, won 20d ago  -> (15, .5, win) (60, .5, win) (120, .5, win)
    B: created 100d ago, ② at 50d, lost 30d ago  -> (15, .5, loss) (60, 0, loss); at 120 it did not exist
    C: created 300d ago, no evidence, lost 10d   -> (15, 0, loss) (60, 0, loss) (120, 0, loss)
    E: created 60d ago, ② at 40d, won 5d ago     -> (15, .5, win); at 60 and 120 it did not exist
    """
    for created, evidence_at, outcome, closed in ((200, 150, "won", 20), (100, 50, "lost", 30),
                                                  (300, None, "lost", 10), (60, 40, "won", 5)):
        d = await deal(h, rep, customer_id, created_at=ago(created))
        if evidence_at is not None:
            r = await add(h, rep, d["id"], "technical_agreement", text="技术协议", occurred_at=ago(evidence_at))
            assert r.status_code == 201, r.text
        await close(h, rep, d["id"], outcome, closed)
    await h.drain()  # closing marks the calibration stale; the outbox recomputes it


def beta_summary(a: float, b: float) -> dict[str, float]:
    return {"mean": a / (a + b), "low": beta_dist.ppf(0.1, a, b), "high": beta_dist.ppf(0.9, a, b)}


def assert_probability(got: dict[str, float], want: dict[str, float]) -> None:
    assert got == pytest.approx(want, abs=1e-9), (got, want)


async def test_win_probability_is_the_beta_posterior_of_the_matching_checkpoint(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    await history(h, rep, customer["id"])
    today = date.today()

    near = await deal(h, rep, customer["id"], expected_close_date=str(today + timedelta(days=20)))
    await add(h, rep, near["id"], "technical_agreement", text="技术协议")
    mid = await deal(h, rep, customer["id"], expected_close_date=str(today + timedelta(days=60)))
    far = await deal(h, rep, customer["id"], expected_close_date=str(today + timedelta(days=200)))
    await add(h, rep, far["id"], "technical_agreement", text="技术协议")
    undated = await deal(h, rep, customer["id"])

    async def probability(d: dict[str, Any]) -> dict[str, float]:
        r = await h.client.get(f"/api/v1/opportunities/{d['id']}", headers=rep.headers)
        return r.json()["win_probability"]

    # k = 10; c = 0.5 for ②, 0.1 for no evidence.
    assert_probability(await probability(near), beta_summary(5 + 2, 5 + 1))   # (15, .5): A, E won; B lost
    assert_probability(await probability(mid), beta_summary(1 + 0, 9 + 2))    # (60, 0): B, C lost
    assert_probability(await probability(far), beta_summary(5 + 1, 5 + 0))    # (120, .5): A won
    assert_probability(await probability(undated), beta_summary(1 + 0, 9 + 1))  # no date = beyond: (120, 0): C

    # The list carries the same figures; a won deal is certain, a lost one impossible.
    listed = (await h.client.get("/api/v1/opportunities?status=open", headers=rep.headers)).json()["items"]
    assert {d["id"]: d["win_probability"]["mean"] for d in listed}[near["id"]] == pytest.approx(7 / 13)
    r = await h.client.post(f"/api/v1/opportunities/{near['id']}/win", json={}, headers=rep.headers)
    assert r.json()["win_probability"] == {"mean": 1.0, "low": 1.0, "high": 1.0}
    # Reopening leaves no stale probability: it is open again and priced from the (now larger) history.
    r = await h.client.post(f"/api/v1/opportunities/{near['id']}/stage", json={"stage": "初谈"}, headers=rep.headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "open" and r.json()["won_at"] is None
    assert_probability(r.json()["win_probability"], beta_summary(5 + 2, 5 + 1))

    # A stronger prior moves every probability toward its coefficient.
    model = (await h.client.get("/api/v1/evidence-model", headers=rep.headers)).json()
    body = {"nodes": model["nodes"], "thresholds": model["thresholds"], "prior_strength": 100}
    assert (await h.client.put("/api/v1/evidence-model", json=body, headers=org.director.headers)).status_code == 200
    assert_probability(await probability(mid), beta_summary(10 + 0, 90 + 2))


async def test_forecast_figures_by_hand_and_by_owner_and_team(h: Harness) -> None:
    org = await h.org()
    rep, colleague, other_team = org.reps[0], org.reps[1], org.reps[2]
    customer = await h.customer(rep)
    await history(h, rep, customer["id"])
    period, first = month_after_next()
    close_day = first + timedelta(days=3)
    days = (close_day - date.today()).days
    checkpoint = 15 if days <= 30 else 60 if days <= 90 else 120

    committed = await deal(h, rep, customer["id"], amount="500000", expected_close_date=str(close_day))
    await add(h, rep, committed["id"], "down_payment", text="首付款已到账")
    best = await deal(h, rep, customer["id"], amount="300000", expected_close_date=str(close_day))
    await add(h, rep, best["id"], "technical_agreement", text="技术协议")
    bare = await deal(h, rep, customer["id"], amount="200000", expected_close_date=str(close_day))
    other_customer = await h.customer(other_team)
    theirs = await deal(h, other_team, other_customer["id"], amount="400000", expected_close_date=str(close_day))
    await add(h, other_team, theirs["id"], "requirement_confirmation", text="需求确认书")
    # Outside the period, another currency, or closed: not in the forecast.
    await deal(h, rep, customer["id"], amount="999999", expected_close_date=str(first + timedelta(days=40)))
    await deal(h, rep, customer["id"], amount="888888", currency="USD", expected_close_date=str(close_day))

    cells = {(15, 0.5): (2, 1), (60, 0.5): (1, 0), (120, 0.5): (1, 0), (15, 0.0): (0, 1), (60, 0.0): (0, 2),
             (120, 0.0): (0, 1)}

    def mean(c: float, maturity: float) -> float:
        wins, losses = cells.get((checkpoint, maturity), (0, 0))
        return (10 * c + wins) / (10 + wins + losses)

    expected_rep = 500000 * mean(0.9, 0.9) + 300000 * mean(0.5, 0.5) + 200000 * mean(0.1, 0.0)
    expected_all = expected_rep + 400000 * mean(0.3, 0.3)

    r = await h.client.get(f"/api/v1/analytics/forecast?period={period}", headers=org.director.headers)
    assert r.status_code == 200, r.text
    f = r.json()
    assert (f["commit"], f["best_case"], f["pipeline"], f["unqualified"]) == (500000, 300000, 400000, 200000)
    assert f["deals"] == 4 and f["currency"] == "CNY" and f["period"] == period
    assert f["expected"] == pytest.approx(expected_all, abs=0.01)
    assert f["p10"] <= f["p50"] <= f["p90"] and f["p10"] >= 0 and f["p90"] <= 1_400_000
    owners = {e["owner_id"]: e for e in f["by_owner"]}
    assert owners[rep.user_id]["expected"] == pytest.approx(expected_rep, abs=0.01)
    assert owners[rep.user_id]["commit"] == 500000 and owners[other_team.user_id]["pipeline"] == 400000
    teams = {e["team_id"]: e for e in f["by_team"]}
    assert teams[org.teams[0]]["expected"] == pytest.approx(expected_rep, abs=0.01)
    assert sum(e["expected"] for e in f["by_team"]) == pytest.approx(f["expected"], abs=0.02)

    again = (await h.client.get(f"/api/v1/analytics/forecast?period={period}", headers=org.director.headers)).json()
    assert again == {**f, "as_of": again["as_of"]}  # same data, same seed: same figures
    other = (await h.client.get(f"/api/v1/analytics/forecast?period={period}&seed=7", headers=org.director.headers)).json()
    assert other["expected"] == f["expected"] and other["seed"] == 7  # 4 deals: few distinct outcomes

    # Visibility: a rep sees their own deals; a manager their team's; filters narrow within reach.
    mine = (await h.client.get(f"/api/v1/analytics/forecast?period={period}", headers=rep.headers)).json()
    assert mine["deals"] == 3 and [e["owner_id"] for e in mine["by_owner"]] == [rep.user_id]
    assert mine["expected"] == pytest.approx(expected_rep, abs=0.01)
    manager = (await h.client.get(f"/api/v1/analytics/forecast?period={period}", headers=org.managers[0].headers)).json()
    assert manager["deals"] == 3
    peer = (await h.client.get(f"/api/v1/analytics/forecast?period={period}&owner_id={other_team.user_id}",
                               headers=colleague.headers)).json()
    assert peer["deals"] == 0 and peer["expected"] == 0
    team = (await h.client.get(f"/api/v1/analytics/forecast?period={period}&team_id={org.teams[1]}",
                               headers=org.director.headers)).json()
    assert team["deals"] == 1 and team["pipeline"] == 400000
    usd = (await h.client.get(f"/api/v1/analytics/forecast?period={period}&currency=USD", headers=rep.headers)).json()
    assert usd["deals"] == 1 and usd["unqualified"] == 888888


async def test_point_in_time_records_dated_after_as_of_change_no_figure(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    await history(h, rep, customer["id"])
    period, first = month_after_next()
    close_day = str(first + timedelta(days=5))
    a = await deal(h, rep, customer["id"], amount="500000", expected_close_date=close_day, created_at=ago(40))
    ev = (await add(h, rep, a["id"], "commercial_terms", text="商务条款", occurred_at=ago(20))).json()
    b = await deal(h, rep, customer["id"], amount="300000", expected_close_date=close_day, created_at=ago(30))
    await add(h, rep, b["id"], "requirement_confirmation", text="需求确认", occurred_at=ago(25))
    c = await deal(h, rep, customer["id"], amount="250000", expected_close_date=close_day, created_at=ago(30))
    d = await deal(h, rep, customer["id"], amount="100000", expected_close_date=close_day, created_at=ago(10))
    await add(h, rep, d["id"], "technical_agreement", text="x", occurred_at=ago(9))
    doomed = await deal(h, rep, customer["id"], amount="40000", expected_close_date=close_day, created_at=ago(8))
    relapsed = await deal(h, rep, customer["id"], created_at=ago(300), status="lost", lost_at=ago(5))
    await add(h, rep, relapsed["id"], "technical_agreement", text="x", occurred_at=ago(200))
    await h.drain()
    as_of = ago(2)
    url = f"/api/v1/analytics/forecast?period={period}&as_of={as_of.replace('+', '%2B')}"
    before = (await h.client.get(url, headers=org.director.headers)).json()
    now_view = (await h.client.get(f"/api/v1/analytics/forecast?period={period}", headers=org.director.headers)).json()
    # The historical path and the current one agree while nothing has changed since.
    for key in ("commit", "best_case", "pipeline", "unqualified", "expected", "deals", "observations"):
        assert before[key] == now_view[key], key
    assert before["deals"] == 5 and before["best_case"] == 600000

    # Everything below is dated after as_of.
    await add(h, rep, b["id"], "down_payment", text="首付款")                     # evidence now
    await h.client.post(f"/api/v1/opportunities/{a['id']}/evidence/{ev['id']}/revoke", json={"reason": "x"},
                        headers=rep.headers)                                      # revoked now
    r = await h.client.patch(f"/api/v1/opportunities/{c['id']}", headers=rep.headers,
                             json={"amount": "1", "expected_close_date": str(first - timedelta(days=3))})
    assert r.status_code == 200                                                   # amount and date changed now
    await deal(h, rep, customer["id"], amount="700000", expected_close_date=close_day)   # a new deal
    await close(h, rep, d["id"], "won", 0.5)                                      # won after as_of: open then
    old = await deal(h, rep, customer["id"], created_at=ago(400))
    await add(h, rep, old["id"], "down_payment", text="x", occurred_at=ago(300))
    await close(h, rep, old["id"], "won", 1)                                      # closed after as_of: no observation
    r = await h.client.delete(f"/api/v1/opportunities/{doomed['id']}", headers=rep.headers)
    assert r.status_code == 204                                                   # deleted after as_of
    r = await h.client.patch(f"/api/v1/opportunities/{relapsed['id']}", json={"status": "open"}, headers=rep.headers)
    assert r.status_code == 200 and r.json()["lost_at"] is None                   # reopened after as_of

    after = (await h.client.get(url, headers=org.director.headers)).json()
    assert after == before
    now_after = (await h.client.get(f"/api/v1/analytics/forecast?period={period}", headers=org.director.headers)).json()
    assert now_after["commit"] == 300000 and now_after["deals"] == 3  # b committed; c, d, doomed out; new deal in


async def test_as_of_in_the_future_and_bad_periods_are_refused(h: Harness) -> None:
    org = await h.org()
    future = (NOW + timedelta(days=1)).isoformat().replace("+", "%2B")
    for query in (f"as_of={future}", "period=2026-13", "period=26-01", "currency=rmb", "seed=-1"):
        r = await h.client.get(f"/api/v1/analytics/forecast?{query}", headers=org.director.headers)
        assert r.status_code == 422, query
        assert r.headers["content-type"].startswith("application/problem+json")


async def test_closed_deals_import_with_their_history(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    won = await deal(h, rep, customer["id"], status="won", created_at=ago(90), won_at=ago(10),
                     contract_signed_at=ago(12))
    assert won["status"] == "won" and won["won_at"] and won["win_probability"]["mean"] == 1.0
    lost = await deal(h, rep, customer["id"], status="lost", lost_reason="价格", created_at=ago(50))
    assert lost["status"] == "lost" and lost["lost_at"] and lost["win_probability"]["mean"] == 0.0
    for body, field in (({"status": "won", "created_at": ago(5), "won_at": ago(9)}, "won_at"),
                        ({"won_at": ago(1)}, "won_at"), ({"status": "won", "lost_at": ago(1)}, "lost_at"),
                        ({"status": "won", "won_at": (NOW + timedelta(days=1)).isoformat()}, "won_at"),
                        ({"lost_reason": "价格"}, "lost_reason")):
        r = await h.client.post("/api/v1/opportunities", headers=rep.headers,
                                json={"customer_id": customer["id"], "name": "导入商机", **body})
        assert r.status_code == 422, (body, r.text)
        assert field in r.json()["errors"][0]["field"], (body, r.json())
    imported = await deal(h, rep, customer["id"], status="won", won_at=ago(30))  # created when it closed
    assert imported["created_at"] == imported["won_at"]
