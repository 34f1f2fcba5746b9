"""GraphQL reads of the daily-work resources: reports, templates, pipelines, stage moves."""

from __future__ import annotations

from tests.graphql.gql import data, node_ids
from tests.support import Harness

REPORTS = """
query($f: DailyReportFilter) {
  dailyReports(first: 10, filter: $f) { edges { node { id reportDate onTime items progress user { id } } } }
}
"""


async def test_daily_reports_follow_rest_visibility(h: Harness) -> None:
    org = await h.org()
    rep, other = org.reps[0], org.reps[2]
    customer = await h.customer(rep)
    r = await h.client.post("/api/v1/daily-reports", headers=rep.headers, json={
        "date": "2026-11-02", "items": [{"customer_id": customer["id"], "action_code": "customer_visit"}],
        "progress": {"customer_id": customer["id"], "note": "客户确认需求"}})
    assert r.status_code == 201, r.text
    mine = (await data(h, rep, REPORTS))["dailyReports"]
    assert node_ids(mine) == [r.json()["id"]]
    node = mine["edges"][0]["node"]
    assert node["reportDate"] == "2026-11-02" and node["user"]["id"] == rep.user_id
    assert node["progress"]["note"] == "客户确认需求"
    assert node_ids((await data(h, org.managers[0], REPORTS, {"f": {"userId": rep.user_id}}))["dailyReports"]) == [r.json()["id"]]
    assert node_ids((await data(h, other, REPORTS))["dailyReports"]) == []
    assert node_ids((await data(h, org.director, REPORTS, {"f": {"dateFrom": "2026-11-03"}}))["dailyReports"]) == []


async def test_templates_pipelines_and_stage_changes(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    deal = await h.opportunity(rep, customer["id"])
    r = await h.client.post(f"/api/v1/opportunities/{deal['id']}/stage", json={"stage": "报价"}, headers=rep.headers)
    assert r.status_code == 200, r.text
    query = """query($id: ID!) {
      actionTemplates { code label labelEn fields }
      pipelines { name isDefault stages { code requiredFields expectedEvidence } }
      stageChanges(opportunityId: $id) { fromStage toStage via byId }
    }"""
    d = await data(h, rep, query, {"id": deal["id"]})
    assert {"contract_push", "solution_3d_provided"} <= {t["code"] for t in d["actionTemplates"]}
    default = next(p for p in d["pipelines"] if p["isDefault"])
    assert [s["code"] for s in default["stages"]][:2] == ["初谈", "报价"]
    assert [(c["fromStage"], c["toStage"], c["via"]) for c in d["stageChanges"]] == [(None, "初谈", "create"), ("初谈", "报价", "api")]
    hidden = await data(h, org.reps[2], query, {"id": deal["id"]})
    assert hidden["stageChanges"] == []
