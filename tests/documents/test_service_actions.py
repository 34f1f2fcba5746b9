"""Service actions (§4): 3D solution → 《客户技术确认单》 → customer response → tech todo; demo → owner's todo."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from docx import Document as Docx

from tests.support import Harness


async def _todos(h: Harness, actor: Any) -> list[dict[str, Any]]:
    r = await h.client.get("/api/v1/todos?limit=200", headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_3d_solution_generates_the_confirmation_and_the_response_reaches_tech(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    busy_tech = org.staff  # department tech
    idle_tech = await h.add_user(org.admin, "staff", department="tech", name="技术部小李")
    await h.client.post("/api/v1/todos", json={"title": "已有工作", "assignee_id": busy_tech.user_id}, headers=org.admin.headers)
    customer = await h.customer(rep, name="东莞精密模具有限公司", industry="精密模具", city="东莞")
    await h.client.post(f"/api/v1/customers/{customer['id']}/contacts", headers=rep.headers,
                        json={"name": "王工", "title": "技术部经理", "decision_role": "technical"})
    deal = await h.opportunity(rep, customer["id"], name="电池壳体模具")
    r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json={
        "customer_id": customer["id"], "channel": "wechat", "summary": "发送3D模具方案",
        "actions": [{"code": "solution_3d_provided", "fields": {"note": "浇口位置已按客户要求调整"}}]})
    assert r.status_code == 201, r.text
    await h.drain()
    await h.drain()  # a redelivery must not make a second document
    docs = (await h.client.get(f"/api/v1/documents?customer_id={customer['id']}", headers=rep.headers)).json()["items"]
    assert len(docs) == 1
    doc = docs[0]
    assert doc["title"].startswith("客户技术确认单") and doc["status"] == "pending"
    assert doc["opportunity_id"] == deal["id"] and doc["follow_up_id"] == r.json()["id"]
    content = await h.client.get(f"/api/v1/documents/{doc['id']}/content", headers=rep.headers)
    assert content.status_code == 200
    text = "\n".join(
        [p.text for p in Docx(io.BytesIO(content.content)).paragraphs]
        + [c.text for t in Docx(io.BytesIO(content.content)).tables for row in t.rows for c in row.cells]
    )
    for expected in ("客户技术确认单", "东莞精密模具有限公司", "王工", "电池壳体模具", "浇口位置已按客户要求调整", "客户已阅", "需修改部位"):
        assert expected in text, expected
    # Another rep can't see it.
    assert (await h.client.get(f"/api/v1/documents/{doc['id']}", headers=org.reps[2].headers)).status_code == 404
    # 需修改部位 without parts is refused; with parts it lands on the idlest tech colleague.
    r = await h.client.post(f"/api/v1/documents/{doc['id']}/response", json={"response": "需修改部位"}, headers=rep.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "parts"
    r = await h.client.post(f"/api/v1/documents/{doc['id']}/response",
                            json={"response": "需修改部位", "parts": ["浇口", "冷却水路"]}, headers=rep.headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "revise" and r.json()["todo_id"]
    tech_todos = await _todos(h, idle_tech)
    assert [t["id"] for t in tech_todos] == [r.json()["todo_id"]]
    assert "浇口" in tech_todos[0]["title"] and tech_todos[0]["customer_id"] == customer["id"]
    again = await h.client.post(f"/api/v1/documents/{doc['id']}/response", json={"response": "客户已阅"}, headers=rep.headers)
    assert again.status_code == 409


async def test_demo_scheduled_creates_the_owners_todo_on_that_date(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    day = date.today() + timedelta(days=5)
    r = await h.client.post("/api/v1/follow-ups", headers=org.managers[0].headers, json={
        "customer_id": customer["id"], "channel": "call",
        "actions": [{"code": "demo_scheduled", "fields": {"date": day.isoformat()}}]})
    assert r.status_code == 201, r.text
    await h.drain()
    await h.drain()
    todos = [t for t in await _todos(h, rep) if t["customer_id"] == customer["id"]]
    assert len(todos) == 1 and todos[0]["title"].startswith("现场演示")
    assert todos[0]["due_at"].startswith(day.isoformat() + "T01:00:00")  # 09:00 Asia/Shanghai
