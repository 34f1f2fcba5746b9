"""Operability: health, readiness, metrics, request ids in JSON logs (§13)."""

from __future__ import annotations

import json
import logging

from salescore.ops.logging import JsonFormatter
from tests.support import Harness


async def test_healthz_and_readyz(h: Harness) -> None:
    assert (await h.client.get("/healthz")).json() == {"status": "ok"}
    r = await h.client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["checks"] == {"database": "ok", "queue": "ok"}


async def test_metrics_count_requests_by_route_template(h: Harness) -> None:
    admin = await h.signup()
    c = await h.customer(admin)
    await h.client.get(f"/api/v1/customers/{c['id']}", headers=admin.headers)
    body = (await h.client.get("/metrics")).text
    assert 'salescore_http_requests_total{method="GET",route="/api/v1/customers/{customer_id}",status="200"}' in body
    assert "salescore_events_processed_total" in body


async def test_request_id_is_echoed_and_logged_as_json(h: Harness) -> None:
    records: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(JsonFormatter().format(record))

    handler = Capture()
    logger = logging.getLogger("salescore.access")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        r = await h.client.get("/healthz", headers={"X-Request-ID": "trace-123"})
        generated = await h.client.get("/healthz")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    assert r.headers["x-request-id"] == "trace-123"
    assert len(generated.headers["x-request-id"]) == 32
    entries = [json.loads(x) for x in records]
    mine = [e for e in entries if e.get("request_id") == "trace-123"]
    assert mine and mine[0]["path"] == "/healthz" and mine[0]["status"] == 200 and "duration_ms" in mine[0]


async def test_unknown_route_and_wrong_method_are_problems(h: Harness) -> None:
    r = await h.client.get("/api/v1/nope")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    r = await h.client.put("/api/v1/customers")
    assert r.status_code == 405 and r.json()["status"] == 405
