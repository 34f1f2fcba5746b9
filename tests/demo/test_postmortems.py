"""The demo's lost deals carry post-mortems (§10, §14): complete, locked packages for lost deals,
a package in progress for deals pending review, and loss-reason analytics over the seeded reasons."""

from __future__ import annotations

from typing import Any

from salescore.demo import data
from salescore.demo.seed import SeedReport
from tests.support import Harness


async def _deals(h: Harness, headers: dict[str, str], status: str) -> list[dict[str, Any]]:
    r = await h.client.get("/api/v1/opportunities", params={"status": status, "limit": 200}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_lost_deals_have_their_packages(demo: SeedReport, h: Harness) -> None:
    headers = {"Authorization": f"Bearer {await h.login(f'director@{data.EMAIL_DOMAIN}', data.PASSWORD)}"}
    lost = await _deals(h, headers, "lost")
    assert lost
    for deal in lost[:5]:
        r = await h.client.get(f"/api/v1/opportunities/{deal['id']}/post-mortem", headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["locked"] and len(body["kinds_present"]) == 3
        assert body["reason"] == deal["lost_reason"]
    for deal in (await _deals(h, headers, "lost_pending_review"))[:3]:
        body = (await h.client.get(f"/api/v1/opportunities/{deal['id']}/post-mortem", headers=headers)).json()
        assert not body["locked"] and len(body["kinds_present"]) == 1
    r = await h.client.get("/api/v1/analytics/loss-reasons", headers=headers)
    assert r.status_code == 200, r.text
    reasons = {row["reason"] for row in r.json()["by_reason"]}
    assert reasons and reasons <= {"price", "competitor", "budget", "other", "product_fit", "timing"}
    if demo.created:
        assert demo.counts["post_mortems"] >= len(lost)
