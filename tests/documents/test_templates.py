"""Document templates as tenant data (§9 linked actions): built-ins until edited, versioned edits
with ETag / If-Match, 422 naming the path of a bad section, DELETE back to the built-in."""

from __future__ import annotations

from typing import Any

from tests.support import Harness

T = "/api/v1/document-templates"


def _template(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "${customer.name}项目立项支持包（华东版）",
        "sections": [
            {"heading": "客户", "kind": "fields", "fields": [{"label": "客户名称", "key": "customer.name"},
                                                            {"label": "年采购额", "key": "customer.annual_purchase"}]},
            {"heading": "说明", "kind": "text", "text": "${customer.name}专属立项说明\n- 第一步：确认预算"},
            {"heading": "案例", "kind": "cases", "limit": 2},
            {"heading": "ROI", "kind": "table", "columns": ["项目", "数值"], "rows": [["投资额", ""]]},
            {"heading": "下一步", "kind": "checklist", "items": ["约定评审时间"]},
        ],
        **overrides,
    }


async def test_builtins_apply_until_a_director_edits(h: Harness) -> None:
    org = await h.org()
    rep, director = org.reps[0], org.director
    r = await h.client.get(T, headers=rep.headers)
    assert r.status_code == 200, r.text
    by_code = {t["code"]: t for t in r.json()}
    assert {"tech_confirmation", "project_approval_pack"} <= set(by_code)
    pack = by_code["project_approval_pack"]
    assert pack["version"] == 0 and pack["builtin"] and not pack["customized"]
    assert [s["kind"] for s in pack["sections"]][:5] == ["fields", "cases", "table", "text", "checklist"]
    r = await h.client.get(f"{T}/project_approval_pack", headers=rep.headers)
    assert r.status_code == 200 and r.headers["etag"] == '"0"'

    # Reps read; directors write.
    assert (await h.client.put(f"{T}/project_approval_pack", json=_template(), headers=rep.headers)).status_code == 403
    r = await h.client.put(f"{T}/project_approval_pack", json=_template(), headers={**director.headers, "If-Match": '"0"'})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"1"' and r.json()["customized"] and r.json()["updated_by"] == director.user_id
    assert r.json()["sections"][1]["text"].startswith("${customer.name}")
    stale = await h.client.put(f"{T}/project_approval_pack", json=_template(description="再改"),
                               headers={**director.headers, "If-Match": '"0"'})
    assert stale.status_code == 412
    r = await h.client.put(f"{T}/project_approval_pack", json=_template(description="再改"),
                           headers={**director.headers, "If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["version"] == 2
    listed = {t["code"]: t for t in (await h.client.get(T, headers=rep.headers)).json()}
    assert listed["project_approval_pack"]["version"] == 2 and listed["tech_confirmation"]["version"] == 0

    # The edit is audited.
    r = await h.client.get("/api/v1/audit-log?entity=document_template", headers=org.admin.headers)
    assert r.status_code == 200, r.text
    assert [e["action"] for e in r.json()["items"]] == ["update", "create"]

    # DELETE goes back to the built-in, and is idempotent for a built-in code.
    assert (await h.client.delete(f"{T}/project_approval_pack", headers={**director.headers, "If-Match": '"1"'})).status_code == 412
    assert (await h.client.delete(f"{T}/project_approval_pack", headers=director.headers)).status_code == 204
    r = await h.client.get(f"{T}/project_approval_pack", headers=rep.headers)
    assert r.json()["version"] == 0 and not r.json()["customized"] and "立项支持包" in r.json()["title"]
    assert (await h.client.delete(f"{T}/project_approval_pack", headers=director.headers)).status_code == 204
    # An edit after the reset carries the version on (an old ETag never matches again).
    r = await h.client.put(f"{T}/project_approval_pack", json=_template(), headers=director.headers)
    assert r.status_code == 200 and r.json()["version"] == 4  # 3 was the reset


async def test_new_codes_and_deletion(h: Harness) -> None:
    org = await h.org()
    director = org.director
    assert (await h.client.get(f"{T}/visit_summary", headers=director.headers)).status_code == 404
    assert (await h.client.delete(f"{T}/visit_summary", headers=director.headers)).status_code == 404
    # If-Match names a version: a code that does not exist yet has none.
    r = await h.client.put(f"{T}/visit_summary", json=_template(title="拜访纪要"), headers={**director.headers, "If-Match": '"0"'})
    assert r.status_code == 412
    r = await h.client.put(f"{T}/visit_summary", json=_template(title="拜访纪要"), headers=director.headers)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1 and not r.json()["builtin"] and r.json()["customized"]
    assert "visit_summary" in {t["code"] for t in (await h.client.get(T, headers=org.reps[0].headers)).json()}
    assert (await h.client.delete(f"{T}/visit_summary", headers=director.headers)).status_code == 204
    assert (await h.client.get(f"{T}/visit_summary", headers=director.headers)).status_code == 404
    assert (await h.client.delete(f"{T}/visit_summary", headers=director.headers)).status_code == 404
    # Another tenant never sees it.
    other = await h.signup("另一家")
    r = await h.client.put(f"{T}/visit_summary", json=_template(), headers=director.headers)
    assert r.status_code == 200
    assert (await h.client.get(f"{T}/visit_summary", headers=other.headers)).status_code == 404
    assert "visit_summary" not in {t["code"] for t in (await h.client.get(T, headers=other.headers)).json()}


async def test_bad_templates_answer_422_naming_the_path(h: Harness) -> None:
    org = await h.org()
    director = org.director
    path = f"{T}/project_approval_pack"
    fields = {"heading": "客户", "kind": "fields", "fields": [{"label": "名称", "key": "customer.name"}]}
    cases = [
        ({"title": "x", "sections": [{"kind": "chart"}]}, "sections.0.kind"),
        ({"title": "x", "sections": [{"kind": "fields", "fields": [{"label": "密码", "key": "user.password_hash"}]}]},
         "sections.0.fields.0.key"),
        ({"title": "x", "sections": [fields, {"kind": "text", "text": "${customer.__class__}"}]}, "sections.1.text"),
        ({"title": "${tenant.secret_key}", "sections": [fields]}, "title"),
        ({"title": "x", "sections": [{"kind": "checklist", "items": ["a"], "text": "b"}]}, "sections.0.text"),
        ({"title": "x", "sections": [{"kind": "text"}]}, "sections.0.text"),
        ({"title": "x", "sections": [{"kind": "table", "columns": ["a", "b"], "rows": [["1", "2"], ["3"]]}]},
         "sections.0.rows.1"),
        ({"title": "x", "sections": [{"kind": "table", "columns": ["a"], "rows": [["${opportunity.nope}"]]}]},
         "sections.0.rows.0.0"),
        ({"title": "x", "sections": [{"kind": "cases", "limit": 0}]}, "sections.0.limit"),
        ({"title": "x", "sections": []}, "sections"),
        ({"title": "x", "sections": [fields], "footer": "y"}, "footer"),
    ]
    for body, field in cases:
        r = await h.client.put(path, json=body, headers=director.headers)
        assert r.status_code == 422, (field, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in r.json()["errors"]], (field, r.json())
    r = await h.client.put(f"{T}/Bad-Code", json={"title": "x", "sections": [fields]}, headers=director.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "code"
    # Nothing was stored.
    r = await h.client.get(path, headers=director.headers)
    assert r.json()["version"] == 0


def test_builtins_are_valid_templates() -> None:
    """The built-ins obey the rules a director's edit must pass (kinds, attributes, keys, placeholders)."""
    from salescore.document.schemas import DocumentTemplateIn
    from salescore.document.template_service import validate
    from salescore.document.templates import BUILTIN_TEMPLATES

    for code, spec in BUILTIN_TEMPLATES.items():
        data = DocumentTemplateIn.model_validate({k: spec[k] for k in ("title", "description", "sections")})
        assert validate(data) == spec["sections"], code
