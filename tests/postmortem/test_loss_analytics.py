"""Loss-reason analytics (SPEC §10) against a hand-computed oracle: by reason, rep × reason,
stage × reason, the "3 months running" flag with its near miss, time zone, visibility, filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.postmortem.support import add, deal_of, lose
from tests.support import Actor, Harness, Org

SH = ZoneInfo("Asia/Shanghai")
CREATED = datetime(2025, 11, 1, tzinfo=SH).isoformat()
URL = "/api/v1/analytics/loss-reasons"
PERIOD = "from=2026-01-01&to=2026-10-31"


def sh(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


@dataclass
class World:
    org: Org
    a: Actor
    b: Actor
    c: Actor


async def _lost(h: Harness, rep: Actor, amount: int, reason: str, at: datetime, **fields: Any) -> dict[str, Any]:
    deal = await deal_of(h, rep, created_at=CREATED, amount=str(amount), **fields)
    r = await lose(h, rep, deal["id"], reason=reason, lost_at=at.isoformat())
    assert r.status_code == 201, r.text
    return deal


async def world(h: Harness) -> World:
    """A and C in team 0, B in team 1. By hand, in tenant time (Asia/Shanghai):

    A: price Jul, Aug, Sep (3 months running); competitor Aug; budget Mar and `other` Apr (imported
       losses); price 2025-12-15 (before the period); a price loss in Sep withdrawn (reopened); a
       relationship loss in Oct whose deal went to B afterwards (still A's loss).
    B: price Jun, Jul, Sep -- a gap in Aug, no flag; timing 2026-10-01 01:00 (Sep 30 in UTC), in USD.
    C: price 2026-05-01 00:30 (Apr 30 in UTC), Jun, Jul -- 3 months running only in tenant time.
    """
    org = await h.org()
    a, c, b = org.reps[0], org.reps[1], org.reps[2]
    first = await _lost(h, a, 100000, "price", sh(2026, 7, 15))
    for kind in ("email_timeline", "quote_history", "meeting_notes"):  # this one completes: status lost
        assert (await add(h, a, first["id"], kind, text=kind)).status_code == 201
    await _lost(h, a, 200000, "price", sh(2026, 8, 3), stage="报价")
    await _lost(h, a, 300000, "price", sh(2026, 9, 20))
    await _lost(h, a, 50000, "competitor", sh(2026, 8, 20))
    await deal_of(h, a, created_at=CREATED, amount="80000", status="lost", lost_reason="budget",
                  lost_at=sh(2026, 3, 10).isoformat())
    await deal_of(h, a, created_at=CREATED, amount="20000", status="lost", lost_at=sh(2026, 4, 10).isoformat())
    await _lost(h, a, 999, "price", sh(2025, 12, 15))
    withdrawn = await _lost(h, a, 4444, "price", sh(2026, 9, 10))
    r = await h.client.patch(f"/api/v1/opportunities/{withdrawn['id']}", json={"status": "open"}, headers=a.headers)
    assert r.status_code == 200, r.text
    moved = await _lost(h, a, 7000, "relationship", sh(2026, 10, 5))
    r = await h.client.patch(f"/api/v1/opportunities/{moved['id']}", json={"owner_id": b.user_id},
                             headers=org.admin.headers)
    assert r.status_code == 200, r.text
    for month, day in ((6, 10), (7, 10), (9, 12)):
        await _lost(h, b, 10000, "price", sh(2026, month, day))
    await _lost(h, b, 5000, "timing", sh(2026, 10, 1, 1), currency="USD")
    await _lost(h, c, 1000, "price", sh(2026, 5, 1, 0, 30))
    await _lost(h, c, 1000, "price", sh(2026, 6, 10))
    await _lost(h, c, 1000, "price", sh(2026, 7, 10))
    return World(org, a, b, c)


async def get(h: Harness, who: Actor, query: str = PERIOD) -> dict[str, Any]:
    r = await h.client.get(f"{URL}?{query}", headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()


def cells(rows: list[dict[str, Any]], key: str) -> dict[tuple[Any, str], tuple[int, float]]:
    return {(row[key], row["reason"]): (row["count"], row["amount"]) for row in rows}


async def test_losses_by_reason_rep_and_stage_with_the_three_months_running_flag(h: Harness) -> None:
    w = await world(h)
    a, b, c = w.a.user_id, w.b.user_id, w.c.user_id
    body = await get(h, w.org.director)
    assert (body["from"], body["to"], body["currency"]) == ("2026-01-01", "2026-10-31", "CNY")
    assert body["total"] == {"count": 14, "amount": 790000.0}
    assert [(r["reason"], r["label"], r["count"], r["amount"]) for r in body["by_reason"]] == [
        ("price", "价格异议", 9, 633000.0), ("budget", "预算取消", 1, 80000.0), ("competitor", "竞品胜出", 1, 50000.0),
        ("other", "其他", 1, 20000.0), ("relationship", "关系/决策链", 1, 7000.0), ("timing", "时机/延期", 1, 0.0),
    ]
    assert cells(body["by_owner"], "owner_id") == {
        (a, "price"): (3, 600000.0), (a, "competitor"): (1, 50000.0), (a, "budget"): (1, 80000.0),
        (a, "other"): (1, 20000.0), (a, "relationship"): (1, 7000.0),
        (b, "price"): (3, 30000.0), (b, "timing"): (1, 0.0), (c, "price"): (3, 3000.0),
    }
    assert cells(body["by_stage"], "stage") == {
        ("初谈", "price"): (8, 433000.0), ("报价", "price"): (1, 200000.0), ("初谈", "competitor"): (1, 50000.0),
        ("初谈", "budget"): (1, 80000.0), ("初谈", "other"): (1, 20000.0), ("初谈", "relationship"): (1, 7000.0),
        ("初谈", "timing"): (1, 0.0),
    }
    assert {(f["owner_id"], f["reason"], f["label"], tuple(f["months"])) for f in body["flags"]} == {
        (a, "price", "价格异议", ("2026-07", "2026-08", "2026-09")),
        (c, "price", "价格异议", ("2026-05", "2026-06", "2026-07")),
    }
    assert len(body["flags"]) == 2  # B's gap month: no flag

    usd = await get(h, w.org.director, PERIOD + "&currency=USD")
    assert usd["total"] == {"count": 14, "amount": 5000.0}

    # Three months only when the period holds them: from August, A's run is two months long.
    late = await get(h, w.org.director, "from=2026-08-01&to=2026-10-31")
    assert late["flags"] == [] and late["total"]["count"] == 6


async def test_who_sees_which_losses_and_the_filters(h: Harness) -> None:
    w = await world(h)
    org = w.org
    mine = await get(h, w.a)
    assert mine["total"]["count"] == 7 and {r["owner_id"] for r in mine["by_owner"]} == {w.a.user_id}
    assert [(f["owner_id"], f["months"]) for f in mine["flags"]] == [(w.a.user_id, ["2026-07", "2026-08", "2026-09"])]
    team0 = await get(h, org.managers[0])
    assert team0["total"]["count"] == 10 and len(team0["flags"]) == 2
    team1 = await get(h, org.managers[1])
    assert team1["total"] == {"count": 4, "amount": 30000.0} and team1["flags"] == []
    assert (await get(h, org.director, PERIOD + f"&team_id={org.teams[1]}"))["total"]["count"] == 4
    only_c = await get(h, org.director, PERIOD + f"&owner_id={w.c.user_id}")
    assert only_c["total"] == {"count": 3, "amount": 3000.0} and len(only_c["flags"]) == 1

    for query, field in ((f"owner_id={w.c.user_id}", "owner_id"), (f"team_id={org.teams[1]}", "team_id"),
                         ("from=2026-10-01&to=2026-09-01", "to"), ("from=2024-01-01&to=2026-10-31", "to"),
                         ("from=0001-01-01", "from"), ("currency=rmb", "currency")):
        r = await h.client.get(f"{URL}?{query}", headers=w.a.headers)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, (query, r.text)

    # Default: the 12 calendar months ending this month (tenant time), so 2025-12-15 may count.
    today = datetime.now(SH).date()
    index = today.year * 12 + today.month - 1 - 11
    start = date(index // 12, index % 12 + 1, 1)
    default = await get(h, org.director, "")
    assert (default["from"], default["to"]) == (start.isoformat(), today.isoformat())
    dated = [date(2026, m, d) for m, d in ((7, 15), (8, 3), (9, 20), (8, 20), (3, 10), (4, 10), (10, 5), (6, 10),
                                           (7, 10), (9, 12), (10, 1), (5, 1), (6, 10), (7, 10))] + [date(2025, 12, 15)]
    assert default["total"]["count"] == sum(start <= d <= today for d in dated)
