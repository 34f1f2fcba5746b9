"""GraphQL reads of customer signals and call transcripts (§9, §12): the signal definitions, stored
hits, a customer's counters and a follow-up's transcript -- the same values and visibility as REST,
and a constant number of statements however many follow-ups an answer holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.graphql.gql import codes, data, gql, node_ids
from tests.graphql.test_limits import sql_log
from tests.graphql.test_more_resources import camel, rest
from tests.support import Actor, Harness

SUMMARY = "客户说预算还没批"
TRANSCRIPT = "销售：方案您看了吗？\n客户：看了，就是太贵了，预算还没批。"
TIMES = frozenset(
    {"occurredAt", "createdAt", "updatedAt", "firstSeenAt", "lastSeenAt", "lostAt", "completedAt", "withdrawnAt"}
)
HIT = """id signal label matched start end source sourceId followUpId customerId opportunityId userId
  occurredAt configVersion createdAt"""
FOLLOW_UP = f"""query($id: ID!) {{ followUp(id: $id) {{
  id signalHits {{ {HIT} customer {{ id }} opportunity {{ id }} followUp {{ id }} user {{ id }} }}
  transcript {{ id followUpId customerId format text segments {{ speaker startMs endMs text }} version
    createdBy createdAt updatedAt followUp {{ id }} }}
  customer {{ id signals {{
    signal label count firstSeenAt lastSeenAt escalationCount escalated escalations }} }}
}} }}"""
HITS = f"""query($f: SignalHitFilter, $n: Int! = 50) {{
  signalHits(first: $n, filter: $f) {{ edges {{ node {{ {HIT} }} }} pageInfo {{ hasNextPage }} }} }}"""
CONFIG = """{ signalConfig { version isDefault note createdAt createdBy
  signals { code label patterns exclude escalationCount
    playbook { diagnosis scripts warning linkedAction { kind template code label } } } } }"""


def instants(value: Any) -> Any:
    """Timestamps as instants: REST and GraphQL may spell the same moment differently."""
    if isinstance(value, dict):
        return {
            k: datetime.fromisoformat(v) if k in TIMES and isinstance(v, str) else instants(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [instants(v) for v in value]
    return value


async def talk(h: Harness, rep: Actor, customer_id: str, deal_id: str | None, summary: str = SUMMARY) -> str:
    body = {"customer_id": customer_id, "opportunity_id": deal_id, "channel": "call", "summary": summary}
    r = await h.client.post("/api/v1/follow-ups", json=body, headers=rep.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def transcribe(h: Harness, rep: Actor, follow_up_id: str, text: str = TRANSCRIPT) -> dict[str, Any]:
    r = await h.client.post(
        f"/api/v1/follow-ups/{follow_up_id}/transcript", json={"text": text}, headers=rep.headers
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_follow_up_hits_transcript_and_customer_counters_match_rest(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(rep)
    deal = await h.opportunity(rep, customer["id"])
    call = await talk(h, rep, customer["id"], deal["id"])
    transcript = await transcribe(h, rep, call)

    got = (await data(h, rep, FOLLOW_UP, {"id": call}))["followUp"]
    # The summary's hit, then the transcript's in text order; labels from the current definitions.
    assert [(x["source"], x["signal"], x["label"]) for x in got["signalHits"]] == [
        ("follow_up", "budget_not_approved", "预算未批"),
        ("transcript", "price_objection", "价格异议"),
        ("transcript", "budget_not_approved", "预算未批"),
    ]
    hit = got["signalHits"][0]
    assert hit["matched"] == "预算还没批" and SUMMARY[hit["start"] : hit["end"]] == "预算还没批"
    assert hit["customer"] == {"id": customer["id"]} and hit["opportunity"] == {"id": deal["id"]}
    assert hit["followUp"] == {"id": call} and hit["user"] == {"id": rep.user_id}
    listed = (await rest(h, rep, f"/api/v1/signal-hits?follow_up_id={call}"))["items"]
    fields = [f for f in HIT.split() if f != "label"]
    by_id = {x["id"]: x for x in instants(camel(listed))}
    assert len(by_id) == 3
    for x in instants(got["signalHits"]):
        assert {f: x[f] for f in fields} == by_id[x["id"]]

    stored = instants(camel({k: v for k, v in transcript.items() if k != "signals"}))
    assert instants({k: v for k, v in got["transcript"].items() if k != "followUp"}) == stored
    assert got["transcript"]["followUp"] == {"id": call} and got["transcript"]["format"] == "text"

    # A summary and its transcript are one conversation: budget counts once.
    counters = instants(camel((await rest(h, rep, f"/api/v1/customers/{customer['id']}/signals"))["items"]))
    assert instants(got["customer"]["signals"]) == counters
    counts = {(c["signal"], c["count"]) for c in counters}
    assert counts == {("budget_not_approved", 1), ("price_objection", 1)}

    # Without a transcript or signals: null and empty lists.
    quiet = await talk(h, rep, customer["id"], None, "电话沟通")
    empty = (await data(h, rep, FOLLOW_UP, {"id": quiet}))["followUp"]
    assert empty["signalHits"] == [] and empty["transcript"] is None


async def test_signal_hits_connection_filters_and_visibility(h: Harness) -> None:
    org = await h.org()
    rep, teammate, south_rep = org.reps[0], org.reps[1], org.reps[2]
    customer = await h.customer(rep)
    deal = await h.opportunity(rep, customer["id"])
    call = await talk(h, rep, customer["id"], deal["id"])
    await transcribe(h, rep, call)
    other = await h.customer(rep)
    later = await talk(h, rep, other["id"], None, "客户嫌太贵了")

    async def ids(who: Actor, f: dict[str, Any] | None = None, n: int = 50) -> list[str]:
        return node_ids((await data(h, who, HITS, {"f": f, "n": n}))["signalHits"])

    everything = await ids(rep)
    rest_ids = [x["id"] for x in (await rest(h, rep, "/api/v1/signal-hits"))["items"]]
    assert everything == rest_ids and len(everything) == 4  # newest first, as REST
    for f, path in (
        ({"customerId": customer["id"]}, f"customer_id={customer['id']}"),
        ({"opportunityId": deal["id"]}, f"opportunity_id={deal['id']}"),
        ({"followUpId": later}, f"follow_up_id={later}"),
        ({"signal": "price_objection"}, "signal=price_objection"),
        ({"customerId": customer["id"], "signal": "budget_not_approved"},
         f"customer_id={customer['id']}&signal=budget_not_approved"),
    ):
        expected = [x["id"] for x in (await rest(h, rep, f"/api/v1/signal-hits?{path}"))["items"]]
        assert await ids(rep, f) == expected and expected, f
    page = (await data(h, rep, HITS, {"n": 3}))["signalHits"]
    assert page["pageInfo"]["hasNextPage"] and len(page["edges"]) == 3
    body = await gql(h, rep, HITS, {"f": {"signal": "Not-A-Code"}})
    assert codes(body) == ["BAD_USER_INPUT"] and body["data"] is None

    # The team's manager and the director see them; a teammate and another team's rep see nothing.
    for reader in (org.managers[0], org.director, org.admin):
        assert set(everything) <= set(await ids(reader)), reader.role
    for outsider in (teammate, south_rep, org.managers[1]):
        assert await ids(outsider) == [] and await ids(outsider, {"customerId": customer["id"]}) == []
        assert (await data(h, outsider, FOLLOW_UP, {"id": call}))["followUp"] is None
        r = await h.client.get(f"/api/v1/signal-hits?follow_up_id={call}", headers=outsider.headers)
        assert r.status_code == 200 and r.json()["items"] == []


async def test_signal_config_is_rests_and_readable_by_everyone(h: Harness) -> None:
    org = await h.org()
    expected = camel(await rest(h, org.reps[0], "/api/v1/signals"))
    for reader in (org.reps[2], org.staff, org.director):
        assert (await data(h, reader, CONFIG))["signalConfig"] == expected
    config = (await data(h, org.reps[0], CONFIG))["signalConfig"]
    assert config["version"] == 1 and config["isDefault"]
    budget = {s["code"]: s for s in config["signals"]}["budget_not_approved"]
    assert "预算还没批" in budget["patterns"] and budget["escalationCount"] == 3
    assert "理解立项需要流程，您看我们能否先协助准备立项材料？" in budget["playbook"]["scripts"]

    # A director's edit is what GraphQL reads next, with its author.
    playbook = budget["playbook"]
    edited = {"diagnosis": playbook["diagnosis"], "scripts": ["先帮客户准备立项材料"], "warning": playbook["warning"]}
    r = await h.client.put(
        "/api/v1/signals/budget_not_approved/playbook", json=edited, headers=org.director.headers
    )
    assert r.status_code == 200, r.text
    config = (await data(h, org.reps[2], CONFIG))["signalConfig"]
    assert instants(config) == instants(camel(await rest(h, org.reps[2], "/api/v1/signals")))
    assert config["version"] == 2 and not config["isDefault"] and config["createdBy"] == org.director.user_id
    budget = {s["code"]: s for s in config["signals"]}["budget_not_approved"]
    assert budget["playbook"]["scripts"] == ["先帮客户准备立项材料"]
    assert budget["playbook"]["linkedAction"] is None


LIST = """query($n: Int!) {
  followUps(first: $n) { edges { node { id
    signalHits { signal label customer { id } user { id } }
    transcript { id segments { text } followUp { id } }
    customer { id signals { signal label count escalated } } } } }
  signalHits(first: $n) { edges { node { id label followUp { id transcript { id } } opportunity { id } } } }
  signalConfig { version }
}"""


async def test_follow_ups_with_hits_and_transcripts_take_constant_statements(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    for _ in range(6):
        customer = await h.customer(rep)
        deal = await h.opportunity(rep, customer["id"])
        await transcribe(h, rep, await talk(h, rep, customer["id"], deal["id"]))
    await h.drain()

    async def count(n: int) -> tuple[int, dict[str, Any]]:
        with sql_log(h) as statements:
            d = await data(h, rep, LIST, {"n": n})
        return len(statements), d

    small, _ = await count(2)
    large, many = await count(6)
    nodes = [e["node"] for e in many["followUps"]["edges"]]
    assert len(nodes) == 6 and all(len(n["signalHits"]) == 3 and n["transcript"] for n in nodes)
    assert all(n["customer"]["signals"] for n in nodes)
    assert len(many["signalHits"]["edges"]) == 6
    assert small == large, (small, large)
