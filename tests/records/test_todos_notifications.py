"""Todos, and the reminder cards they raise through the outbox (§3, §7 channels)."""

from __future__ import annotations

from tests.support import Harness


async def test_todo_for_a_colleague_notifies_them_once(h: Harness) -> None:
    org = await h.org()
    r = await h.client.post(
        "/api/v1/todos",
        json={"title": "客户需修改部位：请技术部确认", "assignee_id": org.staff.user_id,
              "due_at": "2026-12-01T10:00:00+08:00"},
        headers=org.reps[0].headers,
    )
    assert r.status_code == 201, r.text
    todo = r.json()
    assert todo["created_by"] == org.reps[0].user_id and todo["source"] == "manual"
    await h.drain()
    count = (await h.client.get("/api/v1/notifications/unread-count", headers=org.staff.headers)).json()
    assert count == {"unread": 1}
    cards = (await h.client.get("/api/v1/notifications", headers=org.staff.headers)).json()["items"]
    assert cards[0]["kind"] == "todo_assigned" and todo["id"] in cards[0]["link"]
    # The creator still sees the todo they handed over; the assignee can complete it.
    assert (await h.client.get(f"/api/v1/todos/{todo['id']}", headers=org.reps[0].headers)).status_code == 200
    done = await h.client.post(f"/api/v1/todos/{todo['id']}/complete", headers=org.staff.headers)
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["completed_at"]


async def test_own_todo_raises_no_card(h: Harness) -> None:
    admin = await h.signup()
    await h.client.post("/api/v1/todos", json={"title": "自己的事"}, headers=admin.headers)
    await h.drain()
    assert (await h.client.get("/api/v1/notifications/unread-count", headers=admin.headers)).json() == {"unread": 0}


async def test_todo_requiring_attachment_cannot_be_completed_bare(h: Harness) -> None:
    admin = await h.signup()
    t = (await h.client.post("/api/v1/todos", json={"title": "上传付款提醒截图", "requires_attachment": True},
                             headers=admin.headers)).json()
    r = await h.client.post(f"/api/v1/todos/{t['id']}/complete", headers=admin.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "attachment_ids"
    assert (await h.client.get(f"/api/v1/todos/{t['id']}", headers=admin.headers)).json()["status"] == "open"


async def test_notifications_are_personal_and_mark_read(h: Harness) -> None:
    org = await h.org()
    for title in ("一", "二"):
        await h.client.post("/api/v1/todos", json={"title": title, "assignee_id": org.reps[0].user_id},
                            headers=org.managers[0].headers)
    await h.drain()
    mine = (await h.client.get("/api/v1/notifications", headers=org.reps[0].headers)).json()["items"]
    assert len(mine) == 2
    # Not even the admin reads someone else's card.
    assert (await h.client.get(f"/api/v1/notifications/{mine[0]['id']}", headers=org.admin.headers)).status_code == 404
    r = await h.client.post(f"/api/v1/notifications/{mine[0]['id']}/read", headers=org.reps[0].headers)
    assert r.status_code == 200 and r.json()["read_at"]
    assert (await h.client.get("/api/v1/notifications/unread-count", headers=org.reps[0].headers)).json() == {"unread": 1}
    assert (await h.client.post("/api/v1/notifications/read-all", headers=org.reps[0].headers)).json() == {"marked": 1}
    unread = (await h.client.get("/api/v1/notifications?unread=true", headers=org.reps[0].headers)).json()
    assert unread["items"] == []


async def test_todo_filters_and_cancel(h: Harness) -> None:
    admin = await h.signup()
    a = (await h.client.post("/api/v1/todos", json={"title": "a"}, headers=admin.headers)).json()
    await h.client.post("/api/v1/todos", json={"title": "b"}, headers=admin.headers)
    r = await h.client.patch(f"/api/v1/todos/{a['id']}", json={"status": "cancelled"}, headers=admin.headers)
    assert r.status_code == 200
    open_ = (await h.client.get("/api/v1/todos?status=open", headers=admin.headers)).json()["items"]
    assert [t["title"] for t in open_] == ["b"]
    r = await h.client.post(f"/api/v1/todos/{a['id']}/complete", headers=admin.headers)
    assert r.status_code == 409
