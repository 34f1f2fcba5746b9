"""`interactionHeatmap` answers what GET /api/v1/analytics/interaction-heatmap answers, for the same
caller and arguments (the scene and its oracle are in tests/analytics/test_interaction_heatmap.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.analytics.test_interaction_heatmap import WINDOW, _scene
from tests.graphql.gql import codes, data, gql
from tests.graphql.test_more_resources import camel, rest
from tests.support import Actor, Harness

HEATMAP = """query($rows: String! = "rep", $cols: String! = "week", $from: Date, $to: Date, $team: ID,
  $owner: ID, $channel: [String!], $limit: Int! = 50) {
  interactionHeatmap(rows: $rows, cols: $cols, from: $from, to: $to, teamId: $team, ownerId: $owner,
                     channel: $channel, limit: $limit) {
    from to rows cols timezone channels
    columns { key label from to days }
    items { id label total customers teamId teamName ownerId ownerName grade
            cells { col count customers } lastInteractionAt }
    columnTotals { col count customers }
    total { count customers }
    max rowCount truncated } }"""


def _moments(body: dict[str, Any]) -> list[datetime | None]:
    """Pops each row's lastInteractionAt, parsed: the two APIs spell the same instant differently."""
    moments = [i.pop("lastInteractionAt") for i in body["items"]]
    return [None if m is None else datetime.fromisoformat(m) for m in moments]


async def _both(h: Harness, actor: Actor | dict[str, str], **params: Any) -> None:
    variables = {
        {"from_": "from", "team_id": "team", "owner_id": "owner"}.get(k, k): v for k, v in params.items()
    }
    got = (await data(h, actor, HEATMAP, variables))["interactionHeatmap"]
    query = urlencode({k.removesuffix("_"): v for k, v in params.items()}, doseq=True)
    expected = camel(await rest(h, actor, f"/api/v1/analytics/interaction-heatmap?{query}"))
    assert _moments(got) == _moments(expected)
    assert got == expected


async def test_interaction_heatmap_answers_what_rest_answers(h: Harness) -> None:
    s = await _scene(h)
    org = s.org
    await _both(h, org.director, **WINDOW)
    await _both(h, s.a, **WINDOW)
    await _both(h, org.managers[0], rows="customer", cols="weekday", **WINDOW)
    english = {**org.director.headers, "Accept-Language": "en"}
    await _both(h, english, cols="weekday", channel=["call", "visit"], **WINDOW)
    await _both(h, org.director, rows="customer", limit=2, team_id=org.teams[0], **WINDOW)
    await _both(h, org.director, owner_id=s.c.user_id, **WINDOW)
    await _both(h, org.director)  # the default window
    cut = {"rows": "customer", "limit": 2, **WINDOW}
    body = (await data(h, org.director, HEATMAP, cut))["interactionHeatmap"]
    assert [i["id"] for i in body["items"]] == [s.a1, s.c1] and body["truncated"] is True


async def test_rows_link_to_their_user_or_customer(h: Harness) -> None:
    s = await _scene(h)
    q = """query($rows: String!, $from: Date, $to: Date) {
      interactionHeatmap(rows: $rows, from: $from, to: $to) {
        items { id total user { id } customer { id name } } } }"""
    reps = (await data(h, s.a, q, {"rows": "rep", **WINDOW}))["interactionHeatmap"]["items"]
    assert reps == [{"id": s.a.user_id, "total": 5, "user": {"id": s.a.user_id}, "customer": None}]
    customers = (await data(h, s.a, q, {"rows": "customer", **WINDOW}))["interactionHeatmap"]["items"]
    assert [(i["customer"]["id"], i["customer"]["name"], i["user"]) for i in customers] == [
        (s.a1, "Alpha Works", None), (s.a2, "Beta Trading", None)]


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"rows": "team"}, "rows"),
        ({"cols": "month"}, "cols"),
        ({"from": "2026-10-02", "to": "2026-10-01"}, "to"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),
        ({"team": "TEAM1"}, "teamId"),  # another team: not the rep's to see
        ({"owner": "REP2"}, "ownerId"),
        ({"owner": "not-a-uuid"}, "ownerId"),
        ({"channel": ["call", "fax"]}, "channel"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
    ],
)
async def test_bad_arguments_are_user_input_errors(h: Harness, variables: dict[str, Any], field: str) -> None:
    org = await h.org()
    names = {"TEAM1": org.teams[1], "REP2": org.reps[2].user_id}
    body = await gql(h, org.reps[0], HEATMAP, {k: names.get(v, v) if isinstance(v, str) else v
                                               for k, v in variables.items()})
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["field"] == field and body["data"] is None
