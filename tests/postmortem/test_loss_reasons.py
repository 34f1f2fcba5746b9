"""The tenant's loss-reason list (SPEC §10): defaults, replaced by directors, kept apart from PATCH /tenant."""

from __future__ import annotations

from tests.postmortem.support import deal_of, lose, post_mortem
from tests.support import Harness

DEFAULTS = [("price", "价格异议"), ("product_fit", "产品不匹配"), ("competitor", "竞品胜出"), ("timing", "时机/延期"),
            ("budget", "预算取消"), ("relationship", "关系/决策链"), ("other", "其他")]
URL = "/api/v1/loss-reasons"


async def test_directors_replace_the_list_and_losses_follow_it(h: Harness) -> None:
    org = await h.org()
    rep, director = org.reps[0], org.director
    r = await h.client.get(URL, headers=rep.headers)
    assert r.status_code == 200 and [(i["code"], i["label"]) for i in r.json()["items"]] == DEFAULTS
    before = await deal_of(h, rep)
    assert (await lose(h, rep, before["id"], reason="relationship")).status_code == 201

    items = [{"code": "price", "label": "价格高"}, {"code": "delivery", "label": "交期不满足"},
             {"code": "other", "label": "其他"}]
    assert (await h.client.put(URL, json={"items": items}, headers=rep.headers)).status_code == 403
    r = await h.client.put(URL, json={"items": [*items, {"code": "price", "label": "重复"}]}, headers=director.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "items.3.code", r.text
    r = await h.client.put(URL, json={"items": items[:2]}, headers=director.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "items", r.text
    r = await h.client.put(URL, json={"items": [{"code": "Bad Code", "label": "x"}]}, headers=director.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "items.0.code", r.text
    r = await h.client.put(URL, json={"items": items}, headers=director.headers)
    assert r.status_code == 200 and r.json()["items"] == items, r.text
    assert (await h.client.get(URL, headers=rep.headers)).json()["items"] == items

    d = await deal_of(h, rep)
    r = await lose(h, rep, d["id"], reason="timing")
    assert r.status_code == 422 and "delivery" in r.json()["errors"][0]["message"]
    r = await lose(h, rep, d["id"], reason="delivery")
    assert r.status_code == 201 and r.json()["reason_label"] == "交期不满足"
    # A loss declared under a code since removed keeps it, shown as the code.
    old = (await post_mortem(h, rep, before["id"])).json()
    assert (old["reason"], old["reason_label"]) == ("relationship", "relationship")

    # PATCH /tenant neither shows nor replaces the list; the list does not break tenant reads.
    r = await h.client.patch("/api/v1/tenant", json={"settings": {"daily_report_deadline": {"time": "11:00"}}},
                             headers=director.headers)
    assert r.status_code == 200, r.text
    assert "loss_reasons" not in r.json()["settings"]
    assert r.json()["settings"]["daily_report_deadline"]["time"] == "11:00"
    assert (await h.client.get(URL, headers=rep.headers)).json()["items"] == items
    assert (await h.client.get("/api/v1/tenant", headers=rep.headers)).status_code == 200
    assert (await h.client.get("/api/v1/me", headers=rep.headers)).status_code == 200

    audit = (await h.client.get("/api/v1/audit-log?entity=tenant", headers=org.admin.headers)).json()["items"]
    changed = [row for row in audit if (row["after"] or {}).get("settings", {}).get("loss_reasons") == items
               and not (row["before"] or {}).get("settings", {}).get("loss_reasons")]
    assert len(changed) == 1 and changed[0]["actor_id"] == director.user_id
