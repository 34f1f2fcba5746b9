"""Follow-ups: who, when (occurred vs recorded), with whom, and on which deal (§3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support import Harness


async def test_follow_up_records_occurred_and_recorded_times(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    c = await h.customer(rep)
    contact = (await h.client.post(
        f"/api/v1/customers/{c['id']}/contacts", json={"name": "张工", "decision_role": "technical"}, headers=rep.headers
    )).json()
    occurred = (datetime.now(UTC) - timedelta(hours=3)).replace(microsecond=0)
    r = await h.client.post(
        "/api/v1/follow-ups",
        json={
            "customer_id": c["id"], "channel": "visit", "occurred_at": occurred.isoformat(),
            "summary": "客户提到预算还没批，需要先立项", "contact_ids": [contact["id"]],
            "actions": [{"code": "proposal_sent", "fields": {"core_need": "降本", "decision_maker_role": "技术"}}],
        },
        headers=rep.headers,
    )
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["user_id"] == rep.user_id and f["created_via"] == "app"
    assert datetime.fromisoformat(f["occurred_at"]) == occurred
    latency = datetime.fromisoformat(f["recorded_at"]) - occurred
    assert timedelta(hours=2, minutes=59) < latency < timedelta(hours=3, minutes=5)
    assert f["actions"][0]["code"] == "proposal_sent" and f["contact_ids"] == [contact["id"]]
    listed = await h.client.get(f"/api/v1/follow-ups?customer_id={c['id']}", headers=rep.headers)
    assert [x["id"] for x in listed.json()["items"]] == [f["id"]]
    # A manager of the team sees it; another team's rep does not.
    assert (await h.client.get(f"/api/v1/follow-ups/{f['id']}", headers=org.managers[0].headers)).status_code == 200
    assert (await h.client.get(f"/api/v1/follow-ups/{f['id']}", headers=org.reps[2].headers)).status_code == 404


async def test_follow_up_references_must_fit_together(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    c1, c2 = await h.customer(rep), await h.customer(rep)
    deal_of_c2 = await h.opportunity(rep, c2["id"])
    other_contact = (await h.client.post(
        f"/api/v1/customers/{c2['id']}/contacts", json={"name": "王经理"}, headers=rep.headers
    )).json()
    cases = [
        ({"opportunity_id": deal_of_c2["id"]}, "opportunity_id"),
        ({"contact_ids": [other_contact["id"]]}, "contact_ids.0"),
        ({"occurred_at": "2999-01-01T00:00:00+00:00"}, "occurred_at"),
        ({"occurred_at": "2025-01-01T00:00:00"}, "occurred_at"),
        ({"summary": "长" * 5001}, "summary"),
        ({"channel": "telepathy"}, "channel"),
    ]
    for extra, field in cases:
        body = {"customer_id": c1["id"], "channel": "call", **extra}
        r = await h.client.post("/api/v1/follow-ups", json=body, headers=rep.headers)
        assert r.status_code == 422, (extra, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], (extra, r.json())
    # A customer outside visibility is a 422 on the field, and nothing is written.
    south = await h.customer(org.reps[2])
    r = await h.client.post("/api/v1/follow-ups", json={"customer_id": south["id"], "channel": "call"}, headers=rep.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "customer_id"
    assert (await h.client.get("/api/v1/follow-ups", headers=org.director.headers)).json()["items"] == []


async def test_api_key_follow_ups_are_created_via_api(h: Harness) -> None:
    admin = await h.signup()
    key = (await h.client.post("/api/v1/api-keys", json={"name": "sync"}, headers=admin.headers)).json()["key"]
    c = await h.customer(admin)
    r = await h.client.post(
        "/api/v1/follow-ups", json={"customer_id": c["id"], "channel": "wechat"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert r.status_code == 201 and r.json()["created_via"] == "api"


async def test_update_and_delete_follow_up(h: Harness) -> None:
    admin = await h.signup()
    c = await h.customer(admin)
    f = (await h.client.post("/api/v1/follow-ups", json={"customer_id": c["id"], "channel": "call"},
                             headers=admin.headers)).json()
    r = await h.client.patch(f"/api/v1/follow-ups/{f['id']}", json={"summary": "补充：客户要样机"},
                             headers={**admin.headers, "If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["summary"] == "补充：客户要样机" and r.json()["version"] == 2
    assert (await h.client.delete(f"/api/v1/follow-ups/{f['id']}", headers=admin.headers)).status_code == 204
    assert (await h.client.get(f"/api/v1/follow-ups/{f['id']}", headers=admin.headers)).status_code == 404
