"""Signal detection (SPEC §9) on realistic notes: the defaults, near misses, spacing and width variants."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Harness

DETECT = "/api/v1/signals/detect"


async def detect(h: Harness, headers: dict[str, str], text: str, **extra: Any) -> dict[str, Any]:
    r = await h.client.post(DETECT, json={"text": text, **extra}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天拜访了王工，他说预算还没批，要等领导出差回来再定。", ["budget_not_approved", "waiting_for_leader"]),
        ("客户反复问多久能交货，另外觉得我们价格高，希望能不能便宜一些。",
         ["delivery_cycle_concern", "price_objection"]),
        ("采购提到友商报价更低。", ["competitor_mentioned"]),
        ("项目还没立项，先做技术交流。", ["budget_not_approved"]),
        ("等老板拍板再说", ["waiting_for_leader"]),
        # Spacing and full-width forms are the same words.
        ("预算 还没 批", ["budget_not_approved"]),
        ("跟ＡＢＣ友商比，交　期怎么样？", ["competitor_mentioned", "delivery_cycle_concern"]),
    ],
)
async def test_realistic_notes_raise_their_signals(h: Harness, text: str, expected: list[str]) -> None:
    admin = await h.signup()
    body = await detect(h, admin.headers, text)
    assert [s["signal"] for s in body["suggestions"]] == expected
    for hit in body["hits"]:
        # Offsets point into the text as typed, whatever normalization matched.
        assert text[hit["start"]:hit["end"]] == hit["matched"]


@pytest.mark.parametrize(
    "text",
    [
        "好消息：预算已经批了，下周走合同。",
        "价格也不算太贵，客户能接受。",
        "王总问价格高不高，我说看配置。",
        "这款设备特别家用化，操作简单。",
        "客户的立项已经完成，预算充足。",
    ],
)
async def test_near_misses_do_not_match(h: Harness, text: str) -> None:
    admin = await h.signup()
    body = await detect(h, admin.headers, text)
    assert body["hits"] == [] and body["suggestions"] == []


async def test_suggestion_carries_the_playbook(h: Harness) -> None:
    admin = await h.signup()
    body = await detect(h, admin.headers, "对方说预算未批")
    assert body["hits"] == [{"signal": "budget_not_approved", "label": "预算未批", "matched": "预算未批",
                             "start": 3, "end": 7}]
    (suggestion,) = body["suggestions"]
    assert "理解立项需要流程，您看我们能否先协助准备立项材料？" in suggestion["scripts"]
    assert suggestion["diagnosis"].startswith("决策机制问题")
    assert suggestion["linked_action"]["kind"] == "document"
    assert suggestion["linked_action"]["template"] == "project_approval_pack"
    # Without a customer there is nothing to count, so no warning.
    assert suggestion["count"] is None and suggestion["warning"] is None


async def test_bad_text_is_refused_clearly(h: Harness) -> None:
    admin = await h.signup()
    for text in ("", "   \n"):
        r = await h.client.post(DETECT, json={"text": text}, headers=admin.headers)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await h.client.post(DETECT, json={"text": "预算还没批" * 20_000}, headers=admin.headers)  # 100k characters
    assert r.status_code in (413, 422), r.text
    assert any(e["field"] == "text" for e in r.json().get("errors", [])) or r.status_code == 413
    r = await h.client.post(DETECT, json={"text": "预算还没批", "customer_id": "00000000-0000-4000-8000-000000000000"},
                            headers=admin.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "customer_id"


def test_repeated_phrases_are_bounded_and_exclusions_cover_every_repeat() -> None:
    from salescore.signal.defaults import DEFAULT_SIGNALS
    from salescore.signal.matcher import MAX_HITS, Matcher

    matcher = Matcher(DEFAULT_SIGNALS)
    assert len(matcher.find("太贵" * 10_000)) == MAX_HITS
    later = matcher.find("客户又说太贵了。" * 120 + "另外预算还没批。")
    assert {h.signal for h in later} == {"price_objection", "budget_not_approved"}
    assert matcher.find("不太贵，" * 5_000) == []
    mixed = matcher.find("不太贵，太贵")
    assert [(h.matched, h.start) for h in mixed] == [("太贵", 4)]
