"""Losing a deal (SPEC §10): lost_pending_review until the package holds 3 kinds, then lost and locked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.postmortem.support import EXE, PDF, add, ago, deal, deal_of, event_types, lose, post_mortem
from tests.support import Harness


async def test_the_deal_stays_pending_with_two_kinds_and_is_lost_with_three(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    d = await deal_of(h, rep, created_at=ago(30), competitors=["友商A"])
    lost_at = ago(2)
    r = await lose(h, rep, d["id"], competitor="友商B", note="客户选了更便宜的方案", lost_at=lost_at)
    assert r.status_code == 201, r.text
    pm = r.json()
    assert (pm["status"], pm["reason"], pm["reason_label"], pm["competitor"]) == ("pending", "price", "价格异议", "友商B")
    assert (pm["locked"], pm["kinds_needed"], pm["required_kinds"], pm["materials"]) == (False, 3, 3, [])
    assert (pm["owner_id"], pm["stage"], pm["requested_by"]) == (rep.user_id, d["stage"], rep.user_id)
    assert datetime.fromisoformat(pm["lost_at"]) == datetime.fromisoformat(lost_at)
    got = await deal(h, rep, d["id"])
    assert (got["status"], got["lost_reason"], got["competitors"]) == ("lost_pending_review", "price", ["友商A", "友商B"])
    assert datetime.fromisoformat(got["lost_at"]) == datetime.fromisoformat(lost_at)
    assert got["version"] == d["version"] + 1

    r = await add(h, rep, d["id"], "email_timeline", text="3/1 客户邮件：预算只够 80 万")
    assert r.status_code == 201, r.text
    assert r.json()["post_mortem"]["kinds_present"] == ["email_timeline"]
    r = await add(h, rep, d["id"], "quote_history", files=[("报价单.pdf", PDF)])
    assert r.status_code == 201, r.text
    quote = r.json()
    r = await add(h, rep, d["id"], "email_timeline", text="第二封邮件")  # a kind again: still 2 kinds
    assert r.status_code == 201, r.text
    summary = r.json()["post_mortem"]
    assert summary["kinds_present"] == ["email_timeline", "quote_history"] and summary["kinds_needed"] == 1
    assert summary["status"] == "pending" and len(summary["materials"]) == 3
    assert (await deal(h, rep, d["id"]))["status"] == "lost_pending_review"

    r = await add(h, rep, d["id"], "competitor_note", text="友商B 报价低 15%")
    assert r.status_code == 201, r.text
    summary = r.json()["post_mortem"]
    assert (summary["status"], summary["locked"], summary["kinds_needed"]) == ("completed", True, 0)
    assert summary["completed_at"] is not None
    assert summary["kinds_missing"] == ["transcript", "proposal_version", "meeting_notes"]
    assert (await deal(h, rep, d["id"]))["status"] == "lost"

    # Locked: neither a fourth kind nor one it holds is accepted, and nothing is added.
    for kind in ("meeting_notes", "email_timeline"):
        r = await add(h, rep, d["id"], kind, text="补充")
        assert r.status_code == 409 and "locked" in r.json()["detail"], r.text
    assert len((await post_mortem(h, rep, d["id"])).json()["materials"]) == 4
    assert (await lose(h, rep, d["id"])).status_code == 409

    types = await event_types(h, rep.tenant_id, d["id"])
    assert types[-4:] == ["opportunity.updated", "opportunity.lost_pending_review", "opportunity.updated",
                          "opportunity.lost"]
    assert await event_types(h, rep.tenant_id, pm["id"]) == ["post_mortem.created", "post_mortem.completed"]
    audit = (await h.client.get(f"/api/v1/audit-log?entity=opportunity&entity_id={d['id']}",
                                headers=org.admin.headers)).json()["items"]
    statuses = {row["after"]["status"] for row in audit}
    assert {"lost_pending_review", "lost"} <= statuses

    # The package's files download with the deal's visibility.
    url = (f"/api/v1/opportunities/{d['id']}/post-mortem/materials/{quote['id']}/files/"
           f"{quote['attachment_ids'][0]}")
    r = await h.client.get(url, headers=org.managers[0].headers)
    assert r.status_code == 200 and r.content == PDF and r.headers["content-type"] == "application/pdf"
    assert (await h.client.get(url, headers=org.reps[2].headers)).status_code == 404
    other = url.rsplit("/", 1)[0] + "/" + str(quote["post_mortem_id"])
    assert (await h.client.get(other, headers=rep.headers)).status_code == 404


async def test_bad_losses_and_materials_are_refused_and_change_nothing(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    d = await deal_of(h, rep, created_at=ago(10))
    assert (await post_mortem(h, rep, d["id"])).status_code == 404
    assert (await add(h, rep, d["id"], "email_timeline", text="x")).status_code == 409

    r = await lose(h, rep, d["id"], reason="too_expensive")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason", r.text
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    r = await lose(h, rep, d["id"], lost_at=future)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lost_at", r.text
    r = await lose(h, rep, d["id"], lost_at=ago(11))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lost_at", r.text
    r = await lose(h, rep, d["id"], note="x" * 5001)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note", r.text
    assert (await deal(h, rep, d["id"]))["version"] == d["version"]

    assert (await lose(h, rep, d["id"], reason="timing")).status_code == 201
    r = await add(h, rep, d["id"], "email_timeline")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "files", r.text
    r = await add(h, rep, d["id"], "email_timeline", text="   ")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "files", r.text
    r = await add(h, rep, d["id"], "gossip", text="x")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind", r.text
    r = await add(h, rep, d["id"], "email_timeline", text="x" * 100_001)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "text", r.text
    r = await add(h, rep, d["id"], "email_timeline", text="x", transcript_id="00000000-0000-4000-8000-000000000000")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "transcript_id", r.text
    r = await add(h, rep, d["id"], "transcript", transcript_id="00000000-0000-4000-8000-000000000000")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "transcript_id", r.text
    # A refused file leaves nothing behind, not even the accepted file beside it.
    r = await add(h, rep, d["id"], "proposal_version", files=[("方案.pdf", PDF), ("run.exe", EXE)], text="v2")
    assert r.status_code == 415, r.text
    limit = h.settings.max_upload_bytes
    r = await add(h, rep, d["id"], "proposal_version", files=[("big.pdf", PDF + b"0" * (limit + 1))])
    assert r.status_code == 413, r.text

    pm = (await post_mortem(h, rep, d["id"])).json()
    assert (pm["status"], pm["reason"], pm["materials"]) == ("pending", "timing", [])
    uploads = (await h.client.get("/api/v1/audit-log?entity=attachment", headers=org.admin.headers)).json()["items"]
    assert not [row for row in uploads if row["actor_id"] == rep.user_id]


async def test_other_tenants_and_other_teams_get_404(h: Harness) -> None:
    org = await h.org()
    rep, outsider, stranger = org.reps[0], org.reps[2], await h.signup("别家公司")
    d = await deal_of(h, rep)
    for who in (outsider, stranger, org.managers[1]):
        assert (await lose(h, who, d["id"])).status_code == 404
    assert (await lose(h, rep, d["id"])).status_code == 201
    for who in (outsider, stranger, org.managers[1]):
        assert (await post_mortem(h, who, d["id"])).status_code == 404
        assert (await add(h, who, d["id"], "email_timeline", text="x")).status_code == 404
    for who in (org.managers[0], org.director, org.admin):
        assert (await post_mortem(h, who, d["id"])).status_code == 200
    assert (await add(h, org.managers[0], d["id"], "meeting_notes", text="复盘会纪要")).status_code == 201


async def test_patch_status_lost_awaits_the_post_mortem_and_reopening_withdraws_it(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    d = await deal_of(h, rep, created_at=ago(20))
    url = f"/api/v1/opportunities/{d['id']}"
    r = await h.client.patch(url, json={"status": "lost", "lost_reason": "价格"}, headers=rep.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lost_reason", r.text
    r = await h.client.patch(url, json={"lost_reason": "price"}, headers=rep.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lost_reason", r.text

    r = await h.client.patch(url, json={"status": "lost", "name": "改名后丢单"}, headers=rep.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["lost_reason"], body["name"]) == ("lost_pending_review", "other", "改名后丢单")
    first = (await post_mortem(h, rep, d["id"])).json()
    assert (first["status"], first["reason"], first["reason_label"]) == ("pending", "other", "其他")
    # Already lost: status=lost changes nothing; the loss itself belongs to the post-mortem.
    r = await h.client.patch(url, json={"status": "lost"}, headers=rep.headers)
    assert r.status_code == 200 and r.json()["version"] == body["version"]
    r = await h.client.patch(url, json={"status": "lost", "lost_reason": "price"}, headers=rep.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lost_reason", r.text

    r = await h.client.patch(url, json={"status": "open"}, headers=rep.headers)
    assert r.status_code == 200 and r.json()["status"] == "open" and r.json()["lost_at"] is None
    withdrawn = (await post_mortem(h, rep, d["id"])).json()
    assert (withdrawn["id"], withdrawn["status"], withdrawn["locked"]) == (first["id"], "withdrawn", True)
    assert withdrawn["withdrawn_at"] is not None
    assert (await add(h, rep, d["id"], "email_timeline", text="x")).status_code == 409

    # Lost again: a new post-mortem; a stage move back reopens the deal and withdraws it too.
    assert (await lose(h, rep, d["id"], reason="budget")).status_code == 201
    second = (await post_mortem(h, rep, d["id"])).json()
    assert second["id"] != first["id"] and (second["status"], second["reason"]) == ("pending", "budget")
    r = await h.client.post(url + "/stage", json={"stage": "初谈"}, headers=rep.headers)
    assert r.status_code == 200, r.text
    r = await h.client.post(url + "/stage", json={"stage": "报价"}, headers=rep.headers)
    assert r.status_code == 200 and r.json()["status"] == "open", r.text
    assert (await post_mortem(h, rep, d["id"])).json()["status"] == "withdrawn"
    losses = [e for e in (await post_mortem(h, rep, d["id"])).json()["timeline"] if e["kind"] == "loss"]
    assert [e["details"]["reason"] for e in losses] == ["other", "budget"]

    # A deal imported as lost keeps the old rules: its reason may be corrected alone.
    imported = await deal_of(h, rep, status="lost", lost_at=ago(40), created_at=ago(90), lost_reason="价格")
    r = await h.client.patch(f"/api/v1/opportunities/{imported['id']}", json={"lost_reason": "price"},
                             headers=rep.headers)
    assert r.status_code == 200 and r.json()["lost_reason"] == "price" and r.json()["status"] == "lost"
    won = await deal_of(h, rep)
    await h.client.post(f"/api/v1/opportunities/{won['id']}/win", headers=rep.headers)
    r = await h.client.patch(f"/api/v1/opportunities/{won['id']}", json={"status": "lost"}, headers=rep.headers)
    assert r.status_code == 409, r.text


async def test_concurrent_uploads_neither_all_miss_nor_overfill_the_package(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    d = await deal_of(h, rep)
    assert (await lose(h, rep, d["id"])).status_code == 201
    # Five kinds at once: uploads take turns on the deal's row, so exactly the first three are kept,
    # the third completes the package, and the other two find it locked (without the lock all five
    # were kept, each seeing only itself, and the deal stayed pending).
    kinds = ("email_timeline", "quote_history", "meeting_notes", "competitor_note", "proposal_version")
    answers = await asyncio.gather(*(add(h, rep, d["id"], kind, text=kind) for kind in kinds))
    assert sorted(r.status_code for r in answers) == [201, 201, 201, 409, 409], [r.text for r in answers]
    assert sorted(r.json()["post_mortem"]["status"] for r in answers if r.status_code == 201) == [
        "completed", "pending", "pending"]
    pm = (await post_mortem(h, rep, d["id"])).json()
    assert pm["status"] == "completed" and len(pm["materials"]) == 3
    assert (await deal(h, rep, d["id"]))["status"] == "lost"
    assert (await event_types(h, rep.tenant_id, d["id"])).count("opportunity.lost") == 1
