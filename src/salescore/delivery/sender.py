"""Sending due deliveries: claim (commit) → HTTP → record (commit), never a transaction across the network.

Runs as the periodic duty `delivery.send` (embedded loop, or the arq worker's cron); several
senders may run at once, since each only sends what it claimed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from salescore.delivery import ssrf
from salescore.delivery.claim import Job, claim
from salescore.delivery.outcomes import Result, record
from salescore.delivery.signing import signature_headers
from salescore.events.outbox import discard_pending, take_pending
from salescore.events.periodic import periodic
from salescore.kit.types import utcnow

log = logging.getLogger("salescore.delivery")

# A round claims at most two waves of concurrent sends, so even with every receiver at its timeout
# a round ends well within the claim's lease (claim.LEASE) and no claim lapses while its send runs.
BATCH = 20
CONCURRENCY = 10
TIMEOUT = httpx.Timeout(10.0)
# A receiver that trickles its answer byte by byte still ends here (well inside the claim lease).
TOTAL_TIMEOUT_S = 30.0
MAX_RESPONSE_BYTES = 64 * 1024
LOGGED_RESPONSE_CHARS = 2000
USER_AGENT = "salescore-webhooks/1"


@periodic("delivery.send", every_seconds=2)
async def send_due_duty(runtime: Any) -> int:
    return await send_due(runtime)


async def send_due(runtime: Any, *, now: datetime | None = None, limit: int = BATCH) -> int:
    """Send every delivery due at `now` (default: the clock; tests pass a later time to skip a
    backoff without sleeping). Returns how many deliveries were sent or closed."""
    now = now or utcnow()
    async with runtime.sessionmaker() as session:
        jobs, closed = await claim(session, now, limit)
        await session.commit()
    if not jobs:
        return closed
    allow_private = runtime.settings.webhook_allow_private_networks
    gate = asyncio.Semaphore(CONCURRENCY)
    # No redirects (a 3xx could point anywhere, past the SSRF check); no proxy from the
    # environment (the check would not see where the proxy connects).
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, trust_env=False) as client:

        async def one(job: Job) -> Result:
            async with gate:
                try:
                    return await deliver(client, job, allow_private=allow_private)
                except Exception as exc:  # one bad send must not leave the others unrecorded
                    log.exception("delivery send failed", extra={"delivery_id": str(job.delivery_id)})
                    return Result("failed", error=f"internal error: {type(exc).__name__}")

        results = await asyncio.gather(*(one(job) for job in jobs))
    async with runtime.sessionmaker() as session:
        try:
            for job, result in zip(jobs, results, strict=True):
                await record(session, job, result, now)
            await session.commit()
        except BaseException:
            await session.rollback()
            discard_pending(session)
            raise
        await runtime.publish(take_pending(session))  # the admins' notification events
    return len(jobs) + closed


async def deliver(client: httpx.AsyncClient, job: Job, *, allow_private: bool) -> Result:
    started = time.monotonic()
    try:
        target = await ssrf.send_target(job.url, allow_private=allow_private)
    except ssrf.UnsafeURL as exc:
        return Result("failed", error=f"refused before sending: {exc}", duration_ms=_ms(started))
    body = json.dumps(job.payload, ensure_ascii=False, separators=(",", ":"))
    headers = {"content-type": "application/json", "user-agent": USER_AGENT, **target.headers}
    if job.channel == "webhook":
        assert job.secret is not None
        # The wall clock, not the injected `now`: receivers check it against theirs.
        headers |= signature_headers(job.secret, str(job.delivery_id), body, datetime.now(UTC))
    try:
        async with asyncio.timeout(TOTAL_TIMEOUT_S):
            status, text = await _post(client, target, headers, body.encode())
    except (httpx.HTTPError, TimeoutError) as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return Result("failed", error=error[:1000], duration_ms=_ms(started))
    duration = _ms(started)
    if job.channel == "wecom":
        return _wecom_result(status, text, duration)
    logged = text[:LOGGED_RESPONSE_CHARS]
    if 200 <= status < 300:
        return Result("succeeded", status, None, logged, duration)
    return Result("failed", status, f"HTTP {status}", logged, duration)


async def _post(
    client: httpx.AsyncClient, target: ssrf.Target, headers: dict[str, str], body: bytes
) -> tuple[int, str]:
    """POST and read at most MAX_RESPONSE_BYTES of the answer (a receiver could stream forever)."""
    request = client.build_request("POST", target.url, headers=headers, content=body, extensions=target.extensions)
    response = await client.send(request, stream=True)
    try:
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size >= MAX_RESPONSE_BYTES:
                break
    finally:
        await response.aclose()
    text = b"".join(chunks)[:MAX_RESPONSE_BYTES].decode(errors="replace")
    return response.status_code, text


def _wecom_result(status: int, text: str, duration: int) -> Result:
    """The robot answers HTTP 200 with {"errcode": 0, "errmsg": "ok"}; the errcode decides."""
    logged = text[:LOGGED_RESPONSE_CHARS]
    if not 200 <= status < 300:
        return Result("failed", status, f"HTTP {status}", logged, duration)
    try:
        answer = json.loads(text)
        errcode, errmsg = int(answer["errcode"]), str(answer.get("errmsg", ""))
    except (ValueError, KeyError, TypeError):
        return Result("failed", status, "not a WeChat Work robot answer (no errcode)", logged, duration)
    if errcode == 0:
        return Result("succeeded", status, None, logged, duration)
    error = f"errcode {errcode}: {errmsg}"[:1000]
    if errcode == 45009:
        return Result("throttled", status, error, logged, duration)
    if errcode == 93000:
        return Result("robot_invalid", status, error, logged, duration)
    return Result("failed", status, error, logged, duration)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
