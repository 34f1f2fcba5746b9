"""Evidence (SPEC §8): recording with files or text, maturity and category, revocation, visibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support import Actor, Harness

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 64


async def deal_of(h: Harness, rep: Actor, **fields: Any) -> dict[str, Any]:
    customer = await h.customer(rep)
    return await h.opportunity(rep, customer["id"], **fields)


async def add(h: Harness, who: Actor, deal_id: str, node: str, *, files: list[tuple[str, bytes]] | None = None,
              **data: str) -> Any:
    parts = [("files", (name, content)) for name, content in files or []]
    return await h.client.post(f"/api/v1/opportunities/{deal_id}/evidence", data={"node": node, **data},
                               files=parts or None, headers=who.headers)


async def test_maturity_is_the_highest_evidenced_coefficient_and_sets_the_category(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    deal = await deal_of(h, rep, amount="1000000", rep_forecast_category="commit")
    assert (deal["maturity"], deal["forecast_category"]) == (0.0, "unqualified")
    assert deal["rep_forecast_category"] == "commit"

    r = await add(h, rep, deal["id"], "technical_agreement", files=[("技术协议.pdf", PDF)], note="双方盖章")
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["maturity"], body["forecast_category"]) == (0.5, "best_case")
    assert body["label"] == "技术协议签署" and len(body["attachment_ids"]) == 1

    r = await add(h, rep, deal["id"], "requirement_confirmation", text="客户邮件：需求确认书已签字。")
    assert (r.json()["maturity"], r.json()["forecast_category"]) == (0.5, "best_case")  # highest, not latest
    r = await add(h, rep, deal["id"], "down_payment", files=[("回单.png", PNG), ("邮件截图.png", PNG + b"x")])
    assert (r.json()["maturity"], r.json()["forecast_category"]) == (0.9, "commit")
    down_payment = r.json()

    got = (await h.client.get(f"/api/v1/opportunities/{deal['id']}", headers=rep.headers)).json()
    assert (got["maturity"], got["forecast_category"], got["rep_forecast_category"]) == (0.9, "commit", "commit")
    assert got["evidenced_nodes"] == ["requirement_confirmation", "technical_agreement", "down_payment"]
    wp = got["win_probability"]
    assert 0 <= wp["low"] <= wp["mean"] <= wp["high"] <= 1

    # Revoking the down payment falls back to the next-highest evidence; it stays on record.
    r = await h.client.post(f"/api/v1/opportunities/{deal['id']}/evidence/{down_payment['id']}/revoke",
                            json={"reason": "回单是另一个项目的"}, headers=rep.headers)
    assert r.status_code == 200, r.text
    assert r.json()["revoked_at"] and r.json()["revoke_reason"] == "回单是另一个项目的"
    got = (await h.client.get(f"/api/v1/opportunities/{deal['id']}", headers=rep.headers)).json()
    assert (got["maturity"], got["forecast_category"]) == (0.5, "best_case")
    listed = (await h.client.get(f"/api/v1/opportunities/{deal['id']}/evidence", headers=rep.headers)).json()
    assert [e["node"] for e in listed] == ["technical_agreement", "requirement_confirmation", "down_payment"]
    active = (await h.client.get(f"/api/v1/opportunities/{deal['id']}/evidence?include_revoked=false",
                                 headers=rep.headers)).json()
    assert len(active) == 2
    again = await h.client.post(f"/api/v1/opportunities/{deal['id']}/evidence/{down_payment['id']}/revoke",
                                json={"reason": "x"}, headers=rep.headers)
    assert again.status_code == 409

    audit = (await h.client.get(f"/api/v1/audit-log?entity=evidence", headers=org.admin.headers)).json()
    assert any(row["action"] == "update" and row["entity_id"] == down_payment["id"] for row in audit["items"])


async def test_files_download_with_the_deals_visibility(h: Harness) -> None:
    org = await h.org()
    rep, other_team_rep = org.reps[0], org.reps[2]
    deal = await deal_of(h, rep)
    evidence = (await add(h, rep, deal["id"], "technical_agreement", files=[("协议.pdf", PDF)])).json()
    url = f"/api/v1/opportunities/{deal['id']}/evidence/{evidence['id']}/files/{evidence['attachment_ids'][0]}"
    r = await h.client.get(url, headers=rep.headers)
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    assert (await h.client.get(url, headers=org.managers[0].headers)).status_code == 200
    assert (await h.client.get(url, headers=other_team_rep.headers)).status_code == 404
    listing = await h.client.get(f"/api/v1/opportunities/{deal['id']}/evidence", headers=other_team_rep.headers)
    assert listing.status_code == 404
    refused = await add(h, other_team_rep, deal["id"], "technical_agreement", text="x")
    assert refused.status_code == 404


async def test_bad_evidence_is_refused_and_writes_nothing(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    deal = await deal_of(h, rep)
    url = f"/api/v1/opportunities/{deal['id']}/evidence"

    r = await add(h, rep, deal["id"], "technical_agreement")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "files"
    r = await add(h, rep, deal["id"], "technical_agreement", text="   ")
    assert r.status_code == 422
    r = await add(h, rep, deal["id"], "no_such_node", text="x")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "node"
    r = await add(h, rep, deal["id"], "technical_agreement", files=[("run.exe", b"MZ\x90\x00" + b"\x00" * 100)])
    assert r.status_code == 415
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    r = await add(h, rep, deal["id"], "technical_agreement", text="x", occurred_at=future)
    assert r.status_code == 422 and "occurred_at" in r.json()["errors"][0]["field"]
    r = await add(h, rep, deal["id"], "technical_agreement", text="x" * 100_000)
    assert r.status_code == 422 and "text" in r.json()["errors"][0]["field"]
    limit = h.settings.max_upload_bytes
    r = await h.client.post(url, data={"node": "technical_agreement"},
                            files=[("files", ("big.pdf", PDF + b"0" * (limit + 1)))], headers=rep.headers)
    assert r.status_code == 413

    assert (await h.client.get(url, headers=rep.headers)).json() == []
    got = (await h.client.get(f"/api/v1/opportunities/{deal['id']}", headers=rep.headers)).json()
    assert got["maturity"] == 0.0


async def test_a_node_requiring_a_file_refuses_text_alone_and_model_edits_restate_deals(h: Harness) -> None:
    org = await h.org()
    rep, director = org.reps[0], org.director
    deal = await deal_of(h, rep)
    await add(h, rep, deal["id"], "commercial_terms", text="商务条款邮件确认")
    model = (await h.client.get("/api/v1/evidence-model", headers=rep.headers)).json()
    assert model["is_default"] and [n["coefficient"] for n in model["nodes"]] == [0.3, 0.5, 0.7, 0.9, 1.0]

    nodes = [{**n, "requires_attachment": n["code"] == "down_payment"} for n in model["nodes"]]
    nodes[2]["coefficient"] = 0.85  # commercial terms now count as commit
    r = await h.client.put("/api/v1/evidence-model", headers=director.headers,
                           json={"nodes": nodes, "thresholds": {"commit": 0.8, "best_case": 0.5}, "prior_strength": 10})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and not r.json()["is_default"]
    got = (await h.client.get(f"/api/v1/opportunities/{deal['id']}", headers=rep.headers)).json()
    assert (got["maturity"], got["forecast_category"]) == (0.85, "commit")

    r = await add(h, rep, deal["id"], "down_payment", text="已到账")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "files"
    r = await h.client.put("/api/v1/evidence-model", headers=rep.headers,
                           json={"nodes": nodes, "thresholds": {"commit": 0.8, "best_case": 0.5}})
    assert r.status_code == 403
    r = await h.client.put("/api/v1/evidence-model", headers=director.headers,
                           json={"nodes": nodes, "thresholds": {"commit": 0.4, "best_case": 0.5}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "thresholds.best_case"


async def test_a_browsers_empty_file_input_is_ignored(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    deal = await deal_of(h, rep)
    r = await add(h, rep, deal["id"], "technical_agreement", files=[("", b"")], text="邮件确认")
    assert r.status_code == 201, r.text
    assert r.json()["attachment_ids"] == []
    r = await add(h, rep, deal["id"], "technical_agreement", files=[("", b"")])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "files"
