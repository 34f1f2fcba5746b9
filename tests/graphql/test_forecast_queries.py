"""GraphQL reads of evidence and forecasts (SPEC §8) against REST's answers for the same caller: the
evidence model, a deal's evidence and win probability, the forecast, snapshots, accuracy, the heatmap;
their visibility, their input errors, their statement counts and their query cost."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from graphql import parse, validate

from salescore.graphql.limits import _cost_rule
from salescore.graphql.schema import schema
from tests.forecast.test_evidence import add
from tests.forecast.test_forecast_api import ago, close, history, month_after_next
from tests.graphql.gql import codes, data, gql
from tests.graphql.test_limits import sql_log
from tests.support import Actor, Harness, Org

FIGURES = "commit bestCase pipeline unqualified expected p10 p50 p90 deals closedWon"
FORECAST = f"""{FIGURES} period asOf currency seed draws observations modelVersion
  byOwner {{ ownerId name teamId {FIGURES} }} byTeam {{ teamId name {FIGURES} }}"""
ACCURACY = """currency months { period asOf expected p10 p50 p90 actualWon deviation accuracy withinP10P90
  complete source }"""
HEATMAP = """stages { code label } riskThreshold
  rows { ownerId name teamId completeness deals cells { stage completeness deals measured } }
  risks { opportunityId name ownerId ownerName stage amount currency repForecastCategory forecastCategory
    maturity completeness reason expected missing }"""
EVIDENCE = """id opportunityId node label coefficient attachmentIds text note occurredAt createdBy createdAt
  revokedAt revokedBy revokeReason"""
DEAL = f"""id status maturity forecastCategory repForecastCategory evidencedNodes
  winProbability {{ mean low high }} evidence {{ {EVIDENCE} }}"""
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T")


def camel(value: Any) -> Any:
    """A REST body as GraphQL spells it: camelCase keys, timestamps as instants (REST writes `Z`,
    GraphQL `+00:00`; the same moment either way)."""
    if isinstance(value, dict):
        return {re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), k): camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel(v) for v in value]
    if isinstance(value, str) and ISO.match(value):
        return datetime.fromisoformat(value)
    return value


def same(rest: Any, graphql: Any, *, skip: frozenset[str] = frozenset()) -> None:
    want, got = camel(rest), camel(graphql)
    if skip:
        want = {k: v for k, v in want.items() if k not in skip}
        got = {k: v for k, v in got.items() if k not in skip}
    assert got == want


async def rest(h: Harness, who: Actor, path: str, **headers: str) -> Any:
    r = await h.client.get(path, headers={**who.headers, **headers})
    assert r.status_code == 200, r.text
    return r.json()


async def pipeline(h: Harness) -> tuple[Org, str, dict[str, dict[str, Any]]]:
    """A closed history (the calibration) and open deals of two teams closing in `period`:
    rep 0 (team 0) with commit, best-case and bare deals, rep 2 (team 1) with one."""
    org = await h.org()
    rep, other = org.reps[0], org.reps[2]
    customer = (await h.customer(rep))["id"]
    await history(h, rep, customer)
    period, first = month_after_next()
    close_day = str(first + timedelta(days=3))
    deals = {}
    for key, amount, node, claim in (
        ("committed", "500000", "down_payment", "commit"),
        ("best", "300000", "technical_agreement", None),
        ("bare", "200000", None, "commit"),
    ):
        extra = {"rep_forecast_category": claim} if claim else {}
        deals[key] = await h.opportunity(rep, customer, amount=amount, expected_close_date=close_day, **extra)
        if node:
            assert (await add(h, rep, deals[key]["id"], node, text=node)).status_code == 201
    theirs = (await h.customer(other))["id"]
    deals["theirs"] = await h.opportunity(other, theirs, amount="400000", expected_close_date=close_day)
    r = await add(h, other, deals["theirs"]["id"], "requirement_confirmation", text="需求")
    assert r.status_code == 201, r.text
    return org, period, deals


async def test_forecast_equals_rest_for_each_caller_and_a_rep_sees_only_their_deals(h: Harness) -> None:
    org, period, _ = await pipeline(h)
    query = f"query($p: String, $at: DateTime) {{ forecast(period: $p, asOf: $at) {{ {FORECAST} }} }}"
    for who in (org.director, org.managers[0], org.reps[0], org.reps[2]):
        want = await rest(h, who, f"/api/v1/analytics/forecast?period={period}")
        got = (await data(h, who, query, {"p": period}))["forecast"]
        same(want, got, skip=frozenset({"asOf"}))  # each answer is as of its own now
        # Point in time: the same instant, the same answer to the last figure.
        at = datetime.now(UTC).replace(microsecond=0).isoformat()
        path = f"/api/v1/analytics/forecast?period={period}&as_of={at.replace('+', '%2B')}"
        want = await rest(h, who, path)
        same(want, (await data(h, who, query, {"p": period, "at": at}))["forecast"])

    mine = (await data(h, org.reps[0], query, {"p": period}))["forecast"]
    assert mine["deals"] == 3 and [o["ownerId"] for o in mine["byOwner"]] == [org.reps[0].user_id]
    whole = (await data(h, org.director, query, {"p": period}))["forecast"]
    assert whole["deals"] == 4 and len(whole["byTeam"]) == 2

    # Filters narrow the caller's view; defaults follow REST (this month, CNY, seed 0).
    narrowed = f"""{{ team: forecast(period: "{period}", teamId: "{org.teams[1]}") {{ deals }}
      owner: forecast(period: "{period}", ownerId: "{org.reps[2].user_id}") {{ deals }}
      now: forecast {{ period currency seed }} }}"""
    d = await data(h, org.director, narrowed)
    assert (d["team"]["deals"], d["owner"]["deals"]) == (1, 1)
    this_month = (await rest(h, org.director, "/api/v1/analytics/forecast"))["period"]
    assert d["now"] == {"period": this_month, "currency": "CNY", "seed": 0}
    d = await data(h, org.reps[0], narrowed)  # a filter never widens a rep's view
    assert (d["team"]["deals"], d["owner"]["deals"]) == (0, 0)


async def test_accuracy_heatmap_and_evidence_model_equal_rest(h: Harness) -> None:
    org, _, _ = await pipeline(h)
    today = date.today()
    since = f"{(today.replace(day=1) - timedelta(days=40)):%Y-%m}"
    accuracy = "query($f: String, $t: String) { forecastAccuracy(from: $f, to: $t) { " + ACCURACY + " } }"
    heatmap = "{ forecastHeatmap { " + HEATMAP + " } }"
    for who in (org.director, org.managers[0], org.reps[0]):
        want = await rest(h, who, "/api/v1/analytics/forecast-accuracy")
        same(want, (await data(h, who, accuracy))["forecastAccuracy"])
        path = f"/api/v1/analytics/forecast-accuracy?from={since}&to={today:%Y-%m}"
        want = await rest(h, who, path)
        assert any(m["actual_won"] > 0 for m in want["months"])  # the history's recent wins
        same(want, (await data(h, who, accuracy, {"f": since, "t": f"{today:%Y-%m}"}))["forecastAccuracy"])
        want = await rest(h, who, "/api/v1/analytics/forecast-heatmap")
        same(want, (await data(h, who, heatmap))["forecastHeatmap"])
    english = await gql(h, {**org.director.headers, "Accept-Language": "en"}, heatmap)
    want = await rest(h, org.director, "/api/v1/analytics/forecast-heatmap", **{"Accept-Language": "en"})
    same(want, english["data"]["forecastHeatmap"])
    rows = (await data(h, org.reps[0], heatmap))["forecastHeatmap"]["rows"]
    assert [r["ownerId"] for r in rows] == [org.reps[0].user_id]

    model = """{ evidenceModel { version isDefault priorStrength createdAt createdBy
      nodes { code label labelEn coefficient order requiresAttachment } thresholds { commit bestCase } } }"""
    want = await rest(h, org.reps[1], "/api/v1/evidence-model")
    same(want, (await data(h, org.reps[1], model))["evidenceModel"])


async def test_snapshots_are_for_directors_and_admins(h: Harness) -> None:
    org, period, _ = await pipeline(h)
    r = await h.client.post(
        "/api/v1/analytics/forecast/snapshots", json={"period": period}, headers=org.director.headers
    )
    assert r.status_code == 201, r.text
    query = f"""query($p: String) {{ forecastSnapshots(period: $p) {{
      id period currency asOf kind seed createdBy createdAt figures {{ {FORECAST} }} }} }}"""
    for who in (org.director, org.admin):
        want = await rest(h, who, f"/api/v1/analytics/forecast/snapshots?period={period}")
        got = (await data(h, who, query, {"p": period}))["forecastSnapshots"]
        assert len(got) == 1
        same(want, got)
    assert (await data(h, org.admin, query, {"p": "2001-01"}))["forecastSnapshots"] == []
    for who in (org.managers[0], org.reps[0]):
        r = await h.client.get("/api/v1/analytics/forecast/snapshots", headers=who.headers)
        assert r.status_code == 403, r.text
        body = await gql(h, who, query)
        assert codes(body) == ["FORBIDDEN"] and body["data"] is None


async def test_deals_carry_rests_probability_evidence_and_categories(h: Harness) -> None:
    org, _, deals = await pipeline(h)
    rep = org.reps[0]
    # Beside the open ones: an undated deal, one won, one lost, and revoked evidence.
    customer = (await h.customer(rep))["id"]
    undated = await h.opportunity(rep, customer)
    won = await h.opportunity(rep, customer, expected_close_date=str(date.today()), created_at=ago(10))
    lost = await h.opportunity(rep, customer, created_at=ago(10))
    await add(h, rep, won["id"], "commercial_terms", text="商务条款")
    await close(h, rep, won["id"], "won", 1)
    await close(h, rep, lost["id"], "lost", 1)
    revoked = (await add(h, rep, deals["best"]["id"], "commercial_terms", text="写错了")).json()
    r = await h.client.post(f"/api/v1/opportunities/{deals['best']['id']}/evidence/{revoked['id']}/revoke",
                            json={"reason": "录错商机"}, headers=rep.headers)
    assert r.status_code == 200, r.text

    query = "{ opportunities(first: 50) { edges { node { " + DEAL + " } } } }"
    for who in (rep, org.managers[0], org.director, org.reps[2]):
        listed = (await rest(h, who, "/api/v1/opportunities?limit=50"))["items"]
        got = {e["node"]["id"]: e["node"] for e in (await data(h, who, query))["opportunities"]["edges"]}
        assert set(got) == {d["id"] for d in listed}
        for deal in listed:
            node = got[deal["id"]]
            keys = ("status", "maturity", "forecast_category", "rep_forecast_category", "evidenced_nodes",
                    "win_probability")
            same({k: deal[k] for k in keys}, {k: v for k, v in node.items() if k not in ("id", "evidence")})
            same(await rest(h, who, f"/api/v1/opportunities/{deal['id']}/evidence"), node["evidence"])

    mine = {e["node"]["id"]: e["node"] for e in (await data(h, rep, query))["opportunities"]["edges"]}
    assert mine[won["id"]]["winProbability"] == {"mean": 1.0, "low": 1.0, "high": 1.0}
    assert mine[lost["id"]]["winProbability"] == {"mean": 0.0, "low": 0.0, "high": 0.0}
    assert 0 < mine[undated["id"]]["winProbability"]["mean"] < 1
    best = mine[deals["best"]["id"]]
    assert [(e["node"], e["revokeReason"]) for e in best["evidence"]] == [
        ("technical_agreement", None), ("commercial_terms", "录错商机")]
    assert best["evidencedNodes"] == ["technical_agreement"] and best["forecastCategory"] == "best_case"
    assert mine[deals["bare"]["id"]]["repForecastCategory"] == "commit"


async def test_probability_and_evidence_take_constant_statements(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = (await h.customer(rep))["id"]
    await history(h, rep, customer)
    for i in range(8):
        close_day = date.today() + timedelta(days=10 * i)
        deal = await h.opportunity(rep, customer, expected_close_date=str(close_day))
        assert (await add(h, rep, deal["id"], "requirement_confirmation", text="需求")).status_code == 201
    await h.drain()
    query = """query($n: Int!) {
      opportunities(first: $n) { edges { node { id winProbability { mean } evidence { node } } } } }"""
    await data(h, rep, query, {"n": 1})  # the first read after the history stores the calibration cache

    async def count(n: int) -> int:
        with sql_log(h) as statements:
            d = await data(h, rep, query, {"n": n})
        nodes = [e["node"] for e in d["opportunities"]["edges"]]
        assert len(nodes) == n
        assert all(node["evidence"] and node["winProbability"]["mean"] > 0 for node in nodes)
        return len(statements)

    small, large = await count(2), await count(8)
    assert small == large, (small, large)
    # Auth, the page, the evidence model, the evidence, the calibration, the tenant (+ BEGIN on SQLite).
    assert large <= 7, large


async def test_bad_arguments_are_bad_user_input_naming_them(h: Harness) -> None:
    org = await h.org()
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    cases = {
        'forecast(period: "2026-13") { deals }': "period",
        'forecast(period: "2026-1") { deals }': "period",
        'forecast(period: "1899-12") { deals }': "period",
        f'forecast(asOf: "{future}") {{ deals }}': "asOf",
        'forecast(asOf: "2026-01-05T09:30:00") { deals }': "asOf",
        'forecast(currency: "cny") { deals }': "currency",
        "forecast(seed: -1) { deals }": "seed",
        'forecast(teamId: "nope") { deals }': "teamId",
        'forecastHeatmap(ownerId: "nope") { riskThreshold }': "ownerId",
        'forecastAccuracy(from: "2026-13") { currency }': "from",
        'forecastAccuracy(from: "2026-05", to: "2026-02") { currency }': "to",
        'forecastAccuracy(from: "2020-01", to: "2026-01") { currency }': "from",
        'forecastAccuracy(to: "2999-01") { currency }': "to",
        'forecastSnapshots(period: "2026-13") { id }': "period",
    }
    for selection, field in cases.items():
        body = await gql(h, org.director, "{ " + selection + " }")
        assert codes(body) == ["BAD_USER_INPUT"], (selection, body)
        assert body["errors"][0]["extensions"]["field"] == field, (selection, body)
    r = await h.client.get("/api/v1/analytics/forecast?period=2026-13", headers=org.director.headers)
    assert r.status_code == 422


def _cost_errors(document: str, variables: dict[str, Any] | None = None) -> list[Any]:
    return validate(schema._schema, parse(document), [_cost_rule(variables or {})])


def test_forecasts_cost_the_work_they_do_not_the_objects_they_return() -> None:
    # A dashboard passes: a forecast, the heatmap, six months of accuracy, a full page of priced deals.
    dashboard = f"""{{ forecast {{ {FORECAST} }} forecastHeatmap {{ {HEATMAP} }}
      forecastAccuracy {{ {ACCURACY} }} opportunities(first: 200) {{ edges {{ node {{ {DEAL} }} }} }} }}"""
    assert _cost_errors(dashboard) == []
    # REST's largest call, 24 months of accuracy, passes alone; twice, or thirty aliased forecasts, do not.
    longest = 'a: forecastAccuracy(from: "2024-11", to: "2026-10") { currency }'
    assert _cost_errors("{ " + longest + " }") == []
    assert _cost_errors("{ " + longest + longest.replace("a:", " b:") + " }")
    aliased = "{ " + " ".join(f"f{i}: forecast {{ deals }}" for i in range(30)) + " }"
    assert [e.extensions["code"] for e in _cost_errors(aliased)] == ["QUERY_TOO_COSTLY"]
    # Months sent as variables count too (ten months twice pass); an unreadable range is the longest.
    twice = """query($f: String, $t: String) {
      a: forecastAccuracy(from: $f, to: $t) { currency }
      b: forecastAccuracy(from: $f, to: $t) { currency } }"""
    assert _cost_errors(twice, {"f": "2026-01", "t": "2026-10"}) == []
    assert _cost_errors(twice, {"f": "x", "t": "2026-10"})
