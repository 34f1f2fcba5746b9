"""Every table, imported here so Alembic and the app see one metadata."""

from salescore.models.base import Base
from salescore.models.customer import Contact, Customer
from salescore.models.follow_up import FollowUp
from salescore.models.opportunity import Opportunity
from salescore.models.system import AuditLog, Event, EventHandlerRun, IdempotencyKey
from salescore.models.tenancy import ApiKey, Team, Tenant, User
from salescore.models.work import Notification, Todo

__all__ = [
    "ApiKey",
    "AuditLog",
    "Base",
    "Contact",
    "Customer",
    "Event",
    "EventHandlerRun",
    "FollowUp",
    "IdempotencyKey",
    "Notification",
    "Opportunity",
    "Team",
    "Tenant",
    "Todo",
    "User",
]
