"""Users and teams are managed by admins; roles and deactivation (§2)."""

from __future__ import annotations

from tests.support import Harness, unique_email


async def test_admin_creates_user_who_logs_in(h: Harness) -> None:
    admin = await h.signup()
    team = await h.add_team(admin, "华东")
    rep = await h.add_user(admin, "rep", team)
    me = await h.client.get("/api/v1/me", headers=rep.headers)
    assert me.json()["role"] == "rep" and me.json()["team_id"] == team


async def test_only_admins_manage_users_and_teams(h: Harness) -> None:
    org = await h.org()
    for actor in (org.director, org.managers[0], org.reps[0]):
        r = await h.client.post(
            "/api/v1/users",
            json={"name": "x", "email": unique_email(), "password": "long-enough-1", "role": "rep"},
            headers=actor.headers,
        )
        assert r.status_code == 403, actor.role
        assert (await h.client.post("/api/v1/teams", json={"name": "t"}, headers=actor.headers)).status_code == 403


async def test_everyone_reads_the_org_chart(h: Harness) -> None:
    org = await h.org()
    users = await h.client.get("/api/v1/users?limit=200", headers=org.reps[0].headers)
    assert users.status_code == 200 and len(users.json()["items"]) == 1 + 1 + 2 + 4 + 1
    teams = await h.client.get("/api/v1/teams", headers=org.reps[0].headers)
    assert {t["id"] for t in teams.json()["items"]} == set(org.teams)


async def test_manager_me_lists_managed_teams(h: Harness) -> None:
    org = await h.org()
    me = (await h.client.get("/api/v1/me", headers=org.managers[1].headers)).json()
    assert me["managed_team_ids"] == [org.teams[1]]


async def test_deactivated_user_tokens_stop_working(h: Harness) -> None:
    admin = await h.signup()
    rep = await h.add_user(admin, "rep")
    assert (await h.client.get("/api/v1/me", headers=rep.headers)).status_code == 200
    r = await h.client.post(f"/api/v1/users/{rep.user_id}/deactivate", headers=admin.headers)
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert (await h.client.get("/api/v1/me", headers=rep.headers)).status_code == 401
    login = await h.client.post("/api/v1/auth/token", data={"username": rep.email, "password": "correct-horse-1"})
    assert login.status_code == 401
    await h.client.post(f"/api/v1/users/{rep.user_id}/activate", headers=admin.headers)
    assert (await h.client.get("/api/v1/me", headers=rep.headers)).status_code == 200


async def test_admin_cannot_lock_themselves_out(h: Harness) -> None:
    admin = await h.signup()
    r = await h.client.post(f"/api/v1/users/{admin.user_id}/deactivate", headers=admin.headers)
    assert r.status_code == 422
    r = await h.client.patch(f"/api/v1/users/{admin.user_id}", json={"role": "rep"}, headers=admin.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "role"


async def test_users_edit_own_profile_but_not_role(h: Harness) -> None:
    admin = await h.signup()
    rep = await h.add_user(admin, "rep")
    ok = await h.client.patch(f"/api/v1/users/{rep.user_id}", json={"phone": "13800000000"}, headers=rep.headers)
    assert ok.status_code == 200 and ok.json()["phone"] == "13800000000"
    bad = await h.client.patch(f"/api/v1/users/{rep.user_id}", json={"role": "admin"}, headers=rep.headers)
    assert bad.status_code == 403


async def test_team_with_members_cannot_be_deleted(h: Harness) -> None:
    admin = await h.signup()
    team = await h.add_team(admin, "西南")
    await h.add_user(admin, "rep", team)
    assert (await h.client.delete(f"/api/v1/teams/{team}", headers=admin.headers)).status_code == 409
    empty = await h.add_team(admin, "空团队")
    assert (await h.client.delete(f"/api/v1/teams/{empty}", headers=admin.headers)).status_code == 204
    assert (await h.client.get(f"/api/v1/teams/{empty}", headers=admin.headers)).status_code == 404


async def test_team_manager_must_exist_in_tenant(h: Harness) -> None:
    admin = await h.signup()
    other = await h.signup()
    r = await h.client.post(
        "/api/v1/teams", json={"name": "t", "manager_id": other.user_id}, headers=admin.headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "manager_id"


async def test_tenant_settings_are_configuration(h: Harness) -> None:
    org = await h.org()
    assert (await h.client.get("/api/v1/tenant", headers=org.reps[0].headers)).json()["timezone"] == "Asia/Shanghai"
    for actor in (org.reps[0], org.managers[0], org.staff):
        r = await h.client.patch("/api/v1/tenant", json={"name": "改名"}, headers=actor.headers)
        assert r.status_code == 403, actor.role
    r = await h.client.patch("/api/v1/tenant", json={"timezone": "Mars/Olympus"}, headers=org.director.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "timezone"
    r = await h.client.patch("/api/v1/tenant", json={"timezone": "Asia/Ho_Chi_Minh"}, headers=org.director.headers)
    assert r.status_code == 200 and r.json()["timezone"] == "Asia/Ho_Chi_Minh"
    audit = (await h.client.get("/api/v1/audit-log?entity=tenant", headers=org.admin.headers)).json()["items"]
    assert audit[0]["before"]["timezone"] == "Asia/Shanghai" and audit[0]["after"]["timezone"] == "Asia/Ho_Chi_Minh"
