"""GraphQL reads: fields, relations, cursor connections and filters (§12, §13)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.graphql.gql import codes, data, gql, node_ids
from tests.support import Actor, Harness

CUSTOMER_PAGE = """
query($first: Int!, $after: String) {
  customers(first: $first, after: $after) {
    edges { cursor node { id name } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def _contact(h: Harness, actor: Actor, customer_id: str, name: str, **fields: Any) -> dict[str, Any]:
    r = await h.client.post(
        f"/api/v1/customers/{customer_id}/contacts", json={"name": name, **fields}, headers=actor.headers
    )
    assert r.status_code == 201, r.text
    return r.json()


async def _follow_up(h: Harness, actor: Actor, customer_id: str, **fields: Any) -> dict[str, Any]:
    payload = {"customer_id": customer_id, "channel": "visit", "summary": "拜访", **fields}
    r = await h.client.post("/api/v1/follow-ups", json=payload, headers=actor.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def test_customer_fields_and_relations_resolve(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    customer = await h.customer(
        rep,
        name="东莞精密模具",
        tags=["新能源"],
        annual_purchase="1200000.50",
        requirements={"drawings": True},
        external_refs=[{"system": "old-crm", "id": "C-1"}],
        custom={"产线": "冲压", "lines": 3},
    )
    contact = await _contact(h, rep, customer["id"], "王工", decision_role="technical")
    deal = await h.opportunity(rep, customer["id"], stage="报价")
    follow_up = await _follow_up(
        h,
        rep,
        customer["id"],
        opportunity_id=deal["id"],
        contact_ids=[contact["id"]],
        actions=[{"code": "customer_visit", "fields": {"contacts_met": "王工"}}],
    )

    query = """
    query($id: ID!) {
      customer(id: $id) {
        id name tags annualPurchase custom
        requirements { drawings techParams budgetRange }
        externalRefs { system id }
        owner { id role team { id name manager { id role } } }
        team { id }
        contacts { id name decisionRole customer { id } }
        opportunities { id stage amount customer { id } owner { id } }
        followUps(first: 5) {
          edges { node {
            id channel summary actions { code fields } contactIds
            customer { id } user { id } opportunity { id } contacts { id name }
          } }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
    """
    c = (await data(h, rep, query, {"id": customer["id"]}))["customer"]
    assert c["name"] == "东莞精密模具" and c["tags"] == ["新能源"]
    assert Decimal(c["annualPurchase"]) == Decimal("1200000.50")
    assert c["custom"] == {"产线": "冲压", "lines": 3}
    assert c["requirements"] == {"drawings": True, "techParams": False, "budgetRange": False}
    assert c["externalRefs"] == [{"system": "old-crm", "id": "C-1"}]
    assert c["owner"]["id"] == rep.user_id and c["owner"]["role"] == "rep"
    assert c["owner"]["team"] == {
        "id": org.teams[0],
        "name": "华东",
        "manager": {"id": org.managers[0].user_id, "role": "manager"},
    }
    assert c["team"] == {"id": org.teams[0]}
    assert c["contacts"] == [
        {"id": contact["id"], "name": "王工", "decisionRole": "technical", "customer": {"id": customer["id"]}}
    ]
    assert Decimal(c["opportunities"][0].pop("amount")) == Decimal(deal["amount"])
    assert c["opportunities"] == [
        {"id": deal["id"], "stage": "报价", "customer": {"id": customer["id"]}, "owner": {"id": rep.user_id}}
    ]
    edges = c["followUps"]["edges"]
    assert [e["node"]["id"] for e in edges] == [follow_up["id"]]
    f = edges[0]["node"]
    assert f["actions"] == [{"code": "customer_visit", "fields": {"contacts_met": "王工"}}]
    assert f["contactIds"] == [contact["id"]] and f["contacts"] == [{"id": contact["id"], "name": "王工"}]
    assert f["customer"] == {"id": customer["id"]} and f["user"] == {"id": rep.user_id}
    assert f["opportunity"] == {"id": deal["id"]}
    assert c["followUps"]["pageInfo"]["hasNextPage"] is False

    # The other direction: opportunity -> customer/owner/followUps, follow-up lookup, me.
    q2 = """
    query($deal: ID!, $fu: ID!, $contact: ID!) {
      me { id email }
      opportunity(id: $deal) { id customer { name } owner { id } followUps { edges { node { id } } } }
      followUp(id: $fu) { id opportunity { id } }
      contact(id: $contact) { id customer { id } }
    }
    """
    d = await data(h, rep, q2, {"deal": deal["id"], "fu": follow_up["id"], "contact": contact["id"]})
    assert d["me"] == {"id": rep.user_id, "email": rep.email}
    assert d["opportunity"]["customer"] == {"name": "东莞精密模具"} and d["opportunity"]["owner"] == {
        "id": rep.user_id
    }
    assert node_ids(d["opportunity"]["followUps"]) == [follow_up["id"]]
    assert d["followUp"] == {"id": follow_up["id"], "opportunity": {"id": deal["id"]}}
    assert d["contact"] == {"id": contact["id"], "customer": {"id": customer["id"]}}


async def test_paging_through_a_connection_with_cursors(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[1]
    created = [(await h.customer(rep))["id"] for _ in range(5)]
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        conn = (await data(h, rep, CUSTOMER_PAGE, {"first": 2, "after": after}))["customers"]
        pages += 1
        seen += node_ids(conn)
        assert conn["pageInfo"]["endCursor"] == conn["edges"][-1]["cursor"]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert pages == 3
    assert seen == list(reversed(created))  # newest first, each exactly once

    # first is capped at 200 and must be positive; a forged cursor is a GraphQL error, not a crash.
    big = await data(h, rep, CUSTOMER_PAGE, {"first": 5000})
    assert len(big["customers"]["edges"]) == 5
    for first in (0, -1):
        body = await gql(h, rep, CUSTOMER_PAGE, {"first": first})
        assert codes(body) == ["BAD_USER_INPUT"] and body["data"] is None
    for cursor in ("not-a-cursor", "eyJub3BlIjogMX0", "x" * 600):
        body = await gql(h, rep, CUSTOMER_PAGE, {"first": 2, "after": cursor})
        assert codes(body) == ["BAD_USER_INPUT"], body
        assert "cursor" in body["errors"][0]["message"]


async def test_nested_follow_up_connection_pages_per_customer(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    a, b = await h.customer(rep), await h.customer(rep)
    a_ups = [(await _follow_up(h, rep, a["id"]))["id"] for _ in range(3)]
    b_ups = [(await _follow_up(h, rep, b["id"]))["id"] for _ in range(1)]
    query = """
    query($after: String) {
      customers(first: 10) { edges { node { id followUps(first: 2, after: $after) {
        edges { node { id customerId } } pageInfo { hasNextPage endCursor } } } } }
    }
    """
    conn = (await data(h, rep, query))["customers"]
    by_customer = {e["node"]["id"]: e["node"]["followUps"] for e in conn["edges"]}
    assert (
        node_ids(by_customer[a["id"]]) == a_ups[::-1][:2] and by_customer[a["id"]]["pageInfo"]["hasNextPage"]
    )
    assert node_ids(by_customer[b["id"]]) == b_ups and not by_customer[b["id"]]["pageInfo"]["hasNextPage"]

    after = by_customer[a["id"]]["pageInfo"]["endCursor"]
    one = """
    query($id: ID!, $after: String) { customer(id: $id) { followUps(first: 2, after: $after) {
      edges { node { id } } pageInfo { hasNextPage } } } }
    """
    rest = (await data(h, rep, one, {"id": a["id"], "after": after}))["customer"]["followUps"]
    assert node_ids(rest) == [a_ups[0]] and rest["pageInfo"]["hasNextPage"] is False
    bad = await gql(h, rep, one, {"id": a["id"], "after": "garbage"})
    assert codes(bad) == ["BAD_USER_INPUT"]


async def test_filters_mirror_rest(h: Harness) -> None:
    org = await h.org()
    rep, other = org.reps[0], org.reps[1]
    lead = await h.customer(rep, name="苏州华能滤材", lifecycle="lead")
    prospect = await h.customer(other, name="无锡精工", lifecycle="prospect")
    open_deal = await h.opportunity(rep, lead["id"], stage="报价")
    await h.opportunity(other, prospect["id"], stage="样机测试")
    manager = org.managers[0]

    async def customer_ids(filter_: dict[str, Any]) -> set[str]:
        q = "query($f: CustomerFilter) { customers(filter: $f) { edges { node { id } } } }"
        return set(node_ids((await data(h, manager, q, {"f": filter_}))["customers"]))

    assert await customer_ids({"lifecycle": "prospect"}) == {prospect["id"]}
    assert await customer_ids({"ownerId": rep.user_id}) == {lead["id"]}
    assert await customer_ids({"teamId": org.teams[0]}) == {lead["id"], prospect["id"]}
    assert await customer_ids({"q": "华能"}) == {lead["id"]}
    assert await customer_ids({"q": "100%"}) == set()
    assert await customer_ids({"updatedSince": "2000-01-01T00:00:00+08:00"}) == {lead["id"], prospect["id"]}
    assert await customer_ids({"updatedSince": "2999-01-01T00:00:00Z"}) == set()

    q = "query($f: OpportunityFilter) { opportunities(filter: $f) { edges { node { id } } } }"
    d = await data(h, manager, q, {"f": {"stage": "报价", "status": "open", "customerId": lead["id"]}})
    assert node_ids(d["opportunities"]) == [open_deal["id"]]

    naive = await gql(
        h,
        manager,
        "query($f: CustomerFilter) { customers(filter: $f) { edges { node { id } } } }",
        {"f": {"updatedSince": "2020-01-01T00:00:00"}},
    )
    assert codes(naive) == ["BAD_USER_INPUT"]
    bad_id = await gql(h, manager, '{ customers(filter: {ownerId: "nope"}) { edges { cursor } } }')
    assert codes(bad_id) == ["BAD_USER_INPUT"]
    assert codes(await gql(h, manager, '{ customer(id: "not-a-uuid") { id } }')) == ["BAD_USER_INPUT"]


async def test_todos_users_teams_and_own_notifications(h: Harness) -> None:
    org = await h.org()
    manager, rep = org.managers[0], org.reps[0]
    r = await h.client.post(
        "/api/v1/todos", json={"title": "补充图纸", "assignee_id": rep.user_id}, headers=manager.headers
    )
    assert r.status_code == 201, r.text
    todo = r.json()
    await h.drain()  # the assignment becomes a reminder card for the rep

    query = """
    query($team: ID!) {
      todos { edges { node { id title status assignee { id team { name } } } } }
      users(filter: {teamId: $team, role: "rep"}) { edges { node { id team { id } } } }
      teams { edges { node { id name manager { id } } } }
      notifications { edges { node { id kind title userId } } }
    }
    """
    d = await data(h, rep, query, {"team": org.teams[0]})
    assert [e["node"] for e in d["todos"]["edges"]] == [
        {
            "id": todo["id"],
            "title": "补充图纸",
            "status": "open",
            "assignee": {"id": rep.user_id, "team": {"name": "华东"}},
        }
    ]
    assert set(node_ids(d["users"])) == {org.reps[0].user_id, org.reps[1].user_id}
    teams = {e["node"]["id"]: e["node"]["manager"]["id"] for e in d["teams"]["edges"]}
    assert teams == {org.teams[0]: org.managers[0].user_id, org.teams[1]: org.managers[1].user_id}
    cards = [e["node"] for e in d["notifications"]["edges"]]
    assert len(cards) == 1 and cards[0]["kind"] == "todo_assigned" and cards[0]["userId"] == rep.user_id

    # Cards are personal: not even the admin reads the rep's card.
    card_q = "query($id: ID!) { notification(id: $id) { id } notifications { edges { node { id } } } }"
    card = {"id": cards[0]["id"]}
    admin_view = await data(h, org.admin, card_q, card)
    assert admin_view["notification"] is None and cards[0]["id"] not in node_ids(admin_view["notifications"])
    assert (await data(h, rep, card_q, card))["notification"] == card
    unread = await data(h, rep, "{ notifications(filter: {unread: false}) { edges { node { id } } } }")
    assert unread["notifications"]["edges"] == []
