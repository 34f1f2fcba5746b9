"""Idempotency-Key on POST (pure ASGI middleware, so the body can be hashed and replayed).

Same key and body -> the stored response; same key, other body -> 422; a retry while the
first is still running -> 409. Keys are private to the caller's credential and the route.
5xx answers are not stored, so the client may retry them.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from salescore.kit.errors import problem_body
from salescore.kit.types import utcnow
from salescore.models import IdempotencyKey

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 255
MAX_BODY_BYTES = 25 * 1024 * 1024
# A first attempt that never finished (crashed process) stops blocking retries after this.
STALE_IN_FLIGHT = timedelta(minutes=5)
_REPLAYED_HEADERS = {"content-type", "etag", "location", "retry-after"}


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        raw_key = headers.get(HEADER)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            await _send_problem(send, 422, "Idempotency-Key must be 1-255 printable characters", "Idempotency-Key")
            return

        body = await _read_body(receive)
        if body is None:
            await _send_problem(send, 413, "request body too large", "body")
            return
        # Keys are private to the caller: their credential, or their address when anonymous.
        credential = headers.get(b"authorization") or str(scope.get("client") or "").encode()
        scope_hash = hashlib.sha256(credential + b"\0" + scope["path"].encode()).hexdigest()
        request_hash = hashlib.sha256(body).hexdigest()
        sessionmaker = scope["app"].state.runtime.sessionmaker

        claimed = await _claim(sessionmaker, scope_hash, key, request_hash)
        if isinstance(claimed, IdempotencyKey):
            if claimed.request_hash != request_hash:
                await _send_problem(
                    send, 422, "this Idempotency-Key was used with a different request body", "Idempotency-Key"
                )
            elif claimed.status == "in_flight":
                await _send_problem(
                    send, 409, "a request with this Idempotency-Key is still in progress", "Idempotency-Key"
                )
            else:
                await _replay(send, claimed)
            return

        captured: dict[str, Any] = {"body": b""}

        async def replay_receive() -> Message:
            if not captured.get("sent_body"):
                captured["sent_body"] = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def capture_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = [
                    [k.decode("latin-1"), v.decode("latin-1")]
                    for k, v in message.get("headers", [])
                    if k.decode("latin-1").lower() in _REPLAYED_HEADERS
                ]
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, replay_receive, capture_send)
        finally:
            await _finish(sessionmaker, scope_hash, key, captured)


async def _read_body(receive: Receive) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _claim(sessionmaker: Any, scope_hash: str, key: str, request_hash: str) -> IdempotencyKey | None:
    """Insert the in-flight marker; on conflict return the existing row (None: we own it)."""
    now = utcnow()
    async with sessionmaker() as session:
        try:
            session.add(IdempotencyKey(scope=scope_hash, key=key, request_hash=request_hash, created_at=now))
            await session.commit()
            return None
        except IntegrityError:
            await session.rollback()
        row = await session.scalar(
            sa.select(IdempotencyKey).where(IdempotencyKey.scope == scope_hash, IdempotencyKey.key == key)
        )
        if row is not None and row.status == "in_flight" and now - row.created_at > STALE_IN_FLIGHT:
            row.request_hash, row.created_at = request_hash, now
            await session.commit()
            return None
        await session.commit()
        return row


async def _finish(sessionmaker: Any, scope_hash: str, key: str, captured: dict[str, Any]) -> None:
    status = captured.get("status")
    async with sessionmaker() as session:
        where = (IdempotencyKey.scope == scope_hash, IdempotencyKey.key == key)
        if status is None or status >= 500 or status == 429:
            await session.execute(sa.delete(IdempotencyKey).where(*where))
        else:
            await session.execute(
                sa.update(IdempotencyKey)
                .where(*where)
                .values(
                    status="done",
                    response_status=status,
                    response_headers=captured.get("headers", []),
                    response_body=captured["body"],
                )
            )
        await session.commit()


async def _replay(send: Send, row: IdempotencyKey) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in row.response_headers or []]
    headers.append((b"idempotent-replayed", b"true"))
    body = row.response_body or b""
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": row.response_status or 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _send_problem(send: Send, status: int, detail: str, field: str) -> None:
    code, title = {
        409: ("conflict", "Conflict"),
        413: ("payload-too-large", "Payload too large"),
        422: ("validation-error", "Validation error"),
    }[status]
    body = json.dumps(
        problem_body(status, code, title, detail, [{"field": field, "message": detail}]), ensure_ascii=False
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
