"""The committed API contracts: OpenAPI 3.1 JSON and GraphQL SDL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from salescore.config import Settings


def openapi_document() -> dict[str, Any]:
    from salescore.app import create_app

    return create_app(Settings()).openapi()


def openapi_text() -> str:
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def graphql_sdl() -> str:
    from salescore.graphql.schema import schema

    return schema.as_str() + "\n"


def export_schemas(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    openapi = out_dir / "openapi.json"
    openapi.write_text(openapi_text(), encoding="utf-8")
    sdl = out_dir / "schema.graphql"
    sdl.write_text(graphql_sdl(), encoding="utf-8")
    return [openapi, sdl]
