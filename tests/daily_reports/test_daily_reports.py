"""Daily reports (§5): 3 things + 1 progress, follow-ups created, one per day, amend until the deadline."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from salescore.models import DailyReport
from tests.support import Harness

TZ = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(TZ).date()


async def _setup(h: Harness) -> tuple[Any, Any, dict[str, Any], dict[str, Any], dict[str, Any]]:
    org = await h.org()
    rep = org.reps[0]
    a = await h.customer(rep, name="东莞精密模具有限公司", industry="精密模具", tags=["新能源"])
    b = await h.customer(rep, name="绍兴滤材厂", industry="工业滤材")
    deal = await h.opportunity(rep, a["id"])
    return org, rep, a, b, deal


def _report(day: date, a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {
        "date": day.isoformat(),
        "items": [
            {"customer_id": b["id"], "action_code": "phone_new_customer", "fields": {"count": 3}},
            {"customer_id": a["id"], "action_code": "tech_requirement_update", "fields": {"drawings": True}},
            {"customer_id": a["id"], "action_code": "contract_push",
             "fields": {"stage": "报价", "expected_sign_date": "2027-02-01"}, "note": "客户同意进入报价"},
        ],
        "progress": {"customer_id": a["id"], "note": "客户技术部确认图纸版本，下周报价"},
    }


async def test_submit_creates_follow_ups_and_resolves_names(h: Harness) -> None:
    org, rep, a, b, deal = await _setup(h)
    day = today() - timedelta(days=1)
    r = await h.client.post("/api/v1/daily-reports", json=_report(day, a, b), headers=rep.headers)
    assert r.status_code == 201, r.text
    report = r.json()
    assert [i["customer_name"] for i in report["items"]] == ["绍兴滤材厂", "东莞精密模具有限公司", "东莞精密模具有限公司"]
    assert report["items"][1]["tags"] == ["新能源"] and report["items"][1]["industry"] == "精密模具"
    assert report["items"][2]["opportunity_id"] == deal["id"]
    assert report["progress"]["customer_name"] == "东莞精密模具有限公司"
    # 18:00 tenant time on the report's date
    assert datetime.fromisoformat(report["items"][0]["occurred_at"]).astimezone(TZ).hour == 18
    follow_ups = (await h.client.get("/api/v1/follow-ups?limit=50", headers=rep.headers)).json()["items"]
    assert len(follow_ups) == 4 and {f["created_via"] for f in follow_ups} == {"daily_report"}
    d = (await h.client.get(f"/api/v1/opportunities/{deal['id']}", headers=rep.headers)).json()
    assert d["stage"] == "报价" and d["expected_close_date"] == "2027-02-01"
    c = (await h.client.get(f"/api/v1/customers/{a['id']}", headers=rep.headers)).json()
    assert c["requirements"]["drawings"] is True
    # one per user per date
    r = await h.client.post("/api/v1/daily-reports", json=_report(day, a, b), headers=rep.headers)
    assert r.status_code == 409
    # context: the last 3 follow-up summaries, newest first
    ctx = (await h.client.get(f"/api/v1/customers/{a['id']}/context", headers=rep.headers)).json()
    assert ctx["name"] == "东莞精密模具有限公司" and len(ctx["recent_follow_ups"]) == 3
    assert "客户技术部确认图纸版本，下周报价" in [f["summary"] for f in ctx["recent_follow_ups"]]
    assert [o["id"] for o in ctx["open_opportunities"]] == [deal["id"]]
    other = org.reps[2]
    assert (await h.client.get(f"/api/v1/customers/{a['id']}/context", headers=other.headers)).status_code == 404
    # the manager sees the report, a rep of another team does not
    manager_list = (await h.client.get("/api/v1/daily-reports", headers=org.managers[0].headers)).json()["items"]
    assert report["id"] in [x["id"] for x in manager_list]
    assert (await h.client.get(f"/api/v1/daily-reports/{report['id']}", headers=other.headers)).status_code == 404


async def test_bad_reports_are_rejected_without_side_effects(h: Harness) -> None:
    org, rep, a, b, deal = await _setup(h)
    foreign = await h.customer(await h.signup("别家公司"))
    day = today().isoformat()
    cases = [
        ({"date": day, "items": [], "progress": {"customer_id": a["id"], "note": "x"}}, "items"),
        ({"date": day, "items": [{"customer_id": a["id"], "action_code": "customer_visit"}] * 4,
          "progress": {"customer_id": a["id"], "note": "x"}}, "items"),
        ({"date": day, "items": [{"customer_id": a["id"], "action_code": "customer_visit"}]}, "progress"),
        ({"date": "2026-02-30", "items": [{"customer_id": a["id"], "action_code": "customer_visit"}],
          "progress": {"customer_id": a["id"], "note": "x"}}, "date"),
        ({"date": "25/11/2026", "items": [{"customer_id": a["id"], "action_code": "customer_visit"}],
          "progress": {"customer_id": a["id"], "note": "x"}}, "date"),
        ({"date": (today() + timedelta(days=2)).isoformat(), "items": [{"customer_id": a["id"], "action_code": "customer_visit"}],
          "progress": {"customer_id": a["id"], "note": "x"}}, "date"),
        ({"date": day, "items": [{"customer_id": a["id"], "action_code": "teleport"}],
          "progress": {"customer_id": a["id"], "note": "x"}}, "items.0.action_code"),
        ({"date": day, "items": [{"customer_id": a["id"], "action_code": "phone_new_customer", "fields": {"count": "three"}}],
          "progress": {"customer_id": a["id"], "note": "x"}}, "items.0.fields.count"),
        ({"date": day, "items": [{"customer_id": foreign["id"], "action_code": "customer_visit"}],
          "progress": {"customer_id": a["id"], "note": "x"}}, "items.0.customer_id"),
        ({"date": day, "items": [{"customer_id": a["id"], "action_code": "customer_visit"}],
          "progress": {"customer_id": foreign["id"], "note": "x"}}, "progress.customer_id"),
        ({"date": day, "items": [{"customer_id": b["id"], "action_code": "contract_push",
                                  "fields": {"stage": "报价", "expected_sign_date": "2027-01-01"}}],
          "progress": {"customer_id": a["id"], "note": "x"}}, "items.0.opportunity_id"),
    ]
    for body, field in cases:
        r = await h.client.post("/api/v1/daily-reports", json=body, headers=rep.headers)
        assert r.status_code == 422, (field, r.text)
        assert field in {e["field"].split(".")[0] if field in ("items", "progress", "date") else e["field"]
                         for e in r.json()["errors"]}, (field, r.json())
    assert (await h.client.get("/api/v1/daily-reports", headers=rep.headers)).json()["items"] == []
    assert (await h.client.get("/api/v1/follow-ups", headers=rep.headers)).json()["items"] == []


async def test_amend_until_deadline_keeps_unchanged_items(h: Harness) -> None:
    org, rep, a, b, deal = await _setup(h)
    day = today()
    body = _report(day, a, b)
    report = (await h.client.post("/api/v1/daily-reports", json=body, headers=rep.headers)).json()
    kept = report["items"][0]["follow_up_id"]
    replaced = report["items"][1]["follow_up_id"]
    body["items"][1] = {"customer_id": a["id"], "action_code": "customer_visit", "fields": {"contacts_met": "李主任"}}
    body["progress"]["note"] = "更正：客户下周二报价"
    r = await h.client.put(f"/api/v1/daily-reports/{report['id']}", json=body, headers=rep.headers)
    assert r.status_code == 200, r.text
    amended = r.json()
    assert amended["items"][0]["follow_up_id"] == kept and amended["items"][1]["follow_up_id"] != replaced
    assert amended["amended_at"] and amended["version"] == 2
    assert (await h.client.get(f"/api/v1/follow-ups/{replaced}", headers=rep.headers)).status_code == 404
    audit = (await h.client.get(f"/api/v1/audit-log?entity=daily_report&entity_id={report['id']}",
                                headers=org.admin.headers)).json()["items"]
    assert {x["action"] for x in audit} == {"create", "update"}
    # someone else may not amend it
    r = await h.client.put(f"/api/v1/daily-reports/{report['id']}", json=body, headers=org.managers[0].headers)
    assert r.status_code == 403
    # after the deadline: 409
    async with h.runtime.sessionmaker() as session:
        await session.execute(sa.update(DailyReport).where(DailyReport.id == sa.bindparam("rid"))
                              .values(deadline_at=datetime.now(TZ) - timedelta(minutes=1)),
                              {"rid": uuid.UUID(report["id"])})
        await session.commit()
    r = await h.client.put(f"/api/v1/daily-reports/{report['id']}", json=body, headers=rep.headers)
    assert r.status_code == 409


async def test_deadline_is_10_next_workday_and_configurable(h: Harness) -> None:
    org, rep, a, b, deal = await _setup(h)
    # 2026-09-30 (Wed) is followed by the National Day holiday (Oct 1-7): the next workday is Thu 2026-10-08.
    r = await h.client.post("/api/v1/daily-reports", json=_report(date(2026, 9, 30), a, b), headers=rep.headers)
    assert r.status_code == 201, r.text
    deadline = datetime.fromisoformat(r.json()["deadline_at"]).astimezone(TZ)
    assert (deadline.date(), deadline.hour) == (date(2026, 10, 8), 10)
    assert r.json()["on_time"] is False and r.json()["delay_days"] > 50
    r = await h.client.patch("/api/v1/tenant", headers=org.admin.headers, json={"settings": {
        "daily_report_deadline": {"workdays_after": 0, "time": "23:30"},
        "workday_overrides": [{"date": "2026-10-01", "workday": True}]}})
    assert r.status_code == 200, r.text
    assert r.json()["settings"]["daily_report_deadline"]["time"] == "23:30"
    r = await h.client.post("/api/v1/daily-reports", json=_report(date(2026, 10, 1), a, b), headers=rep.headers)
    deadline = datetime.fromisoformat(r.json()["deadline_at"]).astimezone(TZ)
    assert (deadline.date(), deadline.hour, deadline.minute) == (date(2026, 10, 1), 23, 30)
    r = await h.client.patch("/api/v1/tenant", headers=org.admin.headers,
                             json={"settings": {"daily_report_deadline": {"time": "25:00"}}})
    assert r.status_code == 422


async def test_amending_only_notes_never_repeats_effects(h: Harness) -> None:
    org, rep, a, b, deal = await _setup(h)
    demo_day = (today() + timedelta(days=3)).isoformat()
    body = {"date": today().isoformat(), "items": [
        {"customer_id": a["id"], "action_code": "demo_scheduled", "fields": {"date": demo_day}},
        {"customer_id": a["id"], "action_code": "demo_scheduled", "fields": {"date": demo_day}},
    ], "progress": {"customer_id": a["id"], "note": "约好演示"}}
    report = (await h.client.post("/api/v1/daily-reports", json=body, headers=rep.headers)).json()
    await h.drain()
    body["items"] = [{**body["items"][0], "note": "客户技术部全员参加"}]  # one item left, with a note
    body["progress"]["note"] = "约好演示，客户确认人数"
    r = await h.client.put(f"/api/v1/daily-reports/{report['id']}", json=body, headers=rep.headers)
    assert r.status_code == 200, r.text
    amended = r.json()
    assert amended["items"][0]["follow_up_id"] == report["items"][0]["follow_up_id"]
    assert amended["progress"]["follow_up_id"] == report["progress"]["follow_up_id"]
    await h.drain()
    fu = (await h.client.get(f"/api/v1/follow-ups/{amended['items'][0]['follow_up_id']}", headers=rep.headers)).json()
    assert fu["summary"] == "客户技术部全员参加"
    live = (await h.client.get("/api/v1/follow-ups?limit=50", headers=rep.headers)).json()["items"]
    assert len(live) == 2  # the kept item and the progress: the duplicate item's follow-up is retired
    todos = (await h.client.get(f"/api/v1/todos?customer_id={a['id']}", headers=rep.headers)).json()["items"]
    assert len(todos) == 2  # one per demo action submitted; the amendment added none
    # An item whose follow-up was deleted by hand is written anew, never left pointing at nothing.
    await h.client.delete(f"/api/v1/follow-ups/{amended['items'][0]['follow_up_id']}", headers=rep.headers)
    r = await h.client.put(f"/api/v1/daily-reports/{report['id']}", json=body, headers=rep.headers)
    again = r.json()["items"][0]["follow_up_id"]
    assert again != amended["items"][0]["follow_up_id"]
    assert (await h.client.get(f"/api/v1/follow-ups/{again}", headers=rep.headers)).status_code == 200


async def test_a_tick_never_undoes_a_win(h: Harness) -> None:
    org, rep, a, b, deal = await _setup(h)
    assert (await h.client.post(f"/api/v1/opportunities/{deal['id']}/win", headers=rep.headers)).status_code == 200
    r = await h.client.post("/api/v1/daily-reports", headers=rep.headers, json={
        "date": today().isoformat(),
        "items": [{"customer_id": a["id"], "opportunity_id": deal["id"], "action_code": "contract_push",
                   "fields": {"stage": "初谈", "expected_sign_date": "2027-01-01"}}],
        "progress": {"customer_id": a["id"], "note": "x"}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "items.0.fields.stage"
    d = (await h.client.get(f"/api/v1/opportunities/{deal['id']}", headers=rep.headers)).json()
    assert d["status"] == "won" and d["won_at"]


async def test_far_past_actions_west_of_utc(h: Harness) -> None:
    org, rep, a, b, deal = await _setup(h)
    r = await h.client.patch("/api/v1/tenant", json={"timezone": "America/New_York"}, headers=org.admin.headers)
    assert r.status_code == 200
    r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json={
        "customer_id": b["id"], "channel": "call", "occurred_at": "0001-01-01T01:00:00Z",
        "actions": [{"code": "phone_new_customer", "fields": {"count": 1}}]})
    assert r.status_code == 201, r.text
