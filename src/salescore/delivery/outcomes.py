"""Recording what a send came to: the attempt row, the delivery's next step, and the target's health.

Retry schedule (Standard Webhooks' own): after the 1st..7th failed try wait 5 s, 5 min, 30 min,
2 h, 5 h, 10 h, 10 h; the 8th failure (about 27.6 h after the first try) gives the delivery up
(`dead`). A webhook subscription is disabled when one of its deliveries is given up and no
delivery to it has succeeded since that delivery was queued: its receiver has answered nothing
useful for over a day. A robot is disabled at once on errcode 93000 (robot removed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.delivery import repository as repo
from salescore.delivery.claim import Job
from salescore.models import Delivery, DeliveryAttempt, WebhookSubscription, WecomRobot
from salescore.notification.service import notify

RETRY_SCHEDULE = (
    timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
    timedelta(hours=5), timedelta(hours=10), timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
# errcode 45009: the robot's minute is used up (by us or another sender with the same key).
THROTTLED_RETRY = timedelta(seconds=60)
Outcome = Literal["succeeded", "failed", "throttled", "robot_invalid"]


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    status_code: int | None = None
    error: str | None = None
    response_body: str | None = None
    duration_ms: int | None = None


async def record(session: AsyncSession, job: Job, result: Result, now: datetime) -> None:
    await session.execute(
        sa.update(DeliveryAttempt)
        .where(DeliveryAttempt.tenant_id == job.tenant_id, DeliveryAttempt.id == job.attempt_id)
        .values(status_code=result.status_code, error=result.error, response_body=result.response_body,
                duration_ms=result.duration_ms)
    )
    delivery = await session.scalar(
        sa.select(Delivery).where(Delivery.tenant_id == job.tenant_id, Delivery.id == job.delivery_id)
    )
    if delivery is None or delivery.status not in repo.RETRYABLE:
        return  # closed meanwhile (its target was removed); the attempt row above still tells
    delivery.last_status_code, delivery.last_error = result.status_code, result.error
    if result.outcome == "succeeded":
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "succeeded", now, None
        delivery.attempts += 1
        if job.channel == "webhook":
            await _count_failures(session, job, reset=True)
    elif result.outcome == "throttled":
        # Not a failure of the message: retried after the minute, not counted toward giving up.
        delivery.status, delivery.next_attempt_at = "pending", now + THROTTLED_RETRY
    elif result.outcome == "robot_invalid":
        delivery.status, delivery.next_attempt_at = "dead", None
        delivery.attempts += 1
        await _disable_robot(session, job, result)
    else:
        delivery.attempts += 1
        if job.channel == "webhook":
            await _count_failures(session, job, reset=False)
        if delivery.attempts < MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = "failed", now + RETRY_SCHEDULE[delivery.attempts - 1]
        else:
            delivery.status, delivery.next_attempt_at = "dead", None
            if job.channel == "webhook" and not await repo.succeeded_since(
                session, job.tenant_id, job.target_id, delivery.created_at
            ):
                await _disable_subscription(session, job, delivery, result)
    await session.flush()


async def _count_failures(session: AsyncSession, job: Job, *, reset: bool) -> None:
    """A server-side counter: it does not bump the subscription's version (an admin's If-Match
    should not go stale because deliveries happened)."""
    column = WebhookSubscription.consecutive_failures
    stmt = sa.update(WebhookSubscription).where(
        WebhookSubscription.tenant_id == job.tenant_id, WebhookSubscription.id == job.target_id
    )
    if reset:
        stmt = stmt.where(column != 0).values(consecutive_failures=0)
    else:
        stmt = stmt.values(consecutive_failures=column + 1)
    await session.execute(stmt.execution_options(synchronize_session=False))


async def _disable_subscription(session: AsyncSession, job: Job, delivery: Delivery, result: Result) -> None:
    reason = f"auto-disabled: delivery {delivery.id} failed {delivery.attempts} times over 24 h ({result.error})"[:500]
    if not await _disable(session, WebhookSubscription, job, reason):
        return
    host = httpx.URL(job.url).host
    await _notify_admins(
        session, job, kind="webhook_disabled", dedupe_key=f"webhook_disabled:{delivery.id}",
        title=f"Webhook 已自动停用：{host}",
        body=(f"推送到 {host} 的消息连续失败超过 24 小时（最后一次：{result.error}），已停止推送。"
              "修复接收端后用 PATCH enabled=true 重新启用，再重放（replay）失败的投递。"),
        link=f"/api/v1/webhooks/{job.target_id}",
    )


async def _disable_robot(session: AsyncSession, job: Job, result: Result) -> None:
    reason = "errcode 93000: the robot is invalid or was removed from its group"
    if not await _disable(session, WecomRobot, job, reason):
        return
    name = await session.scalar(
        sa.select(WecomRobot.name).where(WecomRobot.tenant_id == job.tenant_id, WecomRobot.id == job.target_id)
    )
    await _notify_admins(
        session, job, kind="wecom_robot_disabled", dedupe_key=f"wecom_robot_disabled:{job.delivery_id}",
        title=f"企业微信机器人已失效：{name}",
        body="机器人返回 errcode 93000（机器人无效或已被移出群聊），已停用，待发消息不再发送。"
             "请在群里重新添加机器人，更新地址后用 PATCH enabled=true 重新启用。",
        link=f"/api/v1/wecom-robots/{job.target_id}",
    )


async def _disable(
    session: AsyncSession, model: type[WebhookSubscription] | type[WecomRobot], job: Job, reason: str
) -> bool:
    """Disable once (True for the caller that did it); bumps the version, as an admin's edit would."""
    result = await session.execute(
        sa.update(model)
        .where(model.tenant_id == job.tenant_id, model.id == job.target_id, model.enabled.is_(True))
        .values(enabled=False, disabled_reason=reason, version=model.version + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def _notify_admins(
    session: AsyncSession, job: Job, *, kind: str, dedupe_key: str, title: str, body: str, link: str
) -> None:
    for admin_id in await repo.active_admin_ids(session, job.tenant_id):
        await notify(
            session, tenant_id=job.tenant_id, user_id=admin_id, kind=kind, title=title, body=body, link=link,
            dedupe_key=f"{dedupe_key}:{admin_id}",
        )
