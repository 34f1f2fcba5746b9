"""Pipelines and stage rules (§5): defaults, the stage endpoint, win/reopen, clone, config access."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from salescore.models import Event
from tests.support import Harness


async def _pipelines(h: Harness, actor: Any) -> dict[str, dict[str, Any]]:
    r = await h.client.get("/api/v1/pipelines", headers=actor.headers)
    assert r.status_code == 200, r.text
    return {p["name"]: p for p in r.json()}


async def test_seeded_pipelines(h: Harness) -> None:
    org = await h.org()
    pipelines = await _pipelines(h, org.reps[0])
    default = pipelines["标准销售流程"]
    assert default["is_default"]
    assert [s["code"] for s in default["stages"]] == ["初谈", "报价", "样机测试", "终审", "签约"]
    expected = {s["code"]: s["expected_evidence"] for s in default["stages"]}
    assert expected["报价"] == ["requirement_confirmation"]
    assert len(expected["终审"]) == 3 and len(expected["签约"]) == 4
    hospital = pipelines["医院采购路径（医疗器械）"]
    assert all(not s["required_fields"] and not s["required_actions"] for s in default["stages"])  # §5: evidence only
    assert [(s["code"], s["required_fields"]) for s in hospital["stages"]] == [
        ("采购科初筛", []), ("设备科主任评估", ["clinical_trial_application"]),
        ("院长办公会决策", ["department_training_booked"]),
    ]


async def test_stage_move_lists_every_missing_requirement_then_succeeds(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    strict = await h.strict_pipeline(org.director)
    deal = await h.opportunity(rep, customer["id"], amount=None, pipeline_id=strict)
    assert deal["stage"] == "初谈" and deal["pipeline_id"] == strict
    r = await h.client.post(f"/api/v1/opportunities/{deal['id']}/stage", json={"stage": "签约"}, headers=rep.headers)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {
        "amount", "expected_close_date", "required_actions.quote_submitted", "required_actions.quote_confirmed",
    }
    assert (await h.client.get(f"/api/v1/opportunities/{deal['id']}", headers=rep.headers)).json()["stage"] == "初谈"
    r = await h.client.post(f"/api/v1/opportunities/{deal['id']}/stage", json={"stage": "不存在"}, headers=rep.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "stage"
    await h.client.patch(f"/api/v1/opportunities/{deal['id']}", json={"amount": "500000", "expected_close_date": "2027-03-01"},
                         headers=rep.headers)
    for code, fields in (("quote_submitted", {"amount": 500000}), ("quote_confirmed", {})):
        r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json={
            "customer_id": customer["id"], "opportunity_id": deal["id"], "channel": "email",
            "actions": [{"code": code, "fields": fields}]})
        assert r.status_code == 201, r.text
    r = await h.client.post(f"/api/v1/opportunities/{deal['id']}/stage", json={"stage": "签约"}, headers=rep.headers)
    assert r.status_code == 200, r.text
    assert r.json()["stage"] == "签约"
    changes = (await h.client.get(f"/api/v1/opportunities/{deal['id']}/stage-changes", headers=rep.headers)).json()
    assert [(c["from_stage"], c["to_stage"]) for c in changes] == [(None, "初谈"), ("初谈", "签约")]
    assert changes[-1]["by_id"] == rep.user_id
    # PATCH obeys the same rules: moving back is free.
    r = await h.client.patch(f"/api/v1/opportunities/{deal['id']}", json={"stage": "报价"}, headers=rep.headers)
    assert r.status_code == 200 and r.json()["stage"] == "报价"


async def test_win_then_reopen_by_moving_back(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    deal = await h.opportunity(rep, customer["id"])
    r = await h.client.post(f"/api/v1/opportunities/{deal['id']}/win",
                            json={"won_at": "2026-11-01T10:00:00+08:00", "amount": "880000"}, headers=rep.headers)
    assert r.status_code == 200, r.text
    won = r.json()
    assert won["status"] == "won" and won["stage"] == "签约" and float(won["amount"]) == 880000
    assert won["won_at"].startswith("2026-11-01T02:00:00")
    assert (await h.client.post(f"/api/v1/opportunities/{deal['id']}/win", headers=rep.headers)).status_code == 409
    r = await h.client.post(f"/api/v1/opportunities/{deal['id']}/stage", json={"stage": "终审"}, headers=rep.headers)
    assert r.status_code == 200
    assert r.json()["status"] == "open" and r.json()["won_at"] is None and r.json()["stage"] == "终审"
    audit = (await h.client.get(f"/api/v1/audit-log?entity=opportunity&entity_id={deal['id']}",
                                headers=org.admin.headers)).json()["items"]
    assert any(a["before"] and a["before"]["status"] == "won" and a["after"]["status"] == "open" for a in audit)


async def test_hospital_path_requires_its_custom_fields(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    hospital = (await _pipelines(h, rep))["医院采购路径（医疗器械）"]
    customer = await h.customer(rep, industry="医疗器械")
    deal = await h.opportunity(rep, customer["id"], pipeline_id=hospital["id"])
    assert deal["stage"] == "采购科初筛"
    r = await h.client.post(f"/api/v1/opportunities/{deal['id']}/stage", json={"stage": "院长办公会决策"}, headers=rep.headers)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"custom.clinical_trial_application", "custom.department_training_booked"}
    await h.client.patch(f"/api/v1/opportunities/{deal['id']}", json={"custom": {"clinical_trial_application": True}},
                         headers=rep.headers)
    r = await h.client.post(f"/api/v1/opportunities/{deal['id']}/stage", json={"stage": "设备科主任评估"}, headers=rep.headers)
    assert r.status_code == 200, r.text


async def test_clone_and_config_access(h: Harness) -> None:
    org = await h.org()
    default = (await _pipelines(h, org.director))["标准销售流程"]
    r = await h.client.post(f"/api/v1/pipelines/{default['id']}/clone", json={"region": "华南"}, headers=org.reps[0].headers)
    assert r.status_code == 403
    r = await h.client.post(f"/api/v1/pipelines/{default['id']}/clone", json={"name": "华南流程", "region": "华南"},
                            headers=org.director.headers)
    assert r.status_code == 201, r.text
    clone = r.json()
    assert clone["cloned_from_id"] == default["id"] and not clone["is_default"]
    assert [s["code"] for s in clone["stages"]] == [s["code"] for s in default["stages"]]
    stages = [{**{k: v for k, v in s.items() if k not in ("labels",)}, "label_en": s["labels"]["en"]} for s in clone["stages"]]
    stages[1]["required_actions"] = ["proposal_sent"]
    r = await h.client.patch(f"/api/v1/pipelines/{clone['id']}", json={"stages": stages}, headers=org.director.headers)
    assert r.status_code == 200, r.text
    assert r.json()["stages"][1]["required_actions"] == ["proposal_sent"]
    stages[1]["required_actions"] = ["not_an_action"]
    r = await h.client.patch(f"/api/v1/pipelines/{clone['id']}", json={"stages": stages}, headers=org.director.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "stages.1.required_actions.0"
    # The source is untouched.
    again = (await _pipelines(h, org.director))["标准销售流程"]
    assert again["stages"][1]["required_actions"] == []
    r = await h.client.delete(f"/api/v1/pipelines/{default['id']}", headers=org.director.headers)
    assert r.status_code == 409


async def test_contract_push_follows_the_deals_own_pipeline(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    hospital = (await _pipelines(h, rep))["医院采购路径（医疗器械）"]
    customer = await h.customer(rep, industry="医疗器械")
    deal = await h.opportunity(rep, customer["id"], pipeline_id=hospital["id"],
                               custom={"clinical_trial_application": True})
    push = {"customer_id": customer["id"], "channel": "visit",
            "actions": [{"code": "contract_push", "fields": {"stage": "设备科主任评估", "expected_sign_date": "2027-03-01"}}]}
    r = await h.client.post("/api/v1/follow-ups", json=push, headers=rep.headers)
    assert r.status_code == 201, r.text
    d = (await h.client.get(f"/api/v1/opportunities/{deal['id']}", headers=rep.headers)).json()
    assert d["stage"] == "设备科主任评估" and d["expected_close_date"] == "2027-03-01"
    push["actions"][0]["fields"]["stage"] = "报价"  # a stage of another pipeline
    r = await h.client.post("/api/v1/follow-ups", json=push, headers=rep.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "actions.0.fields.stage"
    assert "采购科初筛" in r.json()["errors"][0]["message"]


async def test_stage_changes_read_as_from_to_at_by(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    deal = await h.opportunity(rep, customer["id"])
    await h.client.post(f"/api/v1/opportunities/{deal['id']}/stage", json={"stage": "报价"}, headers=rep.headers)
    last = (await h.client.get(f"/api/v1/opportunities/{deal['id']}/stage-changes", headers=rep.headers)).json()[-1]
    assert (last["from"], last["to"], last["by"]) == ("初谈", "报价", rep.user_id) and last["at"]


async def test_a_manager_may_override_missing_requirements_and_it_counts_as_non_compliant(h: Harness) -> None:
    org = await h.org()
    rep, manager = org.reps[0], org.managers[0]
    customer = await h.customer(rep)
    strict = await h.strict_pipeline(org.director)
    deal = await h.opportunity(rep, customer["id"], amount=None, pipeline_id=strict)
    path = f"/api/v1/opportunities/{deal['id']}/stage"
    body = {"stage": "样机测试", "override_reason": "老客户复购，总监特批先行测试"}
    r = await h.client.post(path, json=body, headers=rep.headers)
    assert r.status_code == 403  # a rep cannot wave the rules
    for blank in ("", "   "):
        r = await h.client.post(path, json={**body, "override_reason": blank}, headers=manager.headers)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "override_reason"
    r = await h.client.post(path, json=body, headers=manager.headers)
    assert r.status_code == 200 and r.json()["stage"] == "样机测试"
    changes = (await h.client.get(f"/api/v1/opportunities/{deal['id']}/stage-changes", headers=rep.headers)).json()
    assert [(c["to_stage"], c["compliant"]) for c in changes] == [("初谈", True), ("样机测试", False)]
    assert changes[-1]["override_reason"] == body["override_reason"] and changes[0]["override_reason"] is None
    async with h.runtime.sessionmaker() as session:  # the event says who waived what, and why
        events = (await session.scalars(sa.select(Event).where(
            Event.entity_id == uuid.UUID(deal["id"]), Event.type == "opportunity.stage_changed"))).all()
    waived = [e.payload["stage_change"] for e in events if e.payload["stage_change"].get("compliant") is False]
    assert len(waived) == 1 and waived[0]["override_reason"] == body["override_reason"]
    assert sorted(m.split(":")[0] for m in waived[0]["missing"]) == ["amount", "required_actions.quote_submitted"]
    # a reason with nothing missing changes nothing: moving back is free and compliant
    r = await h.client.post(path, json={"stage": "报价", "override_reason": "无需特批"}, headers=manager.headers)
    assert r.status_code == 200
    changes = (await h.client.get(f"/api/v1/opportunities/{deal['id']}/stage-changes", headers=rep.headers)).json()
    assert changes[-1]["compliant"] is True

    kpis = (await h.client.get("/api/v1/analytics/kpis", params={"weeks": 1},
                               headers=org.director.headers)).json()
    tenant = next(g for g in kpis["groups"] if g["key"] == "tenant")
    point = tenant["series"]["action_compliance_rate"][-1]
    assert (point["value"], point["n"]) == (0.0, 1)  # the deal moved this week, once against the rules


async def test_creating_late_or_winning_early_records_whether_requirements_were_met(h: Harness) -> None:
    """Neither is refused (imports create deals at their stage; a win is a fact), but a move that passed
    stages without their requirements is recorded as not compliant and counts in the compliance rate."""
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    strict = await h.strict_pipeline(org.director)
    late = await h.opportunity(rep, customer["id"], amount=None, pipeline_id=strict, stage="终审")
    fine = await h.opportunity(rep, customer["id"], amount="1000", pipeline_id=strict, stage="报价")
    early = await h.opportunity(rep, customer["id"], amount="1000", pipeline_id=strict)
    r = await h.client.post(f"/api/v1/opportunities/{early['id']}/win", json={}, headers=rep.headers)
    assert r.status_code == 200 and r.json()["stage"] == "签约"

    async def moves(deal: dict[str, Any]) -> list[tuple[str, str, bool]]:
        r = await h.client.get(f"/api/v1/opportunities/{deal['id']}/stage-changes", headers=rep.headers)
        return [(c["via"], c["to_stage"], c["compliant"]) for c in r.json()]

    assert await moves(late) == [("create", "终审", False)]  # no amount, no quote actions
    assert await moves(fine) == [("create", "报价", True)]  # 报价 needs the amount: given
    assert await moves(early) == [("create", "初谈", True), ("win", "签约", False)]  # no quote actions
    kpis = (await h.client.get("/api/v1/analytics/kpis", params={"weeks": 1}, headers=org.director.headers)).json()
    point = next(g for g in kpis["groups"] if g["key"] == "tenant")["series"]["action_compliance_rate"][-1]
    assert (point["value"], point["n"]) == (0.0, 2)  # late (a creation that skipped) and early (its win)
