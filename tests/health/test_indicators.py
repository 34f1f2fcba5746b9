"""The four indicators and the score against hand-computed values (SPEC §6), and the records
that explain them."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.health.helpers import (
    ALL_FLAGS,
    competitor,
    contact,
    follow_up,
    grade_changes,
    grade_events,
    health,
    indicators,
    stored,
)
from tests.support import Harness

WEIGHTS = {"interaction_frequency": 0.30, "requirement_clarity": 0.25, "decision_chain": 0.30,
           "competitor_activity": 0.15}


async def test_each_indicator_and_the_score_match_a_hand_computation(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    c = await h.customer(rep, requirements={"drawings": True, "tech_params": False, "budget_range": True})
    cid = c["id"]
    technical = await contact(h, rep, cid, "technical", "王工")
    procurement = await contact(h, rep, cid, "procurement", "采购李")
    await contact(h, rep, cid, "finance", "财务赵")  # never engaged: does not count
    executive = await contact(h, rep, cid, "executive", "张总")  # engaged, but not a counted role
    # interaction_frequency: 5 counted (call, meeting, email, visit, wechat within 90 days) ...
    for days, channel in ((1, "call"), (10, "meeting"), (30, "email"), (60, "visit"), (89, "wechat")):
        await follow_up(h, rep, cid, days, channel)
    # ... not counted: other channels, older than 90 days, deleted.
    await follow_up(h, rep, cid, 5, "demo")
    await follow_up(h, rep, cid, 6, "other")
    await follow_up(h, rep, cid, 91, "call", contacts=[technical])  # engages the technical contact (≤ 180 d)
    await follow_up(h, rep, cid, 200, "visit", contacts=[procurement])  # too old to engage
    await follow_up(h, rep, cid, 20, "other", contacts=[executive])
    deleted = await follow_up(h, rep, cid, 2, "call", contacts=[procurement])
    assert (await h.client.delete(f"/api/v1/follow-ups/{deleted['id']}", headers=rep.headers)).status_code == 204
    # competitor_activity: one competitor_feedback action 30 days ago (channel other: no interaction).
    await follow_up(h, rep, cid, 30, "other", actions=[competitor()])
    await h.drain()

    x = {"interaction_frequency": 5 / 12, "requirement_clarity": 2 / 3, "decision_chain": 1 / 3,
         "competitor_activity": 1.0}
    w = WEIGHTS
    score = sum(w[k] * x[k] for k in x)  # 0.125 + 0.1667 + 0.1 + 0.15 = 0.5417
    assert score == pytest.approx(0.541667, abs=1e-6)

    customer = await stored(h, cid)
    assert customer.grade == "B" and customer.health_score == pytest.approx(score)
    assert customer.health_model_version == 1 and customer.graded_at is not None

    body = await health(h, rep, cid)
    assert body["grade"] == "B" and body["score"] == pytest.approx(score) and body["model_version"] == 1
    assert body["thresholds"] == {"A": 0.7, "B": 0.4}
    got = indicators(body)
    assert list(got) == list(x)
    for code in x:
        assert got[code]["value"] == pytest.approx(x[code]), code
        assert got[code]["weight"] == pytest.approx(w[code])
        assert got[code]["contribution"] == pytest.approx(w[code] * x[code])
    assert sum(i["contribution"] for i in got.values()) == pytest.approx(body["score"])

    records = {code: got[code]["records"] for code in x}
    assert sorted(r["value"] for r in records["interaction_frequency"]) == sorted(
        ["call", "meeting", "email", "visit", "wechat"])
    assert {r["description"]: r["value"] for r in records["requirement_clarity"]} == {
        "drawings = true": "true", "tech_params = false": "false", "budget_range = true": "true"}
    (chain,) = records["decision_chain"]
    assert chain["id"] == technical and chain["value"] == "technical" and "王工" in chain["description"]
    (action,) = records["competitor_activity"]
    assert action["kind"] == "action" and "友商A" in action["description"]


async def test_the_seed_scenario_customer_is_graded_A_with_a_grade_change_and_an_event(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    c = await h.customer(rep, name="东莞精密模具有限公司", requirements=ALL_FLAGS)
    cid = c["id"]
    await h.drain()  # graded on creation: requirements only, 0.25 → C
    roles = [await contact(h, rep, cid, role) for role in ("technical", "procurement", "finance")]
    for i in range(12):
        await follow_up(h, rep, cid, 3 + i * 7, "visit" if i % 2 else "call", contacts=[roles[i % 3]])
    await follow_up(h, rep, cid, 15, "other", actions=[competitor()])
    await h.drain()

    customer = await stored(h, cid)
    assert customer.grade == "A" and customer.health_score == pytest.approx(1.0)
    body = await health(h, rep, cid)
    assert {i["code"]: i["value"] for i in body["indicators"]} == {
        "interaction_frequency": 1.0, "requirement_clarity": 1.0, "decision_chain": 1.0, "competitor_activity": 1.0}
    # C on creation, then up to A as the records arrived (in between, B depending on event timing).
    changes = await grade_changes(h, cid)
    assert changes[0].old_grade is None and changes[0].new_grade == "C"
    last_change = changes[-1]
    assert last_change.new_grade == "A" and last_change.old_grade in ("B", "C") and last_change.score >= 0.7
    assert set(last_change.indicators) == set(WEIGHTS)
    assert last_change.score == pytest.approx(sum(WEIGHTS[k] * v for k, v in last_change.indicators.items()))
    events = await grade_events(h, cid)
    assert [(e.payload["old"], e.payload["new"]) for e in events] == [(g.old_grade, g.new_grade) for g in changes]
    last = events[-1].payload
    assert last["customer_id"] == cid and last["new"] == "A" and last["score"] == pytest.approx(last_change.score)
    assert last["model_version"] == 1 and last["owner_id"] == rep.user_id and last["team_id"] == org.teams[0]
    assert last["indicators"] == pytest.approx(last_change.indicators)
    await h.drain()  # (arq: the events the last burst's handlers published)
    events = await grade_events(h, cid)
    assert all(e.processed_at is not None for e in events)  # published and processed, not left to the sweeper


async def test_one_customer_is_regraded_within_the_event_of_a_change(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    c = await h.customer(rep, requirements=ALL_FLAGS)
    await h.drain()
    assert (await stored(h, c["id"])).grade == "C"  # 0.25
    for i in range(12):
        await follow_up(h, rep, c["id"], i + 1, "call")
    await h.drain()
    customer = await stored(h, c["id"])
    assert customer.grade == "B" and customer.health_score == pytest.approx(0.55)
    await follow_up(h, rep, c["id"], 1, "wechat", actions=[competitor()])
    await h.drain()
    customer = await stored(h, c["id"])
    assert customer.grade == "A" and customer.health_score == pytest.approx(0.70)
    # A requirement flag withdrawn by PATCH regrades too: 0.70 - 0.25 / 3.
    r = await h.client.patch(f"/api/v1/customers/{c['id']}", headers=rep.headers,
                             json={"requirements": {**ALL_FLAGS, "budget_range": False}})
    assert r.status_code == 200, r.text
    await h.drain()
    customer = await stored(h, c["id"])
    assert customer.grade == "B" and customer.health_score == pytest.approx(0.70 - 0.25 / 3)
    assert [(g.old_grade, g.new_grade) for g in await grade_changes(h, c["id"])] == [
        (None, "C"), ("C", "B"), ("B", "A"), ("A", "B")]
    # Editing only a summary moves nothing and writes no grade change.
    fu = await follow_up(h, rep, c["id"], 2, "call")
    await h.drain()
    r = await h.client.patch(f"/api/v1/follow-ups/{fu['id']}", json={"summary": "补充纪要"}, headers=rep.headers)
    assert r.status_code == 200
    await h.drain()
    assert len(await grade_changes(h, c["id"])) == 4


async def test_a_tech_requirement_action_counts_from_its_own_moment(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    c = await h.customer(rep)
    fu = await follow_up(h, rep, c["id"], 10, "other", actions=[
        {"code": "tech_requirement_update", "fields": {"drawings": True, "tech_params": True}}])
    await h.drain()
    body = await health(h, rep, c["id"])
    req = indicators(body)["requirement_clarity"]
    assert req["value"] == pytest.approx(2 / 3) and body["grade"] == "C"
    by_flag = {r["description"].split(" = ")[0]: r for r in req["records"]}
    assert by_flag["drawings"]["value"] == "true" and by_flag["budget_range"]["value"] == "false"
    assert datetime.fromisoformat(by_flag["drawings"]["occurred_at"]) == datetime.fromisoformat(fu["occurred_at"])
