"""Signals stored with follow-ups and daily reports; per-customer counts; escalation exactly at the
configured count and once per crossing; the default executive-visit rule consuming it (SPEC §9, §7)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.rules.support import cards, todos
from tests.support import Actor, Harness


async def follow_up(h: Harness, rep: Actor, customer_id: str, summary: str, **extra: Any) -> dict[str, Any]:
    r = await h.client.post("/api/v1/follow-ups", json={"customer_id": customer_id, "channel": "call",
                                                        "summary": summary, **extra}, headers=rep.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def escalations(h: Harness, admin: Actor) -> list[dict[str, Any]]:
    await h.drain()
    r = await h.client.get("/api/v1/events?limit=200", headers=admin.headers)
    assert r.status_code == 200, r.text
    return [e for e in r.json()["items"] if e["type"] == "signal.escalated"]


async def counts(h: Harness, actor: Actor, customer_id: str) -> dict[str, int]:
    r = await h.client.get(f"/api/v1/customers/{customer_id}/signals", headers=actor.headers)
    assert r.status_code == 200, r.text
    return {item["signal"]: item["count"] for item in r.json()["items"]}


async def test_follow_up_answers_with_suggestions_and_stores_hits(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    body = await follow_up(h, rep, customer["id"], "客户说预算还没批，预算还没批就没法签。")
    assert [s["signal"] for s in body["signals"]["suggestions"]] == ["budget_not_approved"]
    assert len(body["signals"]["hits"]) == 2  # both mentions are shown
    assert body["signals"]["suggestions"][0]["count"] == 1  # but the conversation counts once
    assert body["signals"]["suggestions"][0]["warning"] is None

    hits = (await h.client.get(f"/api/v1/signal-hits?customer_id={customer['id']}", headers=rep.headers)).json()
    assert {(x["signal"], x["source"], x["follow_up_id"]) for x in hits["items"]} == {
        ("budget_not_approved", "follow_up", body["id"])}
    listed = await h.client.get(f"/api/v1/customers/{customer['id']}/signals", headers=rep.headers)
    (item,) = listed.json()["items"]
    assert item["count"] == 1 and item["escalation_count"] == 3 and not item["escalated"]
    assert item["last_seen_at"] == body["occurred_at"]
    # A follow-up without a signal says so; another rep's customer is not theirs to read.
    assert (await follow_up(h, rep, customer["id"], "送样品，客户很满意"))["signals"]["hits"] == []
    other_rep = org.reps[2]
    r = await h.client.get(f"/api/v1/customers/{customer['id']}/signals", headers=other_rep.headers)
    assert r.status_code == 404


async def test_escalation_at_exactly_the_count_and_once_per_crossing(h: Harness) -> None:
    org = await h.org()
    rep, admin = org.reps[0], org.admin
    customer = await h.customer(rep)
    now = datetime.now(UTC)
    first = await follow_up(h, rep, customer["id"], "预算还没批", occurred_at=(now - timedelta(days=9)).isoformat())
    await follow_up(h, rep, customer["id"], "还是说预算没下来", occurred_at=(now - timedelta(days=5)).isoformat())
    assert await escalations(h, admin) == []
    third = await follow_up(h, rep, customer["id"], "领导说还没立项")
    suggestion = third["signals"]["suggestions"][0]
    assert suggestion["count"] == 3
    assert suggestion["warning"] == "该信号出现3次以上，建议启动'高层拜访'流程"
    (event,) = await escalations(h, admin)
    assert event["entity_id"] == customer["id"]
    assert event["payload"]["signal"] == "budget_not_approved" and event["payload"]["count"] == 3
    assert event["payload"]["follow_up_id"] == third["id"]

    # A fourth mention is past the crossing: no second event.
    await follow_up(h, rep, customer["id"], "预算未批")
    assert len(await escalations(h, admin)) == 1
    assert (await counts(h, rep, customer["id"]))["budget_not_approved"] == 4

    # Deleting two conversations drops the count below the threshold; crossing again escalates again.
    for fid in (first["id"], third["id"]):
        r = await h.client.delete(f"/api/v1/follow-ups/{fid}", headers=rep.headers)
        assert r.status_code == 204, r.text
    assert (await counts(h, rep, customer["id"]))["budget_not_approved"] == 2
    await follow_up(h, rep, customer["id"], "预算还没批")
    assert len(await escalations(h, admin)) == 2

    # The default rule turns the escalation into an executive-visit todo and a card for the manager.
    titles = [t["title"] for t in await todos(h, rep)]
    assert titles.count(f"安排高层拜访：{customer['name']}") == 2
    assert any("客户信号升级" in c["title"] for c in await cards(h, org.managers[0]))


async def test_editing_a_summary_moves_the_counts(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    body = await follow_up(h, rep, customer["id"], "客户嫌太贵")
    assert await counts(h, rep, customer["id"]) == {"price_objection": 1}
    r = await h.client.patch(f"/api/v1/follow-ups/{body['id']}", json={"summary": "客户问交付周期"},
                             headers=rep.headers)
    assert r.status_code == 200, r.text
    assert [s["signal"] for s in r.json()["signals"]["suggestions"]] == ["delivery_cycle_concern"]
    assert await counts(h, rep, customer["id"]) == {"delivery_cycle_concern": 1}
    # An edit that leaves the words alone leaves the count alone.
    r = await h.client.patch(f"/api/v1/follow-ups/{body['id']}", json={"channel": "visit"}, headers=rep.headers)
    assert r.status_code == 200 and r.json()["signals"] is None
    assert await counts(h, rep, customer["id"]) == {"delivery_cycle_concern": 1}


async def test_concurrent_follow_ups_escalate_once(h: Harness) -> None:
    org = await h.org()
    rep, admin = org.reps[0], org.admin
    customer = await h.customer(rep)
    await follow_up(h, rep, customer["id"], "等领导出差回来")
    results = await asyncio.gather(*(
        h.client.post("/api/v1/follow-ups", json={"customer_id": customer["id"], "channel": "wechat",
                                                  "summary": "领导不在，等老板定"}, headers=rep.headers)
        for _ in range(4)))
    assert all(r.status_code == 201 for r in results), [r.text for r in results]
    assert (await counts(h, rep, customer["id"]))["waiting_for_leader"] == 5
    assert len(await escalations(h, admin)) == 1


async def test_daily_report_items_are_scanned(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    today = datetime.now(UTC).date().isoformat()
    r = await h.client.post("/api/v1/daily-reports", json={
        "date": today,
        "items": [{"customer_id": customer["id"], "action_code": "phone_new_customer", "fields": {"count": 1},
                   "note": "电话沟通，对方说别家更便宜"}],
        "progress": {"customer_id": customer["id"], "note": "客户说预算没下来"},
    }, headers=rep.headers)
    assert r.status_code == 201, r.text
    found = {s["signal"] for entry in r.json()["signals"] for s in entry["suggestions"]}
    assert found == {"competitor_mentioned", "budget_not_approved"}
    hits = (await h.client.get(f"/api/v1/signal-hits?customer_id={customer['id']}", headers=rep.headers)).json()
    assert {x["source"] for x in hits["items"]} == {"daily_report"}
    assert await counts(h, rep, customer["id"]) == {"competitor_mentioned": 1, "budget_not_approved": 1}
    # The report form's customer context shows them to the rep writing the next report.
    context = (await h.client.get(f"/api/v1/customers/{customer['id']}/context", headers=rep.headers)).json()
    assert {(s["signal"], s["count"]) for s in context["open_signals"]} == {
        ("competitor_mentioned", 1), ("budget_not_approved", 1)}


async def test_amending_a_report_is_no_new_crossing(h: Harness) -> None:
    org = await h.org()
    rep, admin = org.reps[0], org.admin
    customer = await h.customer(rep)
    await follow_up(h, rep, customer["id"], "预算还没批",
                    occurred_at=(datetime.now(UTC) - timedelta(days=3)).isoformat())
    today = datetime.now(UTC).date().isoformat()
    item = {"customer_id": customer["id"], "action_code": "phone_new_customer", "fields": {"count": 1},
            "note": "对方说预算还没批"}
    body = {"date": today, "items": [item], "progress": {"customer_id": customer["id"], "note": "跟进中"}}
    r = await h.client.post("/api/v1/daily-reports", json=body, headers=rep.headers)
    assert r.status_code == 201, r.text
    assert (await counts(h, rep, customer["id"]))["budget_not_approved"] == 2
    # The amendment replaces the item's follow-up (its action changed): the count stays at 2, no event.
    amended = {**body, "items": [{**item, "fields": {"count": 2}}]}
    r = await h.client.put(f"/api/v1/daily-reports/{r.json()['id']}", json=amended, headers=rep.headers)
    assert r.status_code == 200, r.text
    assert (await counts(h, rep, customer["id"]))["budget_not_approved"] == 2
    assert await escalations(h, admin) == []
