"""Generating documents on request (§9 linked action 《XX项目立项支持包》) and downloading them as
.docx, Markdown and HTML rendered from the same stored blocks."""

from __future__ import annotations

import io
import uuid
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from docx import Document as Docx

from salescore.models import Document
from tests.support import Actor, Harness

D = "/api/v1/documents"
KB = "/api/v1/knowledge-base"
T = "/api/v1/document-templates"


def docx_text(content: bytes) -> str:
    doc = Docx(io.BytesIO(content))
    return "\n".join([p.text for p in doc.paragraphs]
                     + [c.text for t in doc.tables for row in t.rows for c in row.cells])


async def _case(h: Harness, actor: Actor, title: str, tags: list[str], kind: str = "case") -> str:
    r = await h.client.post(KB, json={"kind": kind, "title": title, "body": f"{title}：上线后良率提升 3%。", "tags": tags},
                            headers=actor.headers)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _download(h: Harness, actor: Actor, document_id: str, fmt: str | None = None) -> Any:
    suffix = f"?format={fmt}" if fmt else ""
    r = await h.client.get(f"{D}/{document_id}/content{suffix}", headers=actor.headers)
    assert r.status_code == 200, r.text
    return r


async def test_project_approval_pack_is_filled_from_the_record(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep, name="东莞精密模具有限公司", industry="精密模具", region="华南", city="东莞",
                                annual_purchase="1200000", requirements={"drawings": True, "tech_params": False})
    await h.client.post(f"/api/v1/customers/{customer['id']}/contacts", headers=rep.headers,
                        json={"name": "王工", "title": "技术部经理", "decision_role": "technical"})
    deal = await h.opportunity(rep, customer["id"], name="电池壳体模具", amount="350000")
    old_case = await _case(h, org.reps[2], "模具案例一", ["精密模具"])
    cases = [await _case(h, rep, f"模具案例{n}", ["精密模具", "华南"]) for n in "二三四"]
    await _case(h, rep, "快消案例", ["快消"])
    await _case(h, rep, "模具SOP", ["精密模具"], kind="sop")

    r = await h.client.post(D, headers=rep.headers, json={
        "template": "project_approval_pack", "customer_id": customer["id"], "opportunity_id": deal["id"],
        "signal": "budget_not_approved"})
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["kind"] == "project_approval_pack" and doc["title"] == "东莞精密模具有限公司项目立项支持包"
    assert doc["template_version"] == 0 and doc["follow_up_id"] is None and doc["action_id"] is None
    assert doc["owner_id"] == rep.user_id and doc["opportunity_id"] == deal["id"]
    # The newest three cases of the customer's industry, traceable to their entries.
    assert [c["id"] for c in doc["data"]["cases"]] == cases[::-1] and old_case not in str(doc["data"])
    assert doc["data"]["values"]["customer.annual_purchase"] == "1,200,000.00"
    assert doc["data"]["signal"] == "budget_not_approved"
    assert doc["blocks"][0] == {"type": "heading", "level": 1, "text": "《东莞精密模具有限公司项目立项支持包》"}

    text = docx_text((await _download(h, rep, doc["id"])).content)
    for expected in ("东莞精密模具有限公司项目立项支持包", "客户概况", "精密模具", "华南 东莞", "1,200,000.00", "王工（技术部经理）",
                     "已提供", "未提供", "电池壳体模具", "行业案例", "模具案例四", "模具案例二", "ROI 测算模板",
                     "350,000.00", "投资额（元）", "年节约成本（元）", "投资回收期（月）", "政策依据", "立项建议", "☐ 确认预算区间与资金来源"):
        assert expected in text, expected
    for absent in ("模具案例一", "快消案例", "模具SOP", "${"):
        assert absent not in text, absent

    md = await _download(h, rep, doc["id"], "md")
    assert md.headers["content-type"] == "text/markdown; charset=utf-8"
    assert md.headers["content-disposition"].endswith("filename*=UTF-8''" + quote(f"{doc['title']}.md", safe=""))
    assert md.text.startswith("# 《东莞精密模具有限公司项目立项支持包》")
    assert "| 年采购额（元） | 1,200,000.00 |" in md.text and "### 案例1：模具案例四" in md.text
    assert "| 投资额（元） | \\_\\_\\_\\_\\_\\_\\_\\_\\_\\_ |" in md.text and "- [ ] 确认预算区间与资金来源" in md.text

    page = await _download(h, rep, doc["id"], "html")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<h1>《东莞精密模具有限公司项目立项支持包》</h1>" in page.text and "<td>1,200,000.00</td>" in page.text
    assert 'filename="' in page.headers["content-disposition"]

    # The document is the customer's: visible where the customer is, 404 elsewhere.
    assert (await h.client.get(f"{D}/{doc['id']}/content?format=md", headers=org.reps[2].headers)).status_code == 404
    listed = (await h.client.get(f"{D}?customer_id={customer['id']}", headers=org.managers[0].headers)).json()["items"]
    assert [d["id"] for d in listed] == [doc["id"]]
    r = await h.client.get(f"/api/v1/audit-log?entity=document&entity_id={doc['id']}", headers=org.admin.headers)
    assert [e["action"] for e in r.json()["items"]] == ["create"]


