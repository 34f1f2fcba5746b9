"""Depth, cost, alias and size limits reject abusive queries before any data is read;
loaders keep the number of SQL statements constant however many rows a page holds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from graphql import get_introspection_query
from sqlalchemy import event

from tests.graphql.gql import codes, data, gql, node_ids
from tests.support import Harness


@contextmanager
def sql_log(h: Harness) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = h.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _nested(levels: int) -> str:
    """customers.edges.node.owner.team.manager.team... with `levels` nested selection levels."""
    path = ["customers", "edges", "node", "owner"] + ["team", "manager"] * levels
    path = path[:levels]
    return "{ " + " { ".join(path) + " { id" + " }" * levels + " }"


async def test_depth_limit(h: Harness) -> None:
    org = await h.org()
    await h.customer(org.reps[0])
    assert "customers" in await data(h, org.director, _nested(10))  # ten levels are fine
    with sql_log(h) as statements:
        body = await gql(h, org.director, _nested(11))
    assert body.get("data") is None
    assert "exceeds maximum operation depth of 10" in body["errors"][0]["message"]
    assert not any("customers" in s for s in statements)  # refused before reading anything
    # A fragment cannot hide depth.
    fragment = (
        "fragment Deep on User { team { manager { team { manager { team { manager { team { id } } } } } } } }"
    )
    body = await gql(h, org.director, "{ customers { edges { node { owner { ...Deep } } } } } " + fragment)
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_cost_limit_counts_nested_pages(h: Harness) -> None:
    org = await h.org()
    costly = """
    query($n: Int!) { customers(first: 200) { edges { node {
      followUps(first: $n) { edges { node { id } } } } } } }
    """
    with sql_log(h) as statements:
        body = await gql(h, org.director, costly, {"n": 200})
    assert codes(body) == ["QUERY_TOO_COSTLY"] and body.get("data") is None
    assert body["errors"][0]["extensions"]["limit"] == 50_000
    assert not any("customers" in s for s in statements)
    assert "customers" in await data(h, org.director, costly, {"n": 10})  # smaller pages pass
    by_default = costly.replace("$n: Int!", "$n: Int! = 200")
    assert codes(await gql(h, org.director, by_default, {})) == ["QUERY_TOO_COSTLY"]

    # Aliases multiply work too: each copy passes alone, thirteen together do not.
    one = "customers(first: 200) { edges { node { followUps(first: 20) { edges { node { id } } } } } }"
    assert "customers" in await data(h, org.director, "{ " + one + " }")
    aliased = "{ " + " ".join(f"a{i}: {one}" for i in range(13)) + " }"
    assert codes(await gql(h, org.director, aliased)) == ["QUERY_TOO_COSTLY"]


async def test_alias_and_token_limits(h: Harness) -> None:
    org = await h.org()
    many_aliases = "{ " + " ".join(f"m{i}: me {{ id }}" for i in range(31)) + " }"
    body = await gql(h, org.reps[0], many_aliases)
    assert "aliases found" in body["errors"][0]["message"]
    huge = "{ me { " + " ".join(["id"] * 6000) + " } }"
    body = await gql(h, org.reps[0], huge)
    assert body.get("data") is None and "token" in body["errors"][0]["message"].lower()


async def test_graphiql_and_full_introspection_pass_the_limits(h: Harness) -> None:
    intro = await data(h, None, get_introspection_query(descriptions=True))
    names = {t["name"] for t in intro["__schema"]["types"]}
    assert {"Customer", "CustomerConnection", "PageInfo", "FollowUp", "Opportunity", "Todo"} <= names
    page = await h.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


async def test_no_n_plus_one_statement_count_is_constant(h: Harness) -> None:
    org = await h.org()
    rep = org.reps[0]
    for i in range(25):
        customer = await h.customer(rep, name=f"客户{i:02d}")
        r = await h.client.post(
            f"/api/v1/customers/{customer['id']}/contacts", json={"name": f"联系人{i}"}, headers=rep.headers
        )
        assert r.status_code == 201, r.text
        deal = await h.opportunity(rep, customer["id"])
        r = await h.client.post(
            "/api/v1/follow-ups",
            json={"customer_id": customer["id"], "opportunity_id": deal["id"], "channel": "call"},
            headers=rep.headers,
        )
        assert r.status_code == 201, r.text
    await h.drain()  # no background event work may run while statements are counted

    query = """
    query($n: Int!) { customers(first: $n) { edges { node {
      id name
      owner { id name team { id manager { id } } }
      team { id }
      contacts { id name customer { id } }
      opportunities { id name owner { id } customer { id } }
      followUps(first: 3) { edges { node { id user { id } opportunity { id } customer { id } } } }
    } } } }
    """

    async def count(n: int) -> int:
        with sql_log(h) as statements:
            d = await data(h, rep, query, {"n": n})
        nodes = [e["node"] for e in d["customers"]["edges"]]
        assert len(nodes) == n
        assert all(len(c["contacts"]) == 1 and len(c["opportunities"]) == 1 for c in nodes)
        assert all(len(c["followUps"]["edges"]) == 1 and c["owner"]["id"] == rep.user_id for c in nodes)
        return len(statements)

    small, large = await count(5), await count(25)
    assert small == large, (small, large)
    # Auth (user, managed teams), the page, then one query per relation and level: owners, their
    # teams, contacts, opportunities, follow-ups, the managers; plus BEGIN on SQLite. Follow-ups'
    # customers and opportunities come from what the page and the lists already loaded.
    assert large <= 10, large

    # The same holds for follow-up lists with their relations.
    fq = "query($n: Int!) { followUps(first: $n) { edges { node { id customer { id owner { id } } user { id } } } } }"
    with sql_log(h) as few:
        assert len(node_ids((await data(h, rep, fq, {"n": 5}))["followUps"])) == 5
    with sql_log(h) as many:
        assert len(node_ids((await data(h, rep, fq, {"n": 25}))["followUps"])) == 25
    assert len(few) == len(many)


async def test_a_failing_field_beside_running_ones_is_an_error_not_a_500(h: Harness) -> None:
    """A non-null field that refuses its input makes graphql-core cancel its siblings while their
    statements run; the request still answers (and its session still commits)."""
    admin = await h.signup()
    for _ in range(3):
        await h.customer(admin)
    query = "{ me { id } customers(first: 0) { edges { node { id } } } users { edges { node { id } } } }"
    for _ in range(5):
        body = await gql(h, admin, query)
        assert body["errors"] and body["data"] is None
    assert (await data(h, admin, "{ me { id } }"))["me"]["id"] == admin.user_id
