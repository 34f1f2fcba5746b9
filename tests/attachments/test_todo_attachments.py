"""Todos with files (§3: a requires_attachment todo is completed with a file), and the todo list
filters that come with them."""

from __future__ import annotations

from typing import Any

from tests.attachments import files
from tests.support import Actor, Harness


async def attach(h: Harness, actor: Actor, name: str = "付款提醒截图.png", data: bytes | None = None) -> str:
    r = await h.client.post(
        "/api/v1/attachments", files={"file": (name, data or files.png(), "image/png")}, headers=actor.headers
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def todo(h: Harness, actor: Actor, **fields: Any) -> dict[str, Any]:
    body = {"title": "上传付款提醒截图", **fields}
    r = await h.client.post("/api/v1/todos", json=body, headers=actor.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def test_requires_attachment_is_completed_with_an_uploaded_file(h: Harness) -> None:
    admin = await h.signup()
    t = await todo(h, admin, requires_attachment=True)
    assert t["attachment_ids"] == []
    bare = await h.client.post(f"/api/v1/todos/{t['id']}/complete", headers=admin.headers)
    assert bare.status_code == 422 and bare.json()["errors"][0]["field"] == "attachment_ids"
    empty = await h.client.post(
        f"/api/v1/todos/{t['id']}/complete", json={"attachment_ids": []}, headers=admin.headers
    )
    assert empty.status_code == 422
    assert (await h.client.get(f"/api/v1/todos/{t['id']}", headers=admin.headers)).json()["status"] == "open"

    file_id = await attach(h, admin)
    done = await h.client.post(
        f"/api/v1/todos/{t['id']}/complete", json={"attachment_ids": [file_id]}, headers=admin.headers
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done" and done.json()["attachment_ids"] == [file_id]
    again = await h.client.get(f"/api/v1/todos/{t['id']}", headers=admin.headers)
    assert again.json()["attachment_ids"] == [file_id] and again.json()["completed_at"]


async def test_a_file_attached_earlier_satisfies_completion(h: Harness) -> None:
    admin = await h.signup()
    file_id = await attach(h, admin)
    t = await todo(h, admin, requires_attachment=True, attachment_ids=[file_id, file_id])
    assert t["attachment_ids"] == [file_id]
    done = await h.client.post(f"/api/v1/todos/{t['id']}/complete", headers=admin.headers)
    assert done.status_code == 200 and done.json()["status"] == "done"


async def test_files_of_another_tenant_or_out_of_reach_are_refused(h: Harness) -> None:
    org = await h.org()
    stranger = await h.signup("另一家公司")
    foreign = await attach(h, stranger)
    colleague = await attach(h, org.reps[1])
    own = await attach(h, org.reps[0])

    r = await h.client.post("/api/v1/todos", json={"title": "x", "attachment_ids": [foreign]},
                            headers=org.reps[0].headers)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["attachment_ids.0"]

    t = await todo(h, org.reps[0], requires_attachment=True)
    r = await h.client.post(f"/api/v1/todos/{t['id']}/complete", json={"attachment_ids": [own, colleague]},
                            headers=org.reps[0].headers)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["attachment_ids.1"]
    unchanged = (await h.client.get(f"/api/v1/todos/{t['id']}", headers=org.reps[0].headers)).json()
    assert unchanged["status"] == "open" and unchanged["attachment_ids"] == []
    assert unchanged["version"] == t["version"]


async def test_patch_replaces_files_and_keeps_a_colleagues_file(h: Harness) -> None:
    org = await h.org()
    rep, manager = org.reps[0], org.managers[0]
    manager_file = await attach(h, manager, "报价模板.docx", files.docx())
    t = await todo(h, manager, assignee_id=rep.user_id, attachment_ids=[manager_file])
    own = await attach(h, rep)
    # The rep cannot read the manager's file, yet keeping it on the todo is not an error.
    r = await h.client.patch(f"/api/v1/todos/{t['id']}", json={"attachment_ids": [manager_file, own]},
                             headers=rep.headers)
    assert r.status_code == 200, r.text
    assert r.json()["attachment_ids"] == [manager_file, own]
    r = await h.client.patch(f"/api/v1/todos/{t['id']}", json={"attachment_ids": None}, headers=rep.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "attachment_ids"
    r = await h.client.patch(f"/api/v1/todos/{t['id']}", json={"attachment_ids": [own]}, headers=rep.headers)
    assert r.json()["attachment_ids"] == [own]


async def test_list_filters_source_and_due_after(h: Harness) -> None:
    admin = await h.signup()
    early = await todo(h, admin, title="早", due_at="2026-03-01T09:00:00+08:00")
    late = await todo(h, admin, title="晚", due_at="2026-03-10T09:00:00+08:00")
    await todo(h, admin, title="无期限")

    async def titles(query: str) -> list[str]:
        r = await h.client.get(f"/api/v1/todos?{query}", headers=admin.headers)
        assert r.status_code == 200, r.text
        return sorted(t["title"] for t in r.json()["items"])

    # due_after is inclusive, due_before exclusive: together they tile a calendar.
    assert await titles("due_after=2026-03-10T01:00:00%2B00:00") == [late["title"]]
    window = "due_after=2026-03-01T00:00:00%2B08:00&due_before=2026-03-10T01:00:00%2B00:00"
    assert await titles(window) == [early["title"]]
    assert await titles("source=manual") == sorted(["早", "晚", "无期限"])
    assert await titles("source=action") == []
    bad = await h.client.get("/api/v1/todos?due_after=yesterday", headers=admin.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "due_after"
