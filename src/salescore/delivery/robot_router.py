"""HTTP for WeChat Work (企业微信) group robots (admins only). The robot URL carries its key, so
responses show it masked."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from salescore.delivery import repository as repo
from salescore.delivery import service, targets
from salescore.delivery.schemas import DeliveryRead, DeliveryStatus, Queued, RobotCreate, RobotRead, RobotUpdate
from salescore.delivery.views import delivery_page, robot_view
from salescore.kit.deps import AdminDep, SessionDep, runtime_of
from salescore.kit.errors import Conflict
from salescore.kit.etag import IfMatchHeader, check_if_match, set_etag
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, paginate
from salescore.kit.types import new_id
from salescore.models import WecomRobot

router = APIRouter(prefix="/api/v1/wecom-robots", tags=["wecom-robots"], responses=PROBLEM_RESPONSES)
TEST_MESSAGE = "**salescore 测试消息**\n> 收到这条消息，说明机器人已接通。\n> This robot is connected."


def _allow_private(request: Request) -> bool:
    return bool(runtime_of(request).settings.webhook_allow_private_networks)


@router.post("", response_model=RobotRead, status_code=status.HTTP_201_CREATED)
async def create_robot(
    request: Request, session: SessionDep, principal: AdminDep, data: RobotCreate, response: Response
) -> RobotRead:
    """Add a group robot by its webhook address (群机器人 → 添加 → Webhook 地址)."""
    robot = await targets.create_robot(session, principal, data, allow_private=_allow_private(request))
    set_etag(response, robot.version)
    return robot_view(robot)


@router.get("", response_model=Page[RobotRead])
async def list_robots(
    session: SessionDep, principal: AdminDep, limit: LimitQuery = DEFAULT_LIMIT, cursor: CursorQuery = None
) -> Page[RobotRead]:
    rows, nxt = await paginate(session, repo.robots(principal), WecomRobot, limit=limit, cursor=cursor)
    return Page[RobotRead](items=[robot_view(r) for r in rows], next_cursor=nxt)


@router.get("/{robot_id}", response_model=RobotRead)
async def get_robot(session: SessionDep, principal: AdminDep, robot_id: uuid.UUID, response: Response) -> RobotRead:
    robot = await repo.get_robot(session, principal, robot_id)
    set_etag(response, robot.version)
    return robot_view(robot)


@router.patch("/{robot_id}", response_model=RobotRead)
async def update_robot(
    request: Request,
    session: SessionDep,
    principal: AdminDep,
    robot_id: uuid.UUID,
    data: RobotUpdate,
    response: Response,
    if_match: IfMatchHeader = None,
) -> RobotRead:
    """`enabled: true` re-enables a robot disabled after errcode 93000 (update its url first)."""
    robot = await repo.get_robot(session, principal, robot_id)
    check_if_match(if_match, robot.version)
    robot = await targets.update_robot(session, principal, robot, data, allow_private=_allow_private(request))
    set_etag(response, robot.version)
    return robot_view(robot)


@router.delete("/{robot_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_robot(
    session: SessionDep, principal: AdminDep, robot_id: uuid.UUID, if_match: IfMatchHeader = None
) -> None:
    robot = await repo.get_robot(session, principal, robot_id)
    check_if_match(if_match, robot.version)
    await targets.delete_robot(session, principal, robot)


@router.post("/{robot_id}/test", response_model=Queued, status_code=status.HTTP_202_ACCEPTED)
async def test_robot(session: SessionDep, principal: AdminDep, robot_id: uuid.UUID) -> Queued:
    """Queue a test message to the robot (sent within seconds, within its 20-a-minute limit).
    409 while the robot is disabled."""
    robot = await repo.get_robot(session, principal, robot_id)
    if not robot.enabled:
        raise Conflict("the robot is disabled; re-enable it (PATCH enabled=true) first")
    queued = await service.queue_wecom(
        session, tenant_id=principal.tenant_id, robot_id=robot.id, markdown=TEST_MESSAGE,
        dedupe_key=f"test:{new_id()}", event_type="wecom.test",
    )
    return Queued(delivery_id=queued[0])


@router.get("/{robot_id}/deliveries", response_model=Page[DeliveryRead])
async def list_robot_deliveries(
    session: SessionDep,
    principal: AdminDep,
    robot_id: uuid.UUID,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    status_: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
) -> Page[DeliveryRead]:
    """Messages to this robot, newest first, with every attempt (HTTP status, errcode, duration)."""
    await repo.get_robot(session, principal, robot_id)
    return await delivery_page(session, principal, robot_id, limit=limit, cursor=cursor, status=status_)
