"""The three-colour board (§10) against hand-computed oracles.

as_of 2026-10-20 (Tuesday), Asia/Shanghai: the board's windows end at 2026-10-21 00:00 +08:00.
The 2026 calendar (checked in test_report_analytics): Mid-Autumn 25–27 Sep off, National Day
1–7 Oct off, make-up workdays Sun 20 Sep and Sat 10 Oct.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from salescore.models import Customer, GradeChange
from tests.support import Actor, Harness

SH = ZoneInfo("Asia/Shanghai")
AS_OF = "2026-10-20"


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> str:
    return datetime(2026, month, day, hour, minute, tzinfo=SH).isoformat()


async def act(h: Harness, rep: Actor, customer: str, deal: str, when: str, code: str, **fields: Any) -> None:
    r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json={
        "customer_id": customer, "opportunity_id": deal, "channel": "meeting", "occurred_at": when,
        "actions": [{"code": code, "fields": fields}],
    })
    assert r.status_code == 201, r.text


async def deal_of(h: Harness, rep: Actor) -> tuple[str, str]:
    customer = (await h.customer(rep))["id"]
    return customer, (await h.opportunity(rep, customer))["id"]


async def board(h: Harness, actor: Actor, **params: Any) -> dict[str, Any]:
    r = await h.client.get("/api/v1/analytics/three-color-board", params=params, headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_red_share_of_quotes_left_unconfirmed_for_24_hours(h: Harness) -> None:
    org = await h.org()
    rep, other = org.reps[0], org.reps[2]
    deals = {name: await deal_of(h, rep) for name in "ABCDE"}

    async def quote(name: str, when: str) -> None:
        await act(h, rep, *deals[name], when, "quote_submitted", amount=1000)

    async def confirm(name: str, when: str) -> None:
        await act(h, rep, *deals[name], when, "quote_confirmed")

    await quote("A", at(10, 10)); await confirm("A", at(10, 11, 9))     # 23 h: confirmed
    await quote("B", at(10, 12)); await confirm("B", at(10, 13, 11))    # 25 h: too late
    await quote("C", at(10, 15))                                          # never confirmed
    await quote("C", at(10, 20, 9))                                       # its 24 h end after as_of: left out
    await quote("D", at(9, 20))                                           # before the 30-day window
    await quote("A", at(10, 16)); await confirm("A", at(10, 16, 15))    # confirmed
    await confirm("E", at(10, 4)); await quote("E", at(10, 5))           # confirmed *before* the quote: no
    other_customer, other_deal = await deal_of(h, other)
    await act(h, other, other_customer, other_deal, at(10, 14), "quote_submitted", amount=1)

    red = (await board(h, org.director, as_of=AS_OF))["red"]
    # director: A, B, C, A, E and the other rep's quote: 6 quotes, B, C, E and the other one unconfirmed
    assert (red["sample_size"], red["unconfirmed"], red["value"]) == (6, 4, round(4 / 6, 4))
    assert red["status"] == "alert" and red["threshold"] == 0.35
    expected = sorted([deals["B"][1], deals["C"][1], deals["E"][1], other_deal])
    assert sorted(red["ids"]) == expected
    assert datetime.fromisoformat(red["window"]["to"]) == datetime(2026, 10, 21, tzinfo=SH)

    mine = (await board(h, rep, as_of=AS_OF))["red"]  # a rep sees only their own deals
    assert (mine["sample_size"], mine["unconfirmed"], mine["value"]) == (5, 3, 0.6)
    team = (await board(h, org.director, as_of=AS_OF, team_id=org.teams[1]))["red"]
    assert (team["sample_size"], team["ids"]) == (1, [other_deal])

    # as of 15 Oct the window is 16 Sep – 15 Oct: D's quote of 20 Sep is in it, C's of 15 Oct has not had its
    # 24 h: A (10 Oct), B, D, E → 4 quotes, B, D, E unconfirmed
    earlier = (await board(h, rep, as_of="2026-10-15"))["red"]
    assert (earlier["sample_size"], earlier["unconfirmed"]) == (4, 3)
    assert sorted(earlier["ids"]) == sorted([deals["B"][1], deals["D"][1], deals["E"][1]])


async def test_yellow_median_workdays_from_signing_to_first_payment(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    deals = {name: await deal_of(h, rep) for name in ("d1", "d2", "d3", "d4", "d5", "d6", "d7")}

    async def sign(name: str, when: str) -> None:
        await act(h, rep, *deals[name], when, "contract_signed")

    async def pay(name: str, when: str) -> None:
        await act(h, rep, *deals[name], when, "payment_received", amount=100)

    await sign("d1", at(9, 30)); await pay("d1", at(10, 9))   # Oct 8, 9 (1–7 off): 2
    await pay("d1", at(10, 15))                                # a later payment does not move the first
    await sign("d2", at(10, 9)); await pay("d2", at(10, 12))   # Sat 10 Oct (调休) and Mon 12: 2
    await sign("d3", at(9, 18))                                # unpaid: Sep 20(调休),21-24,28-30, Oct 8-10,12-16,19,20: 18
    await sign("d4", at(10, 12, 9)); await pay("d4", at(10, 19))  # 13–16, 19: 5 (not over 5)
    await sign("d5", at(7, 1)); await pay("d5", at(10, 19))    # signed before the 90-day window: left out
    await sign("d6", at(10, 14, 23, 30)); await pay("d6", at(10, 22))  # paid after as_of: 15, 16, 19, 20: 4
    await sign("d7", at(9, 29))                                # unpaid: 30, Oct 8-10, 12-16, 19, 20: 11

    yellow = (await board(h, org.director, as_of=AS_OF))["yellow"]
    # workdays [2, 2, 18, 5, 4, 11] → sorted 2 2 4 5 11 18 → median 4.5
    assert (yellow["sample_size"], yellow["value"], yellow["threshold"], yellow["status"]) == (6, 4.5, 5, "ok")
    assert yellow["ids"] == [deals["d3"][1], deals["d7"][1]]  # slowest first
    assert [(d["workdays"], d["signed_on"], d["paid_on"]) for d in yellow["deals"]] == [
        (18, "2026-09-18", None), (11, "2026-09-29", None)]

    r = await h.client.get("/api/v1/analytics/settings", headers=org.director.headers)
    settings = r.json()
    settings["board"]["yellow"]["max_median_workdays"] = 4
    r = await h.client.put("/api/v1/analytics/settings", json=settings, headers=org.director.headers)
    assert r.status_code == 200, r.text
    yellow = (await board(h, org.director, as_of=AS_OF))["yellow"]
    assert (yellow["status"], yellow["threshold"], len(yellow["ids"])) == ("alert", 4, 3)  # 18, 11, 5

    # a tenant override making Fri 16 Oct a day off takes one workday from d3, d4 and d7
    r = await h.client.patch("/api/v1/tenant", headers=org.admin.headers, json={
        "settings": {"workday_overrides": [{"date": "2026-10-16", "workday": False}]}})
    assert r.status_code == 200, r.text
    yellow = (await board(h, org.director, as_of=AS_OF))["yellow"]
    assert [d["workdays"] for d in yellow["deals"]] == [17, 10]  # d4 now 4: not over 4
    assert (await h.client.get("/api/v1/analytics/settings", headers=org.director.headers)).json() == settings


async def _grade(h: Harness, customer: str, grade: str, created: datetime | None = None) -> None:
    values: dict[str, Any] = {"grade": grade}
    if created is not None:
        values["created_at"] = created
    async with h.runtime.sessionmaker() as session:
        await session.execute(sa.update(Customer).where(Customer.id == uuid.UUID(customer)).values(**values)
                              .execution_options(synchronize_session=False))
        await session.commit()


async def test_green_a_customers_without_follow_up_in_90_days(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    now = datetime.now(UTC)
    names = ("old", "recent", "b_grade", "never", "edge")
    customers = {n: (await h.customer(rep))["id"] for n in names}
    for name, days_ago in (("old", 100), ("recent", 10), ("b_grade", 200), ("edge", 89)):
        r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json={
            "customer_id": customers[name], "channel": "call",
            "occurred_at": (now - timedelta(days=days_ago)).isoformat()})
        assert r.status_code == 201, r.text
    await h.drain()  # let the health engine grade them first; the test then sets the grades it wants
    for name in names:
        await _grade(h, customers[name], "B" if name == "b_grade" else "A")
    green = (await board(h, org.director))["green"]
    assert (green["sample_size"], green["value"], green["status"]) == (4, 2, "ok")
    assert sorted(green["ids"]) == sorted([customers["old"], customers["never"]])
    assert green["threshold"] == 12 and green["grade"] == "A"
    assert (await board(h, org.reps[1]))["green"]["sample_size"] == 0

    settings = (await h.client.get("/api/v1/analytics/settings", headers=org.director.headers)).json()
    settings["board"]["green"]["max_customers"] = 1
    assert (await h.client.put("/api/v1/analytics/settings", json=settings,
                               headers=org.director.headers)).status_code == 200
    assert (await board(h, org.director))["green"]["status"] == "alert"


async def test_green_on_a_past_day_reads_the_grade_history(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    created = datetime(2026, 9, 1, tzinfo=SH)
    was_a, became_a, never_regraded, too_new = [(await h.customer(rep))["id"] for _ in range(4)]
    await h.drain()
    await _grade(h, was_a, "C", created)
    await _grade(h, became_a, "A", created)
    await _grade(h, never_regraded, "A", created)
    await _grade(h, too_new, "A", datetime(2026, 10, 25, tzinfo=SH))
    async with h.runtime.sessionmaker() as session:
        tenant = uuid.UUID(org.admin.tenant_id)
        # delete what the engine recorded at creation: the test owns the history
        await session.execute(sa.delete(GradeChange).where(GradeChange.tenant_id == tenant))
        for customer, old, new, when in (
            (was_a, None, "A", datetime(2026, 10, 1, tzinfo=SH)),
            (was_a, "A", "C", datetime(2026, 10, 25, tzinfo=SH)),
            (became_a, "B", "A", datetime(2026, 10, 25, tzinfo=SH)),
        ):
            session.add(GradeChange(tenant_id=tenant, customer_id=uuid.UUID(customer), old_grade=old, new_grade=new,
                                    score=0.5, model_version=1, at=when))
        await session.commit()
    green = (await board(h, org.director, as_of=AS_OF))["green"]
    assert green["sample_size"] == 2 and sorted(green["ids"]) == sorted([was_a, never_regraded])


async def test_bad_input_and_csv(h: Harness) -> None:
    org = await h.org()
    for params, field in (({"as_of": "2026-13-01"}, "as_of"), ({"as_of": "1999-12-31"}, "as_of"),
                          ({"as_of": (date.today() + timedelta(days=2)).isoformat()}, "as_of"),
                          ({"team_id": str(uuid.uuid4())}, "team_id"), ({"format": "xml"}, "format")):
        r = await h.client.get("/api/v1/analytics/three-color-board", params=params, headers=org.director.headers)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert any(field in e["field"] for e in r.json()["errors"]), r.json()
    r = await h.client.get("/api/v1/analytics/three-color-board", params={"team_id": org.teams[1]},
                           headers=org.managers[0].headers)
    assert r.status_code == 422
    r = await h.client.put("/api/v1/analytics/settings", headers=org.managers[0].headers, json={})
    assert r.status_code == 403
    r = await h.client.put("/api/v1/analytics/settings", headers=org.director.headers,
                           json={"board": {"red": {"max_unconfirmed_share": 1.5}}})
    assert r.status_code == 422 and "board.red.max_unconfirmed_share" in r.text
    r = await h.client.put("/api/v1/analytics/settings", headers=org.director.headers,
                           json={"kpis": {"stage_from": "终审", "stage_to": "终审"}})
    assert r.status_code == 422

    r = await h.client.get("/api/v1/analytics/three-color-board", params={"format": "csv", "as_of": AS_OF},
                           headers=org.director.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["check"] for row in rows] == ["red", "yellow", "green"]
    assert rows[0]["status"] == "ok" and rows[0]["value"] == "" and rows[2]["value"] == "0"


async def test_red_boundary_is_exact_on_both_engines(h: Harness) -> None:
    """A confirmation exactly `confirm_hours` after the quote is in time (timestamps are compared, not
    floats: SQLite's julianday arithmetic put 2 h a hair over 2 h)."""
    org = await h.org()
    rep = org.reps[0]
    settings = (await h.client.get("/api/v1/analytics/settings", headers=org.director.headers)).json()
    settings["board"]["red"]["confirm_hours"] = 2
    assert (await h.client.put("/api/v1/analytics/settings", json=settings,
                               headers=org.director.headers)).status_code == 200
    on_time, late = await deal_of(h, rep), await deal_of(h, rep)
    for (customer, deal), confirm in ((on_time, at(10, 12, 12, 7)), (late, at(10, 12, 12, 8))):
        await act(h, rep, customer, deal, at(10, 12, 10, 7), "quote_submitted", amount=1)
        await act(h, rep, customer, deal, confirm, "quote_confirmed")
    red = (await board(h, rep, as_of=AS_OF))["red"]
    assert (red["sample_size"], red["unconfirmed"], red["ids"]) == (2, 1, [late[1]])


async def test_csv_cells_are_never_formulas(h: Harness) -> None:
    from salescore.kit.csvexport import csv_response

    body = csv_response([{"name": "=HYPERLINK(\"http://x\")", "n": -3, "label": "-负责人", "ids": ["@a"]}], "x").body
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "-3", "'-负责人", "'@a"]
