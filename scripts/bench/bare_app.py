"""The baseline for `follow_ups.py`: a bare FastAPI + asyncpg endpoint doing the same write.

`POST /follow-ups` parses a pydantic model with the fields (and constraints) of salescore's
`FollowUpCreate`, inserts one row into the same `follow_ups` table with asyncpg and answers 201
with the row. No auth, no visibility checks, no audit row, no outbox event: it is the floor that
salescore's endpoint is measured against. It imports nothing from salescore on purpose.

Run by the benchmark as a subprocess:
    BENCH_DSN=postgresql://postgres@127.0.0.1:5432/db BENCH_TENANT_ID=... BENCH_USER_ID=... \
        python scripts/bench/bare_app.py --port 8123
"""

from __future__ import annotations

import argparse
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import asyncpg
import uvicorn
from fastapi import FastAPI, Request, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

POOL_SIZE = 10  # salescore's SQLAlchemy pool_size (kit/db.py)

Channel = Literal["call", "meeting", "email", "wechat", "visit", "demo", "other"]


def _aware_past(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a UTC offset")
    value = value.astimezone(UTC)
    if value > datetime.now(UTC):
        raise ValueError("must not be in the future")
    return value


PastDatetime = Annotated[datetime, AfterValidator(_aware_past)]


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
    fields: Annotated[dict[str, Any], Field(max_length=50)] = {}


class FollowUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    customer_id: uuid.UUID
    opportunity_id: uuid.UUID | None = None
    channel: Channel
    occurred_at: PastDatetime | None = None
    summary: Annotated[str, StringConstraints(max_length=5000)] = ""
    actions: Annotated[list[ActionIn], Field(max_length=20)] = []
    contact_ids: Annotated[list[uuid.UUID], Field(max_length=50)] = []
    created_via: Literal["app", "import", "api"] | None = None
    user_id: uuid.UUID | None = None


class ActionOut(BaseModel):
    code: str
    fields: dict[str, Any]


class FollowUpOut(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    opportunity_id: uuid.UUID | None
    user_id: uuid.UUID
    channel: Channel
    occurred_at: datetime
    summary: str
    actions: list[ActionOut]
    contact_ids: list[uuid.UUID]
    created_via: str
    recorded_at: datetime
    version: int
    created_at: datetime
    updated_at: datetime


INSERT = """
INSERT INTO follow_ups (tenant_id, id, customer_id, opportunity_id, user_id, channel, occurred_at, summary,
                        actions, contact_ids, created_via, recorded_at, version, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $12, $12)
RETURNING id, customer_id, opportunity_id, user_id, channel, occurred_at, summary, actions, contact_ids,
          created_via, recorded_at, version, created_at, updated_at
"""


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(
        os.environ["BENCH_DSN"], min_size=POOL_SIZE, max_size=POOL_SIZE, init=_init_connection
    )
    app.state.tenant_id = uuid.UUID(os.environ["BENCH_TENANT_ID"])
    app.state.user_id = uuid.UUID(os.environ["BENCH_USER_ID"])
    try:
        yield
    finally:
        await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.post("/follow-ups", response_model=FollowUpOut, status_code=status.HTTP_201_CREATED)
async def create_follow_up(request: Request, data: FollowUpIn) -> dict[str, Any]:
    now = datetime.now(UTC)
    state = request.app.state
    async with state.pool.acquire() as conn:
        row = await conn.fetchrow(
            INSERT,
            state.tenant_id, uuid.uuid4(), data.customer_id, data.opportunity_id,
            data.user_id or state.user_id, data.channel, data.occurred_at or now, data.summary,
            [a.model_dump() for a in data.actions], [str(c) for c in dict.fromkeys(data.contact_ids)],
            data.created_via or "app", now,
        )
    return dict(row)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
