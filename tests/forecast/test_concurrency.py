"""Evidence changes racing each other and deal edits (meaningful on PostgreSQL; SQLite serialises writers)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.forecast.test_evidence import add
from tests.support import Harness


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


async def test_concurrent_revocations_leave_maturity_matching_the_evidence(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    for _ in range(6):
        deal = await h.opportunity(rep, customer["id"])
        first = (await add(h, rep, deal["id"], "technical_agreement", text="a")).json()
        second = (await add(h, rep, deal["id"], "technical_agreement", text="b")).json()
        answers = await asyncio.gather(*(
            h.client.post(f"/api/v1/opportunities/{deal['id']}/evidence/{e['id']}/revoke", json={"reason": "r"},
                          headers=rep.headers) for e in (first, second)))
        assert all(r.status_code in (200, 409) for r in answers), [r.text for r in answers]
        got = (await h.client.get(f"/api/v1/opportunities/{deal['id']}", headers=rep.headers)).json()
        active = (await h.client.get(f"/api/v1/opportunities/{deal['id']}/evidence?include_revoked=false",
                                     headers=rep.headers)).json()
        assert got["evidenced_nodes"] == sorted({e["node"] for e in active})
        assert got["maturity"] == (0.5 if active else 0.0)


async def test_evidence_on_a_closed_deal_racing_a_reopen_never_fails(h: Harness) -> None:
    """Both lock the deal before the calibration row: no deadlock, no 500."""
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    for _ in range(10):
        deal = await h.opportunity(rep, customer["id"], created_at=ago(100), status="lost", lost_at=ago(2))
        answers = await asyncio.gather(
            add(h, rep, deal["id"], "down_payment", text="x", occurred_at=ago(20)),
            h.client.patch(f"/api/v1/opportunities/{deal['id']}", json={"status": "open"}, headers=rep.headers),
        )
        assert all(r.status_code < 500 for r in answers), [r.text for r in answers]
