"""`threeColorBoard`, `diagnosis` and `analyticsSettings` answer what their REST twins answer
(the oracles are in tests/analytics/test_three_color_board.py and tests/diagnosis)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from salescore.models import User
from tests.analytics.test_three_color_board import AS_OF, act, at, deal_of
from tests.graphql.gql import codes, data, gql
from tests.support import Harness

BOARD = """query($asOf: Date, $team: ID) { threeColorBoard(asOf: $asOf, teamId: $team) {
  asOf calendarWarnings redUnconfirmed
  red { value threshold status sampleSize ids windowFrom windowTo }
  yellow { value threshold status sampleSize ids }
  yellowDeals { id signedOn paidOn workdays }
  green { value threshold status sampleSize ids } } }"""


async def test_board_is_the_rest_board(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer, deal = await deal_of(h, rep)
    await act(h, rep, customer, deal, at(10, 12), "quote_submitted", amount=10)
    await act(h, rep, customer, deal, at(9, 18), "contract_signed")
    for actor in (org.director, rep, org.reps[2]):
        got = (await data(h, actor, BOARD, {"asOf": AS_OF}))["threeColorBoard"]
        r = await h.client.get("/api/v1/analytics/three-color-board", params={"as_of": AS_OF}, headers=actor.headers)
        rest = r.json()
        assert got["asOf"] == rest["as_of"] and got["redUnconfirmed"] == rest["red"]["unconfirmed"]
        for key in ("red", "yellow", "green"):
            assert got[key]["value"] == rest[key]["value"] and got[key]["status"] == rest[key]["status"]
            assert got[key]["sampleSize"] == rest[key]["sample_size"] and got[key]["ids"] == rest[key]["ids"]
        assert [d["workdays"] for d in got["yellowDeals"]] == [d["workdays"] for d in rest["yellow"]["deals"]]
    mine = (await data(h, rep, BOARD, {"asOf": AS_OF}))["threeColorBoard"]
    assert mine["red"]["ids"] == [deal] and mine["yellowDeals"][0]["workdays"] == 18

    body = await gql(h, org.director, BOARD, {"asOf": "1990-01-01"})
    assert codes(body) == ["BAD_USER_INPUT"] and "asOf" in body["errors"][0]["message"]
    body = await gql(h, org.managers[0], BOARD, {"team": org.teams[1]})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert codes(await gql(h, None, BOARD)) == ["UNAUTHORIZED"]


async def test_diagnosis_and_settings_are_the_rest_ones(h: Harness) -> None:
    org = await h.org()
    got = (await data(h, org.director, """{ diagnosis { answers unanswered sources
        breakpoints { code status value reason } plans { breakpoint title goLiveWithinHours features defaults } }
        analyticsSettings }"""))
    rest = (await h.client.get("/api/v1/analytics/diagnosis", headers=org.director.headers)).json()
    assert got["diagnosis"]["answers"] == rest["answers"]
    assert got["diagnosis"]["unanswered"] == rest["unanswered"]
    assert [p["breakpoint"] for p in got["diagnosis"]["plans"]] == [p["breakpoint"] for p in rest["plans"]]
    assert len(got["diagnosis"]["plans"]) == 3
    settings = (await h.client.get("/api/v1/analytics/settings", headers=org.director.headers)).json()
    assert got["analyticsSettings"] == settings


async def test_many_boards_in_one_query_are_refused(h: Harness) -> None:
    org = await h.org()
    query = "{ " + " ".join(f"b{i}: threeColorBoard {{ asOf }}" for i in range(26)) + " }"
    assert codes(await gql(h, org.director, query)) == ["QUERY_TOO_COSTLY"]


KPIS = """query($weeks: Int!, $groupBy: String!, $asOf: Date) { kpis(weeks: $weeks, groupBy: $groupBy, asOf: $asOf) {
  asOf groupBy weeks { weekStart weekEnd partial } omitted calendarWarnings
  groups { key label series { metric points { weekStart value n threshold status unanswered } }
           monthly { metric points { month value n complete } } } } }"""


async def test_kpis_are_the_rest_kpis(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer, deal = await deal_of(h, rep)
    await act(h, rep, customer, deal, at(10, 12), "quote_submitted", amount=10)
    for actor, group_by in ((org.director, "team"), (rep, "rep"), (org.director, "tenant")):
        got = (await data(h, actor, KPIS, {"weeks": 3, "groupBy": group_by, "asOf": AS_OF}))["kpis"]
        r = await h.client.get("/api/v1/analytics/kpis", headers=actor.headers,
                               params={"weeks": 3, "group_by": group_by, "as_of": AS_OF})
        rest = r.json()
        assert [g["key"] for g in got["groups"]] == [g["key"] for g in rest["groups"]]
        for g_got, g_rest in zip(got["groups"], rest["groups"], strict=True):
            assert {s["metric"]: [(p["value"], p["n"], p["status"]) for p in s["points"]] for s in g_got["series"]} == {
                m: [(p["value"], p["n"], p["status"]) for p in points] for m, points in g_rest["series"].items()}
            assert {s["metric"] for s in g_got["monthly"]} == set(g_rest["monthly"])
        assert got["omitted"] == rest["omitted"]
    for variables, field in (({"weeks": 0, "groupBy": "team"}, "weeks"), ({"weeks": 3, "groupBy": "city"}, "groupBy")):
        body = await gql(h, org.director, KPIS, variables)
        assert codes(body) == ["BAD_USER_INPUT"] and field in body["errors"][0]["message"]


HEALTH = """query($from: Date, $to: Date, $groupBy: String!, $user: ID) {
  processHealth(from: $from, to: $to, groupBy: $groupBy, userId: $user) {
    from to through groupBy windowDays weights { followUps objections proposals }
    groups { key label mean trend n series { day index n } }
    reps { userId name days { day productLine index followUps objections proposals
           components { followUps objections proposals } p90 { followUps } windowDays } } } }"""


async def test_process_health_is_the_rest_one(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer, deal = await deal_of(h, rep)
    await act(h, rep, customer, deal, at(10, 12), "objection_handled", category="价格")
    async with h.runtime.sessionmaker() as session:  # the reps existed in October
        await session.execute(sa.update(User).where(User.tenant_id == uuid.UUID(org.admin.tenant_id))
                              .values(created_at=datetime(2026, 1, 1, tzinfo=UTC)))
        await session.commit()
    window = {"from": "2026-10-10", "to": "2026-10-14"}
    for actor, group_by in ((org.director, "team"), (org.director, "rep"), (rep, "rep")):
        got = (await data(h, actor, HEALTH, {**window, "groupBy": group_by}))["processHealth"]
        rest = (await h.client.get("/api/v1/analytics/process-health", headers=actor.headers,
                                   params={**window, "group_by": group_by})).json()
        assert [(g["key"], g["mean"], g["trend"], g["n"]) for g in got["groups"]] == [
            (g["key"], g["mean"], g["trend"], g["n"]) for g in rest["groups"]]
        assert (got["reps"] is None) == (rest["reps"] is None)
        if rest["reps"] is not None:
            assert [(r["userId"], [d["index"] for d in r["days"]]) for r in got["reps"]] == [
                (r["user_id"], [d["index"] for d in r["days"]]) for r in rest["reps"]]
    mine = (await data(h, rep, HEALTH, {**window, "groupBy": "rep"}))["processHealth"]
    assert [r["userId"] for r in mine["reps"]] == [rep.user_id]
    assert any(d["objections"] == 1 for d in mine["reps"][0]["days"])
    body = await gql(h, org.director, HEALTH, {**window, "groupBy": "nope"})
    assert codes(body) == ["BAD_USER_INPUT"] and "groupBy" in body["errors"][0]["message"]
