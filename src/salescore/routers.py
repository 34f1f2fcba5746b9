"""Every REST router, in the order they appear in the API docs."""

from __future__ import annotations

from fastapi import APIRouter


def api_routers() -> list[APIRouter]:
    from salescore.audit.router import router as audit
    from salescore.customer.router import router as customers
    from salescore.events.router import router as events
    from salescore.follow_up.router import router as follow_ups
    from salescore.notification.router import router as notifications
    from salescore.opportunity.router import router as opportunities
    from salescore.tenancy.router import router as tenancy
    from salescore.todo.router import router as todos

    return [tenancy, customers, follow_ups, opportunities, todos, notifications, audit, events]
