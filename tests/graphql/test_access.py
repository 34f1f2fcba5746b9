"""GraphQL has REST's credentials and visibility (§2): tokens, API keys, roles, tenants."""

from __future__ import annotations

from tests.graphql.gql import codes, data, gql, node_ids
from tests.support import Actor, Harness

CUSTOMERS = "{ customers { edges { node { id } } } }"


async def test_unauthenticated_or_bad_credentials_get_an_unauthorized_error(h: Harness) -> None:
    for headers in (None, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Bearer sk_abc.def"}):
        body = await gql(h, headers, CUSTOMERS)
        assert body["data"] is None
        assert codes(body) == ["UNAUTHORIZED"], body
        assert body["errors"][0]["message"].startswith("unauthorized")
    body = await gql(h, None, '{ customer(id: "00000000-0000-0000-0000-000000000000") { id } me { id } }')
    assert body["data"] == {"customer": None, "me": None}
    assert set(codes(body)) == {"UNAUTHORIZED"}
    # The schema itself is public (it is committed as openapi/schema.graphql): tools may introspect.
    intro = await data(h, None, "{ __schema { queryType { name } } }")
    assert intro["__schema"]["queryType"]["name"] == "Query"


async def test_deactivated_users_token_stops_working(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    assert (await data(h, rep, "{ me { id } }"))["me"]["id"] == rep.user_id
    r = await h.client.post(f"/api/v1/users/{rep.user_id}/deactivate", headers=org.admin.headers)
    assert r.status_code == 200, r.text
    assert codes(await gql(h, rep, "{ me { id } }")) == ["UNAUTHORIZED"]


async def test_api_keys_work_including_read_only_keys(h: Harness) -> None:
    org = await h.org()
    customer = await h.customer(org.reps[0])
    for scopes in (["read", "write"], ["read"]):
        r = await h.client.post(
            "/api/v1/api-keys", json={"name": "BI", "scopes": scopes}, headers=org.admin.headers
        )
        assert r.status_code == 201, r.text
        key = {"Authorization": f"Bearer {r.json()['key']}"}
        d = await data(h, key, "{ me { id role } customers { edges { node { id owner { id } } } } }")
        assert d["me"] == {"id": org.admin.user_id, "role": "admin"}
        assert node_ids(d["customers"]) == [customer["id"]]
        revoke = await h.client.delete(f"/api/v1/api-keys/{r.json()['id']}", headers=org.admin.headers)
        assert revoke.status_code == 204
        assert codes(await gql(h, key, CUSTOMERS)) == ["UNAUTHORIZED"]


async def test_visibility_by_role_and_tenant(h: Harness) -> None:
    org = await h.org()
    east_rep, east_rep2, south_rep = org.reps[0], org.reps[1], org.reps[2]
    mine = await h.customer(east_rep)
    colleague = await h.customer(east_rep2)
    south = await h.customer(south_rep)
    deals = {
        c["id"]: (await h.opportunity(owner, c["id"]))["id"]
        for owner, c in ((east_rep, mine), (east_rep2, colleague), (south_rep, south))
    }
    query = """
    { customers { edges { node { id } } }
      opportunities { edges { node { id } } }
      contacts { edges { node { id } } } }
    """

    async def view(actor: Actor) -> tuple[set[str], set[str]]:
        d = await data(h, actor, query)
        return set(node_ids(d["customers"])), set(node_ids(d["opportunities"]))

    assert await view(east_rep) == ({mine["id"]}, {deals[mine["id"]]})
    assert await view(org.managers[0]) == (
        {mine["id"], colleague["id"]},
        {deals[mine["id"]], deals[colleague["id"]]},
    )
    everything = ({mine["id"], colleague["id"], south["id"]}, set(deals.values()))
    assert await view(org.director) == everything
    assert await view(org.admin) == everything

    lookup = "query($c: ID!, $o: ID!) { customer(id: $c) { id } opportunity(id: $o) { id } }"
    hidden = await data(h, east_rep, lookup, {"c": south["id"], "o": deals[south["id"]]})
    assert hidden == {"customer": None, "opportunity": None}

    # Another tenant sees nothing: lists are empty and lookups by this tenant's ids answer null.
    stranger = await h.signup("别的公司")
    d = await data(h, stranger, query)
    assert all(d[k]["edges"] == [] for k in ("customers", "opportunities", "contacts"))
    assert await data(h, stranger, lookup, {"c": mine["id"], "o": deals[mine["id"]]}) == {
        "customer": None,
        "opportunity": None,
    }
    foreign = await data(
        h,
        stranger,
        "query($u: ID!, $t: ID!) { user(id: $u) { id } team(id: $t) { id } }",
        {"u": east_rep.user_id, "t": org.teams[0]},
    )
    assert foreign == {"user": None, "team": None}
    users = await data(h, stranger, "{ users { edges { node { id } } } }")
    assert node_ids(users["users"]) == [stranger.user_id]


async def test_relations_respect_visibility_too(h: Harness) -> None:
    org = await h.org()
    east_rep, south_rep, director = org.reps[0], org.reps[2], org.director
    customer = await h.customer(director, owner_id=east_rep.user_id)
    own_deal = await h.opportunity(director, customer["id"], owner_id=east_rep.user_id)
    foreign_deal = await h.opportunity(director, customer["id"], owner_id=south_rep.user_id)
    # The south rep did the visit, so they see the follow-up, but not the east rep's customer.
    r = await h.client.post(
        "/api/v1/follow-ups",
        json={
            "customer_id": customer["id"],
            "channel": "visit",
            "user_id": south_rep.user_id,
            "opportunity_id": foreign_deal["id"],
        },
        headers=director.headers,
    )
    assert r.status_code == 201, r.text
    follow_up = r.json()

    q = "query($id: ID!) { customer(id: $id) { opportunities { id } followUps { edges { node { id } } } } }"
    east_view = (await data(h, east_rep, q, {"id": customer["id"]}))["customer"]
    # The south rep's deal on the east rep's customer is omitted.
    assert [o["id"] for o in east_view["opportunities"]] == [own_deal["id"]]
    assert node_ids(east_view["followUps"]) == [follow_up["id"]]  # it is on their customer

    fq = "query($id: ID!) { followUp(id: $id) { id customer { id } opportunity { id owner { id } } user { id } } }"
    south_view = (await data(h, south_rep, fq, {"id": follow_up["id"]}))["followUp"]
    assert south_view == {
        "id": follow_up["id"],
        "customer": None,
        "opportunity": {"id": foreign_deal["id"], "owner": {"id": south_rep.user_id}},
        "user": {"id": south_rep.user_id},
    }
    deal_q = "query($id: ID!) { opportunity(id: $id) { customer { id } } }"
    assert (await data(h, south_rep, deal_q, {"id": foreign_deal["id"]}))["opportunity"] == {"customer": None}
    other_rep = org.reps[3]
    assert (await data(h, other_rep, fq, {"id": follow_up["id"]}))["followUp"] is None
