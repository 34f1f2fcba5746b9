"""The demo's customer signals (§9, §14): the seeded summaries carry the default signals, stored as hits
with per-customer counts that the API reports."""

from __future__ import annotations

from collections import Counter

from salescore.demo import data
from salescore.demo.seed import SeedReport
from tests.support import Harness


async def test_seeded_follow_ups_carry_signals(demo: SeedReport, h: Harness) -> None:
    headers = {"Authorization": f"Bearer {await h.login(f'director@{data.EMAIL_DOMAIN}', data.PASSWORD)}"}
    r = await h.client.get("/api/v1/signal-hits", params={"limit": 200}, headers=headers)
    assert r.status_code == 200, r.text
    hits = r.json()["items"]
    assert len(hits) == 200  # plenty
    signals = Counter(hit["signal"] for hit in hits)
    assert len(signals) >= 3, signals
    customers = Counter(hit["customer_id"] for hit in hits)
    busiest = customers.most_common(1)[0][0]
    listed = (await h.client.get(f"/api/v1/customers/{busiest}/signals", headers=headers)).json()["items"]
    assert listed and all(item["count"] >= 1 and item["last_seen_at"] for item in listed)
    # A hit's text is what the summary says at its offsets.
    sample = hits[0]
    fu = (await h.client.get(f"/api/v1/follow-ups/{sample['follow_up_id']}", headers=headers)).json()
    assert fu["summary"][sample["start"]:sample["end"]] == sample["matched"]
    if demo.created:
        assert demo.counts["signal_hits"] > 0
