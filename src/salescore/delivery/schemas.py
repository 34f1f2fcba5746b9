"""API shapes of webhook subscriptions, WeChat Work robots and their delivery logs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StringConstraints, field_validator

from salescore.delivery.signing import normalize_secret
from salescore.kit.schemas import InModel, Name, OutModel

Url = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
# Glob over event types ("customer.*", "opportunity.won", "*"); the characters fnmatch knows.
EventPattern = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9_.*?\[\]!-]+$")]
EventPatterns = Annotated[list[EventPattern], Field(min_length=1, max_length=50)]
Description = Annotated[str, StringConstraints(max_length=500)]
DeliveryStatus = Literal["pending", "succeeded", "failed", "dead"]


class WebhookCreate(InModel):
    url: Url = Field(description="http(s) endpoint; private and loopback addresses are refused (SSRF)")
    event_types: EventPatterns = Field(description='Glob patterns over event types, e.g. ["customer.*"]')
    description: Description = ""
    secret: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        None, description="whsec_<base64 of 24-64 random bytes>; generated when left out. Shown once."
    )

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        return None if value is None else normalize_secret(value)


class WebhookUpdate(InModel):
    url: Url | None = None
    event_types: EventPatterns | None = None
    description: Description | None = None
    enabled: StrictBool | None = Field(None, description="true re-enables an auto-disabled subscription")


class WebhookRead(OutModel):
    id: uuid.UUID
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    consecutive_failures: int
    version: int
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="The signing secret. Shown only in this response: store it now.")


class RobotCreate(InModel):
    name: Name
    url: Url = Field(
        description="The robot's webhook address, https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=..."
    )


class RobotUpdate(InModel):
    name: Name | None = None
    url: Url | None = None
    enabled: StrictBool | None = Field(None, description="true re-enables a robot disabled after errcode 93000")


class RobotRead(OutModel):
    id: uuid.UUID
    name: str
    url: str = Field(description="The address with its key masked: only the key's last 4 characters show")
    enabled: bool
    disabled_reason: str | None
    version: int
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class AttemptRead(OutModel):
    id: uuid.UUID
    at: datetime
    status_code: int | None
    error: str | None
    response_body: str | None
    duration_ms: int | None


class DeliveryRead(OutModel):
    id: uuid.UUID
    channel: str
    target_id: uuid.UUID
    event_id: uuid.UUID | None
    event_type: str
    payload: dict[str, Any]
    status: DeliveryStatus
    attempts: int = Field(description="Tries counted toward the retry schedule")
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    replay_of: uuid.UUID | None
    created_at: datetime
    attempt_log: list[AttemptRead] = Field(default_factory=list, description="Every try, oldest first")


class Queued(OutModel):
    delivery_id: uuid.UUID
    status: DeliveryStatus = "pending"
