"""Filter inputs of the top-level connections. They mirror the REST list query parameters and
hand the validated values to the same repository list functions REST uses."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
import strawberry

from salescore.customer import repository as customer_repo
from salescore.daily_report import repository as daily_report_repo
from salescore.delivery import repository as delivery_repo
from salescore.document import repository as document_repo
from salescore.follow_up import repository as follow_up_repo
from salescore.graphql.context import bad_input
from salescore.kit.crud import like_pattern, where_equal
from salescore.kit.principal import Principal
from salescore.kit.visibility import tenant_rows
from salescore.knowledge import repository as knowledge_repo
from salescore.models import Contact, Notification, SignalHit, WebhookSubscription
from salescore.opportunity import repository as opportunity_repo
from salescore.signal import repository as signal_repo
from salescore.tenancy import repository as tenancy_repo
from salescore.todo import repository as todo_repo

MAX_Q = 100
MAX_TAG = 50
NAME_CONTAINS = "Name contains (at most 100 characters)"
SIGNAL_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")  # signal.schemas.SignalCode


def parse_id(value: strawberry.ID | str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise bad_input(f"{field}: not a valid UUID", field) from exc


def _id(value: strawberry.ID | None, field: str) -> uuid.UUID | None:
    return None if value is None else parse_id(value, field)


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise bad_input(f"{field}: must include a UTC offset, e.g. 2026-01-05T09:30:00+08:00", field)
    return value.astimezone(UTC)


def _q(value: str | None) -> str | None:
    if value is not None and len(value) > MAX_Q:
        raise bad_input(f"q: at most {MAX_Q} characters", "q")
    return value or None


@strawberry.input
class CustomerFilter:
    owner_id: strawberry.ID | None = None
    team_id: strawberry.ID | None = None
    grade: str | None = strawberry.field(default=None, description="A | B | C")
    lifecycle: str | None = strawberry.field(default=None, description="lead | prospect | customer | lost")
    industry: str | None = None
    updated_since: datetime | None = None
    q: str | None = strawberry.field(default=None, description=NAME_CONTAINS)


def customers(principal: Principal, f: CustomerFilter | None) -> sa.Select[Any]:
    f = f or CustomerFilter()
    return customer_repo.customer_list(
        principal,
        owner_id=_id(f.owner_id, "ownerId"),
        team_id=_id(f.team_id, "teamId"),
        grade=f.grade,
        lifecycle=f.lifecycle,
        industry=f.industry,
        updated_since=_aware(f.updated_since, "updatedSince"),
        q=_q(f.q),
    )


@strawberry.input
class ContactFilter:
    customer_id: strawberry.ID | None = None
    updated_since: datetime | None = None
    q: str | None = strawberry.field(default=None, description=NAME_CONTAINS)


def contacts(principal: Principal, f: ContactFilter | None) -> sa.Select[Any]:
    # REST lists contacts only under their customer, so this filter has no REST twin to share.
    f = f or ContactFilter()
    stmt = where_equal(
        customer_repo.contacts(principal), (Contact.customer_id, _id(f.customer_id, "customerId"))
    )
    if (since := _aware(f.updated_since, "updatedSince")) is not None:
        stmt = stmt.where(Contact.updated_at >= since)
    if q := _q(f.q):
        stmt = stmt.where(Contact.name.ilike(like_pattern(q), escape="\\"))
    return stmt


@strawberry.input
class FollowUpFilter:
    customer_id: strawberry.ID | None = None
    opportunity_id: strawberry.ID | None = None
    user_id: strawberry.ID | None = None
    channel: str | None = strawberry.field(
        default=None, description="call | meeting | email | wechat | visit | demo | other"
    )
    updated_since: datetime | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None


def follow_ups(principal: Principal, f: FollowUpFilter | None) -> sa.Select[Any]:
    f = f or FollowUpFilter()
    return follow_up_repo.follow_up_list(
        principal,
        customer_id=_id(f.customer_id, "customerId"),
        opportunity_id=_id(f.opportunity_id, "opportunityId"),
        user_id=_id(f.user_id, "userId"),
        channel=f.channel,
        updated_since=_aware(f.updated_since, "updatedSince"),
        occurred_from=_aware(f.occurred_from, "occurredFrom"),
        occurred_to=_aware(f.occurred_to, "occurredTo"),
    )


@strawberry.input
class OpportunityFilter:
    customer_id: strawberry.ID | None = None
    owner_id: strawberry.ID | None = None
    status: str | None = strawberry.field(default=None, description="open | won | lost_pending_review | lost")
    stage: str | None = None
    updated_since: datetime | None = None
    q: str | None = strawberry.field(default=None, description=NAME_CONTAINS)


def opportunities(principal: Principal, f: OpportunityFilter | None) -> sa.Select[Any]:
    f = f or OpportunityFilter()
    return opportunity_repo.opportunity_list(
        principal,
        customer_id=_id(f.customer_id, "customerId"),
        owner_id=_id(f.owner_id, "ownerId"),
        status=f.status,
        stage=f.stage,
        updated_since=_aware(f.updated_since, "updatedSince"),
        q=_q(f.q),
    )


@strawberry.input
class TodoFilter:
    status: str | None = strawberry.field(default=None, description="open | done | cancelled")
    assignee_id: strawberry.ID | None = None
    customer_id: strawberry.ID | None = None
    opportunity_id: strawberry.ID | None = None
    due_before: datetime | None = None
    updated_since: datetime | None = None


def todos(principal: Principal, f: TodoFilter | None) -> sa.Select[Any]:
    f = f or TodoFilter()
    return todo_repo.todo_list(
        principal,
        status=f.status,
        assignee_id=_id(f.assignee_id, "assigneeId"),
        customer_id=_id(f.customer_id, "customerId"),
        opportunity_id=_id(f.opportunity_id, "opportunityId"),
        due_before=_aware(f.due_before, "dueBefore"),
        updated_since=_aware(f.updated_since, "updatedSince"),
    )


@strawberry.input
class UserFilter:
    team_id: strawberry.ID | None = None
    role: str | None = strawberry.field(default=None, description="rep | manager | director | admin | staff")
    is_active: bool | None = None


def users(principal: Principal, f: UserFilter | None) -> sa.Select[Any]:
    f = f or UserFilter()
    return tenancy_repo.user_list(
        principal, team_id=_id(f.team_id, "teamId"), role=f.role, is_active=f.is_active
    )


@strawberry.input
class NotificationFilter:
    unread: bool | None = None


def own_notifications(principal: Principal) -> sa.Select[Any]:
    # Same rule as REST /notifications: cards are personal, not even an admin reads another's.
    return tenant_rows(Notification, principal).where(Notification.user_id == principal.user_id)


def notifications(principal: Principal, f: NotificationFilter | None) -> sa.Select[Any]:
    stmt = own_notifications(principal)
    if f is None or f.unread is None:
        return stmt
    return stmt.where(Notification.read_at.is_(None) if f.unread else Notification.read_at.is_not(None))


@strawberry.input
class DailyReportFilter:
    user_id: strawberry.ID | None = None
    team_id: strawberry.ID | None = None
    date_from: date | None = strawberry.field(default=None, description="Report dates on or after")
    date_to: date | None = strawberry.field(default=None, description="Report dates on or before")


def daily_reports(principal: Principal, f: DailyReportFilter | None) -> sa.Select[Any]:
    f = f or DailyReportFilter()
    return daily_report_repo.report_list(
        principal, user_id=_id(f.user_id, "user_id"), team_id=_id(f.team_id, "team_id"),
        date_from=f.date_from, date_to=f.date_to,
    )


@strawberry.input
class DocumentFilter:
    customer_id: strawberry.ID | None = None
    opportunity_id: strawberry.ID | None = None
    status: str | None = strawberry.field(default=None, description="pending | read | revise")


def documents(principal: Principal, f: DocumentFilter | None) -> sa.Select[Any]:
    f = f or DocumentFilter()
    return document_repo.document_list(
        principal, customer_id=_id(f.customer_id, "customerId"),
        opportunity_id=_id(f.opportunity_id, "opportunityId"), status=f.status,
    )


@strawberry.input
class KnowledgeFilter:
    q: str | None = strawberry.field(default=None, description="Title or text contains (at most 100)")
    tag: str | None = strawberry.field(default=None, description="An exact tag, e.g. an industry (≤ 50)")
    kind: str | None = strawberry.field(default=None, description="requirement | sop | script | case")
    customer_id: strawberry.ID | None = None


def knowledge_entries(principal: Principal, f: KnowledgeFilter | None) -> sa.Select[Any]:
    f = f or KnowledgeFilter()
    if f.tag is not None and len(f.tag) > MAX_TAG:
        raise bad_input(f"tag: at most {MAX_TAG} characters", "tag")
    return knowledge_repo.search(
        principal, q=_q(f.q), tag=f.tag or None, kind=f.kind, customer_id=_id(f.customer_id, "customerId")
    )


@strawberry.input
class WebhookFilter:
    enabled: bool | None = None


def webhooks(principal: Principal, f: WebhookFilter | None) -> sa.Select[Any]:
    stmt = delivery_repo.subscriptions(principal)
    if f is None or f.enabled is None:
        return stmt
    return stmt.where(WebhookSubscription.enabled.is_(f.enabled))


@strawberry.input
class SignalHitFilter:
    customer_id: strawberry.ID | None = None
    opportunity_id: strawberry.ID | None = None
    follow_up_id: strawberry.ID | None = None
    signal: str | None = strawberry.field(default=None, description="A signal code, e.g. budget_not_approved")


def signal_hits(principal: Principal, f: SignalHitFilter | None) -> sa.Select[Any]:
    f = f or SignalHitFilter()
    if f.signal is not None and not SIGNAL_CODE.fullmatch(f.signal):
        raise bad_input("signal: a signal code (lower-case letters, digits and _; at most 64)", "signal")
    return where_equal(
        signal_repo.visible_hits(principal),
        (SignalHit.customer_id, _id(f.customer_id, "customerId")),
        (SignalHit.opportunity_id, _id(f.opportunity_id, "opportunityId")),
        (SignalHit.follow_up_id, _id(f.follow_up_id, "followUpId")),
        (SignalHit.signal, f.signal),
    )
