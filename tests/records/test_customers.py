"""Customers and contacts: CRUD, visibility by role, filters, pagination, concurrency (§2, §3, §13)."""

from __future__ import annotations

from tests.support import Harness


async def test_create_read_update_delete_customer(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    r = await h.client.post(
        "/api/v1/customers",
        json={
            "name": "东莞精密模具有限公司", "industry": "精密模具", "tags": ["新能源", "潜力"], "region": "华南",
            "country": "中国", "city": "东莞", "lifecycle": "prospect", "annual_purchase": "1200000.50",
            "requirements": {"drawings": True}, "external_refs": [{"system": "old-crm", "id": "C-1"}],
            "custom": {"产线": "冲压"},
        },
        headers=rep.headers,
    )
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["owner_id"] == rep.user_id and c["team_id"] == org.teams[0]
    assert c["requirements"] == {"drawings": True, "tech_params": False, "budget_range": False}
    assert c["grade"] is None and c["version"] == 1 and r.headers["etag"] == '"1"'
    assert c["annual_purchase"] in ("1200000.50", 1200000.5)

    r = await h.client.patch(
        f"/api/v1/customers/{c['id']}", json={"requirements": {"drawings": True, "budget_range": True}},
        headers={**rep.headers, "If-Match": '"1"'},
    )
    assert r.status_code == 200 and r.json()["version"] == 2 and r.headers["etag"] == '"2"'
    stale = await h.client.patch(
        f"/api/v1/customers/{c['id']}", json={"name": "并发修改"}, headers={**rep.headers, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert (await h.client.get(f"/api/v1/customers/{c['id']}", headers=rep.headers)).json()["name"] == "东莞精密模具有限公司"

    assert (await h.client.delete(f"/api/v1/customers/{c['id']}", headers=rep.headers)).status_code == 204
    assert (await h.client.get(f"/api/v1/customers/{c['id']}", headers=rep.headers)).status_code == 404


async def test_visibility_rep_manager_director(h: Harness) -> None:
    org = await h.org()
    east_rep, east_rep2, south_rep = org.reps[0], org.reps[1], org.reps[2]
    mine = await h.customer(east_rep)
    colleague = await h.customer(east_rep2)
    south = await h.customer(south_rep)

    def ids(resp):  # noqa: ANN001
        return {c["id"] for c in resp.json()["items"]}

    rep_view = await h.client.get("/api/v1/customers", headers=east_rep.headers)
    assert ids(rep_view) == {mine["id"]}
    manager_view = await h.client.get("/api/v1/customers", headers=org.managers[0].headers)
    assert ids(manager_view) == {mine["id"], colleague["id"]}
    director_view = await h.client.get("/api/v1/customers", headers=org.director.headers)
    assert ids(director_view) == {mine["id"], colleague["id"], south["id"]}
    # Outside visibility is indistinguishable from nonexistent.
    r = await h.client.get(f"/api/v1/customers/{south['id']}", headers=east_rep.headers)
    assert r.status_code == 404
    # Managers edit their team's records.
    r = await h.client.patch(f"/api/v1/customers/{colleague['id']}", json={"region": "华东"}, headers=org.managers[0].headers)
    assert r.status_code == 200


async def test_owner_assignment_rules(h: Harness) -> None:
    org = await h.org()
    r = await h.client.post(
        "/api/v1/customers", json={"name": "x", "owner_id": org.reps[1].user_id}, headers=org.reps[0].headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "owner_id"
    r = await h.client.post(
        "/api/v1/customers", json={"name": "x", "owner_id": org.reps[1].user_id}, headers=org.managers[0].headers
    )
    assert r.status_code == 201 and r.json()["team_id"] == org.teams[0]
    r = await h.client.post(
        "/api/v1/customers", json={"name": "x", "owner_id": org.reps[2].user_id}, headers=org.managers[0].headers
    )
    assert r.status_code == 422
    # Reassigning moves the customer to the new owner's team.
    c = await h.customer(org.reps[0])
    r = await h.client.patch(
        f"/api/v1/customers/{c['id']}", json={"owner_id": org.reps[2].user_id}, headers=org.director.headers
    )
    assert r.status_code == 200 and r.json()["team_id"] == org.teams[1]
    assert (await h.client.get(f"/api/v1/customers/{c['id']}", headers=org.reps[0].headers)).status_code == 404


async def test_filters_and_cursor_pagination(h: Harness) -> None:
    admin = await h.signup()
    created = [await h.customer(admin, name=f"常州智能仓储-{i}", industry="智能仓储") for i in range(7)]
    await h.customer(admin, name="杭州美妆", industry="美妆零售")
    seen, cursor = [], None
    while True:
        url = "/api/v1/customers?limit=3&industry=智能仓储" + (f"&cursor={cursor}" if cursor else "")
        page = (await h.client.get(url, headers=admin.headers)).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(c["id"] for c in created) and len(seen) == len(set(seen))
    q = await h.client.get("/api/v1/customers?q=美妆", headers=admin.headers)
    assert [c["name"] for c in q.json()["items"]] == ["杭州美妆"]
    lit = await h.client.get("/api/v1/customers?q=%25", headers=admin.headers)  # a literal %, not a wildcard
    assert lit.json()["items"] == []


async def test_historical_created_at_is_kept_but_future_refused(h: Harness) -> None:
    admin = await h.signup()
    r = await h.client.post(
        "/api/v1/customers", json={"name": "老客户", "created_at": "2024-03-01T09:00:00+08:00"}, headers=admin.headers
    )
    assert r.status_code == 201 and r.json()["created_at"].startswith("2024-03-01T01:00:00")
    r = await h.client.post(
        "/api/v1/customers", json={"name": "未来", "created_at": "2999-01-01T00:00:00+08:00"}, headers=admin.headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "created_at"


async def test_contacts_crud_under_customer(h: Harness) -> None:
    org = await h.org()
    c = await h.customer(org.reps[0])
    base = f"/api/v1/customers/{c['id']}/contacts"
    r = await h.client.post(base, json={"name": "李主任", "title": "设备科主任", "decision_role": "technical"},
                            headers=org.reps[0].headers)
    assert r.status_code == 201, r.text
    contact = r.json()
    listed = (await h.client.get(base, headers=org.reps[0].headers)).json()["items"]
    assert [x["id"] for x in listed] == [contact["id"]]
    r = await h.client.patch(f"{base}/{contact['id']}", json={"decision_role": "executive"}, headers=org.reps[0].headers)
    assert r.status_code == 200 and r.json()["decision_role"] == "executive"
    # Another team's rep can't see the customer's contacts.
    assert (await h.client.get(base, headers=org.reps[2].headers)).status_code == 404
    assert (await h.client.get(f"{base}/{contact['id']}", headers=org.reps[2].headers)).status_code == 404
    assert (await h.client.delete(f"{base}/{contact['id']}", headers=org.reps[0].headers)).status_code == 204
    assert (await h.client.get(base, headers=org.reps[0].headers)).json()["items"] == []
