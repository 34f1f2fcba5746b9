"""The new relations load through DataLoaders: the number of SQL statements of a query does not
grow with the number of rows it returns (documents, knowledge entries, grade changes, rule runs,
deliveries and their attempt logs)."""

from __future__ import annotations

from typing import Any

from salescore.delivery.sender import send_due
from tests.graphql.gql import data
from tests.graphql.test_limits import sql_log
from tests.graphql.test_more_resources import make_document, make_kb_entry
from tests.support import Actor, Harness


async def _count(
    h: Harness, actor: Actor, query: str, variables: dict[str, Any] | None = None
) -> tuple[int, Any]:
    with sql_log(h) as statements:
        d = await data(h, actor, query, variables)
    return len(statements), d


CONTENT = """query($n: Int!) {
  documents(first: $n) { edges { node { id customer { id } opportunity { id } followUp { id }
    owner { id } attachment { id size } } } }
  knowledgeEntries(first: $n) { edges { node { id customer { id gradeChanges { newGrade } } } } }
  customers(first: $n) { edges { node { id gradeChanges { newGrade at } } } }
}"""


async def test_content_and_grade_history_take_constant_statements(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    for _ in range(8):
        customer = await h.customer(rep)
        deal = await h.opportunity(rep, customer["id"])
        await make_document(h, rep, customer["id"], deal["id"])
        await make_kb_entry(h, rep, customer["id"])
    await h.drain()

    small, few = await _count(h, rep, CONTENT, {"n": 2})
    large, many = await _count(h, rep, CONTENT, {"n": 8})
    assert [len(many[k]["edges"]) for k in ("documents", "knowledgeEntries", "customers")] == [8, 8, 8]
    assert all(e["node"]["attachment"] and e["node"]["followUp"] for e in many["documents"]["edges"])
    assert all(e["node"]["gradeChanges"] for e in many["customers"]["edges"])
    assert small == large, (small, large)


RULES = "{ rules { id runs(first: 2) { edges { node { id results } } } } }"
CHANNELS = """query($n: Int!) {
  webhooks(first: $n) { edges { node { id creator { id }
    deliveries(first: 3) { edges { node { id attemptLog { id error } } } } } } }
  wecomRobots(first: $n) { edges { node { id
    deliveries(first: 3) { edges { node { id attemptLog { id } } } } } } }
}"""


async def test_rule_runs_and_delivery_logs_take_constant_statements(h: Harness) -> None:
    org = await h.org()
    admin = org.admin
    rule = {
        "name": "新客户提醒",
        "trigger": {"event": "customer.created"},
        "actions": [{"kind": "notify", "to": ["owner"], "title": "新客户"}],
    }
    for i in range(6):
        r = await h.client.post(
            "/api/v1/webhooks",
            headers=admin.headers,
            json={"url": f"http://127.0.0.1:9/hooks/{i}", "event_types": ["customer.*"]},
        )
        assert r.status_code == 201, r.text
        r = await h.client.post(
            "/api/v1/wecom-robots",
            headers=admin.headers,
            json={"name": f"群{i}", "url": f"http://127.0.0.1:9/send?key=robot-key-{i}"},
        )
        assert r.status_code == 201, r.text
        assert (
            await h.client.post(f"/api/v1/wecom-robots/{r.json()['id']}/test", headers=admin.headers)
        ).status_code == 202
    await h.customer(org.reps[0])
    await h.drain()
    await send_due(h.runtime)

    small, few = await _count(h, admin, CHANNELS, {"n": 2})
    large, many = await _count(h, admin, CHANNELS, {"n": 6})
    hooks = [e["node"] for e in many["webhooks"]["edges"]]
    assert len(hooks) == 6 and all(hook["deliveries"]["edges"] for hook in hooks)
    assert all(d["node"]["attemptLog"] for hook in hooks for d in hook["deliveries"]["edges"])
    assert len(many["wecomRobots"]["edges"]) == 6
    assert small == large, (small, large)

    before, _ = await _count(h, org.reps[0], RULES)
    for _ in range(4):
        r = await h.client.post("/api/v1/rules", json=rule, headers=org.director.headers)
        assert r.status_code == 201, r.text
    await h.customer(org.reps[0])
    await h.drain()
    after, d = await _count(h, org.reps[0], RULES)
    assert sum(1 for r in d["rules"] if r["runs"]["edges"]) >= 4
    assert before == after, (before, after)
