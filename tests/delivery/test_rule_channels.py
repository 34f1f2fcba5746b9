"""Rules sending through the outbound channels (§7 `webhook` and `wecom` actions), end to end over
real HTTP on 127.0.0.1: the rule queues, the sender delivers, signed and once."""

from __future__ import annotations

from typing import Any

from standardwebhooks.webhooks import Webhook

from tests.delivery.conftest import MakeReceiver, flush
from tests.delivery.receiver import Received
from tests.support import Harness

KEY = "0c7e4a52-1111-4bc4-97a0-0ec2f1fa5aaa"


async def test_a_rule_posts_to_a_webhook_and_a_wecom_robot_once(h: Harness, receiver: MakeReceiver) -> None:
    org = await h.org()
    rep, admin = org.reps[0], org.admin
    hook = await receiver()
    robot_messages: list[str] = []

    def robot(request: Received) -> tuple[int, Any]:
        robot_messages.append(request.json()["markdown"]["content"])
        return 200, {"errcode": 0, "errmsg": "ok"}

    robot_server = await receiver(robot)
    r = await h.client.post("/api/v1/webhooks", headers=admin.headers,
                            json={"url": hook.url, "event_types": ["nothing.*"], "description": "规则专用"})
    assert r.status_code == 201, r.text
    subscription, secret = r.json()["id"], r.json()["secret"]
    r = await h.client.post("/api/v1/wecom-robots", headers=admin.headers,
                            json={"name": "华东销售群", "url": f"{robot_server.url}?key={KEY}"})
    assert r.status_code == 201, r.text
    r = await h.client.post("/api/v1/rules", headers=org.director.headers, json={
        "name": "重点客户同步", "trigger": {"event": "customer.updated"}, "condition": '"tags" in payload.changes',
        "actions": [{"kind": "webhook", "subscription_id": subscription},
                    {"kind": "wecom", "content": "**重点客户**：${customer.name}（负责人已更新标签）"}]})
    assert r.status_code == 201, r.text
    rule = r.json()
    customer = await h.customer(rep, name="无锡智能仓储")
    await h.client.patch(f"/api/v1/customers/{customer['id']}", json={"tags": ["重点"]}, headers=rep.headers)
    await h.drain()
    await h.drain()  # redelivery: still one of each
    await flush(h)
    assert robot_messages == ["**重点客户**：无锡智能仓储（负责人已更新标签）"]
    [request] = hook.requests
    body = Webhook(secret).verify(request.body, request.headers)
    assert body["type"] == "customer.updated"
    assert body["data"]["customer"]["name"] == "无锡智能仓储"
    runs = (await h.client.get(f"/api/v1/rules/{rule['id']}/runs", headers=rep.headers)).json()["items"]
    assert [run["status"] for run in runs] == ["succeeded"]
    assert [a["kind"] for a in runs[0]["results"]] == ["webhook", "wecom"]


async def test_a_rule_naming_a_disabled_subscription_fails_visibly(h: Harness, receiver: MakeReceiver) -> None:
    org = await h.org()
    hook = await receiver()
    r = await h.client.post("/api/v1/webhooks", headers=org.admin.headers,
                            json={"url": hook.url, "event_types": ["nothing.*"]})
    subscription = r.json()["id"]
    r = await h.client.patch(f"/api/v1/webhooks/{subscription}", json={"enabled": False}, headers=org.admin.headers)
    assert r.status_code == 200, r.text
    r = await h.client.post("/api/v1/rules", headers=org.director.headers, json={
        "name": "同步", "trigger": {"event": "customer.updated"},
        "actions": [{"kind": "webhook", "subscription_id": subscription}]})
    rule = r.json()
    customer = await h.customer(org.reps[0])
    await h.client.patch(f"/api/v1/customers/{customer['id']}", json={"city": "无锡"}, headers=org.reps[0].headers)
    await h.drain()
    await flush(h)
    [run] = (await h.client.get(f"/api/v1/rules/{rule['id']}/runs", headers=org.admin.headers)).json()["items"]
    assert run["status"] == "failed" and "disabled" in run["error"]
    assert hook.requests == []
