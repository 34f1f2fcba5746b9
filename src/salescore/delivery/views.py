"""Response shapes built from rows: masked robots, deliveries with their attempt log."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.delivery import repository as repo
from salescore.delivery.schemas import AttemptRead, DeliveryRead, RobotRead
from salescore.delivery.targets import mask_robot_url
from salescore.kit.pagination import Page, paginate
from salescore.kit.principal import Principal
from salescore.models import Delivery, WecomRobot


def robot_view(robot: WecomRobot) -> RobotRead:
    values = {c.key: getattr(robot, c.key) for c in WecomRobot.__table__.columns}
    return RobotRead.model_validate({**values, "url": mask_robot_url(robot.url)})


async def deliveries_with_attempts(
    session: AsyncSession, tenant_id: uuid.UUID, rows: list[Delivery]
) -> list[DeliveryRead]:
    """One query for the attempt log of the whole page."""
    log: dict[uuid.UUID, list[AttemptRead]] = defaultdict(list)
    for attempt in await repo.attempts_of(session, tenant_id, [d.id for d in rows]):
        log[attempt.delivery_id].append(AttemptRead.model_validate(attempt))
    return [_delivery(d, log[d.id]) for d in rows]


async def delivery_page(
    session: AsyncSession, principal: Principal, target_id: uuid.UUID, *, limit: int, cursor: str | None,
    status: str | None,
) -> Page[DeliveryRead]:
    stmt = repo.deliveries_to(principal, target_id, status)
    rows, nxt = await paginate(session, stmt, Delivery, limit=limit, cursor=cursor)
    return Page[DeliveryRead](items=await deliveries_with_attempts(session, principal.tenant_id, rows), next_cursor=nxt)


def _delivery(delivery: Delivery, attempts: list[AttemptRead]) -> DeliveryRead:
    values: dict[str, Any] = {c.key: getattr(delivery, c.key) for c in Delivery.__table__.columns}
    return DeliveryRead.model_validate({**values, "attempt_log": attempts})
