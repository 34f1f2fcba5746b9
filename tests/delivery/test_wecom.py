"""WeChat Work (企业微信) group robots against a stub robot on 127.0.0.1 (§7): markdown messages,
≤ 20 a minute per robot (queued, not dropped), errcode 45009 retried later, 93000 disables."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from salescore.delivery import repository as repo
from salescore.delivery.service import queue_wecom
from salescore.kit.types import utcnow
from tests.delivery.conftest import MakeReceiver, flush, get_json, notifications
from tests.delivery.receiver import Received
from tests.support import Actor, Harness

KEY = "693a91f6-7b1e-4bc4-97a0-0ec2f1fa5aaa"


class StubRobot:
    """Answers like qyapi.weixin.qq.com: HTTP 200 {"errcode", "errmsg"}; `script` gives the
    errcodes of the first answers (an int) or a bare HTTP status (a str such as "500")."""

    def __init__(self, *script: int | str) -> None:
        self.script: Iterator[int | str] = iter(script)
        self.messages: list[str] = []

    def __call__(self, request: Received) -> tuple[int, Any]:
        body = request.json()
        assert request.method == "POST" and request.path.endswith(f"?key={KEY}")
        assert request.headers["content-type"] == "application/json"
        assert body["msgtype"] == "markdown" and isinstance(body["markdown"]["content"], str)
        assert set(body) == {"msgtype", "markdown"} and set(body["markdown"]) == {"content"}
        step = next(self.script, 0)
        if isinstance(step, str):
            return int(step), {"error": "upstream"}
        if step == 0:
            self.messages.append(body["markdown"]["content"])
        return 200, {"errcode": step, "errmsg": "ok" if step == 0 else f"error {step}"}


async def _robot(h: Harness, admin: Actor, url: str, name: str = "华东销售群") -> dict[str, Any]:
    r = await h.client.post("/api/v1/wecom-robots", json={"name": name, "url": f"{url}?key={KEY}"}, headers=admin.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _queue(h: Harness, admin: Actor, markdown: str, robot_id: str | None = None) -> list[uuid.UUID]:
    async with h.runtime.sessionmaker() as session:
        ids = await queue_wecom(session, tenant_id=uuid.UUID(admin.tenant_id), markdown=markdown,
                                dedupe_key=f"t:{uuid.uuid4()}", robot_id=uuid.UUID(robot_id) if robot_id else None)
        await session.commit()
    return ids


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def _log(h: Harness, admin: Actor, robot_id: str) -> list[dict[str, Any]]:
    return (await get_json(h, admin, f"/api/v1/wecom-robots/{robot_id}/deliveries?limit=200"))["items"]


async def test_robot_urls_are_masked_and_need_a_key(h: Harness) -> None:
    admin = await h.signup()
    url = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}"
    r = await h.client.post("/api/v1/wecom-robots", json={"name": "销售群", "url": url}, headers=admin.headers)
    assert r.status_code == 201, r.text
    robot = r.json()
    assert robot["url"] == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****5aaa"
    for path in (f"/api/v1/wecom-robots/{robot['id']}", "/api/v1/wecom-robots", "/api/v1/audit-log?limit=200",
                 "/api/v1/events?limit=200"):
        text = (await h.client.get(path, headers=admin.headers)).text
        assert KEY[:-4] not in text, path
    r = await h.client.post("/api/v1/wecom-robots", headers=admin.headers,
                            json={"name": "无key", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "url"
    r = await h.client.patch(f"/api/v1/wecom-robots/{robot['id']}", json={"name": "华南销售群"},
                             headers={**admin.headers, "If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["name"] == "华南销售群" and r.json()["version"] == 2
    r = await h.client.patch(f"/api/v1/wecom-robots/{robot['id']}", json={"name": "旧版本"},
                             headers={**admin.headers, "If-Match": '"1"'})
    assert r.status_code == 412
    assert (await h.client.delete(f"/api/v1/wecom-robots/{robot['id']}", headers=admin.headers)).status_code == 204
    assert (await h.client.get(f"/api/v1/wecom-robots/{robot['id']}", headers=admin.headers)).status_code == 404


async def test_messages_reach_the_robot_as_markdown(h: Harness, receiver: MakeReceiver) -> None:
    org = await h.org()
    stub = StubRobot()
    server = await receiver(stub)
    robot = await _robot(h, org.admin, server.url)
    other = await _robot(h, org.admin, server.url, name="华南销售群")
    r = await h.client.post(f"/api/v1/wecom-robots/{robot['id']}/test", headers=org.admin.headers)
    assert r.status_code == 202, r.text
    await flush(h)
    assert len(stub.messages) == 1 and "测试消息" in stub.messages[0]
    [delivery] = await _log(h, org.admin, robot["id"])
    assert delivery["id"] == r.json()["delivery_id"] and delivery["status"] == "succeeded"
    assert delivery["attempt_log"][0]["status_code"] == 200 and '"errcode": 0' in delivery["attempt_log"][0]["response_body"]

    # robot_id None: every enabled robot of the tenant (a disabled one is skipped).
    r = await h.client.patch(f"/api/v1/wecom-robots/{other['id']}", json={"enabled": False}, headers=org.admin.headers)
    assert r.status_code == 200 and r.json()["disabled_reason"] == "disabled by an admin"
    markdown = "**客户升级为 A 级**\n> 宁波滤材有限公司 · 负责人 张磊"
    assert len(await _queue(h, org.admin, markdown)) == 1
    await flush(h)
    assert stub.messages[1] == markdown
    # Over-long content is cut to the robot's 4096-byte limit instead of being refused.
    await _queue(h, org.admin, "长" * 3000, robot["id"])
    await flush(h)
    assert len(stub.messages[2].encode()) <= 4096 and stub.messages[2].endswith("…")


async def test_25_messages_are_throttled_to_20_a_minute_and_none_is_dropped(h: Harness, receiver: MakeReceiver) -> None:
    org = await h.org()
    stub = StubRobot()
    robot = await _robot(h, org.admin, (await receiver(stub)).url)
    for n in range(25):
        await _queue(h, org.admin, f"消息 {n}", robot["id"])
    t0 = utcnow()
    await flush(h, t0)
    assert len(stub.messages) == 20
    waiting = [d for d in await _log(h, org.admin, robot["id"]) if d["status"] == "pending"]
    assert len(waiting) == 5 and all(d["attempt_log"] == [] for d in waiting)
    assert {_at(d["next_attempt_at"]) for d in waiting} == {t0 + timedelta(seconds=60)}
    await flush(h, t0 + timedelta(seconds=59))  # the minute is not over
    assert len(stub.messages) == 20
    await flush(h, t0 + timedelta(seconds=61))
    assert sorted(stub.messages, key=lambda m: int(m.split()[1])) == [f"消息 {n}" for n in range(25)]
    assert {d["status"] for d in await _log(h, org.admin, robot["id"])} == {"succeeded"}


async def test_frequency_limit_is_retried_later_and_not_counted(h: Harness, receiver: MakeReceiver) -> None:
    org = await h.org()
    stub = StubRobot(45009, "500")
    robot = await _robot(h, org.admin, (await receiver(stub)).url)
    await _queue(h, org.admin, "回款提醒", robot["id"])
    t0 = utcnow()
    await flush(h, t0)
    [delivery] = await _log(h, org.admin, robot["id"])
    assert delivery["status"] == "pending" and delivery["attempts"] == 0  # not a failure toward giving up
    assert delivery["last_error"].startswith("errcode 45009")
    assert _at(delivery["next_attempt_at"]) == t0 + timedelta(seconds=60)
    await flush(h, t0 + timedelta(seconds=30))
    assert len((await _log(h, org.admin, robot["id"]))[0]["attempt_log"]) == 1
    await flush(h, t0 + timedelta(seconds=60))  # then an HTTP error: an ordinary failure, 5 s backoff
    [delivery] = await _log(h, org.admin, robot["id"])
    assert delivery["status"] == "failed" and delivery["attempts"] == 1 and delivery["last_status_code"] == 500
    assert _at(delivery["next_attempt_at"]) == t0 + timedelta(seconds=65)
    await flush(h, t0 + timedelta(seconds=65))
    [delivery] = await _log(h, org.admin, robot["id"])
    assert delivery["status"] == "succeeded" and delivery["attempts"] == 2 and len(delivery["attempt_log"]) == 3
    assert stub.messages == ["回款提醒"]


async def test_an_invalid_robot_is_disabled_and_the_admins_are_told(h: Harness, receiver: MakeReceiver) -> None:
    org = await h.org()
    stub = StubRobot(93000)
    robot = await _robot(h, org.admin, (await receiver(stub)).url)
    [first] = await _queue(h, org.admin, "日报提醒", robot["id"])
    await flush(h)
    state = await get_json(h, org.admin, f"/api/v1/wecom-robots/{robot['id']}")
    assert state["enabled"] is False and "93000" in state["disabled_reason"] and state["version"] == 2
    [delivery] = await _log(h, org.admin, robot["id"])
    assert delivery["status"] == "dead" and "93000" in delivery["last_error"]
    [card] = await notifications(h, org.admin, "wecom_robot_disabled")
    assert "华东销售群" in card["title"] and card["link"] == f"/api/v1/wecom-robots/{robot['id']}"

    # Nothing more is queued to it, and what was queued before it was disabled stops (dead).
    assert await _queue(h, org.admin, "不会发送", robot["id"]) == []
    async with h.runtime.sessionmaker() as session:
        late = await repo.insert_delivery(session, dict(
            tenant_id=uuid.UUID(org.admin.tenant_id), channel="wecom", target_id=uuid.UUID(robot["id"]),
            event_type="wecom.markdown", payload={"msgtype": "markdown", "markdown": {"content": "排队中"}},
        ))
        await session.commit()
    await flush(h)
    late_row = next(d for d in await _log(h, org.admin, robot["id"]) if d["id"] == str(late))
    assert late_row["status"] == "dead" and "disabled" in late_row["last_error"] and late_row["attempt_log"] == []
    assert stub.messages == [] and str(first) != str(late)
    r = await h.client.post(f"/api/v1/wecom-robots/{robot['id']}/test", headers=org.admin.headers)
    assert r.status_code == 409

    # Re-added to the group: the admin re-enables it and messages flow again.
    r = await h.client.patch(f"/api/v1/wecom-robots/{robot['id']}", json={"enabled": True}, headers=org.admin.headers)
    assert r.status_code == 200 and r.json()["enabled"] is True and r.json()["disabled_reason"] is None
    assert (await h.client.post(f"/api/v1/wecom-robots/{robot['id']}/test", headers=org.admin.headers)).status_code == 202
    await flush(h)
    assert len(stub.messages) == 1
    assert len(await notifications(h, org.admin, "wecom_robot_disabled")) == 1