async def test_no_cases_yet_and_no_deal(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep, name="苏州新材料", industry="新材料")
    r = await h.client.post(D, headers=rep.headers, json={"template": "project_approval_pack", "customer_id": customer["id"]})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["cases"] == [] and r.json()["opportunity_id"] is None
    text = docx_text((await _download(h, rep, r.json()["id"])).content)
    assert "暂无“新材料”行业案例" in text
    assert "客户年采购额（元）" in text and "__________" in text  # blanks to fill in


async def test_values_are_escaped_in_every_format(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    name = '<script>alert("x")</script> & *粗体* | 管道'
    customer = await h.customer(rep, name=name, industry="<b>行业</b>")
    r = await h.client.post(D, headers=rep.headers, json={"template": "tech_confirmation", "customer_id": customer["id"]})
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["title"] == f"客户技术确认单－{name}"
    page = (await _download(h, rep, doc["id"], "html")).text
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; *粗体* | 管道" in page
    assert "&lt;b&gt;行业&lt;/b&gt;" in page
    md = (await _download(h, rep, doc["id"], "md")).text
    assert "<script>" not in md and "\\<script\\>" in md and "\\*粗体\\* \\| 管道" in md
    assert name in docx_text((await _download(h, rep, doc["id"])).content)
    r = await h.client.get(f"{D}/{doc['id']}/content?format=md", headers=rep.headers)
    assert "filename*=UTF-8''" in r.headers["content-disposition"] and "<" not in r.headers["content-disposition"].split("filename*")[1]


async def test_a_tenant_edit_is_used_by_requests_and_by_actions(h: Harness) -> None:
    org = await h.org()
    rep, director = org.reps[0], org.director
    customer = await h.customer(rep, name="宁波智能仓储", industry="智能仓储", annual_purchase="880000")
    body = {"title": "${customer.name}立项材料", "sections": [
        {"heading": "专属说明", "kind": "text", "text": "为${customer.name}定制，年采购额 ${customer.annual_purchase} 元。"},
        {"heading": "负责人", "kind": "fields", "fields": [{"label": "生成人", "key": "user.name"}]},
    ]}
    assert (await h.client.put(f"{T}/project_approval_pack", json=body, headers=director.headers)).status_code == 200
    tech = {"title": "技术确认（华东版）", "sections": [
        {"heading": "确认", "kind": "fields", "fields": [{"label": "客户", "key": "customer.name"},
                                                      {"label": "方案说明", "key": "action.note"},
                                                      {"label": "提供人", "key": "action.performed_by"}]}]}
    assert (await h.client.put(f"{T}/tech_confirmation", json=tech, headers=director.headers)).status_code == 200

    r = await h.client.post(D, headers=rep.headers, json={"template": "project_approval_pack", "customer_id": customer["id"]})
    assert r.status_code == 201, r.text
    assert r.json()["title"] == "宁波智能仓储立项材料" and r.json()["template_version"] == 1
    md = (await _download(h, rep, r.json()["id"], "md")).text
    assert "为宁波智能仓储定制，年采购额 880,000.00 元。" in md and "行业案例" not in md

    # The service action's document (rules engine) uses the tenant's template too, and keeps its blocks.
    r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json={
        "customer_id": customer["id"], "channel": "wechat",
        "actions": [{"code": "solution_3d_provided", "fields": {"note": "已调整浇口"}}]})
    assert r.status_code == 201, r.text
    await h.drain()
    docs = (await h.client.get(f"{D}?customer_id={customer['id']}", headers=rep.headers)).json()["items"]
    tc = next(d for d in docs if d["kind"] == "tech_confirmation")
    assert tc["title"] == "技术确认（华东版）－宁波智能仓储" and tc["template_version"] == 1
    assert tc["follow_up_id"] == r.json()["id"] and tc["action_id"]
    md = (await _download(h, rep, tc["id"], "md")).text
    assert "| 方案说明 | 已调整浇口 |" in md and "客户确认" not in md

    # Back to the built-in: the next document has the built-in's sections again.
    assert (await h.client.delete(f"{T}/project_approval_pack", headers=director.headers)).status_code == 204
    r = await h.client.post(D, headers=rep.headers, json={"template": "project_approval_pack", "customer_id": customer["id"]})
    assert r.json()["template_version"] == 0 and "ROI 测算模板" in (await _download(h, rep, r.json()["id"], "md")).text


