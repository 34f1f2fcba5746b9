"""Outbound webhooks end to end (§12): a change → outbox event → a signed delivery to a real
receiver; retries with backoff (time fast-forwarded, never slept); give-up, auto-disable, replay."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from salescore.delivery.outcomes import MAX_ATTEMPTS
from salescore.delivery.service import queue_for_event, queue_webhook
from salescore.kit.types import utcnow
from salescore.models import Delivery, Event
from tests.delivery.conftest import MakeReceiver, flush, get_json, notifications
from tests.delivery.receiver import Received
from tests.support import Actor, Harness


async def _subscribe(h: Harness, admin: Actor, url: str, patterns: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    body = {"url": url, "event_types": patterns or ["customer.*"], "description": "CRM 同步", **extra}
    r = await h.client.post("/api/v1/webhooks", json=body, headers=admin.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _deliveries(h: Harness, admin: Actor, webhook_id: str) -> list[dict[str, Any]]:
    return (await get_json(h, admin, f"/api/v1/webhooks/{webhook_id}/deliveries?limit=200"))["items"]


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


class Verifier:
    """Answers 204 to correctly signed requests and 401 otherwise, keeping what it verified."""

    def __init__(self) -> None:
        self.secret = ""
        self.verified: list[tuple[Received, Any]] = []
        self.down = False

    def __call__(self, request: Received) -> tuple[int, Any]:
        if self.down:
            return 503, {"error": "maintenance"}
        try:
            payload = Webhook(self.secret).verify(request.body, request.headers)
        except WebhookVerificationError as exc:
            return 401, {"error": str(exc)}
        self.verified.append((request, payload))
        return 204, {}


async def test_a_customer_change_is_signed_and_received_exactly_once(h: Harness, receiver: MakeReceiver) -> None:
    org = await h.org()
    verifier = Verifier()
    server = await receiver(verifier)
    sub = await _subscribe(h, org.admin, server.url)
    verifier.secret = sub["secret"]
    assert sub["secret"].startswith("whsec_") and sub["enabled"] is True
    # The secret is shown once: never on reads.
    assert "secret" not in await get_json(h, org.admin, f"/api/v1/webhooks/{sub['id']}")
    listed = (await get_json(h, org.admin, "/api/v1/webhooks"))["items"]
    assert [w["id"] for w in listed] == [sub["id"]] and "secret" not in listed[0]
    # An event type the patterns do not match queues nothing (other customer.* events may: grades).
    await h.opportunity(org.reps[0], (await h.customer(org.reps[0]))["id"])
    customer = await h.customer(org.reps[0], name="宁波滤材有限公司")
    for _ in range(2):  # a second round must not send anything twice
        await h.drain()
        await flush(h)
    log = await _deliveries(h, org.admin, sub["id"])
    assert {d["status"] for d in log} == {"succeeded"}
    assert not any(d["event_type"].startswith("opportunity.") for d in log)
    # Every request was correctly signed, and each delivery arrived once.
    assert len(server.requests) == len(verifier.verified) == len(log)
    assert len({r.headers["webhook-id"] for r, _ in verifier.verified}) == len(log)
    [(request, payload)] = [(r, p) for r, p in verifier.verified
                            if p["type"] == "customer.created" and p["data"]["entity_id"] == customer["id"]]
    assert payload["data"]["entity"] == "customer"
    assert payload["data"]["payload"]["record"]["name"] == "宁波滤材有限公司"
    assert _iso(payload["timestamp"]).tzinfo is not None
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-signature"].startswith("v1,")

    mine = next(d for d in log if d["event_id"] == payload["data"]["event_id"])
    assert request.headers["webhook-id"] == mine["id"]
    assert mine["status"] == "succeeded" and mine["attempts"] == 1 and mine["delivered_at"]
    [attempt] = mine["attempt_log"]
    assert attempt["status_code"] == 204 and attempt["error"] is None and attempt["duration_ms"] >= 0
    succeeded = await get_json(h, org.admin, f"/api/v1/webhooks/{sub['id']}/deliveries?status=succeeded&limit=1")
    assert len(succeeded["items"]) == 1 and (succeeded["next_cursor"] is not None) == (len(log) > 1)
    one = await get_json(h, org.admin, f"/api/v1/webhooks/{sub['id']}/deliveries/{mine['id']}")
    assert one["payload"] == payload


async def test_receiver_down_then_up_gets_it_once_after_backoff(h: Harness, receiver: MakeReceiver) -> None:
    org = await h.org()
    verifier = Verifier()
    server = await receiver(verifier, started=False)  # nothing listens yet: connection refused
    sub = await _subscribe(h, org.admin, server.url, ["customer.created"])
    verifier.secret = sub["secret"]
    customer = await h.customer(org.reps[0])
    await h.drain()
    t0 = utcnow()
    await flush(h, t0)
    [delivery] = await _deliveries(h, org.admin, sub["id"])
    assert delivery["status"] == "failed" and delivery["attempts"] == 1
    assert delivery["attempt_log"][0]["status_code"] is None and "Connect" in delivery["attempt_log"][0]["error"]

    # Still down at the second try (after the 5 s step); the third waits 5 minutes more.
    await flush(h, t0 + timedelta(minutes=5))
    [delivery] = await _deliveries(h, org.admin, sub["id"])
    assert delivery["attempts"] == 2
    assert _iso(delivery["next_attempt_at"]) == t0 + timedelta(minutes=10)
    assert (await get_json(h, org.admin, f"/api/v1/webhooks/{sub['id']}"))["consecutive_failures"] == 2

    await server.start()
    await flush(h, t0 + timedelta(minutes=6))  # not due yet: nothing is sent early
    assert server.requests == []
    await flush(h, t0 + timedelta(minutes=10))
    await flush(h, t0 + timedelta(hours=30))  # and nothing is sent twice
    assert len(verifier.verified) == 1
    assert verifier.verified[0][1]["data"]["entity_id"] == customer["id"]
    [delivery] = await _deliveries(h, org.admin, sub["id"])
    assert delivery["status"] == "succeeded" and delivery["attempts"] == 3 and len(delivery["attempt_log"]) == 3
    assert (await get_json(h, org.admin, f"/api/v1/webhooks/{sub['id']}"))["consecutive_failures"] == 0

    # The same event handled again (a redelivered event, a re-run handler) queues nothing new.
    async with h.runtime.sessionmaker() as session:
        event = await session.scalar(sa.select(Event).where(Event.entity_id == uuid.UUID(customer["id"]), Event.type == "customer.created"))
        assert event is not None
        assert await queue_for_event(session, event) == 0
        assert await queue_for_event(session, event) == 0
        await session.commit()
    await h.drain()
    await flush(h, t0 + timedelta(hours=31))
    assert len(await _deliveries(h, org.admin, sub["id"])) == 1 and len(verifier.verified) == 1


async def test_repeated_failure_gives_up_disables_and_notifies_then_replay(h: Harness, receiver: MakeReceiver) -> None:
    org = await h.org()
    second_admin = await h.add_user(org.admin, "admin")
    verifier = Verifier()
    verifier.down = True  # answers 503 to everything
    server = await receiver(verifier)
    sub = await _subscribe(h, org.admin, server.url, ["customer.created"])
    verifier.secret = sub["secret"]
    await h.customer(org.reps[0])
    await h.drain()
    t0 = utcnow()
    for step in range(MAX_ATTEMPTS + 2):  # each step is past the longest wait (10 h)
        await flush(h, t0 + timedelta(hours=11 * step))
    [dead] = await _deliveries(h, org.admin, sub["id"])
    assert dead["status"] == "dead" and dead["attempts"] == MAX_ATTEMPTS == 8
    assert dead["next_attempt_at"] is None and dead["last_status_code"] == 503
    assert [a["status_code"] for a in dead["attempt_log"]] == [503] * 8
    assert len(server.requests) == 8
    gaps = [_iso(b["at"]) - _iso(a["at"]) for a, b in zip(dead["attempt_log"], dead["attempt_log"][1:])]
    assert sum(gaps, timedelta()) >= timedelta(hours=24)

    webhook = await get_json(h, org.admin, f"/api/v1/webhooks/{sub['id']}")
    assert webhook["enabled"] is False and "auto-disabled" in webhook["disabled_reason"]
    assert webhook["consecutive_failures"] == 8
    for admin in (org.admin, second_admin):
        [card] = await notifications(h, admin, "webhook_disabled")
        assert card["link"] == f"/api/v1/webhooks/{sub['id']}" and "127.0.0.1" in card["title"]
    assert await notifications(h, org.reps[0], "webhook_disabled") == []
    # A disabled subscription gets no new deliveries.
    await h.customer(org.reps[0])
    await h.drain()
    assert len(await _deliveries(h, org.admin, sub["id"])) == 1

    replay_path = f"/api/v1/webhooks/{sub['id']}/deliveries/{dead['id']}/replay"
    r = await h.client.post(replay_path, headers=org.admin.headers)
    assert r.status_code == 409, r.text
    r = await h.client.patch(f"/api/v1/webhooks/{sub['id']}", json={"enabled": True}, headers=org.admin.headers)
    assert r.status_code == 200, r.text
    assert r.json()["enabled"] is True and r.json()["disabled_reason"] is None and r.json()["consecutive_failures"] == 0
    verifier.down = False
    r = await h.client.post(replay_path, headers=org.admin.headers)
    assert r.status_code == 202, r.text
    replay_id = r.json()["delivery_id"]
    await flush(h, t0 + timedelta(hours=200))
    await flush(h, t0 + timedelta(hours=201))
    assert len(verifier.verified) == 1
    request, payload = verifier.verified[0]
    assert request.headers["webhook-id"] == replay_id != dead["id"]
    assert payload == dead["payload"]
    replayed = await get_json(h, org.admin, f"/api/v1/webhooks/{sub['id']}/deliveries/{replay_id}")
    assert replayed["replay_of"] == dead["id"] and replayed["status"] == "succeeded"
    # One notification per incident, however often the sender looks again.
    assert len(await notifications(h, org.admin, "webhook_disabled")) == 1


async def test_a_delivery_to_a_deleted_subscription_is_closed(h: Harness, receiver: MakeReceiver) -> None:
    org = await h.org()
    server = await receiver()
    sub = await _subscribe(h, org.admin, server.url)
    sub_id = uuid.UUID(sub["id"])
    async with h.runtime.sessionmaker() as session:  # queued, not sent yet, when the admin deletes it
        queued = await queue_webhook(session, tenant_id=uuid.UUID(org.admin.tenant_id), subscription_id=sub_id,
                                     event_type="custom.ping", data={"n": 1}, dedupe_key="ping-1")
        await session.commit()
    assert queued is not None
    r = await h.client.delete(f"/api/v1/webhooks/{sub['id']}", headers=org.admin.headers)
    assert r.status_code == 204
    assert (await h.client.get(f"/api/v1/webhooks/{sub['id']}", headers=org.admin.headers)).status_code == 404
    await flush(h)
    assert server.requests == []
    async with h.runtime.sessionmaker() as session:
        status, error = (await session.execute(
            sa.select(Delivery.status, Delivery.last_error).where(Delivery.id == queued)
        )).one()
        # Nor can anything be queued to it any more.
        assert await queue_webhook(session, tenant_id=uuid.UUID(org.admin.tenant_id), subscription_id=sub_id,
                                   event_type="custom.ping", data={"n": 2}, dedupe_key="ping-2") is None
    assert status == "dead" and "deleted" in error
