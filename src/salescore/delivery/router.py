"""The delivery domain's HTTP: webhook subscriptions and WeChat Work robots (admins only)."""

from __future__ import annotations

from fastapi import APIRouter

from salescore.delivery.robot_router import router as robots
from salescore.delivery.webhook_router import router as webhooks

router = APIRouter()
router.include_router(webhooks)
router.include_router(robots)