async def test_who_may_generate_what(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    other_customer = await h.customer(rep)
    other_deal = await h.opportunity(rep, other_customer["id"])
    stranger = await h.signup("另一家公司")
    foreign = await h.customer(stranger)

    async def post(actor: Actor, **body: Any) -> Any:
        return await h.client.post(D, headers=actor.headers, json={"template": "project_approval_pack", **body})

    # A customer of another tenant, or outside the caller's reach, is 404 like one that does not exist.
    for actor, customer_id in ((rep, foreign["id"]), (org.reps[2], customer["id"]), (rep, "00000000-0000-4000-8000-000000000000")):
        r = await post(actor, customer_id=customer_id)
        assert r.status_code == 404, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await post(rep, customer_id=customer["id"], opportunity_id=other_deal["id"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "opportunity_id"
    r = await post(rep, customer_id=customer["id"], template="no_such_template")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "template"
    r = await post(rep, customer_id=customer["id"], template="../etc")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "template"
    r = await post(rep, customer_id=customer["id"], signal="预算")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "signal"
    # A manager of the owner's team may generate; the format must be one of docx|md|html.
    r = await post(org.managers[0], customer_id=customer["id"])
    assert r.status_code == 201, r.text
    bad = await h.client.get(f"{D}/{r.json()['id']}/content?format=pdf", headers=rep.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "format"
    docx = await _download(h, rep, r.json()["id"], "docx")
    assert docx.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument")


async def test_a_document_without_stored_blocks_offers_only_docx(h: Harness) -> None:
    """Documents generated before blocks were stored (migration 0005) keep their .docx only."""
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    r = await h.client.post(D, headers=rep.headers, json={"template": "tech_confirmation", "customer_id": customer["id"]})
    doc_id = r.json()["id"]
    async with h.runtime.sessionmaker() as session:
        await session.execute(sa.update(Document).where(Document.id == uuid.UUID(doc_id)).values(blocks=[]))
        await session.commit()
    for fmt in ("md", "html"):
        r = await h.client.get(f"{D}/{doc_id}/content?format={fmt}", headers=rep.headers)
        assert r.status_code == 409 and "format=docx" in r.json()["detail"]
    assert "客户技术确认单" in docx_text((await _download(h, rep, doc_id)).content)
