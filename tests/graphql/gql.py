"""Posting GraphQL documents to /graphql as a given caller."""

from __future__ import annotations

from typing import Any

from tests.support import Actor, Harness


async def gql(
    h: Harness, who: Actor | dict[str, str] | None, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The whole GraphQL response body (data and errors); the HTTP status is always 200."""
    headers = who.headers if isinstance(who, Actor) else (who or {})
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    r = await h.client.post("/graphql", json=payload, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def data(
    h: Harness, who: Actor | dict[str, str] | None, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The data of a response that must have no errors."""
    body = await gql(h, who, query, variables)
    assert not body.get("errors"), body
    return body["data"]


def codes(body: dict[str, Any]) -> list[str | None]:
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]


def node_ids(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]
