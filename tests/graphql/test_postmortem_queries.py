"""GraphQL reads of post-mortems (§10), document templates and knowledge-base citations: the same
values and visibility as REST, and post-mortems batched (constant statements per query)."""

from __future__ import annotations

from typing import Any

from tests.graphql.gql import data
from tests.graphql.test_limits import sql_log
from tests.graphql.test_more_resources import camel, rest
from tests.graphql.test_signal_queries import instants, talk, transcribe
from tests.postmortem.support import PDF, add, lose
from tests.support import Actor, Harness

SUMMARY_FIELDS = """id opportunityId status reason reasonLabel competitor note lostAt ownerId stage
  requestedBy createdAt completedAt withdrawnAt locked kindsPresent kindsMissing kindsNeeded requiredKinds"""
MATERIAL_FIELDS = "id postMortemId kind label text attachmentIds transcriptId createdBy createdAt"
DEAL = f"""query($id: ID!) {{ opportunity(id: $id) {{ id status postMortem {{
  {SUMMARY_FIELDS} opportunity {{ id }} owner {{ id }}
  materials {{ {MATERIAL_FIELDS} creator {{ id }} attachments {{ id size contentType }}
    transcript {{ id text }} }}
}} }} }}"""


def as_rest(post_mortem: dict[str, Any]) -> dict[str, Any]:
    """GraphQL's post-mortem without its relations, timestamps as instants."""
    plain = {k: v for k, v in post_mortem.items() if k not in ("opportunity", "owner", "materials")}
    plain["materials"] = [
        {k: v for k, v in m.items() if k not in ("creator", "attachments", "transcript")}
        for m in post_mortem["materials"]
    ]
    return dict(instants(plain))


async def rest_post_mortem(h: Harness, who: Actor, deal_id: str) -> dict[str, Any]:
    body = await rest(h, who, f"/api/v1/opportunities/{deal_id}/post-mortem")
    keep = set(SUMMARY_FIELDS.split()) | {"materials"}
    shaped = {k: v for k, v in camel(body).items() if k in keep}
    shaped["materials"] = [{k: m[k] for k in MATERIAL_FIELDS.split()} for m in shaped["materials"]]
    return dict(instants(shaped))


async def test_a_lost_deals_post_mortem_with_its_materials(h: Harness) -> None:
    org = await h.org()
    rep, south_rep = org.reps[0], org.reps[2]
    customer = await h.customer(rep)
    deal = await h.opportunity(rep, customer["id"])
    call = await talk(h, rep, customer["id"], deal["id"])
    transcript = await transcribe(h, rep, call)
    assert (await data(h, rep, DEAL, {"id": deal["id"]}))["opportunity"]["postMortem"] is None

    r = await lose(h, rep, deal["id"], competitor="友商B", note="客户选了更便宜的方案")
    assert r.status_code == 201, r.text
    r = await add(h, rep, deal["id"], "meeting_notes", text="评审会：价格高 15%")
    assert r.status_code == 201, r.text
    r = await add(h, rep, deal["id"], "proposal_version", files=[("方案V2.pdf", PDF)])
    assert r.status_code == 201, r.text
    got = (await data(h, rep, DEAL, {"id": deal["id"]}))["opportunity"]
    pm = got["postMortem"]
    assert got["status"] == "lost_pending_review"
    assert (pm["status"], pm["reason"], pm["reasonLabel"]) == ("pending", "price", "价格异议")
    assert (pm["competitor"], pm["locked"], pm["kindsNeeded"]) == ("友商B", False, 1)
    assert pm["kindsPresent"] == ["proposal_version", "meeting_notes"]
    assert pm["opportunity"] == {"id": deal["id"]} and pm["owner"] == {"id": rep.user_id}
    assert as_rest(pm) == await rest_post_mortem(h, rep, deal["id"])
    notes, proposal = pm["materials"]
    assert (notes["kind"], notes["label"], notes["text"], notes["attachments"]) == (
        "meeting_notes", "会议纪要", "评审会：价格高 15%", [])
    assert notes["creator"] == {"id": rep.user_id} and notes["transcript"] is None
    assert [a["id"] for a in proposal["attachments"]] == proposal["attachmentIds"]
    assert proposal["attachments"][0]["size"] == len(PDF)

    # The third kind (the call's transcript) completes and locks the package.
    r = await add(h, rep, deal["id"], "transcript", transcript_id=transcript["id"])
    assert r.status_code == 201, r.text
    for reader in (rep, org.managers[0], org.director):
        got = (await data(h, reader, DEAL, {"id": deal["id"]}))["opportunity"]
        pm = got["postMortem"]
        assert got["status"] == "lost"
        assert (pm["status"], pm["locked"], pm["kindsNeeded"]) == ("completed", True, 0)
        assert pm["completedAt"] is not None and pm["kindsMissing"] == ["email_timeline", "competitor_note",
                                                                        "quote_history"]
        assert pm["materials"][2]["transcript"] == {"id": transcript["id"], "text": transcript["text"]}
        assert as_rest(pm) == await rest_post_mortem(h, reader, deal["id"])

    # Where the deal is not visible, neither is its post-mortem.
    for outsider in (org.reps[1], south_rep, org.managers[1]):
        assert (await data(h, outsider, DEAL, {"id": deal["id"]}))["opportunity"] is None
        listing = "{ opportunities { edges { node { id postMortem { id } } } } }"
        assert (await data(h, outsider, listing))["opportunities"]["edges"] == []


