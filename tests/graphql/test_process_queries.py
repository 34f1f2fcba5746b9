"""`threeColorBoard`, `diagnosis` and `analyticsSettings` answer what their REST twins answer
(the oracles are in tests/analytics/test_three_color_board.py and tests/diagnosis)."""

from __future__ import annotations

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
