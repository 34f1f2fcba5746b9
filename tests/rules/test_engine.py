"""Running rules (SPEC §7): once per (rule, event), retries with backoff, delays, loops bounded,
a broken rule never blocks the write that triggered it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa

from salescore.events.dispatcher import process_event
from salescore.kit.types import utcnow
from salescore.models import Event, EventHandlerRun
from salescore.rules.tasks import run_due
from tests.rules.support import cards, rule_by_code, runs, todos
from tests.support import Harness


async def _rule(h: Harness, director, **body: object) -> dict:  # type: ignore[no-untyped-def]
    r = await h.client.post("/api/v1/rules", json={"name": "测试规则", **body}, headers=director.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_rule_runs_once_per_event_even_when_the_event_is_delivered_again(h: Harness) -> None:
    org = await h.org()
    rep, manager = org.reps[0], org.managers[0]
    rule = await _rule(h, org.director, trigger={"event": "customer.updated"},
                       condition='"tags" in payload.changes',
                       actions=[{"kind": "notify", "to": ["owners_manager"], "title": "标签变更：${customer.name}"},
                                {"kind": "create_todo", "title": "核对客户标签", "due": {"in_hours": 4}}])
    customer = await h.customer(rep, name="宁波滤材")
    r = await h.client.patch(f"/api/v1/customers/{customer['id']}", json={"tags": ["重点"]}, headers=rep.headers)
    assert r.status_code == 200, r.text
    await h.client.patch(f"/api/v1/customers/{customer['id']}", json={"city": "宁波"}, headers=rep.headers)
    await h.drain()
    assert [c["title"] for c in await cards(h, manager)] == ["标签变更：宁波滤材"]
    assert [t["title"] for t in await todos(h, rep)] == ["核对客户标签"]
    [run] = await runs(h, rep, rule["id"])  # the city change did not hold: no run recorded
    assert run["status"] == "succeeded" and run["attempts"] == 1
    assert [a["kind"] for a in run["results"]] == ["notify", "create_todo"]
    # The same event handed to the dispatcher again (sweeper, arq retry): nothing doubles.
    event_id = uuid.UUID(run["event_id"])
    async with h.runtime.sessionmaker() as session:
        await session.execute(sa.update(Event).where(Event.id == event_id).values(processed_at=None))
        await session.execute(sa.delete(EventHandlerRun).where(EventHandlerRun.event_id == event_id))
        await session.commit()
    await process_event(h.runtime.sessionmaker, event_id, h.runtime.publish)
    await h.drain()
    assert len(await cards(h, manager)) == 1 and len(await todos(h, rep)) == 1
    assert len(await runs(h, rep, rule["id"])) == 1


async def test_a_failing_action_is_retried_with_backoff_and_shows_in_the_run_log(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    rule = await _rule(h, org.director, trigger={"event": "customer.updated"},
                       actions=[{"kind": "notify", "to": ["owner"], "title": "财务核对：${customer.name}"},
                                {"kind": "create_todo", "title": "核对开票信息", "assignee": "department:finance"}])
    customer = await h.customer(rep, name="杭州仓储")
    r = await h.client.patch(f"/api/v1/customers/{customer['id']}", json={"city": "杭州"}, headers=rep.headers)
    assert r.status_code == 200  # the rule cannot run (nobody in finance), the write stands
    await h.drain()
    [run] = await runs(h, rep, rule["id"])
    assert run["status"] == "failed" and run["attempts"] == 1
    assert "department:finance" in run["error"] and run["next_attempt_at"]
    assert [a["status"] for a in run["results"]] == ["done", "failed"]
    assert await cards(h, rep) == []  # the run's first action was undone with it
    # Not due yet: nothing happens. Once finance has someone and the backoff passed, it succeeds.
    await run_due(h.runtime, now=utcnow())
    assert (await runs(h, rep, rule["id"]))[0]["attempts"] == 1
    finance = await h.add_user(org.admin, "staff", department="finance", name="财务小周")
    await run_due(h.runtime, now=utcnow() + timedelta(minutes=1))
    [run] = await runs(h, rep, rule["id"])
    assert run["status"] == "succeeded" and run["attempts"] == 2 and run["error"] is None
    assert [t["title"] for t in await todos(h, finance)] == ["核对开票信息"]
    assert [c["title"] for c in await cards(h, rep)] == ["财务核对：杭州仓储"]
    # Rerunning the due list changes nothing.
    await run_due(h.runtime, now=utcnow() + timedelta(hours=7))
    assert len(await todos(h, finance)) == 1


async def test_retries_give_up_after_the_last_backoff(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    rule = await _rule(h, org.director, trigger={"event": "customer.updated"},
                       actions=[{"kind": "create_todo", "title": "无人可派", "assignee": "department:legal"}])
    customer = await h.customer(rep)
    await h.client.patch(f"/api/v1/customers/{customer['id']}", json={"city": "成都"}, headers=rep.headers)
    await h.drain()
    later = utcnow()
    for _ in range(8):
        later += timedelta(hours=7)
        await run_due(h.runtime, now=later)
    [run] = await runs(h, rep, rule["id"])
    assert run["status"] == "dead" and run["attempts"] == 6 and run["next_attempt_at"] is None


async def test_a_broken_condition_never_blocks_the_write_and_is_logged(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    rule = await _rule(h, org.director, trigger={"event": "customer.updated"},
                       condition="payload.changes > 3",  # an object compared with a number
                       actions=[{"kind": "notify", "to": ["owner"], "title": "x"}])
    customer = await h.customer(rep)
    r = await h.client.patch(f"/api/v1/customers/{customer['id']}", json={"city": "重庆"}, headers=rep.headers)
    assert r.status_code == 200
    await h.drain()
    [run] = await runs(h, rep, rule["id"])
    assert run["status"] == "dead" and "condition" in run["error"]
    assert (await h.client.get(f"/api/v1/customers/{customer['id']}", headers=rep.headers)).json()["city"] == "重庆"


async def test_rules_that_trigger_each_other_stop(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    await _rule(h, org.director, trigger={"event": "todo.created"},
                actions=[{"kind": "create_todo", "title": "再来一个", "due": {"in_hours": 1}}])
    customer = await h.customer(rep)
    r = await h.client.post("/api/v1/todos", json={"title": "起点", "customer_id": customer["id"]}, headers=rep.headers)
    assert r.status_code == 201, r.text
    for _ in range(5):
        await h.drain()
    titles = sorted(t["title"] for t in await todos(h, rep))
    assert titles == ["再来一个", "再来一个", "再来一个", "起点"]


async def test_a_delayed_rule_rechecks_its_condition_when_due(h: Harness) -> None:
    """Default rule 3: quote_submitted without quote_confirmed 24 h later → the owner is told."""
    org = await h.org()
    rep = org.reps[0]
    rule = await rule_by_code(h, rep, "quote_unconfirmed_24h")
    slow = await h.customer(rep, name="慢确认客户")
    fast = await h.customer(rep, name="快确认客户")
    for customer in (slow, fast):
        await h.opportunity(rep, customer["id"])
        r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json={
            "customer_id": customer["id"], "channel": "email", "summary": "提交报价",
            "actions": [{"code": "quote_submitted", "fields": {"amount": 120000}}]})
        assert r.status_code == 201, r.text
    await h.drain()
    r = await h.client.post("/api/v1/follow-ups", headers=rep.headers, json={
        "customer_id": fast["id"], "channel": "call", "summary": "客户确认报价",
        "actions": [{"code": "quote_confirmed", "fields": {}}]})
    assert r.status_code == 201, r.text
    await h.drain()
    scheduled = await runs(h, rep, rule["id"])
    assert [r_["status"] for r_ in scheduled] == ["scheduled", "scheduled"]
    await run_due(h.runtime, now=utcnow() + timedelta(hours=23))
    assert await cards(h, rep) == []
    await run_due(h.runtime, now=utcnow() + timedelta(hours=25))
    assert [c["title"] for c in await cards(h, rep)] == ["报价24小时未确认：慢确认客户"]
    assert sorted(r_["status"] for r_ in await runs(h, rep, rule["id"])) == ["skipped", "succeeded"]


async def test_disabling_a_rule_stops_it(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    rule = await _rule(h, org.director, trigger={"event": "customer.updated"},
                       actions=[{"kind": "notify", "to": ["owner"], "title": "更新"}])
    r = await h.client.patch(f"/api/v1/rules/{rule['id']}", json={"enabled": False}, headers=org.director.headers)
    assert r.status_code == 200
    customer = await h.customer(rep)
    await h.client.patch(f"/api/v1/customers/{customer['id']}", json={"city": "西安"}, headers=rep.headers)
    await h.drain()
    assert await cards(h, rep) == [] and await runs(h, rep, rule["id"]) == []


async def test_a_runtime_error_in_one_condition_spares_the_other_rules(h: Harness) -> None:
    """`"vip" in customer.tags` with no customer is a type error at run time: that rule's run is dead
    with the error, and the other rules of the same event still run."""
    org = await h.org()
    rep = org.reps[0]
    broken = await _rule(h, org.director, trigger={"event": "todo.created"}, condition='"vip" in customer.tags',
                         actions=[{"kind": "notify", "to": ["owner"], "title": "坏规则"}])
    fine = await _rule(h, org.director, trigger={"event": "todo.created"},
                       actions=[{"kind": "notify", "to": ["owners_manager"], "title": "新待办：${record.title}"}])
    r = await h.client.post("/api/v1/todos", json={"title": "整理报价单"}, headers=rep.headers)
    assert r.status_code == 201
    await h.drain()
    [dead] = await runs(h, rep, broken["id"])
    assert dead["status"] == "dead" and "condition failed" in dead["error"]
    assert [run["status"] for run in await runs(h, rep, fine["id"])] == ["succeeded"]
    assert [c["title"] for c in await cards(h, org.managers[0])] == ["新待办：整理报价单"]
    # The dry run reports it instead of failing.
    r = await h.client.post(f"/api/v1/rules/{broken['id']}/test", headers=org.director.headers,
                            json={"event": {"type": "todo.created", "payload": {"customer_id": "not-an-id"}}})
    assert r.status_code == 200 and "condition failed" in r.json()["error"]


async def test_regex_and_unbounded_builtins_are_refused_at_save(h: Harness) -> None:
    org = await h.org()
    for condition in ('payload.summary =~ "(a+)+$"', 'payload.summary !~~ "x"', "$sum($range(1000000000)) > 0",
                      '$random() > 0.5', 'd"9999-12-31" + t"P1D" > d"2000-01-01"'):
        r = await h.client.post("/api/v1/rules", headers=org.director.headers, json={
            "name": "x", "trigger": {"event": "customer.updated"}, "condition": condition,
            "actions": [{"kind": "kb_sync"}]})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "condition", (condition, r.text)
    r = await h.client.post("/api/v1/rules", headers=org.director.headers, json={
        "name": "字符串里的 =~ 无妨", "trigger": {"event": "customer.updated"},
        "condition": 'payload.note == "=~ $range"', "actions": [{"kind": "kb_sync"}]})
    assert r.status_code == 201, r.text


async def test_reps_see_each_runs_status_not_what_it_did(h: Harness) -> None:
    org = await h.org()
    rep, other = org.reps[0], org.reps[2]
    rule = await _rule(h, org.director, trigger={"event": "customer.updated"},
                       actions=[{"kind": "notify", "to": ["owner"], "title": "更新：${customer.name}"}])
    customer = await h.customer(rep, name="保密客户")
    await h.client.patch(f"/api/v1/customers/{customer['id']}", json={"city": "苏州"}, headers=rep.headers)
    await h.drain()
    [seen] = await runs(h, other, rule["id"])
    assert seen["results"] == [{"index": 0, "kind": "notify", "status": "done"}]
    [full] = await runs(h, org.director, rule["id"])
    assert full["results"][0]["title"] == "更新：保密客户"


async def test_a_deactivated_owner_hands_rule_work_to_their_manager(h: Harness) -> None:
    org = await h.org()
    rep, manager = org.reps[0], org.managers[0]
    await _rule(h, org.director, trigger={"event": "customer.updated"},
                actions=[{"kind": "create_todo", "title": "回访 ${customer.name}", "due": {"in_hours": 24},
                          "escalate_to": f"user:{org.director.user_id}"}])
    customer = await h.customer(rep, name="交接客户")
    r = await h.client.post(f"/api/v1/users/{rep.user_id}/deactivate", headers=org.admin.headers)
    assert r.status_code == 200, r.text
    await h.client.patch(f"/api/v1/customers/{customer['id']}", json={"city": "南京"}, headers=org.admin.headers)
    await h.drain()
    assert [t["title"] for t in await todos(h, manager)] == ["回访 交接客户"]
