"""HTTP for outbound webhook subscriptions, their delivery log and replays (admins only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from salescore.delivery import repository as repo
from salescore.delivery import service, targets
from salescore.delivery.schemas import (
    DeliveryRead,
    DeliveryStatus,
    Queued,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)
from salescore.delivery.views import deliveries_with_attempts, delivery_page
from salescore.kit.deps import AdminDep, SessionDep, runtime_of
from salescore.kit.etag import IfMatchHeader, check_if_match, set_etag
from salescore.kit.openapi import PROBLEM_RESPONSES
from salescore.kit.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, paginate
from salescore.models import WebhookSubscription

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], responses=PROBLEM_RESPONSES)
StatusQuery = Annotated[DeliveryStatus | None, Query(alias="status")]


def _allow_private(request: Request) -> bool:
    return bool(runtime_of(request).settings.webhook_allow_private_networks)


@router.post("", response_model=WebhookCreated, status_code=status.HTTP_201_CREATED)
async def create_webhook(
    request: Request, session: SessionDep, principal: AdminDep, data: WebhookCreate, response: Response
) -> WebhookCreated:
    """Subscribe a URL to event types (globs such as `customer.*`). The answer carries the signing
    secret — the only time it is shown. Private and loopback addresses are refused (422 `url`)."""
    subscription, secret = await targets.create_subscription(
        session, principal, data, allow_private=_allow_private(request)
    )
    set_etag(response, subscription.version)
    return WebhookCreated.model_validate({**WebhookRead.model_validate(subscription).model_dump(), "secret": secret})


@router.get("", response_model=Page[WebhookRead])
async def list_webhooks(
    session: SessionDep,
    principal: AdminDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    enabled: bool | None = None,
) -> Page[WebhookRead]:
    stmt = repo.subscriptions(principal)
    if enabled is not None:
        stmt = stmt.where(WebhookSubscription.enabled.is_(enabled))
    rows, nxt = await paginate(session, stmt, WebhookSubscription, limit=limit, cursor=cursor)
    return Page[WebhookRead](items=rows, next_cursor=nxt)  # type: ignore[arg-type]


@router.get("/{webhook_id}", response_model=WebhookRead)
async def get_webhook(
    session: SessionDep, principal: AdminDep, webhook_id: uuid.UUID, response: Response
) -> WebhookSubscription:
    subscription = await repo.get_subscription(session, principal, webhook_id)
    set_etag(response, subscription.version)
    return subscription


@router.patch("/{webhook_id}", response_model=WebhookRead)
async def update_webhook(
    request: Request,
    session: SessionDep,
    principal: AdminDep,
    webhook_id: uuid.UUID,
    data: WebhookUpdate,
    response: Response,
    if_match: IfMatchHeader = None,
) -> WebhookSubscription:
    """`enabled: true` re-enables an auto-disabled subscription and resets its failure count."""
    subscription = await repo.get_subscription(session, principal, webhook_id)
    check_if_match(if_match, subscription.version)
    subscription = await targets.update_subscription(
        session, principal, subscription, data, allow_private=_allow_private(request)
    )
    set_etag(response, subscription.version)
    return subscription


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_webhook(
    session: SessionDep, principal: AdminDep, webhook_id: uuid.UUID, if_match: IfMatchHeader = None
) -> None:
    subscription = await repo.get_subscription(session, principal, webhook_id)
    check_if_match(if_match, subscription.version)
    await targets.delete_subscription(session, principal, subscription)


@router.get("/{webhook_id}/deliveries", response_model=Page[DeliveryRead])
async def list_webhook_deliveries(
    session: SessionDep,
    principal: AdminDep,
    webhook_id: uuid.UUID,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    status_: StatusQuery = None,
) -> Page[DeliveryRead]:
    """The delivery log, newest first: each delivery with every attempt (time, HTTP status,
    error, duration)."""
    await repo.get_subscription(session, principal, webhook_id)
    return await delivery_page(session, principal, webhook_id, limit=limit, cursor=cursor, status=status_)


@router.get("/{webhook_id}/deliveries/{delivery_id}", response_model=DeliveryRead)
async def get_webhook_delivery(
    session: SessionDep, principal: AdminDep, webhook_id: uuid.UUID, delivery_id: uuid.UUID
) -> DeliveryRead:
    await repo.get_subscription(session, principal, webhook_id)
    delivery = await repo.get_delivery(session, principal, webhook_id, delivery_id)
    return (await deliveries_with_attempts(session, principal.tenant_id, [delivery]))[0]


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/replay", response_model=Queued, status_code=status.HTTP_202_ACCEPTED
)
async def replay_webhook_delivery(
    session: SessionDep, principal: AdminDep, webhook_id: uuid.UUID, delivery_id: uuid.UUID
) -> Queued:
    """Queue the same payload again as a new delivery (`replay_of` names the original; a new
    webhook-id, the same data.event_id). 409 while the subscription is disabled."""
    subscription = await repo.get_subscription(session, principal, webhook_id)
    delivery = await repo.get_delivery(session, principal, webhook_id, delivery_id)
    return Queued(delivery_id=await service.replay(session, delivery, subscription))
