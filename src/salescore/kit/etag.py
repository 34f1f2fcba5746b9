"""ETag / If-Match for optimistic concurrency on versioned resources."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Response

from salescore.kit.errors import PreconditionFailed


def etag_for(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag_for(version)


def check_if_match(if_match: str | None, version: int) -> None:
    """No header: last write wins (the caller opted out). A stale tag: 412."""
    if if_match is None:
        return
    tags = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if "*" in tags or etag_for(version) in tags:
        return
    raise PreconditionFailed(
        f"resource is at version {version}; re-read it and retry with If-Match: {etag_for(version)}"
    )


IfMatchHeader = Annotated[
    str | None, Header(alias="If-Match", description="ETag from a previous read; 412 when stale")
]
