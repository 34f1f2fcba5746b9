"""GraphQL reads of rules and their runs, jobs, webhooks, WeChat Work robots and deliveries, and
the analytics: REST's figures and role rules (a 403 there is a FORBIDDEN error here)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from salescore.delivery.sender import send_due
from tests.graphql.gql import codes, data, gql, node_ids
from tests.graphql.test_more_resources import camel, rest
from tests.rules.support import emit_event, rule_by_code
from tests.support import Harness, Org

RUNS = """query($id: ID!) { rule(id: $id) { id code enabled
  runs { edges { node { id ruleId status eventType results } } } } }"""


async def test_rules_and_runs_show_action_details_only_to_configurers(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    await emit_event(
        h,
        rep.tenant_id,
        "customer.grade_changed",
        "customer",
        customer["id"],
        {"customer_id": customer["id"], "old": "B", "new": "A", "score": 0.8},
    )
    rule = await rule_by_code(h, rep, "grade_a_executive_visit")

    listed = (await data(h, rep, "{ rules { id code position trigger actions } }"))["rules"]
    expected = await rest(h, rep, "/api/v1/rules")
    assert listed == [
        camel({k: r[k] for k in ("id", "code", "position", "trigger", "actions")}) for r in expected
    ]

    for actor in (rep, org.managers[1], org.director, org.admin):
        got = (await data(h, actor, RUNS, {"id": rule["id"]}))["rule"]
        runs = (await rest(h, actor, f"/api/v1/rules/{rule['id']}/runs"))["items"]
        assert got["code"] == "grade_a_executive_visit" and runs
        assert [e["node"]["id"] for e in got["runs"]["edges"]] == [r["id"] for r in runs]
        assert [e["node"]["results"] for e in got["runs"]["edges"]] == [r["results"] for r in runs]
    detailed = (await data(h, org.director, RUNS, {"id": rule["id"]}))["rule"]["runs"]["edges"][0]["node"]
    trimmed = (await data(h, rep, RUNS, {"id": rule["id"]}))["rule"]["runs"]["edges"][0]["node"]
    assert all(set(r) <= {"index", "kind", "status"} for r in trimmed["results"])
    assert any(set(r) - {"index", "kind", "status"} for r in detailed["results"])

    by_status = (
        """query($id: ID!, $s: String) { rule(id: $id) { runs(status: $s) { edges { node { id } } } } }"""
    )
    status = detailed["status"]
    assert node_ids((await data(h, rep, by_status, {"id": rule["id"], "s": status}))["rule"]["runs"])
    other = "dead" if status != "dead" else "skipped"
    assert (await data(h, rep, by_status, {"id": rule["id"], "s": other}))["rule"]["runs"]["edges"] == []
    stranger = await h.signup("别的公司")
    assert (await data(h, stranger, RUNS, {"id": rule["id"]}))["rule"] is None


async def test_jobs_are_read_by_their_requester_and_full_viewers(h: Harness) -> None:
    org = await h.org()
    r = await h.client.post("/api/v1/health-model/recompute", headers=org.director.headers)
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    await h.drain()
    q = "query($id: ID!) { job(id: $id) { id kind status params result requestedBy } }"
    for reader in (org.director, org.admin):
        got = (await data(h, reader, q, {"id": job_id}))["job"]
        expected = await rest(h, reader, f"/api/v1/jobs/{job_id}")
        assert got == camel(
            {k: expected[k] for k in ("id", "kind", "status", "params", "result", "requested_by")}
        )
        assert got["status"] == "succeeded"
    for outsider in (org.reps[0], org.managers[0]):
        assert (await data(h, outsider, q, {"id": job_id}))["job"] is None


async def _channels(h: Harness, org: Org) -> tuple[dict[str, Any], dict[str, Any]]:
    """A webhook and a robot on a closed local port, each with a failed delivery in its log."""
    body = {"url": "http://127.0.0.1:9/hooks/crm", "event_types": ["customer.*"], "description": "CRM 同步"}
    r = await h.client.post("/api/v1/webhooks", json=body, headers=org.admin.headers)
    assert r.status_code == 201, r.text
    webhook = r.json()
    robot_url = "http://127.0.0.1:9/cgi-bin/webhook/send?key=secret-robot-key-1234"
    r = await h.client.post(
        "/api/v1/wecom-robots", json={"name": "华东销售群", "url": robot_url}, headers=org.admin.headers
    )
    assert r.status_code == 201, r.text
    robot = r.json()
    assert (
        await h.client.post(f"/api/v1/wecom-robots/{robot['id']}/test", headers=org.admin.headers)
    ).status_code == 202
    await h.customer(org.reps[0])
    await h.drain()
    await send_due(h.runtime)  # both fail to connect: one attempt each in the log
    return webhook, robot


CHANNELS = """{
  webhooks(first: 5) { edges { node { id url description eventTypes enabled consecutiveFailures creator { id }
    deliveries(first: 20) { edges { node { id channel status eventType attempts targetId
      attemptLog { id statusCode error } } } } } } }
  wecomRobots(first: 5) { edges { node { id name url enabled
    deliveries(first: 20, status: "failed") { edges { node { id status attemptLog { id } } } } } } }
}"""


async def test_webhooks_robots_and_deliveries_mirror_rest_without_secrets(h: Harness) -> None:
    org = await h.org()
    webhook, robot = await _channels(h, org)
    d = await data(h, org.admin, CHANNELS)
    [hook] = [e["node"] for e in d["webhooks"]["edges"]]
    assert hook["id"] == webhook["id"] and hook["creator"] == {"id": org.admin.user_id}
    log = (await rest(h, org.admin, f"/api/v1/webhooks/{webhook['id']}/deliveries"))["items"]
    got = [e["node"] for e in hook["deliveries"]["edges"]]
    assert [x["id"] for x in got] == [x["id"] for x in log] and got
    assert [[a["id"] for a in x["attemptLog"]] for x in got] == [
        [a["id"] for a in x["attempt_log"]] for x in log
    ]
    assert any(x["attemptLog"] and x["attemptLog"][0]["error"] for x in got)

    [bot] = [e["node"] for e in d["wecomRobots"]["edges"]]
    assert bot["url"] == robot["url"] and "secret-robot-key" not in bot["url"] and bot["url"].endswith("1234")
    assert [x["status"] for x in (e["node"] for e in bot["deliveries"]["edges"])] == ["failed"]

    one = """query($w: ID!, $r: ID!) { webhook(id: $w) { id url } wecomRobot(id: $r) { id url } }"""
    assert await data(h, org.admin, one, {"w": webhook["id"], "r": robot["id"]}) == {
        "webhook": {"id": webhook["id"], "url": webhook["url"]},
        "wecomRobot": {"id": robot["id"], "url": robot["url"]},
    }
    # The schema has no field that could carry the signing secret or the robot's key.
    intro = await data(
        h,
        None,
        '{ w: __type(name: "Webhook") { fields { name } } '
        'r: __type(name: "WecomRobot") { fields { name } } }',
    )
    assert not {f["name"] for t in intro.values() for f in t["fields"]} & {"secret", "key", "signingSecret"}


ADMIN_ONLY = [
    "{ webhooks { edges { node { id } } } }",
    '{ webhook(id: "00000000-0000-0000-0000-000000000001") { id } }',
    "{ wecomRobots { edges { node { id } } } }",
    '{ wecomRobot(id: "00000000-0000-0000-0000-000000000001") { id } }',
]


@pytest.mark.parametrize("query", ADMIN_ONLY)
async def test_admin_only_reads_are_forbidden_to_everyone_else(h: Harness, query: str) -> None:
    org = await h.org()
    for actor in (org.reps[0], org.managers[0], org.director, org.staff):
        assert (await h.client.get("/api/v1/webhooks", headers=actor.headers)).status_code == 403
        body = await gql(h, actor, query)
        assert codes(body) == ["FORBIDDEN"], (actor.role, body)
        assert body["errors"][0]["message"] == "forbidden: requires role admin"
        assert body["data"] is None or all(v is None for v in body["data"].values())
    # A forbidden field fails alone: the rest of the document still answers.
    body = await gql(h, org.reps[0], "{ me { id } " + query[1:])
    assert body["data"]["me"] == {"id": org.reps[0].user_id} and codes(body) == ["FORBIDDEN"]
    assert not (await gql(h, org.admin, query)).get("errors")


async def _activity(h: Harness, org: Org) -> None:
    rep = org.reps[0]
    customer = await h.customer(rep)
    for days in (1, 2):
        r = await h.client.post(
            "/api/v1/follow-ups",
            headers=rep.headers,
            json={
                "customer_id": customer["id"],
                "channel": "visit",
                "summary": "拜访",
                "occurred_at": f"{date.today() - timedelta(days=days)}T10:00:00+08:00",
                "actions": [{"code": "customer_visit", "fields": {}}],
            },
        )
        assert r.status_code == 201, r.text
    report = {
        "date": str(date.today() - timedelta(days=1)),
        "items": [{"customer_id": customer["id"], "action_code": "customer_visit"}],
        "progress": {"customer_id": customer["id"], "note": "客户确认下周报价"},
    }
    r = await h.client.post("/api/v1/daily-reports", json=report, headers=rep.headers)
    assert r.status_code == 201, r.text


STATS = """query($from: Date, $to: Date, $team: ID) { dailyReportStats(from: $from, to: $to, teamId: $team) {
  from to through workdays calendarWarnings
  users { userId name teamId expected submitted submissionRate onTime onTimeRate meanDelayDays }
  teams { teamId name expected submitted submissionRate onTime onTimeRate meanDelayDays }
  total { expected submitted submissionRate onTime onTimeRate meanDelayDays } } }"""
EFFECT = """query($user: ID, $code: String) { actionEffectiveness(userId: $user, code: $code) {
  from to highActivityDays items { userId name code label timesUsed daysUsed customersTouched wins
  highActivityZeroConversion user { id } } } }"""


async def test_analytics_answer_what_rest_answers(h: Harness) -> None:
    org = await h.org()
    await _activity(h, org)
    week = {"from": str(date.today() - timedelta(days=6)), "to": str(date.today())}
    for actor, team in ((org.reps[0], None), (org.managers[0], org.teams[0]), (org.director, None)):
        query = f"?from={week['from']}&to={week['to']}" + (f"&team_id={team}" if team else "")
        expected = await rest(h, actor, "/api/v1/analytics/daily-reports" + query)
        got = (await data(h, actor, STATS, {**week, "team": team}))["dailyReportStats"]
        assert got == camel(expected), actor.role
        assert org.reps[0].user_id in {u["userId"] for u in got["users"]}

    for headers, user in (
        (org.reps[0].headers, None),
        ({**org.director.headers, "Accept-Language": "en"}, org.reps[0]),
    ):
        path = "/api/v1/analytics/action-effectiveness" + (f"?user_id={user.user_id}" if user else "")
        expected = await rest(h, headers, path)
        got = (await data(h, headers, EFFECT, {"user": user and user.user_id}))["actionEffectiveness"]
        assert [i.pop("user") for i in got["items"]] == [{"id": i["user_id"]} for i in expected["items"]]
        assert got == camel(expected) and got["items"][0]["timesUsed"] >= 2
    assert (await data(h, org.reps[0], EFFECT, {"code": "quote_submitted"}))["actionEffectiveness"][
        "items"
    ] == []


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (STATS, {"team": "TEAM1"}, "teamId"),  # another team: not the rep's to see
        (STATS, {"from": "2026-03-02", "to": "2026-03-01"}, "to"),
        (EFFECT, {"user": "REP2"}, "userId"),
        (EFFECT, {"code": "x" * 65}, "code"),
        ("{ gradingAccuracy(horizonDays: 0) { accuracy } }", {}, "horizonDays"),
        ('{ gradingAccuracy(asOf: "2999-01-01") { accuracy } }', {}, "asOf"),
    ],
)
async def test_bad_analytics_arguments_are_user_input_errors(
    h: Harness, query: str, variables: dict[str, Any], field: str
) -> None:
    org = await h.org()
    names = {"TEAM1": org.teams[1], "REP2": org.reps[2].user_id}
    body = await gql(h, org.reps[0], query, {k: names.get(v, v) for k, v in variables.items()})
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["field"] == field and body["data"] is None


async def test_grading_accuracy_matches_rest(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    await h.customer(
        rep,
        requirements={"drawings": True, "tech_params": True, "budget_range": True},
        created_at=(date.today() - timedelta(days=60)).isoformat() + "T00:00:00+08:00",
    )
    await h.drain()
    q = """query($asOf: Date, $days: Int!) { gradingAccuracy(asOf: $asOf, horizonDays: $days) {
      asOf horizonDays customers modelVersion aCount aWon accuracy grades { A B C }
      baseline { rule aCount aWon accuracy } } }"""
    as_of = str(date.today() - timedelta(days=30))
    for actor in (rep, org.reps[2], org.director):
        expected = await rest(h, actor, f"/api/v1/analytics/grading-accuracy?as_of={as_of}&horizon_days=20")
        got = (await data(h, actor, q, {"asOf": as_of, "days": 20}))["gradingAccuracy"]
        assert got == camel({k: v for k, v in expected.items() if k != "as_of_time"}), actor.role
    assert (await data(h, rep, q, {"asOf": as_of, "days": 20}))["gradingAccuracy"]["customers"] == 1
    assert (await data(h, org.reps[2], q, {"asOf": as_of, "days": 20}))["gradingAccuracy"]["customers"] == 0
