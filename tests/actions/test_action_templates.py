"""Action templates (§4): defaults per tenant, localized schema, validation, sync maps, versions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from salescore.models import ActionRecord

from tests.support import Harness

DEFAULT_CODES = {
    "customer_visit", "phone_new_customer", "proposal_sent", "contract_push", "competitor_feedback",
    "internal_collab", "tech_requirement_update", "demo_scheduled", "quote_submitted", "quote_confirmed",
    "objection_handled", "solution_3d_provided", "payment_reminder_sent", "executive_visit",
    "contract_signed", "payment_received",
}


async def _templates(h: Harness, actor: Any, lang: str | None = None) -> dict[str, dict[str, Any]]:
    headers = {**actor.headers, **({"Accept-Language": lang} if lang else {})}
    r = await h.client.get("/api/v1/action-templates", headers=headers)
    assert r.status_code == 200, r.text
    return {t["code"]: t for t in r.json()}


async def test_defaults_are_seeded_with_zh_and_en_labels(h: Harness) -> None:
    org = await h.org()
    zh = await _templates(h, org.reps[0])
    assert set(zh) == DEFAULT_CODES
    push = zh["contract_push"]
    assert push["label"] == "合同推进"
    stage = next(f for f in push["fields"] if f["key"] == "stage")
    assert stage["label"] == "当前阶段" and stage["required"] and stage["type"] == "enum"
    assert [o["value"] for o in stage["options"]] == ["初谈", "报价", "样机测试", "终审", "签约"]
    assert {s["target"] for s in push["sync"]} == {"opportunity.stage", "opportunity.expected_close_date"}
    core = next(f for f in zh["proposal_sent"]["fields"] if f["key"] == "core_need")
    assert core["max_length"] == 15 and core["required"]
    en = await _templates(h, org.reps[0], "en-US,en;q=0.9")
    assert en["contract_push"]["label"] == "Contract push"
    assert en["contract_push"]["code"] == "contract_push"


async def _deal(h: Harness, rep: Any, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    customer = await h.customer(rep)
    deal = await h.opportunity(rep, customer["id"], **fields)
    return customer, deal


async def test_invalid_actions_are_rejected_naming_every_field_without_side_effects(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer, deal = await _deal(h, rep)
    body = {
        "customer_id": customer["id"], "channel": "meeting", "summary": "合同推进",
        "actions": [
            {"code": "contract_push", "fields": {"stage": "谈判", "expected_sign_date": "2026/13/45"}},
            {"code": "proposal_sent", "fields": {"core_need": "需要一套完整的除尘滤袋更换方案和报价单", "customization": "high"}},
            {"code": "no_such_action", "fields": {}},
        ],
    }
    r = await h.client.post("/api/v1/follow-ups", json=body, headers=rep.headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {
        "actions.0.fields.stage", "actions.0.fields.expected_sign_date", "actions.1.fields.core_need",
        "actions.1.fields.decision_maker_role", "actions.1.fields.customization", "actions.2.code",
    }
    follow_ups = await h.client.get(f"/api/v1/follow-ups?customer_id={customer['id']}", headers=rep.headers)
    assert follow_ups.json()["items"] == []
    again = await h.client.get(f"/api/v1/opportunities/{deal['id']}", headers=rep.headers)
    assert again.json()["stage"] == deal["stage"] and again.json()["version"] == deal["version"]


async def test_contract_push_syncs_stage_and_close_date_at_the_actions_moment(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer, deal = await _deal(h, rep)
    when = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)
    r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json={
        "customer_id": customer["id"], "channel": "meeting", "occurred_at": when.isoformat(),
        "actions": [
            {"code": "quote_submitted", "fields": {"amount": 380000}},
            {"code": "contract_push", "fields": {"stage": "报价", "expected_sign_date": "2027-01-15"}},
            {"code": "competitor_feedback", "fields": {"competitor": "友商A"}},
        ],
    })
    assert r.status_code == 201, r.text
    assert r.json()["opportunity_id"] == deal["id"]  # the customer's only open deal
    d = (await h.client.get(f"/api/v1/opportunities/{deal['id']}", headers=rep.headers)).json()
    assert d["stage"] == "报价" and d["expected_close_date"] == "2027-01-15"
    assert datetime.fromisoformat(d["quote_submitted_at"]) == when
    assert d["competitors"] == ["友商A"]
    changes = (await h.client.get(f"/api/v1/opportunities/{deal['id']}/stage-changes", headers=rep.headers)).json()
    moved = [c for c in changes if c["via"] == "action"]
    assert [(c["from_stage"], c["to_stage"]) for c in moved] == [("初谈", "报价")]
    assert datetime.fromisoformat(moved[0]["at"]) == when
    feed = (await h.client.get("/api/v1/events?after=0&limit=200", headers=org.admin.headers)).json()["items"]
    performed = [e for e in feed if e["type"] == "action.performed"]
    assert sorted(e["payload"]["code"] for e in performed) == ["competitor_feedback", "contract_push", "quote_submitted"]


async def test_contract_push_obeys_stage_rules(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer, deal = await _deal(h, rep, pipeline_id=await h.strict_pipeline(org.director))
    r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json={
        "customer_id": customer["id"], "channel": "meeting",
        "actions": [{"code": "contract_push", "fields": {"stage": "签约", "expected_sign_date": "2027-01-15"}}],
    })
    assert r.status_code == 422, r.text
    messages = " ".join(e["message"] for e in r.json()["errors"])
    assert {e["field"] for e in r.json()["errors"]} == {"actions.0.fields.stage"}
    assert "quote_submitted" in messages and "quote_confirmed" in messages
    d = (await h.client.get(f"/api/v1/opportunities/{deal['id']}", headers=rep.headers)).json()
    assert d["stage"] == "初谈" and d["expected_close_date"] is None  # nothing half-written


async def test_which_deal_an_action_writes_to(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    feedback = {"customer_id": customer["id"], "channel": "email",
                "actions": [{"code": "competitor_feedback", "fields": {"competitor": "友商B"}}]}
    push = {"customer_id": customer["id"], "channel": "meeting",
            "actions": [{"code": "contract_push", "fields": {"stage": "报价", "expected_sign_date": "2027-01-01"}}]}
    # No open deal: the action is recorded for the customer; a stage move has nothing to move.
    r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json=feedback)
    assert r.status_code == 201 and r.json()["opportunity_id"] is None, r.text
    r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json=push)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "opportunity_id"
    # A deal the rep cannot see (another rep owns it) is never the one written to.
    hidden = await h.opportunity(org.director, customer["id"], owner_id=org.reps[1].user_id)
    r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json=push)
    assert r.status_code == 422
    assert (await h.client.get(f"/api/v1/opportunities/{hidden['id']}", headers=org.director.headers)).json()["stage"] == "初谈"
    await h.opportunity(rep, customer["id"])
    await h.opportunity(rep, customer["id"])
    r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json=feedback)
    assert r.status_code == 422 and "ambiguous" in r.json()["errors"][0]["message"]


async def test_requirement_flags_sync_to_the_customer(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json={
        "customer_id": customer["id"], "channel": "wechat",
        "actions": [{"code": "tech_requirement_update", "fields": {"drawings": True, "budget_range": True}}],
    })
    assert r.status_code == 201, r.text
    c = (await h.client.get(f"/api/v1/customers/{customer['id']}", headers=rep.headers)).json()
    assert c["requirements"]["drawings"] is True and c["requirements"]["budget_range"] is True
    assert not c["requirements"].get("tech_params")


async def test_templates_are_config_edited_by_directors_with_revisions(h: Harness) -> None:
    org = await h.org()
    templates = await _templates(h, org.director)
    visit = templates["customer_visit"]
    r = await h.client.patch(f"/api/v1/action-templates/{visit['id']}", headers=org.reps[0].headers,
                             json={"enabled": False})
    assert r.status_code == 403
    customer = await h.customer(org.reps[0])
    before = await h.client.post("/api/v1/follow-ups", headers=org.reps[0].headers, json={
        "customer_id": customer["id"], "channel": "visit", "actions": [{"code": "customer_visit", "fields": {}}]})
    assert before.status_code == 201 and before.json()["actions"][0]["fields"] == {}
    new_fields = [*visit["fields"], {"key": "people", "label": "参与人数", "type": "number", "required": True, "min": 1}]
    r = await h.client.patch(f"/api/v1/action-templates/{visit['id']}", headers=org.director.headers,
                             json={"fields": new_fields})
    assert r.status_code == 200, r.text
    assert r.json()["revision"] == 2
    after = await h.client.post("/api/v1/follow-ups", headers=org.reps[0].headers, json={
        "customer_id": customer["id"], "channel": "visit", "actions": [{"code": "customer_visit", "fields": {}}]})
    assert after.status_code == 422 and after.json()["errors"][0]["field"] == "actions.0.fields.people"
    versions = (await h.client.get(f"/api/v1/action-templates/{visit['id']}/versions", headers=org.reps[0].headers)).json()
    assert [v["revision"] for v in versions] == [2, 1]
    old = (await h.client.get(f"/api/v1/follow-ups/{before.json()['id']}", headers=org.reps[0].headers)).json()
    assert old["actions"][0]["code"] == "customer_visit"
    r = await h.client.patch(f"/api/v1/action-templates/{visit['id']}", headers=org.director.headers,
                             json={"enabled": False})
    assert r.status_code == 200 and r.json()["revision"] == 2
    assert "customer_visit" not in await _templates(h, org.reps[0])
    r = await h.client.post("/api/v1/follow-ups", headers=org.reps[0].headers, json={
        "customer_id": customer["id"], "channel": "visit", "actions": [{"code": "customer_visit", "fields": {"people": 2}}]})
    assert r.status_code == 422 and "disabled" in r.json()["errors"][0]["message"]


async def test_custom_template_definition_is_checked(h: Harness) -> None:
    org = await h.org()
    bad = {"code": "site_survey", "label": "现场勘察", "fields": [{"key": "level", "label": "级别", "type": "enum"}],
           "sync": [{"target": "customer.password", "field": "level"}]}
    r = await h.client.post("/api/v1/action-templates", headers=org.director.headers, json=bad)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"fields.0.options", "sync.0.target"}
    good = {"code": "site_survey", "label": "现场勘察", "label_en": "Site survey",
            "fields": [{"key": "height", "label": "层高", "type": "number", "min": 1}],
            "sync": [{"target": "customer.custom.ceiling_height", "field": "height"}]}
    r = await h.client.post("/api/v1/action-templates", headers=org.director.headers, json=good)
    assert r.status_code == 201, r.text
    r = await h.client.post("/api/v1/action-templates", headers=org.director.headers, json=good)
    assert r.status_code == 409
    customer = await h.customer(org.reps[0])
    r = await h.client.post("/api/v1/follow-ups", headers=org.reps[0].headers, json={
        "customer_id": customer["id"], "channel": "visit", "actions": [{"code": "site_survey", "fields": {"height": 9}}]})
    assert r.status_code == 201, r.text
    c = (await h.client.get(f"/api/v1/customers/{customer['id']}", headers=org.reps[0].headers)).json()
    assert c["custom"]["ceiling_height"] == 9


async def test_editing_a_follow_up_never_repeats_effects_and_moves_its_actions(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer, deal = await _deal(h, rep)
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json={
        "customer_id": customer["id"], "channel": "call",
        "actions": [{"code": "demo_scheduled", "fields": {"date": day}}]})
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    earlier = (datetime.now(UTC) - timedelta(days=10)).replace(microsecond=0)
    r = await h.client.patch(f"/api/v1/follow-ups/{fid}", headers=rep.headers, json={
        "occurred_at": earlier.isoformat(),
        "actions": [{"code": "demo_scheduled", "fields": {"date": day}}, {"code": "customer_visit", "fields": {}}]})
    assert r.status_code == 200, r.text
    await h.drain()
    todos = (await h.client.get(f"/api/v1/todos?customer_id={customer['id']}", headers=rep.headers)).json()["items"]
    assert len(todos) == 1  # the unchanged demo action kept its row: no second todo
    feed = (await h.client.get("/api/v1/events?after=0&limit=200", headers=org.admin.headers)).json()["items"]
    performed = [e["payload"]["code"] for e in feed if e["type"] == "action.performed"]
    assert sorted(performed) == ["customer_visit", "demo_scheduled"]
    async with h.runtime.sessionmaker() as session:  # the rows analytics read
        rows = (await session.execute(
            sa.select(ActionRecord.code, ActionRecord.occurred_at).where(
                ActionRecord.follow_up_id == uuid.UUID(fid), ActionRecord.deleted_at.is_(None))
        )).all()
    assert sorted(code for code, _ in rows) == ["customer_visit", "demo_scheduled"]
    assert {at for _, at in rows} == {earlier}