async def test_the_latest_loss_is_the_post_mortem_shown(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    deal = await h.opportunity(rep, (await h.customer(rep))["id"])
    url = f"/api/v1/opportunities/{deal['id']}"
    assert (await lose(h, rep, deal["id"], reason="timing")).status_code == 201
    first = (await data(h, rep, DEAL, {"id": deal["id"]}))["opportunity"]["postMortem"]
    r = await h.client.patch(url, json={"status": "open"}, headers=rep.headers)
    assert r.status_code == 200, r.text
    withdrawn = (await data(h, rep, DEAL, {"id": deal["id"]}))["opportunity"]["postMortem"]
    assert (withdrawn["id"], withdrawn["status"], withdrawn["locked"]) == (first["id"], "withdrawn", True)
    assert withdrawn["withdrawnAt"] is not None and withdrawn["kindsNeeded"] == 3
    assert (await lose(h, rep, deal["id"], reason="budget")).status_code == 201
    second = (await data(h, rep, DEAL, {"id": deal["id"]}))["opportunity"]["postMortem"]
    assert second["id"] != first["id"] and (second["status"], second["reasonLabel"]) == ("pending", "预算取消")
    assert as_rest(second) == await rest_post_mortem(h, rep, deal["id"])


TEMPLATES = """{ documentTemplates { code title description version builtin customized updatedBy updatedAt
  sections { heading kind fields { label key } text tag limit emptyText columns rows items } } }"""


async def test_document_templates_merge_builtins_and_the_tenants_own(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    templates = (await data(h, rep, TEMPLATES))["documentTemplates"]
    assert templates == camel(await rest(h, rep, "/api/v1/document-templates"))
    by_code = {t["code"]: t for t in templates}
    assert {"tech_confirmation", "project_approval_pack"} <= set(by_code)
    pack = by_code["project_approval_pack"]
    assert pack["version"] == 0 and pack["builtin"] and not pack["customized"]

    own = {
        "title": "${customer.name}回访纪要",
        "sections": [
            {"heading": "客户", "kind": "fields", "fields": [{"label": "客户名称", "key": "customer.name"}]},
            {"heading": "下一步", "kind": "checklist", "items": ["约定评审时间"]},
        ],
    }
    r = await h.client.put("/api/v1/document-templates/visit_notes", json=own, headers=org.director.headers)
    assert r.status_code == 200, r.text
    templates = (await data(h, org.reps[2], TEMPLATES))["documentTemplates"]
    assert instants(templates) == instants(camel(await rest(h, org.reps[2], "/api/v1/document-templates")))
    mine = {t["code"]: t for t in templates}["visit_notes"]
    assert (mine["version"], mine["builtin"], mine["customized"]) == (1, False, True)
    assert mine["updatedBy"] == org.director.user_id
    assert mine["sections"][0]["fields"] == [{"label": "客户名称", "key": "customer.name"}]
    assert mine["sections"][1]["items"] == ["约定评审时间"] and mine["sections"][1]["fields"] is None


async def test_knowledge_entry_citations(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    deal = await h.opportunity(rep, customer["id"])
    pm = (await lose(h, rep, deal["id"])).json()
    citations = [{"kind": "post_mortem", "id": pm["id"]}, {"kind": "opportunity", "id": deal["id"]}]
    body = {"kind": "case", "title": "价格战复盘", "body": "报价高于竞品 15%", "citations": citations}
    r = await h.client.post("/api/v1/knowledge-base", json=body, headers=rep.headers)
    assert r.status_code == 201, r.text
    entry = r.json()
    q = "query($id: ID!) { knowledgeEntry(id: $id) { id citations { kind id } createdBy readOnly } }"
    for reader in (rep, org.reps[2]):  # the knowledge base is the whole tenant's
        got = (await data(h, reader, q, {"id": entry["id"]}))["knowledgeEntry"]
        assert got == {"id": entry["id"], "citations": citations, "createdBy": rep.user_id, "readOnly": False}


POST_MORTEMS = """query($n: Int!) { opportunities(first: $n) { edges { node { id postMortem {
  reasonLabel kindsPresent kindsNeeded owner { id } opportunity { id }
  materials { kind creator { id } attachments { id } transcript { id } } } } } } }"""


async def test_post_mortems_take_constant_statements(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    for _ in range(6):
        customer = await h.customer(rep)
        deal = await h.opportunity(rep, customer["id"])
        transcript = await transcribe(h, rep, await talk(h, rep, customer["id"], deal["id"]))
        assert (await lose(h, rep, deal["id"])).status_code == 201
        assert (await add(h, rep, deal["id"], "proposal_version", files=[("方案.pdf", PDF)])).status_code == 201
        r = await add(h, rep, deal["id"], "transcript", transcript_id=transcript["id"])
        assert r.status_code == 201, r.text
    await h.drain()

    async def count(n: int) -> tuple[int, dict[str, Any]]:
        with sql_log(h) as statements:
            d = await data(h, rep, POST_MORTEMS, {"n": n})
        return len(statements), d

    small, _ = await count(2)
    large, many = await count(6)
    deals = [e["node"] for e in many["opportunities"]["edges"]]
    assert len(deals) == 6 and all(len(d["postMortem"]["materials"]) == 2 for d in deals)
    assert all(d["postMortem"]["materials"][0]["attachments"] for d in deals)
    assert all(d["postMortem"]["materials"][1]["transcript"] for d in deals)
    assert small == large, (small, large)
