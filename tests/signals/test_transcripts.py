"""Call transcripts (SPEC §12): plain text and iFlytek JSON, scanned for signals, bounded input."""

from __future__ import annotations

import json
from typing import Any

from tests.support import Actor, Harness


async def call(h: Harness, rep: Actor, summary: str = "电话沟通") -> dict[str, Any]:
    customer = await h.customer(rep)
    r = await h.client.post("/api/v1/follow-ups", json={"customer_id": customer["id"], "channel": "call",
                                                        "summary": summary}, headers=rep.headers)
    assert r.status_code == 201, r.text
    return r.json()


def lattice(*sentences: tuple[str, list[str]]) -> dict[str, Any]:
    """An iFlytek lfasr v2 getResult body: orderResult and each json_1best are JSON strings."""
    entries = [{"json_1best": json.dumps({"st": {"bg": str(i * 2000), "ed": str(i * 2000 + 1500), "rl": speaker,
                                                  "rt": [{"ws": [{"cw": [{"w": w, "wp": "n"}]} for w in words]}]}},
                                         ensure_ascii=False)}
               for i, (speaker, words) in enumerate(sentences)]
    return {"code": "000000", "descInfo": "success",
            "content": {"orderResult": json.dumps({"lattice": entries}, ensure_ascii=False)}}


async def test_plain_text_transcript_is_stored_and_scanned(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    fu = await call(h, rep)
    url = f"/api/v1/follow-ups/{fu['id']}/transcript"
    text = "销售：您好王工。\n客户：方案我们看了，就是太贵了，而且预算还没批。"
    r = await h.client.post(url, content=text.encode(), headers={**rep.headers, "Content-Type": "text/plain"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["format"] == "text" and body["text"] == text and body["segments"] == []
    assert [s["signal"] for s in body["signals"]["suggestions"]] == ["price_objection", "budget_not_approved"]
    got = await h.client.get(url, headers=rep.headers)
    assert got.status_code == 200 and got.json()["text"] == text and got.json()["signals"] is None
    # Invisible to a rep of another team, and absent for another follow-up.
    assert (await h.client.get(url, headers=org.reps[2].headers)).status_code == 404
    other = await call(h, rep)
    assert (await h.client.get(f"/api/v1/follow-ups/{other['id']}/transcript", headers=rep.headers)).status_code == 404


async def test_iflytek_results_become_segments(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    fu = await call(h, rep)
    url = f"/api/v1/follow-ups/{fu['id']}/transcript"
    r = await h.client.post(url, json=lattice(("1", ["您好", "，", "我", "是", "小李", "。"]),
                                              ("2", ["我们", "领导", "不在", "，", "等", "老板", "定", "。"])),
                            headers=rep.headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["format"] == "iflytek"
    assert body["segments"] == [
        {"speaker": "1", "start_ms": 0, "end_ms": 1500, "text": "您好，我是小李。"},
        {"speaker": "2", "start_ms": 2000, "end_ms": 3500, "text": "我们领导不在，等老板定。"},
    ]
    assert body["text"] == "您好，我是小李。\n我们领导不在，等老板定。"
    assert [s["signal"] for s in body["signals"]["suggestions"]] == ["waiting_for_leader"]

    # The older lfasr shape replaces it (200), and its signals replace the earlier ones.
    old = {"ok": 0, "data": json.dumps([{"bg": "0", "ed": "900", "onebest": "交付周期要多久？", "speaker": "2"}],
                                       ensure_ascii=False)}
    r = await h.client.post(url, json=old, headers=rep.headers)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["segments"][0]["text"] == "交付周期要多久？"
    signals = (await h.client.get(f"/api/v1/customers/{fu['customer_id']}/signals", headers=rep.headers)).json()
    assert {i["signal"]: i["count"] for i in signals["items"]} == {"delivery_cycle_concern": 1}


async def test_summary_and_transcript_of_one_call_count_once(h: Harness) -> None:
    admin = await h.signup()
    fu = await call(h, admin, "客户说太贵")
    r = await h.client.post(f"/api/v1/follow-ups/{fu['id']}/transcript", json={"text": "客户：还是太贵，能不能便宜"},
                            headers=admin.headers)
    assert r.status_code == 201, r.text
    assert r.json()["signals"]["suggestions"][0]["count"] == 1
    signals = (await h.client.get(f"/api/v1/customers/{fu['customer_id']}/signals", headers=admin.headers)).json()
    assert [(i["signal"], i["count"]) for i in signals["items"]] == [("price_objection", 1)]
    # Deleting the follow-up retires both.
    assert (await h.client.delete(f"/api/v1/follow-ups/{fu['id']}", headers=admin.headers)).status_code == 204
    signals = (await h.client.get(f"/api/v1/customers/{fu['customer_id']}/signals", headers=admin.headers)).json()
    assert signals["items"] == []


async def test_bad_transcripts_are_refused_clearly(h: Harness) -> None:
    admin = await h.signup()
    fu = await call(h, admin)
    url = f"/api/v1/follow-ups/{fu['id']}/transcript"

    async def post(**kwargs: Any) -> Any:
        return await h.client.post(url, headers={**admin.headers, **kwargs.pop("headers", {})}, **kwargs)

    cases = [
        (await post(content=b"", headers={"Content-Type": "text/plain"}), 422, "text"),
        (await post(content="预算还没批".encode() * 20_000, headers={"Content-Type": "text/plain"}), 422, "text"),
        (await post(content=b"{not json", headers={"Content-Type": "application/json"}), 422, "body"),
        (await post(json={"segments": [{"speaker": "1"}]}), 422, "segments.0.text"),
        (await post(json={"content": {"orderResult": "[1"}}), 422, "content.orderResult"),
        (await post(json={"segments": [{"text": "好", "bg": "soon"}]}), 422, "segments.0.bg"),
        (await post(json=["a"]), 422, "body"),
        (await post(content=b'{"segments":[{"text":"hi","start_ms":1e400}]}',
                    headers={"Content-Type": "application/json"}), 422, "segments.0.bg"),
        (await post(json={"content": {"orderResult": {"lattice": [{"json_1best": {"st": {"rt": [1]}}}]}}}), 422,
         "content.orderResult.lattice.0.json_1best"),
        (await post(content=b"[" * 200_000, headers={"Content-Type": "application/json"}), 422, "body"),
        (await post(content=b"\xff\xfe", headers={"Content-Type": "text/plain"}), 422, "body"),
    ]
    for response, status, field in cases:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"] == field
    r = await post(content=b"x" * (3 * 1024 * 1024), headers={"Content-Type": "text/plain"})
    assert r.status_code == 413
    r = await post(content=b"<xml/>", headers={"Content-Type": "application/xml"})
    assert r.status_code == 415
    # Nothing was stored by any of them.
    assert (await h.client.get(url, headers=admin.headers)).status_code == 404
