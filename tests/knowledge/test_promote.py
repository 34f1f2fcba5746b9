"""Promoting an SOP or script entry to a playbook script (§9: 1-3 suggested scripts per signal)."""

from __future__ import annotations

from typing import Any

from tests.support import Actor, Harness

KB = "/api/v1/knowledge-base"


async def _entry(h: Harness, actor: Actor, kind: str, body: str) -> dict[str, Any]:
    r = await h.client.post(KB, json={"kind": kind, "title": f"{kind} 条目", "body": body}, headers=actor.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _scripts(h: Harness, actor: Actor, code: str) -> list[str]:
    r = await h.client.get("/api/v1/signals", headers=actor.headers)
    assert r.status_code == 200, r.text
    return next(s for s in r.json()["signals"] if s["code"] == code)["playbook"]["scripts"]


async def test_promote_an_sop_to_a_playbook_script(h: Harness) -> None:
    org = await h.org()
    rep, director = org.reps[0], org.director
    before = await _scripts(h, rep, "budget_not_approved")
    assert len(before) == 2
    sop = await _entry(h, rep, "sop", "  先约技术负责人看样机，再谈立项材料。" + "补" * 600 + "  ")
    path = f"{KB}/{sop['id']}/promote"

    assert (await h.client.post(path, json={"signal": "budget_not_approved"}, headers=rep.headers)).status_code == 403
    assert (await h.client.post(path, json={"signal": "budget_not_approved"}, headers=org.managers[0].headers)).status_code == 403
    r = await h.client.post(path, json={"signal": "budget_not_approved"}, headers=director.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["entry_id"] == sop["id"] and body["signal"] == "budget_not_approved" and body["version"] >= 2
    scripts = await _scripts(h, rep, "budget_not_approved")
    assert scripts[:2] == before and len(scripts) == 3
    assert scripts[2].startswith("先约技术负责人看样机") and len(scripts[2]) == 500  # the body, trimmed

    # A playbook keeps at most three scripts; an unknown signal is named.
    script = await _entry(h, rep, "script", "您看下周二方便来工厂看样机吗？")
    r = await h.client.post(f"{KB}/{script['id']}/promote", json={"signal": "budget_not_approved"}, headers=director.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "signal"
    r = await h.client.post(f"{KB}/{script['id']}/promote", json={"signal": "no_such_signal"}, headers=director.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "signal"
    r = await h.client.post(f"{KB}/{script['id']}/promote", json={"signal": "price_objection", "script": "价值先于价格。"},
                            headers=org.admin.headers)
    assert r.status_code == 200, r.text
    assert "价值先于价格。" in await _scripts(h, rep, "price_objection")

    # Only sop and script entries become scripts.
    case = await _entry(h, rep, "case", "某模具厂案例")
    r = await h.client.post(f"{KB}/{case['id']}/promote", json={"signal": "price_objection"}, headers=director.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "entry_id"
    empty = await _entry(h, rep, "sop", "   ")
    r = await h.client.post(f"{KB}/{empty['id']}/promote", json={"signal": "price_objection"}, headers=director.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "script"
    # Another tenant's entry is 404 even to its admin.
    stranger = await h.signup("另一家公司")
    assert (await h.client.post(path, json={"signal": "price_objection"}, headers=stranger.headers)).status_code == 404
