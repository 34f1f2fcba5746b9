"""Every table, imported here so Alembic and the app see one metadata."""

from salescore.models.action import ActionRecord, ActionTemplate, ActionTemplateVersion
from salescore.models.analytics import ProcessHealthDay
from salescore.models.attachment import Attachment, Document, DocumentTemplate
from salescore.models.automation import Job, Rule, RuleRun, ScheduleMark
from salescore.models.base import Base
from salescore.models.evidence import Evidence, EvidenceModel, ForecastSnapshot, WinCalibration
from salescore.models.delivery import Delivery, DeliveryAttempt, WebhookSubscription, WecomRobot
from salescore.models.health import AttributeHistory, GradeChange, HealthModel
from salescore.models.knowledge import KnowledgeEntry
from salescore.models.customer import Contact, Customer
from salescore.models.follow_up import FollowUp
from salescore.models.daily_report import DailyReport
from salescore.models.opportunity import Opportunity
from salescore.models.pipeline import Pipeline, StageChange
from salescore.models.postmortem import PostMortem, PostMortemMaterial
from salescore.models.signal import CustomerSignal, SignalConfig, SignalHit, Transcript
from salescore.models.system import AuditLog, Event, EventHandlerRun, IdempotencyKey
from salescore.models.tenancy import ApiKey, Team, Tenant, User
from salescore.models.work import Notification, Todo

__all__ = [
    "ProcessHealthDay",
    "CustomerSignal",
    "DocumentTemplate",
    "PostMortem",
    "PostMortemMaterial",
    "SignalConfig",
    "SignalHit",
    "Transcript",
    "Evidence",
    "EvidenceModel",
    "ForecastSnapshot",
    "WinCalibration",
    "AttributeHistory",
    "Delivery",
    "DeliveryAttempt",
    "GradeChange",
    "HealthModel",
    "Job",
    "KnowledgeEntry",
    "Rule",
    "RuleRun",
    "ScheduleMark",
    "WebhookSubscription",
    "WecomRobot",
    "ActionRecord",
    "ActionTemplate",
    "ActionTemplateVersion",
    "Attachment",
    "DailyReport",
    "Document",
    "Pipeline",
    "StageChange",
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
