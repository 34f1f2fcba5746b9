"""The seed article's scenario end to end (SPEC §6 + §7 default rule 1), through the real API and the
real worker path: a customer's interactions, requirement clarity, decision chain and competitor
activity put it over the A threshold → graded A → the owner's manager gets a reminder card, the owner
gets "本周必须安排1次高层拜访" due at the end of the week, and the requirements reach the product KB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from salescore.rules.due import end_of_week
from tests.rules.support import cards, rule_by_code, runs, todos
from tests.support import Harness


async def test_a_customer_rising_to_a_sets_the_executive_visit_in_motion(h: Harness) -> None:
    org = await h.org()
    rep, manager, other_manager = org.reps[1], org.managers[0], org.managers[1]
    customer = await h.customer(rep, name="常州新能源电池材料有限公司", industry="工业滤材", tags=["锂电"])
    await h.opportunity(rep, customer["id"], name="电解液过滤系统")
    contacts = []
    for name, role in (("王工", "technical"), ("采购李经理", "procurement"), ("财务赵总", "finance")):
        r = await h.client.post(f"/api/v1/customers/{customer['id']}/contacts", headers=rep.headers,
                                json={"name": name, "decision_role": role})
        assert r.status_code == 201, r.text
        contacts.append(r.json()["id"])
    now = datetime.now(UTC)

    async def follow_up(days_ago: int, channel: str, contact_ids: list[str], actions: list[dict]) -> None:  # type: ignore[type-arg]
        r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json={
            "customer_id": customer["id"], "channel": channel, "summary": "推进中",
            "occurred_at": (now - timedelta(days=days_ago)).isoformat(), "contact_ids": contact_ids,
            "actions": actions})
        assert r.status_code == 201, r.text

    # Nine calls and visits in 90 days (x = 9/12), all three requirement flags, the three decision roles
    # engaged, a competitor seen: 0.30·0.75 + 0.25·1 + 0.30·1 + 0.15·1 = 0.925 ≥ 0.70.
    await follow_up(80, "visit", [contacts[0]], [{"code": "tech_requirement_update", "fields": {
        "drawings": True, "tech_params": True, "budget_range": True}}])
    for days_ago in (70, 60, 50, 40, 30, 20):
        await follow_up(days_ago, "call", [], [])
    await follow_up(12, "meeting", [contacts[1], contacts[2]], [])
    await follow_up(5, "wechat", [], [{"code": "competitor_feedback",
                                       "fields": {"competitor": "友商滤材", "note": "对方报价低8%"}}])
    for _ in range(3):
        await h.drain()

    r = await h.client.get(f"/api/v1/customers/{customer['id']}/health", headers=rep.headers)
    assert r.status_code == 200, r.text
    health = r.json()
    assert health["grade"] == "A" and abs(health["score"] - 0.925) < 1e-6

    # The manager of the owner's team gets the card; the other team's manager does not.
    assert [c["title"] for c in await cards(h, manager)] == ["客户升级为A级：常州新能源电池材料有限公司"]
    assert await cards(h, other_manager) == []
    # The owner's executive visit, due at the end of this week (tenant time, statutory calendar).
    [todo] = [t for t in await todos(h, rep) if t["source"] == "rule"]
    assert todo["title"] == "本周必须安排1次高层拜访" and todo["customer_id"] == customer["id"]
    created = datetime.fromisoformat(todo["created_at"])
    assert datetime.fromisoformat(todo["due_at"]) == end_of_week(created, "Asia/Shanghai")
    # The requirements are in the product knowledge base, readable by product colleagues.
    product = await h.add_user(org.admin, "staff", department="product", name="产品部小孙")
    r = await h.client.get("/api/v1/knowledge-base?kind=requirement&tag=锂电", headers=product.headers)
    [entry] = r.json()["items"]
    assert entry["customer_id"] == customer["id"] and entry["title"] == "客户需求：常州新能源电池材料有限公司"
    assert entry["content"]["requirements"] == {"drawings": True, "tech_params": True, "budget_range": True}
    assert "图纸：已提供" in entry["body"]
    rule = await rule_by_code(h, rep, "grade_a_executive_visit")
    [run] = await runs(h, rep, rule["id"])
    assert run["status"] == "succeeded"
    # More follow-ups keep it A: no second card, todo or entry.
    await follow_up(1, "call", [contacts[0]], [])
    for _ in range(2):
        await h.drain()
    assert len(await cards(h, manager)) == 1 and len([t for t in await todos(h, rep) if t["source"] == "rule"]) == 1
