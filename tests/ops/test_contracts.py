"""The committed contracts match the code: openapi/openapi.json and openapi/schema.graphql.

When one fails, run `salescore export-openapi` and review the diff: it is an API change.
"""

from __future__ import annotations

from pathlib import Path

from salescore.exports import graphql_sdl, openapi_document, openapi_text

ROOT = Path(__file__).resolve().parents[2]


def test_openapi_is_3_1_and_committed_copy_is_current() -> None:
    assert openapi_document()["openapi"].startswith("3.1")
    committed = (ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_text(), "openapi/openapi.json is stale: run `salescore export-openapi`"


def test_graphql_sdl_committed_copy_is_current() -> None:
    committed = (ROOT / "openapi" / "schema.graphql").read_text(encoding="utf-8")
    assert committed == graphql_sdl(), "openapi/schema.graphql is stale: run `salescore export-openapi`"
