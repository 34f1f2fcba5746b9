"""Managing delivery targets: webhook subscriptions and WeChat Work robots. Never commits.

Both hold secrets (the signing secret; the robot key inside its URL): audit rows and events get a
redacted copy, and responses never carry them (the signing secret is shown once, at creation).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.audit.service import record, snapshot
from salescore.delivery import ssrf
from salescore.delivery.schemas import RobotCreate, RobotUpdate, WebhookCreate, WebhookUpdate
from salescore.delivery.signing import generate_secret
from salescore.kit.crud import reject_nulls
from salescore.kit.errors import Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import WebhookSubscription, WecomRobot

_KEY_PARAM = re.compile(r"(?<=[?&]key=)[^&#]*")
REDACTED = "[redacted]"


class _Redacted:
    """What audit.record snapshots instead of the row: the same columns, secrets replaced."""

    def __init__(self, obj: Any, **overrides: Any) -> None:
        self.__table__ = obj.__table__
        for column in obj.__table__.columns:
            setattr(self, column.key, overrides.get(column.key, getattr(obj, column.key)))


def _audit_view(obj: WebhookSubscription | WecomRobot) -> _Redacted:
    if isinstance(obj, WebhookSubscription):
        return _Redacted(obj, secret=REDACTED)
    return _Redacted(obj, url=mask_robot_url(obj.url))


def _record(session: AsyncSession, principal: Principal, action: str, entity: str, obj: Any,
            before: dict[str, Any] | None = None) -> None:
    record(session, principal, action=action, entity=entity, obj=_audit_view(obj), before=before)


# --- webhook subscriptions --------------------------------------------------------------------

async def create_subscription(
    session: AsyncSession, principal: Principal, data: WebhookCreate, *, allow_private: bool
) -> tuple[WebhookSubscription, str]:
    await ssrf.validate_url(data.url, allow_private=allow_private)
    secret = data.secret or generate_secret()
    now = utcnow()
    subscription = WebhookSubscription(
        id=new_id(), tenant_id=principal.tenant_id, url=data.url, description=data.description,
        event_types=list(data.event_types), secret=secret, enabled=True, consecutive_failures=0,
        created_by=principal.user_id, created_at=now, updated_at=now,
    )
    session.add(subscription)
    await session.flush()
    _record(session, principal, "create", "webhook_subscription", subscription)
    return subscription, secret


async def update_subscription(
    session: AsyncSession, principal: Principal, subscription: WebhookSubscription, data: WebhookUpdate,
    *, allow_private: bool,
) -> WebhookSubscription:
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(changes, ("url", "event_types", "description", "enabled"))
    if "url" in changes:
        await ssrf.validate_url(changes["url"], allow_private=allow_private)
    before = snapshot(_audit_view(subscription))
    _set_enabled(subscription, changes.pop("enabled", None))
    for key, value in changes.items():
        setattr(subscription, key, value)
    await session.flush()
    _record(session, principal, "update", "webhook_subscription", subscription, before)
    return subscription


async def delete_subscription(session: AsyncSession, principal: Principal, subscription: WebhookSubscription) -> None:
    """Soft delete: the row and its delivery log stay for the audit trail; deliveries still
    queued to it are closed (`dead`) by the sender."""
    before = snapshot(_audit_view(subscription))
    subscription.deleted_at = utcnow()
    await session.flush()
    _record(session, principal, "delete", "webhook_subscription", subscription, before)


# --- WeChat Work robots -----------------------------------------------------------------------

async def create_robot(
    session: AsyncSession, principal: Principal, data: RobotCreate, *, allow_private: bool
) -> WecomRobot:
    await validate_robot_url(data.url, allow_private=allow_private)
    now = utcnow()
    robot = WecomRobot(
        id=new_id(), tenant_id=principal.tenant_id, name=data.name, url=data.url, enabled=True,
        created_by=principal.user_id, created_at=now, updated_at=now,
    )
    session.add(robot)
    await session.flush()
    _record(session, principal, "create", "wecom_robot", robot)
    return robot


async def update_robot(
    session: AsyncSession, principal: Principal, robot: WecomRobot, data: RobotUpdate, *, allow_private: bool
) -> WecomRobot:
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(changes, ("name", "url", "enabled"))
    if "url" in changes:
        await validate_robot_url(changes["url"], allow_private=allow_private)
    before = snapshot(_audit_view(robot))
    _set_enabled(robot, changes.pop("enabled", None))
    for key, value in changes.items():
        setattr(robot, key, value)
    await session.flush()
    _record(session, principal, "update", "wecom_robot", robot, before)
    return robot


async def delete_robot(session: AsyncSession, principal: Principal, robot: WecomRobot) -> None:
    before = snapshot(_audit_view(robot))
    robot.deleted_at = utcnow()
    await session.flush()
    _record(session, principal, "delete", "wecom_robot", robot, before)


async def validate_robot_url(url: str, *, allow_private: bool) -> None:
    await ssrf.validate_url(url, allow_private=allow_private)
    if not httpx.URL(url).params.get("key"):
        raise Unprocessable.field("url", "must carry the robot's key: .../cgi-bin/webhook/send?key=...")


def mask_robot_url(url: str) -> str:
    """The robot URL with its key cut to the last 4 characters (enough to tell robots apart)."""
    return _KEY_PARAM.sub(lambda m: "****" + m.group(0)[-4:], url)


def _set_enabled(target: WebhookSubscription | WecomRobot, enabled: bool | None) -> None:
    """Re-enabling clears the reason it was disabled (and, for webhooks, the failure count:
    the admin says the receiver is fixed)."""
    if enabled is None:
        return
    if enabled:
        target.disabled_reason = None
        if isinstance(target, WebhookSubscription):
            target.consecutive_failures = 0
    elif target.enabled:
        target.disabled_reason = "disabled by an admin"
    target.enabled = enabled
