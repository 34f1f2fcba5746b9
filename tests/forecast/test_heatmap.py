"""Credibility heatmap and the risk list: the seed's Changzhou case (表面乐观但证据缺失)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.forecast.test_evidence import add
from tests.support import Actor, Harness


async def staged(h: Harness, rep: Actor, customer_id: str, stage: str, **fields: Any) -> dict[str, Any]:
    deal = await h.opportunity(rep, customer_id, **fields)
    if stage != "初谈":
        r = await h.client.post(f"/api/v1/opportunities/{deal['id']}/stage", json={"stage": stage}, headers=rep.headers)
        assert r.status_code == 200, r.text
    return deal


async def test_commit_claims_without_evidence_are_flagged_and_a_down_payment_is_commit(h: Harness) -> None:
    org = await h.org()
    rep, other = org.reps[0], org.reps[2]
    customer = await h.customer(rep)
    # Three deals the rep calls commit, in 终审, with only a requirement confirmation behind them.
    hollow = []
    for amount in ("1200000", "2100000", "1460000"):
        deal = await staged(h, rep, customer["id"], "终审", amount=amount, rep_forecast_category="commit")
        await add(h, rep, deal["id"], "requirement_confirmation", text="需求确认书")
        hollow.append(deal)
    # One the evidence carries: down payment received, with the ladder below it.
    solid = await staged(h, rep, customer["id"], "终审", amount="900000", rep_forecast_category="commit")
    for node in ("requirement_confirmation", "technical_agreement", "commercial_terms", "down_payment"):
        await add(h, rep, solid["id"], node, text=node)
    # Not risks: an early deal without a claim, and a late one with its stage's evidence in place.
    await staged(h, rep, customer["id"], "初谈", amount="100000")
    late = await staged(h, rep, customer["id"], "样机测试", amount="300000")
    for node in ("requirement_confirmation", "technical_agreement"):
        await add(h, rep, late["id"], node, text=node)
    other_customer = await h.customer(other)
    theirs = await staged(h, other, other_customer["id"], "签约", amount="800000")  # last stage, nothing evidenced

    got = (await h.client.get(f"/api/v1/opportunities/{solid['id']}", headers=rep.headers)).json()
    assert (got["forecast_category"], got["rep_forecast_category"]) == ("commit", "commit")

    r = await h.client.get("/api/v1/analytics/forecast-heatmap", headers=org.director.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    risks = {risk["opportunity_id"]: risk for risk in body["risks"]}
    assert set(risks) == {d["id"] for d in hollow} | {theirs["id"]}
    flagged = risks[hollow[0]["id"]]
    assert flagged["reason"] == "commit_claim" and flagged["completeness"] == 0.25
    assert flagged["missing"] == ["technical_agreement", "commercial_terms", "down_payment"]
    assert risks[theirs["id"]]["reason"] == "late_stage" and risks[theirs["id"]]["completeness"] == 0
    assert [r["amount"] for r in body["risks"]][:2] == ["2100000.00", "1460000.00"]  # largest first

    assert [s["code"] for s in body["stages"]] == ["初谈", "样机测试", "终审", "签约"]
    rows = {row["owner_id"]: row for row in body["rows"]}
    cells = {c["stage"]: c for c in rows[rep.user_id]["cells"]}
    # 终审 expects ①②③: three deals with ① (1/3 each) and one with all three -> (1/3·3 + 1) / 4.
    assert cells["终审"]["deals"] == 4 and cells["终审"]["completeness"] == pytest.approx(0.5, abs=1e-4)
    assert cells["样机测试"]["completeness"] == 1.0
    assert cells["初谈"] == {"stage": "初谈", "completeness": None, "deals": 1, "measured": 0}
    assert rows[rep.user_id]["deals"] == 6
    assert rows[other.user_id]["cells"] == [{"stage": "签约", "completeness": 0.0, "deals": 1, "measured": 1}]

    # Visibility: the other team's rep sees only their own row and risk.
    theirs_view = (await h.client.get("/api/v1/analytics/forecast-heatmap", headers=other.headers)).json()
    assert [row["owner_id"] for row in theirs_view["rows"]] == [other.user_id]
    assert [risk["opportunity_id"] for risk in theirs_view["risks"]] == [theirs["id"]]
    team = (await h.client.get(f"/api/v1/analytics/forecast-heatmap?team_id={org.teams[0]}",
                               headers=org.director.headers)).json()
    assert {row["owner_id"] for row in team["rows"]} == {rep.user_id}
