"""Interaction heatmap (客户互动热力图, §10): hand-placed follow-ups checked against hand-computed
cells. The week and weekday boundaries are checked in tenant time (Asia/Shanghai): a follow-up at
Sunday 23:30 Shanghai (Sunday 15:30 UTC) and one at Monday 00:30 Shanghai (still Sunday, 16:30 UTC)
land in different weeks and weekdays. One week spans National Day (Mon 28 Sep – Sun 4 Oct 2026).
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.support import Actor, Harness, Org

SH = ZoneInfo("Asia/Shanghai")
# Wed 16 Sep – Sun 11 Oct 2026: weeks of 14 Sep (clipped to 16–20), 21 Sep, 28 Sep, 5 Oct.
WINDOW = {"from": "2026-09-16", "to": "2026-10-11"}
WEEKS = ["2026-09-14", "2026-09-21", "2026-09-28", "2026-10-05"]
PATH = "/api/v1/analytics/interaction-heatmap"


def sh(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


async def follow_up(h: Harness, actor: Actor, customer_id: str, channel: str, at: datetime,
                    deleted: bool = False) -> None:
    r = await h.client.post("/api/v1/follow-ups", headers=actor.headers, json={
        "customer_id": customer_id, "channel": channel, "occurred_at": at.isoformat(), "summary": "跟进"})
    assert r.status_code == 201, r.text
    if deleted:
        gone = await h.client.delete(f"/api/v1/follow-ups/{r.json()['id']}", headers=actor.headers)
        assert gone.status_code == 204, gone.text


@dataclass
class Scene:
    org: Org
    a1: str  # rep A's customers
    a2: str
    c1: str  # rep C's customer (team 2)

    @property
    def a(self) -> Actor:
        return self.org.reps[0]

    @property
    def c(self) -> Actor:
        return self.org.reps[2]


async def _scene(h: Harness) -> Scene:
    """Rep A (team 1): five interactions in the window on two customers; rep B (team 1): none;
    rep C (team 2): two on one customer. Plus three that must not count."""
    org = await h.org()
    a, c = org.reps[0], org.reps[2]
    a1 = (await h.customer(a, name="Alpha Works"))["id"]
    a2 = (await h.customer(a, name="Beta Trading"))["id"]
    c1 = (await h.customer(c, name="Aurora Labs"))["id"]
    await follow_up(h, a, a1, "call", sh(2026, 9, 20, 23, 30))  # Sunday 23:30: week of 14 Sep, weekday 7
    assert sh(2026, 9, 20, 23, 30).astimezone(UTC) == datetime(2026, 9, 20, 15, 30, tzinfo=UTC)
    await follow_up(h, a, a1, "visit", sh(2026, 9, 21, 0, 30))  # Monday 00:30: week of 21 Sep, weekday 1
    assert sh(2026, 9, 21, 0, 30).astimezone(UTC) == datetime(2026, 9, 20, 16, 30, tzinfo=UTC)
    await follow_up(h, a, a2, "call", sh(2026, 9, 28, 9))  # Mon, National Day week
    await follow_up(h, a, a2, "wechat", sh(2026, 10, 1, 10))  # Thu 1 Oct, National Day
    await follow_up(h, a, a1, "call", sh(2026, 10, 4, 22))  # Sun 4 Oct: still the National Day week
    await follow_up(h, c, c1, "email", sh(2026, 10, 2, 15))  # Fri
    await follow_up(h, c, c1, "meeting", sh(2026, 10, 9, 11))  # Fri
    # Not counted: deleted; a day before the window; 11 Oct in UTC but 12 Oct in Shanghai.
    await follow_up(h, a, a1, "call", sh(2026, 9, 30, 10), deleted=True)
    await follow_up(h, a, a2, "call", sh(2026, 9, 15, 23, 59))
    await follow_up(h, c, c1, "call", datetime(2026, 10, 11, 16, 30, tzinfo=UTC))
    await h.drain()  # settle the regrading follow-ups trigger, so grades hold still between requests
    return Scene(org, a1, a2, c1)


async def heat(h: Harness, actor: Actor, **params: Any) -> dict[str, Any]:
    r = await h.client.get(PATH, params=params, headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()


def counts(body: dict[str, Any]) -> dict[str, list[int]]:
    return {i["id"]: [c["count"] for c in i["cells"]] for i in body["items"]}


async def test_rep_by_week_oracle(h: Harness) -> None:
    s = await _scene(h)
    org = s.org
    body = await heat(h, org.director, **WINDOW)
    assert (body["from"], body["to"]) == ("2026-09-16", "2026-10-11")
    assert (body["rows"], body["cols"]) == ("rep", "week")
    assert body["timezone"] == "Asia/Shanghai" and body["channels"] is None
    assert body["columns"] == [
        {"key": "2026-09-14", "label": "2026-09-14", "from": "2026-09-16", "to": "2026-09-20", "days": 5},
        {"key": "2026-09-21", "label": "2026-09-21", "from": "2026-09-21", "to": "2026-09-27", "days": 7},
        {"key": "2026-09-28", "label": "2026-09-28", "from": "2026-09-28", "to": "2026-10-04", "days": 7},
        {"key": "2026-10-05", "label": "2026-10-05", "from": "2026-10-05", "to": "2026-10-11", "days": 7},
    ]
    # Every active rep and manager, zero rows included; not the director, admin or staff member.
    ids = {i["id"] for i in body["items"]}
    assert ids == {m.user_id for m in (*org.reps, *org.managers)}
    order = [(i["label"], i["id"]) for i in body["items"]]
    assert order == sorted(order)
    items = {i["id"]: i for i in body["items"]}
    a = items[s.a.user_id]
    assert a["cells"] == [
        {"col": "2026-09-14", "count": 1, "customers": 1},
        {"col": "2026-09-21", "count": 1, "customers": 1},
        {"col": "2026-09-28", "count": 3, "customers": 2},
        {"col": "2026-10-05", "count": 0, "customers": 0},
    ]
    assert (a["total"], a["customers"], a["team_id"], a["team_name"]) == (5, 2, org.teams[0], "华东")
    assert datetime.fromisoformat(a["last_interaction_at"]) == sh(2026, 10, 4, 22)
    assert a["owner_id"] is a["grade"] is None
    assert counts(body)[s.c.user_id] == [0, 0, 1, 1] and items[s.c.user_id]["customers"] == 1
    b = items[org.reps[1].user_id]
    assert (b["total"], b["customers"], b["last_interaction_at"]) == (0, 0, None)
    assert [c["count"] for c in b["cells"]] == [0, 0, 0, 0]
    assert body["column_totals"] == [
        {"col": "2026-09-14", "count": 1, "customers": 1},
        {"col": "2026-09-21", "count": 1, "customers": 1},
        {"col": "2026-09-28", "count": 4, "customers": 3},
        {"col": "2026-10-05", "count": 1, "customers": 1},
    ]
    assert body["total"] == {"count": 7, "customers": 3}
    assert (body["max"], body["row_count"], body["truncated"]) == (3, 6, False)


async def test_rep_by_weekday_oracle(h: Harness) -> None:
    s = await _scene(h)
    body = await heat(h, s.org.director, cols="weekday", **WINDOW)
    # 16 Sep (Wed) – 11 Oct (Sun): three whole weeks plus Wed–Sun.
    assert [(c["key"], c["label"], c["days"]) for c in body["columns"]] == [
        ("1", "周一", 3), ("2", "周二", 3), ("3", "周三", 4), ("4", "周四", 4), ("5", "周五", 4),
        ("6", "周六", 4), ("7", "周日", 4),
    ]
    assert (body["columns"][0]["from"], body["columns"][0]["to"]) == ("2026-09-21", "2026-10-05")
    assert (body["columns"][6]["from"], body["columns"][6]["to"]) == ("2026-09-20", "2026-10-11")
    # Sunday 23:30 and Sunday 22:00 are Sundays; Monday 00:30 (Sunday in UTC) and 28 Sep are Mondays.
    assert counts(body)[s.a.user_id] == [2, 0, 0, 1, 0, 0, 2]
    a = next(i for i in body["items"] if i["id"] == s.a.user_id)
    assert [c["customers"] for c in a["cells"]] == [2, 0, 0, 1, 0, 0, 1]
    assert counts(body)[s.c.user_id] == [0, 0, 0, 0, 2, 0, 0]
    assert [t["count"] for t in body["column_totals"]] == [2, 0, 0, 1, 2, 0, 2]
    assert body["total"] == {"count": 7, "customers": 3} and body["max"] == 2
    english = await h.client.get(PATH, params={"cols": "weekday", **WINDOW},
                                 headers={**s.org.director.headers, "Accept-Language": "en"})
    assert [c["label"] for c in english.json()["columns"]][:2] == ["Mon", "Tue"]
    # A window shorter than a week lacks some weekdays.
    short = await heat(h, s.org.director, cols="weekday", **{"from": "2026-10-03", "to": "2026-10-04"})
    assert [c["days"] for c in short["columns"]] == [0, 0, 0, 0, 0, 1, 1]
    assert short["columns"][0]["from"] is None and short["columns"][5]["from"] == "2026-10-03"
    assert counts(short)[s.a.user_id] == [0, 0, 0, 0, 0, 0, 1]


async def test_customer_rows_limit_and_truncation(h: Harness) -> None:
    s = await _scene(h)
    body = await heat(h, s.org.director, rows="customer", **WINDOW)
    # a1: 3; a2 and c1 tie at 2 -> by name: Aurora Labs before Beta Trading.
    assert [(i["id"], i["label"], i["total"]) for i in body["items"]] == [
        (s.a1, "Alpha Works", 3), (s.c1, "Aurora Labs", 2), (s.a2, "Beta Trading", 2)]
    top = body["items"][0]
    grade = (await h.client.get(f"/api/v1/customers/{s.a1}", headers=s.org.director.headers)).json()["grade"]
    assert (top["owner_id"], top["grade"]) == (s.a.user_id, grade)
    assert top["customers"] is top["team_id"] is None
    cells = [(c["count"], c["customers"]) for c in top["cells"]]
    assert cells == [(1, None), (1, None), (1, None), (0, None)]
    assert datetime.fromisoformat(top["last_interaction_at"]) == sh(2026, 10, 4, 22)
    assert counts(body)[s.a2] == [0, 0, 2, 0]
    assert (body["row_count"], body["truncated"], body["max"]) == (3, False, 2)
    assert [t["count"] for t in body["column_totals"]] == [1, 1, 4, 1]
    assert [t["customers"] for t in body["column_totals"]] == [1, 1, 3, 1]

    cut = await heat(h, s.org.director, rows="customer", limit=2, **WINDOW)
    assert [i["id"] for i in cut["items"]] == [s.a1, s.c1]
    assert (cut["row_count"], cut["truncated"]) == (3, True)
    # Totals still cover the customer left out.
    assert cut["total"] == {"count": 7, "customers": 3}
    assert [t["count"] for t in cut["column_totals"]] == [1, 1, 4, 1]

    weekday = await heat(h, s.org.director, rows="customer", cols="weekday", **WINDOW)
    assert counts(weekday)[s.a1] == [1, 0, 0, 0, 0, 0, 2]


async def test_visibility(h: Harness) -> None:
    s = await _scene(h)
    org = s.org
    mine = await heat(h, s.a, **WINDOW)
    assert [i["id"] for i in mine["items"]] == [s.a.user_id] and mine["total"]["count"] == 5
    own = await heat(h, s.a, rows="customer", **WINDOW)
    assert {i["id"] for i in own["items"]} == {s.a1, s.a2}
    team1 = await heat(h, org.managers[0], **WINDOW)
    assert {i["id"] for i in team1["items"]} == {s.a.user_id, org.reps[1].user_id, org.managers[0].user_id}
    team2 = await heat(h, org.managers[1], rows="customer", **WINDOW)
    assert [i["id"] for i in team2["items"]] == [s.c1] and team2["total"]["count"] == 2
    filtered = await heat(h, org.director, team_id=org.teams[1], **WINDOW)
    assert {i["id"] for i in filtered["items"]} == {s.c.user_id, org.reps[3].user_id, org.managers[1].user_id}
    assert filtered["total"]["count"] == 2
    by_team = await heat(h, org.director, rows="customer", team_id=org.teams[0], **WINDOW)
    assert {i["id"] for i in by_team["items"]} == {s.a1, s.a2}
    # owner_id: that owner's customers, in either view.
    owned = await heat(h, org.director, owner_id=s.c.user_id, **WINDOW)
    assert counts(owned)[s.a.user_id] == [0, 0, 0, 0] and counts(owned)[s.c.user_id] == [0, 0, 1, 1]
    owned = await heat(h, org.director, rows="customer", owner_id=s.a.user_id, **WINDOW)
    assert {i["id"] for i in owned["items"]} == {s.a1, s.a2}
    # Out of reach: another team, another rep as owner.
    r = await h.client.get(PATH, params={"team_id": org.teams[0]}, headers=org.managers[1].headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "team_id"
    r = await h.client.get(PATH, params={"owner_id": s.c.user_id}, headers=s.a.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "owner_id"


async def test_anyone_who_interacted_gets_a_row(h: Harness) -> None:
    s = await _scene(h)
    await follow_up(h, s.org.director, s.c1, "visit", sh(2026, 10, 6, 9))
    body = await heat(h, s.org.director, **WINDOW)
    assert counts(body)[s.org.director.user_id] == [0, 0, 0, 1]
    assert s.org.admin.user_id not in counts(body)
    assert body["total"]["count"] == 8 and body["column_totals"][3] == {"col": "2026-10-05", "count": 2,
                                                                         "customers": 1}


async def test_channel_filter(h: Harness) -> None:
    s = await _scene(h)
    body = await heat(h, s.org.director, channel="call,visit", **WINDOW)
    assert body["channels"] == ["call", "visit"]
    # A: call (Sun 20 Sep), visit (Mon 21 Sep), call + call in the National Day week; no wechat.
    assert counts(body)[s.a.user_id] == [1, 1, 2, 0] and counts(body)[s.c.user_id] == [0, 0, 0, 0]
    r = await h.client.get(PATH, params=[("channel", "email"), ("channel", "call"), *WINDOW.items()],
                           headers=s.org.director.headers)
    assert r.status_code == 200, r.text
    assert r.json()["channels"] == ["call", "email"]
    assert counts(r.json())[s.a.user_id] == [1, 0, 2, 0] and counts(r.json())[s.c.user_id] == [0, 0, 1, 0]


async def test_defaults(h: Harness) -> None:
    org = await h.org()
    today = datetime.now(SH).date()
    monday = today - timedelta(days=today.weekday())
    weeks = await heat(h, org.reps[0])
    assert weeks["to"] == today.isoformat() and weeks["from"] == (monday - timedelta(weeks=11)).isoformat()
    assert len(weeks["columns"]) == 12 and weeks["columns"][-1]["to"] == today.isoformat()
    assert [i["id"] for i in weeks["items"]] == [org.reps[0].user_id]
    days = await heat(h, org.reps[0], cols="weekday")
    assert days["from"] == (today - timedelta(days=89)).isoformat()
    assert sum(c["days"] for c in days["columns"]) == 90
    # Given `to` only: the 12 weeks ending with its week.
    ending = await heat(h, org.reps[0], to="2026-10-07")
    assert (ending["from"], len(ending["columns"])) == ("2026-07-20", 12)
    assert ending["columns"][-1] == {"key": "2026-10-05", "label": "2026-10-05", "from": "2026-10-05",
                                     "to": "2026-10-07", "days": 3}


async def test_bad_input(h: Harness) -> None:
    org = await h.org()
    for params, field in (
        ({"rows": "team"}, "rows"),
        ({"cols": "month"}, "cols"),
        ({"from": "2026-10-02", "to": "2026-10-01"}, "to"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),
        ({"from": "01/10/2026"}, "from"),
        ({"to": "0001-01-01"}, "to"),
        ({"from": "9999-12-25"}, "from"),
        ({"team_id": str(uuid.uuid4())}, "team_id"),
        ({"owner_id": str(uuid.uuid4())}, "owner_id"),
        ({"channel": "call,fax"}, "channel"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
    ):
        r = await h.client.get(PATH, params=params, headers=org.director.headers)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in r.json()["errors"]] == [field], (params, r.text)
    ok = await heat(h, org.director, **{"from": "2025-01-01", "to": "2026-01-01"})  # 366 days
    assert len(ok["columns"]) == 53 and ok["columns"][0]["days"] == 5  # Wed 1 Jan 2025


async def test_csv_wide_table(h: Harness) -> None:
    s = await _scene(h)
    r = await h.client.get(PATH, params={**WINDOW, "format": "csv"}, headers=s.org.director.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(r.text.removeprefix("\ufeff"))))
    assert lines[0] == ["id", "label", "team_name", "customers", "total", *WEEKS, "last_interaction_at"]
    a = next(line for line in lines if line[0] == s.a.user_id)
    assert a[2:9] == ["华东", "2", "5", "1", "1", "3", "0"]
    assert datetime.fromisoformat(a[9]) == sh(2026, 10, 4, 22)
    assert lines[-1] == ["", "合计", "", "3", "7", "1", "1", "4", "1", ""]
    assert len(lines) == 1 + 6 + 1
    r = await h.client.get(PATH, params={**WINDOW, "format": "csv", "rows": "customer", "cols": "weekday"},
                           headers=s.org.director.headers)
    lines = list(csv.reader(io.StringIO(r.text.removeprefix("\ufeff"))))
    assert lines[0] == ["id", "label", "owner_name", "grade", "total", "周一", "周二", "周三", "周四", "周五",
                        "周六", "周日", "last_interaction_at"]
    assert lines[1][:3] == [s.a1, "Alpha Works", "用户"]
    assert lines[1][4:12] == ["3", "1", "0", "0", "0", "0", "0", "2"]


def test_week_columns_clip_both_ends() -> None:
    from salescore.analytics.heatmap import week_columns

    cols = week_columns(date(2026, 9, 30), date(2026, 10, 1), "Asia/Shanghai")
    assert cols.meta == [{"key": "2026-09-28", "label": "2026-09-28", "from": date(2026, 9, 30),
                          "to": date(2026, 10, 1), "days": 2}]
    cols = week_columns(date(2026, 9, 28), date(2026, 10, 5), "Asia/Shanghai")
    assert [(c["key"], c["days"]) for c in cols.meta] == [("2026-09-28", 7), ("2026-10-05", 1)]
