"""Signup, login, tokens, API keys, rate limits (§2)."""

from __future__ import annotations

import uuid

import httpx

from salescore.app import create_app
from tests.support import Harness, unique_email


async def test_signup_returns_tenant_admin_and_working_token(h: Harness) -> None:
    email = unique_email("Founder")
    r = await h.client.post(
        "/api/v1/auth/signup",
        json={"tenant_name": "绍兴滤材", "name": "王总", "email": email, "password": "long-enough-1"},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["tenant"]["name"] == "绍兴滤材"
    assert body["user"]["role"] == "admin" and body["user"]["email"] == email.lower()
    assert "password" not in r.text and "password_hash" not in r.text
    me = await h.client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["tenant"]["id"] == body["tenant"]["id"]


async def test_duplicate_email_is_409_naming_email(h: Harness) -> None:
    admin = await h.signup()
    r = await h.client.post(
        "/api/v1/auth/signup",
        json={"tenant_name": "x", "name": "y", "email": admin.email.upper(), "password": "long-enough-1"},
    )
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "email"


async def test_token_flow_and_wrong_password(h: Harness) -> None:
    admin = await h.signup()
    ok = await h.client.post("/api/v1/auth/token", data={"username": admin.email, "password": "correct-horse-1"})
    assert ok.status_code == 200 and ok.json()["token_type"] == "bearer" and ok.json()["expires_in"] > 0
    bad = await h.client.post("/api/v1/auth/token", data={"username": admin.email, "password": "wrong-password"})
    assert bad.status_code == 401 and bad.json()["status"] == 401
    unknown = await h.client.post("/api/v1/auth/token", data={"username": "nobody@example.com", "password": "x" * 9})
    assert unknown.status_code == 401


async def test_garbage_and_missing_tokens_are_401_problems(h: Harness) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Bearer sk_abc.def"}):
        r = await h.client.get("/api/v1/customers", headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers.get("www-authenticate") == "Bearer"


async def test_login_attempts_are_rate_limited(h: Harness) -> None:
    settings = h.settings.model_copy(update={"login_attempts_per_minute": 3})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        # A client address of its own: per-address counters live in Redis across the whole run.
        address = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
        transport = httpx.ASGITransport(app=app, client=(address, 40000 + uuid.uuid4().int % 20000))
        async with httpx.AsyncClient(transport=transport, base_url="http://rl") as client:
            email = unique_email("victim")
            codes = []
            for _ in range(5):
                r = await client.post("/api/v1/auth/token", data={"username": email, "password": "guess-guess"})
                codes.append(r.status_code)
            assert codes[:3] == [401, 401, 401]
            assert codes[3:] == [429, 429]
            assert int(r.headers["retry-after"]) >= 1
            assert r.headers["content-type"].startswith("application/problem+json")


async def test_api_key_shown_once_hashed_and_usable(h: Harness) -> None:
    admin = await h.signup()
    r = await h.client.post("/api/v1/api-keys", json={"name": "CRM sync"}, headers=admin.headers)
    assert r.status_code == 201, r.text
    created = r.json()
    secret = created["key"]
    assert secret.startswith("sk_") and sorted(created["scopes"]) == ["read", "write"]
    listed = await h.client.get("/api/v1/api-keys", headers=admin.headers)
    assert secret not in listed.text and "secret" not in listed.text
    key_headers = {"Authorization": f"Bearer {secret}"}
    assert (await h.client.get("/api/v1/me", headers=key_headers)).json()["id"] == admin.user_id
    c = await h.client.post("/api/v1/customers", json={"name": "经 API 创建"}, headers=key_headers)
    assert c.status_code == 201
    # Revoked keys stop at once.
    assert (await h.client.delete(f"/api/v1/api-keys/{created['id']}", headers=admin.headers)).status_code == 204
    assert (await h.client.get("/api/v1/me", headers=key_headers)).status_code == 401


async def test_read_only_api_key_cannot_write(h: Harness) -> None:
    admin = await h.signup()
    r = await h.client.post("/api/v1/api-keys", json={"name": "BI", "scopes": ["read"]}, headers=admin.headers)
    headers = {"Authorization": f"Bearer {r.json()['key']}"}
    assert (await h.client.get("/api/v1/customers", headers=headers)).status_code == 200
    w = await h.client.post("/api/v1/customers", json={"name": "x"}, headers=headers)
    assert w.status_code == 403


async def test_a_forged_key_with_a_real_prefix_is_rejected(h: Harness) -> None:
    admin = await h.signup()
    key = (await h.client.post("/api/v1/api-keys", json={"name": "k"}, headers=admin.headers)).json()["key"]
    forged = key.split(".")[0] + ".forged-secret"
    assert (await h.client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})).status_code == 401
