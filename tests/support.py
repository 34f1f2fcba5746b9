"""Helpers shared by the tests: tenants and users via the real API, event draining."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx


def pg_admin_url() -> str:
    return os.environ.get("SALESCORE_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def pg_database_url(name: str) -> str:
    base = os.environ.get("SALESCORE_TEST_PG_BASE", "postgresql+asyncpg://postgres@127.0.0.1:5432")
    return f"{base}/{name}"


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


@dataclass
class Actor:
    """A logged-in user: their ids and Authorization header."""

    user_id: str
    tenant_id: str
    token: str
    email: str
    role: str
    team_id: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Org:
    """A tenant with an admin, a director, two teams each with a manager and two reps."""

    admin: Actor
    director: Actor
    teams: list[str]
    managers: list[Actor]
    reps: list[Actor]
    staff: Actor
    extra: dict[str, Any] = field(default_factory=dict)


class Harness:
    def __init__(self, app: Any, client: httpx.AsyncClient, settings: Any) -> None:
        self.app = app
        self.client = client
        self.settings = settings

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    async def signup(self, tenant_name: str = "测试公司") -> Actor:
        email = unique_email("admin")
        r = await self.client.post(
            "/api/v1/auth/signup",
            json={"tenant_name": tenant_name, "name": "管理员", "email": email, "password": "correct-horse-1"},
        )
        assert r.status_code == 201, r.text
        body = r.json()
        return Actor(body["user"]["id"], body["tenant"]["id"], body["access_token"], email, "admin")

    async def login(self, email: str, password: str = "correct-horse-1") -> str:
        r = await self.client.post("/api/v1/auth/token", data={"username": email, "password": password})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    async def add_user(
        self, admin: Actor, role: str, team_id: str | None = None, department: str | None = None, name: str = "用户"
    ) -> Actor:
        email = unique_email(role)
        payload: dict[str, Any] = {"name": name, "email": email, "password": "correct-horse-1", "role": role}
        if team_id:
            payload["team_id"] = team_id
        if department:
            payload["department"] = department
        r = await self.client.post("/api/v1/users", json=payload, headers=admin.headers)
        assert r.status_code == 201, r.text
        user = r.json()
        return Actor(user["id"], admin.tenant_id, await self.login(email), email, role, team_id)

    async def add_team(self, admin: Actor, name: str, manager_id: str | None = None, kind: str = "sales") -> str:
        payload: dict[str, Any] = {"name": name, "region": name, "kind": kind}
        if manager_id:
            payload["manager_id"] = manager_id
        r = await self.client.post("/api/v1/teams", json=payload, headers=admin.headers)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    async def org(self) -> Org:
        admin = await self.signup()
        director = await self.add_user(admin, "director")
        teams, managers, reps = [], [], []
        for name in ("华东", "华南"):
            team = await self.add_team(admin, name)
            manager = await self.add_user(admin, "manager", team)
            r = await self.client.patch(
                f"/api/v1/teams/{team}", json={"manager_id": manager.user_id}, headers=admin.headers
            )
            assert r.status_code == 200, r.text
            teams.append(team)
            managers.append(manager)
            for _ in range(2):
                reps.append(await self.add_user(admin, "rep", team))
        staff = await self.add_user(admin, "staff", department="tech")
        return Org(admin, director, teams, managers, reps, staff)

    async def customer(self, actor: Actor, **fields: Any) -> dict[str, Any]:
        payload = {"name": f"客户-{uuid.uuid4().hex[:6]}", "industry": "工业滤材", **fields}
        r = await self.client.post("/api/v1/customers", json=payload, headers=actor.headers)
        assert r.status_code == 201, r.text
        return r.json()

    async def opportunity(self, actor: Actor, customer_id: str, **fields: Any) -> dict[str, Any]:
        payload = {"customer_id": customer_id, "name": f"商机-{uuid.uuid4().hex[:6]}", "amount": "100000", **fields}
        r = await self.client.post("/api/v1/opportunities", json=payload, headers=actor.headers)
        assert r.status_code == 201, r.text
        return r.json()

    async def strict_pipeline(self, director: Actor) -> str:
        """The default stages with every kind of requirement switched on (the seeded default has none)."""
        stages = [
            {"code": "初谈"},
            {"code": "报价", "required_fields": ["amount"]},
            {"code": "样机测试", "required_actions": ["quote_submitted"]},
            {"code": "终审", "required_fields": ["expected_close_date"]},
            {"code": "签约", "required_actions": ["quote_confirmed"]},
        ]
        r = await self.client.post("/api/v1/pipelines", json={"name": f"严格流程-{uuid.uuid4().hex[:4]}", "stages": stages},
                                   headers=director.headers)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    async def drain(self) -> None:
        """Process every event enqueued so far, on whichever queue the runtime uses."""
        await self.runtime.drain()
        if not self.runtime.embedded:
            from salescore.worker import build_worker

            worker = build_worker(self.settings, self.runtime, burst=True, schedules=False)
            try:
                await worker.main()
            finally:
                await worker.close()
