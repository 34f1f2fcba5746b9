"""GraphQL reads of documents, attachments, the knowledge base and customer health (§6, §12):
the same records, figures and visibility as the REST endpoints they mirror."""

from __future__ import annotations

import re
from typing import Any

from tests.graphql.gql import codes, data, gql, node_ids
from tests.health.helpers import follow_up
from tests.rules.support import emit_event
from tests.support import Actor, Harness

# Fields that are JSON scalars in GraphQL: their contents keep REST's keys.
JSON_FIELDS = frozenset(
    {"trigger", "actions", "results", "params", "result", "payload", "data", "content", "source", "response"}
)


def camel(value: Any, json_fields: frozenset[str] = JSON_FIELDS) -> Any:
    """A REST body with GraphQL's key spelling (snake_case -> camelCase), for comparing answers."""
    if isinstance(value, dict):
        return {
            re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), k): v
            if k in json_fields
            else camel(v, json_fields)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [camel(v, json_fields) for v in value]
    return value


async def rest(h: Harness, actor: Actor | dict[str, str], path: str) -> Any:
    headers = actor.headers if isinstance(actor, Actor) else actor
    r = await h.client.get(path, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def make_document(
    h: Harness, rep: Actor, customer_id: str, opportunity_id: str | None = None
) -> dict[str, Any]:
    """A 3D solution sent to the customer generates a 客户技术确认单 (§4)."""
    body: dict[str, Any] = {
        "customer_id": customer_id,
        "channel": "wechat",
        "summary": "发送3D方案",
        "actions": [{"code": "solution_3d_provided", "fields": {}}],
    }
    if opportunity_id:
        body["opportunity_id"] = opportunity_id
    r = await h.client.post("/api/v1/follow-ups", json=body, headers=rep.headers)
    assert r.status_code == 201, r.text
    await h.drain()
    docs = (await rest(h, rep, f"/api/v1/documents?customer_id={customer_id}"))["items"]
    assert len(docs) == 1
    return docs[0]


async def make_kb_entry(h: Harness, rep: Actor, customer_id: str) -> dict[str, Any]:
    """The default grade-A rule copies the customer's requirements into the knowledge base."""
    await emit_event(
        h,
        rep.tenant_id,
        "customer.grade_changed",
        "customer",
        customer_id,
        {"customer_id": customer_id, "old": "B", "new": "A", "score": 0.8},
    )
    items = (await rest(h, rep, f"/api/v1/knowledge-base?customer_id={customer_id}"))["items"]
    assert items, "no knowledge-base entry"
    return items[0]


DOCUMENT = """
query($id: ID!) { document(id: $id) {
  id kind title status todoId data customerId opportunityId followUpId attachmentId
  customer { id } opportunity { id } followUp { id } owner { id }
  attachment { id sha256 size contentType filename }
} }
"""


async def test_documents_with_relations_and_file_metadata(h: Harness) -> None:
    org = await h.org()
    rep, other = org.reps[0], org.reps[2]
    customer = await h.customer(rep, name="东莞精密模具")
    deal = await h.opportunity(rep, customer["id"])
    doc = await make_document(h, rep, customer["id"], deal["id"])

    d = (await data(h, rep, DOCUMENT, {"id": doc["id"]}))["document"]
    assert d["title"] == doc["title"] and d["status"] == "pending" and d["todoId"] is None
    assert d["customer"] == {"id": customer["id"]} and d["opportunity"] == {"id": deal["id"]}
    assert d["followUp"] == {"id": doc["follow_up_id"]} and d["owner"] == {"id": rep.user_id}
    # The file is the generated document's (its metadata only), readable wherever the document is.
    attachment = d["attachment"]
    assert attachment["id"] == doc["attachment_id"] and len(attachment["sha256"]) == 64
    content = await h.client.get(f"/api/v1/documents/{doc['id']}/content", headers=rep.headers)
    assert attachment["size"] == len(content.content)
    assert attachment["contentType"] == content.headers["content-type"]
    for manager in (org.managers[0], org.director):
        assert (await data(h, manager, DOCUMENT, {"id": doc["id"]}))["document"]["attachment"] == attachment

    listing = "query($f: DocumentFilter) { documents(filter: $f) { edges { node { id } } } }"
    assert node_ids((await data(h, rep, listing))["documents"]) == [doc["id"]]
    for f in ({"customerId": customer["id"]}, {"opportunityId": deal["id"]}, {"status": "pending"}):
        assert node_ids((await data(h, rep, listing, {"f": f}))["documents"]) == [doc["id"]], f
    assert (await data(h, rep, listing, {"f": {"status": "read"}}))["documents"]["edges"] == []

    # Another team's rep: 404 in REST, null and an empty list here.
    assert (await h.client.get(f"/api/v1/documents/{doc['id']}", headers=other.headers)).status_code == 404
    assert (await data(h, other, DOCUMENT, {"id": doc["id"]}))["document"] is None
    assert (await data(h, other, listing))["documents"]["edges"] == []

    # The customer's answer shows up with the tech todo it created.
    r = await h.client.post(
        f"/api/v1/documents/{doc['id']}/response", json={"response": "客户已阅"}, headers=rep.headers
    )
    assert r.status_code == 200, r.text
    d = (await data(h, rep, DOCUMENT, {"id": doc["id"]}))["document"]
    assert d["status"] == "read" and d["todoId"] == r.json()["todo_id"]


async def test_attachment_metadata_has_the_uploaders_visibility(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    files = {"file": ("报价单.txt", "滤芯 200 支".encode(), "text/plain")}
    r = await h.client.post("/api/v1/attachments", files=files, headers=rep.headers)
    assert r.status_code == 201, r.text
    uploaded = r.json()
    q = "query($id: ID!) { attachment(id: $id) { id sha256 size contentType filename createdAt } }"
    for reader in (rep, org.managers[0], org.director, org.admin):
        got = (await data(h, reader, q, {"id": uploaded["id"]}))["attachment"]
        assert {k: got[k] for k in ("id", "sha256", "size", "contentType", "filename")} == camel(
            {k: uploaded[k] for k in ("id", "sha256", "size", "content_type", "filename")}
        )
    for outsider in (org.reps[1], org.reps[2], org.managers[1]):
        assert (
            await h.client.get(f"/api/v1/attachments/{uploaded['id']}", headers=outsider.headers)
        ).status_code == 404
        assert (await data(h, outsider, q, {"id": uploaded["id"]}))["attachment"] is None
    body = await gql(h, rep, q, {"id": "not-a-uuid"})
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_knowledge_base_connection_filters_and_lookup(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep, name="苏州滤材", industry="工业滤材")
    entry = await make_kb_entry(h, rep, customer["id"])
    q = """
    query($f: KnowledgeFilter) { knowledgeEntries(filter: $f) { edges { node { id kind title tags
      customer { id } } } } }
    """
    everything = (await data(h, rep, q))["knowledgeEntries"]
    assert node_ids(everything) == [entry["id"]]
    node = everything["edges"][0]["node"]
    assert (
        node["kind"] == entry["kind"]
        and node["tags"] == entry["tags"]
        and node["customer"] == {"id": customer["id"]}
    )
    matching = [{"customerId": customer["id"]}, {"kind": entry["kind"]}, {"q": entry["title"][:4]}]
    matching += [{"tag": tag} for tag in entry["tags"][:1]]
    for f in matching:
        assert node_ids((await data(h, rep, q, {"f": f}))["knowledgeEntries"]) == [entry["id"]], f
    for f in ({"kind": "sop"}, {"q": "没有这个词"}, {"tag": "没有这个标签"}):
        assert (await data(h, rep, q, {"f": f}))["knowledgeEntries"]["edges"] == [], f
    body = await gql(h, rep, q, {"f": {"tag": "x" * 51}})
    assert codes(body) == ["BAD_USER_INPUT"] and body["errors"][0]["extensions"]["field"] == "tag"

    # The whole tenant reads the knowledge base; the customer relation keeps the customer's visibility.
    one = "query($id: ID!) { knowledgeEntry(id: $id) { id body customer { id } } }"
    south = (await data(h, org.reps[2], one, {"id": entry["id"]}))["knowledgeEntry"]
    assert south == {"id": entry["id"], "body": entry["body"], "customer": None}
    stranger = await h.signup("别的公司")
    assert (await data(h, stranger, one, {"id": entry["id"]}))["knowledgeEntry"] is None


async def test_health_model_follows_accept_language(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    q = """{ healthModel { version isDefault indicators { code label weight definition }
      thresholds { A B } createdBy } }"""
    for headers in (rep.headers, {**rep.headers, "Accept-Language": "en"}):
        expected = await rest(h, headers, "/api/v1/health-model")
        got = (await data(h, headers, q))["healthModel"]
        assert got == camel(
            {k: expected[k] for k in ("version", "is_default", "indicators", "thresholds", "created_by")}
        )
    en = (await data(h, {**rep.headers, "Accept-Language": "en"}, q))["healthModel"]
    assert en["indicators"][0]["label"] == "Interaction frequency"


async def test_grade_changes_newest_first_and_the_explained_grade(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    c = await h.customer(rep, requirements={"drawings": True, "tech_params": True, "budget_range": True})
    await h.drain()  # graded on creation: C
    for i in range(6):
        await follow_up(h, rep, c["id"], i + 1)
    await h.drain()  # six calls: B
    q = """query($id: ID!) {
      customer(id: $id) { gradeChanges { oldGrade newGrade modelVersion score indicators } }
      customerHealth(customerId: $id) { customerId score grade modelVersion thresholds { A B }
        indicators { code label value weight contribution records { kind id description value followUpId } }
        customer { id } } }"""
    d = await data(h, rep, q, {"id": c["id"]})
    changes = d["customer"]["gradeChanges"]
    assert [(g["oldGrade"], g["newGrade"], g["modelVersion"]) for g in changes] == [
        ("C", "B", 1),
        (None, "C", 1),
    ]
    assert changes[0]["indicators"]["interaction_frequency"] == 0.5

    expected = await rest(h, rep, f"/api/v1/customers/{c['id']}/health")
    got = d["customerHealth"]
    assert got.pop("customer") == {"id": c["id"]}
    for indicator in expected["indicators"]:
        indicator.pop("definition")
        for record in indicator["records"]:
            record.pop("occurred_at")
    assert got == camel({k: v for k, v in expected.items() if k not in ("graded_at", "as_of")})

    # Another team's rep: REST 404, GraphQL null; the customer itself is null too.
    other = org.reps[2]
    assert (await data(h, other, q, {"id": c["id"]})) == {"customer": None, "customerHealth": None}
    body = await gql(h, rep, '{ customerHealth(customerId: "nope") { score } }')
    assert codes(body) == ["BAD_USER_INPUT"] and body["errors"][0]["extensions"]["field"] == "customerId"
