"""Every mutation is audited (who, when, before/after) and appears in the change feed (§3, §12)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from tests.support import Harness


async def test_audit_log_has_before_and_after(h: Harness) -> None:
    org = await h.org()
    c = await h.customer(org.reps[0], name="原名")
    await h.client.patch(f"/api/v1/customers/{c['id']}", json={"name": "新名"}, headers=org.reps[0].headers)
    await h.client.delete(f"/api/v1/customers/{c['id']}", headers=org.reps[0].headers)
    r = await h.client.get(f"/api/v1/audit-log?entity=customer&entity_id={c['id']}", headers=org.director.headers)
    assert r.status_code == 200
    rows = r.json()["items"]
    assert [x["action"] for x in rows] == ["delete", "update", "create"]
    update = rows[1]
    assert update["before"]["name"] == "原名" and update["after"]["name"] == "新名"
    assert update["actor_id"] == org.reps[0].user_id and update["request_id"]
    assert rows[0]["after"] is None and rows[0]["before"]["name"] == "新名"
    # Reps and managers cannot read the audit log.
    assert (await h.client.get("/api/v1/audit-log", headers=org.reps[0].headers)).status_code == 403


async def test_secrets_never_reach_audit_or_events(h: Harness) -> None:
    admin = await h.signup()
    await h.add_user(admin, "rep")
    await h.client.post("/api/v1/api-keys", json={"name": "k"}, headers=admin.headers)
    audit = await h.client.get("/api/v1/audit-log?limit=200", headers=admin.headers)
    feed = await h.client.get("/api/v1/events?limit=200", headers=admin.headers)
    for text in (audit.text, feed.text):
        assert "password_hash" not in text and "secret_hash" not in text and "$argon2" not in text


async def test_change_feed_is_ordered_and_resumable(h: Harness) -> None:
    admin = await h.signup()
    first = await h.client.get("/api/v1/events?limit=200", headers=admin.headers)
    cursor = first.json()["next_cursor"]
    c = await h.customer(admin)
    await h.client.patch(f"/api/v1/customers/{c['id']}", json={"city": "绍兴"}, headers=admin.headers)
    page = (await h.client.get(f"/api/v1/events?after={cursor}", headers=admin.headers)).json()
    assert [e["type"] for e in page["items"]] == ["customer.created", "customer.updated"]
    assert page["items"][1]["payload"]["changes"] == {"city": [None, "绍兴"]}
    seqs = [e["seq"] for e in page["items"]]
    assert seqs == sorted(seqs)
    empty = (await h.client.get(f"/api/v1/events?after={page['next_cursor']}", headers=admin.headers)).json()
    assert empty["items"] == [] and empty["next_cursor"] == page["next_cursor"]
    # Another tenant's feed never shows these events.
    other = await h.signup()
    theirs = (await h.client.get("/api/v1/events?limit=200", headers=other.headers)).json()["items"]
    assert c["id"] not in {e["entity_id"] for e in theirs}
    bad = await h.client.get("/api/v1/events?after=abc", headers=admin.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "after"


async def test_change_feed_withholds_events_until_they_settle(h: Harness) -> None:
    """A sequence number is taken at insert, not commit: serving only settled events keeps a
    transaction that commits late from slipping in behind a poller's cursor."""
    import httpx

    from salescore.app import create_app

    settings = h.settings.model_copy(update={"change_feed_settle_seconds": 3600})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://feed") as client:
            r = await client.post(
                "/api/v1/auth/signup",
                json={"tenant_name": "t", "name": "n", "email": f"feed-{uuid.uuid4().hex[:8]}@example.com",
                      "password": "long-enough-1"},
            )
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            await client.post("/api/v1/customers", json={"name": "刚写入"}, headers=headers)
            page = (await client.get("/api/v1/events?after=0", headers=headers)).json()
            assert page["items"] == [] and page["next_cursor"] == "0"
    # The same events are served by an instance with no settle window.
    tenant_id = r.json()["tenant"]["id"]
    async with h.runtime.sessionmaker() as s:
        from salescore.models import Event

        count = await s.scalar(sa.select(sa.func.count()).select_from(Event).where(Event.tenant_id == uuid.UUID(tenant_id)))
    assert count >= 2
