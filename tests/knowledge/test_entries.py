"""The knowledge base (§10): writing entries with citations, search, who may edit, read-only
system entries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from salescore.models import PostMortem
from tests.rules.support import emit_event
from tests.support import Actor, Harness

KB = "/api/v1/knowledge-base"
GHOST = "00000000-0000-4000-8000-000000000000"


async def _entry(h: Harness, actor: Actor, **fields: Any) -> dict[str, Any]:
    body = {"kind": "sop", "title": "报价后24小时回访", "body": "报价发出后24小时内电话确认。", **fields}
    r = await h.client.post(KB, json=body, headers=actor.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _post_mortem(h: Harness, actor: Actor, deal_id: str) -> str:
    """A post-mortem row as the loss flow writes it (its route belongs to another domain)."""
    async with h.runtime.sessionmaker() as session:
        row = PostMortem(id=uuid.uuid4(), tenant_id=uuid.UUID(actor.tenant_id), opportunity_id=uuid.UUID(deal_id),
                         reason="price", note="价格高于竞品 8%", lost_at=datetime.now(UTC),
                         owner_id=uuid.UUID(actor.user_id), requested_by=uuid.UUID(actor.user_id))
        session.add(row)
        await session.commit()
        return str(row.id)


async def _ids(h: Harness, actor: Actor, query: str) -> list[str]:
    r = await h.client.get(f"{KB}?{query}", headers=actor.headers)
    assert r.status_code == 200, r.text
    return [e["id"] for e in r.json()["items"]]


async def test_citations_are_checked_and_searchable(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep, name="杭州滤材")
    deal = await h.opportunity(rep, customer["id"])
    r = await h.client.post("/api/v1/follow-ups", json={"customer_id": customer["id"], "channel": "call"}, headers=rep.headers)
    follow_up = r.json()["id"]
    pm = await _post_mortem(h, rep, deal["id"])
    entry = await _entry(h, rep, kind="case", title="价格战复盘", tags=["工业滤材", "价格"], customer_id=customer["id"],
                         citations=[{"kind": "post_mortem", "id": pm}, {"kind": "customer", "id": customer["id"]},
                                    {"kind": "opportunity", "id": deal["id"]}, {"kind": "follow_up", "id": follow_up},
                                    {"kind": "customer", "id": customer["id"]}])
    assert entry["citations"] == [{"kind": "post_mortem", "id": pm}, {"kind": "customer", "id": customer["id"]},
                                  {"kind": "opportunity", "id": deal["id"]}, {"kind": "follow_up", "id": follow_up}]
    assert entry["created_by"] == rep.user_id and not entry["read_only"] and entry["source"] == {"kind": "manual"}
    other = await _entry(h, rep, title="无引用")

    # Everyone in the tenant searches by what an entry cites.
    reader = org.reps[2]
    assert await _ids(h, reader, f"cites_kind=post_mortem&cites_id={pm}") == [entry["id"]]
    assert await _ids(h, reader, f"cites_id={customer['id']}") == [entry["id"]]
    assert await _ids(h, reader, "cites_kind=post_mortem") == [entry["id"]]
    assert await _ids(h, reader, f"cites_kind=opportunity&cites_id={pm}") == []
    assert await _ids(h, reader, f"cites_id={GHOST}") == []
    assert other["id"] not in await _ids(h, reader, f"cites_kind=customer&cites_id={customer['id']}")

    # Citations the writer can't see, or that don't exist, are refused by position.
    stranger = await h.signup("另一家公司")
    foreign = await h.customer(stranger)
    bad = [{"kind": "customer", "id": customer["id"]}, {"kind": "customer", "id": foreign["id"]},
           {"kind": "post_mortem", "id": GHOST}, {"kind": "opportunity", "id": deal["id"]},
           {"kind": "follow_up", "id": follow_up}, {"kind": "post_mortem", "id": pm}]
    before = await _ids(h, reader, "limit=200")
    r = await h.client.post(KB, json={"kind": "case", "title": "越权引用", "citations": bad}, headers=org.reps[2].headers)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [f"citations.{i}.id" for i in range(6)]
    assert "post-mortem" in r.json()["errors"][5]["message"]
    r = await h.client.post(KB, json={"kind": "case", "title": "x", "citations": [{"kind": "quote", "id": GHOST}]},
                            headers=rep.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "citations.0.kind"
    r = await h.client.post(KB, json={"kind": "case", "title": "x", "customer_id": foreign["id"]}, headers=rep.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "customer_id"
    assert await _ids(h, reader, "limit=200") == before


async def test_search_by_text_tag_and_kind(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    a = await _entry(h, rep, kind="script", title="预算话术", body="理解立项需要流程，能否协助准备立项材料？", tags=["预算未批"])
    b = await _entry(h, rep, kind="case", title="模具客户案例", body="良率提升 100% 达成", tags=["精密模具"])
    c = await _entry(h, rep, kind="sop", title="交付沟通", body="交期确认流程", tags=["交付_周期"])
    actor = org.managers[1]
    assert await _ids(h, actor, "q=立项") == [a["id"]]  # body
    assert await _ids(h, actor, "q=模具客户") == [b["id"]]  # title
    assert await _ids(h, actor, "q=预算未") == [a["id"]]  # title or tag
    assert await _ids(h, actor, "q=精密") == [b["id"]]  # tag only
    assert await _ids(h, actor, "q=100%25") == [b["id"]]  # % is literal
    assert await _ids(h, actor, "q=_") == [c["id"]]  # so is _
    assert await _ids(h, actor, "tag=精密模具") == [b["id"]]
    assert await _ids(h, actor, "tag=精密") == []  # exact tag
    assert await _ids(h, actor, "kind=sop") == [c["id"]]
    assert set(await _ids(h, actor, "limit=200")) == {a["id"], b["id"], c["id"]}
    r = await h.client.get(f"{KB}?cites_kind=quote", headers=actor.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cites_kind"
    r = await h.client.post(KB, json={"kind": "sop", "title": "长文", "body": "字" * 20_001}, headers=rep.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
    assert (await h.client.post(KB, json={"kind": "sop", "title": "长文", "body": "字" * 20_000}, headers=rep.headers)).status_code == 201


async def test_who_may_edit_and_delete(h: Harness) -> None:
    org = await h.org()
    author, colleague, manager = org.reps[0], org.reps[1], org.managers[1]  # a manager of another team
    entry = await _entry(h, author, tags=["报价"])
    path = f"{KB}/{entry['id']}"
    r = await h.client.get(path, headers=colleague.headers)
    assert r.status_code == 200 and r.headers["etag"] == '"1"'

    r = await h.client.patch(path, json={"title": "改标题"}, headers=colleague.headers)
    assert r.status_code == 403, r.text
    assert (await h.client.delete(path, headers=colleague.headers)).status_code == 403
    r = await h.client.patch(path, json={"title": "作者修改", "tags": ["报价", "回访"]}, headers={**author.headers, "If-Match": '"1"'})
    assert r.status_code == 200 and r.headers["etag"] == '"2"' and r.json()["tags"] == ["报价", "回访"]
    r = await h.client.patch(path, json={"title": "过期修改"}, headers={**manager.headers, "If-Match": '"1"'})
    assert r.status_code == 412
    r = await h.client.patch(path, json={"body": "主管补充", "kind": "script"}, headers={**manager.headers, "If-Match": '"2"'})
    assert r.status_code == 200 and r.json()["kind"] == "script" and r.json()["title"] == "作者修改"
    r = await h.client.patch(path, json={"title": None}, headers=author.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "title"
    r = await h.client.patch(path, json={"citations": [{"kind": "customer", "id": GHOST}]}, headers=author.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "citations.0.id"
    assert (await h.client.get(path, headers=author.headers)).json()["version"] == 3

    # A rep may delete their own entry; it then reads as gone.
    assert (await h.client.delete(path, headers=author.headers)).status_code == 204
    assert (await h.client.get(path, headers=author.headers)).status_code == 404
    assert entry["id"] not in await _ids(h, author, "limit=200")
    r = await h.client.get(f"/api/v1/audit-log?entity=knowledge_entry&entity_id={entry['id']}", headers=org.admin.headers)
    assert [e["action"] for e in r.json()["items"]] == ["delete", "update", "update", "create"]


async def test_system_requirement_entries_are_read_only(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    await emit_event(h, rep.tenant_id, "customer.grade_changed", "customer", customer["id"],
                     {"customer_id": customer["id"], "old": "B", "new": "A", "score": 0.8})
    items = (await h.client.get(f"{KB}?customer_id={customer['id']}&kind=requirement", headers=rep.headers)).json()["items"]
    assert len(items) == 1 and items[0]["read_only"] and items[0]["created_by"] is None
    path = f"{KB}/{items[0]['id']}"
    for actor in (rep, org.admin):
        r = await h.client.patch(path, json={"title": "手工修改"}, headers=actor.headers)
        assert r.status_code == 409, r.text
        assert (await h.client.delete(path, headers=actor.headers)).status_code == 409
    # A hand-written requirement entry is an ordinary one.
    own = await _entry(h, rep, kind="requirement", title="客户需要防爆认证")
    assert not own["read_only"]
    assert (await h.client.patch(f"{KB}/{own['id']}", json={"body": "ATEX"}, headers=rep.headers)).status_code == 200
