"""Rules as tenant data (SPEC §7): the six defaults, who may edit, validation, the dry run."""

from __future__ import annotations

import uuid

from tests.rules.support import rule_by_code
from tests.support import Harness

DEFAULT_CODES = {
    "grade_a_executive_visit", "tech_confirmation_document", "quote_unconfirmed_24h",
    "receivable_yellow_payment_reminder", "signal_escalated_executive_visit", "daily_report_missing_reminder",
}


def _rule(**overrides: object) -> dict[str, object]:
    return {"name": "客户更新提醒", "trigger": {"event": "customer.updated"},
            "actions": [{"kind": "notify", "to": ["owner"], "title": "客户已更新：${customer.name}"}], **overrides}


async def test_every_user_reads_the_six_default_rules_only_directors_and_admins_edit(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    r = await h.client.get("/api/v1/rules", headers=rep.headers)
    assert r.status_code == 200
    assert {rule["code"] for rule in r.json()} == DEFAULT_CODES
    grade_rule = await rule_by_code(h, rep, "grade_a_executive_visit")
    assert grade_rule["trigger"] == {"event": "customer.grade_changed"}
    assert [a["kind"] for a in grade_rule["actions"]] == ["notify", "create_todo", "kb_sync"]
    assert grade_rule["actions"][1]["title"] == "本周必须安排1次高层拜访"
    assert (await h.client.post("/api/v1/rules", json=_rule(), headers=rep.headers)).status_code == 403
    assert (await h.client.patch(f"/api/v1/rules/{grade_rule['id']}", json={"enabled": False},
                                 headers=org.managers[0].headers)).status_code == 403

    r = await h.client.post("/api/v1/rules", json=_rule(), headers=org.director.headers)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["code"] is None and created["version"] == 1 and created["enabled"] is True
    stale = {"If-Match": '"0"', **org.director.headers}
    assert (await h.client.patch(f"/api/v1/rules/{created['id']}", json={"enabled": False}, headers=stale)).status_code == 412
    r = await h.client.patch(f"/api/v1/rules/{created['id']}", json={"enabled": False, "condition": 'record.industry == "快消"'},
                             headers=org.director.headers)
    assert r.status_code == 200, r.text
    assert r.json()["enabled"] is False and r.json()["version"] == 2
    assert (await h.client.delete(f"/api/v1/rules/{created['id']}", headers=org.admin.headers)).status_code == 204
    assert (await h.client.get(f"/api/v1/rules/{created['id']}", headers=rep.headers)).status_code == 404
    # Another tenant's rule is as unknown as a missing one.
    other = await h.signup()
    assert (await h.client.get(f"/api/v1/rules/{grade_rule['id']}", headers=other.headers)).status_code == 404


async def test_bad_rules_are_refused_with_the_field_named(h: Harness) -> None:
    org = await h.org()
    cases = [
        (_rule(condition='payload.new == "A" and ('), "condition"),
        (_rule(condition="x" * 1001), "condition"),
        (_rule(condition="(" * 30 + "1" + ")" * 30), "condition"),
        (_rule(trigger={"event": "Customer Updated"}), "trigger.event"),
        (_rule(trigger={"event": "customer.updated", "delay_hours": 0}), "trigger.delay_hours"),
        (_rule(actions=[]), "actions"),
        (_rule(actions=[{"kind": "launch_missiles"}]), "actions.0"),
        (_rule(actions=[{"kind": "notify", "to": ["the boss"], "title": "x"}]), "actions.0.notify.to"),
        (_rule(actions=[{"kind": "create_todo", "title": "x", "due": {"in_hours": 4, "end_of_week": True}}]),
         "actions.0.create_todo.due"),
        (_rule(actions=[{"kind": "set_field", "target": "customer", "field": "grade", "value": "A"}]),
         "actions.0.set_field"),
        (_rule(actions=[{"kind": "set_field", "target": "customer", "field": "lifecycle", "value": "vip"}]),
         "actions.0.set_field"),
        (_rule(actions=[{"kind": "generate_document", "template": "../../etc/passwd"}]),
         "actions.0.generate_document.template"),
    ]
    for body, field in cases:
        r = await h.client.post("/api/v1/rules", json=body, headers=org.director.headers)
        assert r.status_code == 422, (field, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        fields = [e["field"] for e in r.json()["errors"]]
        assert any(f.startswith(field) for f in fields), (field, fields)


async def test_dry_run_shows_who_what_and_when_without_doing_it(h: Harness) -> None:
    org = await h.org()
    rep, manager = org.reps[0], org.managers[0]
    customer = await h.customer(rep, name="苏州过滤科技")
    rule = await rule_by_code(h, rep, "grade_a_executive_visit")
    event = {"type": "customer.grade_changed", "entity": "customer", "entity_id": customer["id"],
             "payload": {"old": "B", "new": "A", "score": 0.82}}
    assert (await h.client.post(f"/api/v1/rules/{rule['id']}/test", json={"event": event},
                                headers=rep.headers)).status_code == 403
    r = await h.client.post(f"/api/v1/rules/{rule['id']}/test", json={"event": event}, headers=org.director.headers)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["triggered"] is True and out["condition"] is True
    notify, todo, kb = out["actions"]
    assert notify["to"] == [manager.user_id] and notify["title"] == "客户升级为A级：苏州过滤科技"
    assert todo["assignee_id"] == rep.user_id and todo["title"] == "本周必须安排1次高层拜访" and todo["due_at"]
    assert kb["kind"] == "kb_sync" and kb["status"] == "would"
    # A grade that stays A does not hold; another event type does not trigger.
    r = await h.client.post(f"/api/v1/rules/{rule['id']}/test", headers=org.director.headers,
                            json={"event": {**event, "payload": {"old": "A", "new": "A"}}})
    assert r.json()["condition"] is False and r.json()["actions"] == []
    r = await h.client.post(f"/api/v1/rules/{rule['id']}/test", headers=org.director.headers,
                            json={"event": {**event, "type": "customer.updated"}})
    assert r.json()["triggered"] is False
    # Nothing was written.
    assert (await h.client.get("/api/v1/notifications", headers=manager.headers)).json()["items"] == []
    assert (await h.client.get("/api/v1/todos", headers=rep.headers)).json()["items"] == []
    kb_entries = await h.client.get("/api/v1/knowledge-base", headers=rep.headers)
    assert kb_entries.json()["items"] == []
    # An unknown id for the rule: 404.
    r = await h.client.post(f"/api/v1/rules/{uuid.uuid4()}/test", json={"event": event}, headers=org.director.headers)
    assert r.status_code == 404
