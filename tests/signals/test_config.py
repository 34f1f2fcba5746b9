"""Signal definitions and playbooks as versioned tenant config: validation at save time, presets,
history with authors, and detection following the current version (SPEC §9)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.support import Actor, Harness

SIGNALS = "/api/v1/signals"


def playbook(**extra: Any) -> dict[str, Any]:
    return {"diagnosis": "诊断", "scripts": ["话术一"], **extra}


def signal(code: str, patterns: list[str], **extra: Any) -> dict[str, Any]:
    return {"code": code, "label": code, "patterns": patterns, "playbook": playbook(), **extra}


async def put(h: Harness, who: Actor, signals: list[dict[str, Any]], **extra: Any) -> Any:
    return await h.client.put(SIGNALS, json={"signals": signals, **extra}, headers=who.headers)


async def detected(h: Harness, who: Actor, text: str) -> list[str]:
    r = await h.client.post(f"{SIGNALS}/detect", json={"text": text}, headers=who.headers)
    assert r.status_code == 200, r.text
    return [s["signal"] for s in r.json()["suggestions"]]


async def test_everyone_reads_the_defaults_and_directors_publish_versions(h: Harness) -> None:
    org = await h.org()
    current = (await h.client.get(SIGNALS, headers=org.reps[0].headers)).json()
    assert current["version"] == 1 and current["is_default"]
    assert [s["code"] for s in current["signals"]] == [
        "budget_not_approved", "waiting_for_leader", "delivery_cycle_concern", "price_objection",
        "competitor_mentioned"]
    assert all(s["escalation_count"] == 3 for s in current["signals"])

    r = await put(h, org.reps[0], current["signals"])
    assert r.status_code == 403
    edited = copy.deepcopy(current["signals"])
    edited[0]["patterns"].append("资金没到位")
    r = await put(h, org.director, edited, note="加上资金没到位")
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and not r.json()["is_default"]
    assert r.json()["created_by"] == org.director.user_id
    assert await detected(h, org.reps[0], "对方资金没到位") == ["budget_not_approved"]

    history = (await h.client.get(f"{SIGNALS}/versions", headers=org.reps[0].headers)).json()["items"]
    assert [(v["version"], v["created_by"]) for v in history] == [(2, org.director.user_id), (1, None)]
    first = (await h.client.get(f"{SIGNALS}/versions/1", headers=org.reps[0].headers)).json()
    assert "资金没到位" not in first["signals"][0]["patterns"]
    assert (await h.client.get(f"{SIGNALS}/versions/9", headers=org.reps[0].headers)).status_code == 404

    # Another tenant keeps its own defaults.
    other = await h.signup()
    assert await detected(h, other, "对方资金没到位") == []


async def test_the_store_preset_adds_retail_signals_once(h: Harness) -> None:
    admin = await h.signup()
    assert await detected(h, admin, "我再看看，回去商量一下") == []
    r = await h.client.post(f"{SIGNALS}/presets/store", headers=admin.headers)
    assert r.status_code == 200, r.text
    codes = [s["code"] for s in r.json()["signals"]]
    assert codes[:5] == ["budget_not_approved", "waiting_for_leader", "delivery_cycle_concern",
                         "price_objection", "competitor_mentioned"]
    assert "store_just_looking" in codes and "store_family_decision" in codes
    assert await detected(h, admin, "我再看看，回去商量一下") == ["store_just_looking", "store_family_decision"]
    again = await h.client.post(f"{SIGNALS}/presets/store", headers=admin.headers)
    assert again.json()["version"] == r.json()["version"]  # nothing new to add
    assert (await h.client.post(f"{SIGNALS}/presets/nope", headers=admin.headers)).status_code == 422


@pytest.mark.parametrize(
    ("patterns", "why"),
    [
        (["预算(未批"], "not a valid regular expression"),
        (["(a+)+$"], "nests unbounded repetition"),
        (["(\\w|\\d)+$"], "too long"),
        (["a*"], "matches empty text"),
        (["   "], "blank"),
    ],
)
async def test_bad_patterns_are_refused_at_save_time(h: Harness, patterns: list[str], why: str) -> None:
    admin = await h.signup()
    r = await put(h, admin, [signal("ok_signal", ["正常"]), signal("bad_signal", ["好的", *patterns])])
    assert r.status_code == 422, r.text
    (error,) = r.json()["errors"]
    assert error["field"] == "signals.1.patterns.1" and why in error["message"]
    # Nothing was stored; detection still runs on the defaults.
    assert (await h.client.get(SIGNALS, headers=admin.headers)).json()["version"] == 1


async def test_every_problem_is_named_at_once(h: Harness) -> None:
    admin = await h.signup()
    r = await put(h, admin, [
        signal("dup", ["一"]), signal("dup", ["二"]),
        signal("acts", ["三"], playbook=playbook(linked_action={"kind": "action", "code": "no_such", "label": "x"})),
        signal("docs", ["四"], playbook=playbook(linked_action={"kind": "document", "label": "缺模板"})),
    ])
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert "signals.3.playbook.linked_action" in fields or any(f.startswith("signals.3") for f in fields)
    r = await put(h, admin, [signal("dup", ["一"]), signal("dup", ["二"]),
                             signal("acts", ["三"], playbook=playbook(
                                 linked_action={"kind": "action", "code": "no_such", "label": "x"})),
                             signal("docs", ["四"], playbook=playbook(
                                 linked_action={"kind": "document", "template": "no_such_doc", "label": "x"}))])
    assert {e["field"] for e in r.json()["errors"]} == {
        "signals.1.code", "signals.2.playbook.linked_action.code", "signals.3.playbook.linked_action.template"}
    too_many = [signal("s", ["一"], playbook=playbook(scripts=["1", "2", "3", "4"]))]
    r = await put(h, admin, too_many)
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("signals.0.playbook.scripts")


async def test_regexes_exclusions_and_warning_text(h: Harness) -> None:
    admin = await h.signup()
    r = await put(h, admin, [signal("budget", ["预算.{0,3}没(批|下来)"], exclude=["预算不是没批"],
                                    escalation_count=2,
                                    playbook=playbook(warning="出现${escalation_count}次，请经理介入"))])
    assert r.status_code == 200, r.text
    assert await detected(h, admin, "客户预算一直没批") == ["budget"]
    assert await detected(h, admin, "预算不是没批，是在走流程") == []
    customer = await h.customer(admin)
    await h.client.post("/api/v1/follow-ups", json={"customer_id": customer["id"], "channel": "call",
                                                    "summary": "预算还没下来"}, headers=admin.headers)
    r = await h.client.post(f"{SIGNALS}/detect", json={"text": "预算没批", "customer_id": customer["id"]},
                            headers=admin.headers)
    (suggestion,) = r.json()["suggestions"]
    assert suggestion["count"] == 2 and suggestion["warning"] == "出现2次，请经理介入"


async def test_playbook_edit_and_script_promotion_limit(h: Harness) -> None:
    org = await h.org()
    r = await h.client.put(f"{SIGNALS}/price_objection/playbook", json=playbook(scripts=["先讲价值再谈价格"]),
                           headers=org.director.headers)
    assert r.status_code == 200, r.text
    price = next(s for s in r.json()["signals"] if s["code"] == "price_objection")
    assert price["playbook"]["scripts"] == ["先讲价值再谈价格"] and price["patterns"][0] == "太贵"
    r = await h.client.put(f"{SIGNALS}/nope/playbook", json=playbook(), headers=org.director.headers)
    assert r.status_code == 404
    r = await h.client.put(f"{SIGNALS}/price_objection/playbook", json=playbook(), headers=org.reps[0].headers)
    assert r.status_code == 403


async def test_many_signals_find_only_what_is_there(h: Harness) -> None:
    """200 patterns over 2,000 characters of near-miss text (speed is measured in scripts/bench/signals.py)."""
    admin = await h.signup()
    signals = [signal(f"s{i}", [f"词{i}甲{j}" for j in range(9)] + [f"词{i}(乙|丙){{1,3}}丁"]) for i in range(20)]
    assert (await put(h, admin, signals)).status_code == 200
    text = ("词1甲3，" + "词" * 300 + "乙" * 300) * 3
    assert await detected(h, admin, text[:2000]) == ["s1"]
    assert await detected(h, admin, "词2乙乙丁，词3丙乙丙丁，词4乙乙乙乙丁") == ["s2", "s3"]
