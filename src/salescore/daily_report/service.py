"""Daily report rules: one per user per date, items become follow-ups with actions. Never commits.

"Nothing is typed twice": submitting creates the follow-ups (created_via=daily_report), applies
each action's sync map and fires its events, all in the request's transaction — a bad item
rejects the whole report with every problem named, and nothing is half-written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.action import service as action_service
from salescore.action.validation import CheckedAction
from salescore.audit.service import record, snapshot
from salescore.customer import service as customer_service
from salescore.daily_report import repository as repo
from salescore.daily_report.schemas import DailyReportAmend, DailyReportCreate, ProgressIn, ReportItemIn
from salescore.follow_up import service as follow_up_service
from salescore.kit import workdays
from salescore.kit.errors import Conflict, FieldError, Forbidden, Unprocessable
from salescore.kit.principal import Principal
from salescore.kit.types import new_id, utcnow
from salescore.models import Customer, DailyReport, Opportunity, Tenant
from salescore.opportunity import service as opportunity_service
from salescore.tenancy.service import get_tenant, tenant_settings, workday_overrides

DEFAULT_ACTION_HOUR = time(18, 0)
# History may be imported, but not from before any company kept daily reports in software.
EARLIEST_REPORT = date(2000, 1, 1)


@dataclass
class PreparedItem:
    source: ReportItemIn
    customer: Customer
    deal: Opportunity | None
    action: CheckedAction


def deadline_for(tenant: Tenant, day: date) -> datetime:
    rule = tenant_settings(tenant).daily_report_deadline
    due = workdays.add_workdays(day, rule.workdays_after, workday_overrides(tenant))
    hour, minute = (int(x) for x in rule.time.split(":"))
    return workdays.local_datetime(due, time(hour, minute), tenant.timezone)


def end_of_day(tenant: Tenant, day: date) -> datetime:
    return workdays.local_datetime(day + timedelta(days=1), time(0, 0), tenant.timezone)


def _default_moment(tenant: Tenant, day: date) -> datetime:
    """An item without its own time happened at 18:00 on the report's date — never in the future."""
    return min(workdays.local_datetime(day, DEFAULT_ACTION_HOUR, tenant.timezone), utcnow()).astimezone(UTC)


async def _prepare(
    session: AsyncSession, principal: Principal, items: list[ReportItemIn], progress: ProgressIn
) -> tuple[list[PreparedItem], Customer]:
    """Check every item and the progress entry; one 422 names every problem found."""
    errors: list[FieldError] = []
    customers: list[Customer | None] = []
    given: list[Opportunity | None] = []
    for i, item in enumerate(items):
        customer, deal = None, None
        try:
            customer = await customer_service.visible_customer(session, principal, item.customer_id, f"items.{i}.customer_id")
            if item.opportunity_id is not None:
                deal = await opportunity_service.visible_opportunity(
                    session, principal, item.opportunity_id, f"items.{i}.opportunity_id"
                )
                if deal.customer_id != customer.id:
                    raise Unprocessable.field(f"items.{i}.opportunity_id", "the opportunity belongs to another customer")
        except Unprocessable as exc:
            errors.extend(exc.errors)
        customers.append(customer)
        given.append(deal)
    progress_customer = None
    try:
        progress_customer = await customer_service.visible_customer(
            session, principal, progress.customer_id, "progress.customer_id"
        )
    except Unprocessable as exc:
        errors.extend(exc.errors)
    checked: list[CheckedAction] = []
    try:
        checked = await action_service.check_actions(session, principal, [
            action_service.ActionInput(item.action_code, item.fields, f"items.{i}.action_code", f"items.{i}.fields")
            for i, item in enumerate(items)
        ])
    except Unprocessable as exc:
        errors.extend(exc.errors)
    if errors:
        raise Unprocessable("invalid daily report: " + ", ".join(e["field"] for e in errors), errors=errors)
    prepared: list[PreparedItem] = []
    for i, (item, action) in enumerate(zip(items, checked, strict=True)):
        customer = customers[i]
        assert customer is not None
        try:
            deal = await follow_up_service.deal_for_actions(
                session, principal, customer, given[i], [action], f"items.{i}.opportunity_id"
            )
        except Unprocessable as exc:
            errors.extend(exc.errors)
            continue
        prepared.append(PreparedItem(item, customer, deal, action))
    if errors:
        raise Unprocessable("invalid daily report: " + ", ".join(e["field"] for e in errors), errors=errors)
    assert progress_customer is not None
    return prepared, progress_customer


def _collect(found: list[dict[str, Any]], follow_up: Any) -> None:
    """Keep what a written follow-up's words set off, for the report's answer (SPEC §9)."""
    detection = getattr(follow_up, "signals", None)
    if detection and detection["hits"]:
        found.append({"follow_up_id": follow_up.id, "customer_id": follow_up.customer_id, **detection})


async def _write_item(
    session: AsyncSession, principal: Principal, tenant: Tenant, day: date, index: int, item: PreparedItem,
    found: list[dict[str, Any]],
) -> dict[str, Any]:
    template = item.action.template
    occurred = item.source.occurred_at or _default_moment(tenant, day)
    channel = item.source.channel or template.channel
    follow_up = await follow_up_service.record_follow_up(
        session, principal, item.customer, deal=item.deal, checked=[item.action],
        paths=[f"items.{index}.fields."], author_id=principal.user_id, channel=channel, occurred_at=occurred,
        summary=item.source.note or template.label, created_via="daily_report",
    )
    _collect(found, follow_up)
    return {
        "customer_id": str(item.customer.id),
        "opportunity_id": str(item.deal.id) if item.deal is not None else None,
        "action_code": item.action.code, "fields": item.action.fields, "note": item.source.note,
        "occurred_at": occurred.astimezone(UTC).isoformat(), "channel": channel, "follow_up_id": str(follow_up.id),
        "given_occurred_at": item.source.occurred_at.isoformat() if item.source.occurred_at else None,
        "given_opportunity_id": str(item.source.opportunity_id) if item.source.opportunity_id else None,
        "given_channel": item.source.channel,
    }


async def _revise_item(
    session: AsyncSession, principal: Principal, tenant: Tenant, day: date, item: dict[str, Any], p: PreparedItem,
    found: list[dict[str, Any]],
) -> dict[str, Any]:
    """Carry a corrected note, time or channel onto the follow-up an unchanged action already has."""
    given_at = p.source.occurred_at.isoformat() if p.source.occurred_at else None
    occurred = p.source.occurred_at or datetime.fromisoformat(item["occurred_at"])
    if given_at != item.get("given_occurred_at") and p.source.occurred_at is None:
        occurred = _default_moment(tenant, day)
    channel = p.source.channel or p.action.template.channel
    summary = p.source.note or p.action.template.label
    if (p.source.note, occurred.isoformat(), channel) != (item["note"], item["occurred_at"], item["channel"]):
        _collect(found, await follow_up_service.revise(
            session, principal, uuid.UUID(item["follow_up_id"]), summary=summary, channel=channel, occurred_at=occurred
        ))
    return {**item, "note": p.source.note, "occurred_at": occurred.isoformat(), "channel": channel,
            "given_occurred_at": given_at, "given_channel": p.source.channel}


async def _write_progress(
    session: AsyncSession, principal: Principal, tenant: Tenant, day: date, customer: Customer, note: str,
    found: list[dict[str, Any]],
) -> dict[str, Any]:
    follow_up = await follow_up_service.record_follow_up(
        session, principal, customer, deal=None, checked=[], paths=[], author_id=principal.user_id,
        channel="other", occurred_at=_default_moment(tenant, day), summary=note, created_via="daily_report",
    )
    _collect(found, follow_up)
    return {"customer_id": str(customer.id), "note": note, "follow_up_id": str(follow_up.id)}


async def submit(session: AsyncSession, principal: Principal, data: DailyReportCreate) -> DailyReport:
    tenant = await get_tenant(session, principal.tenant_id)
    today = workdays.local_date(utcnow(), tenant.timezone)
    if data.date > today:
        raise Unprocessable.field("date", f"a report cannot be for a future day (today is {today.isoformat()})")
    if data.date < EARLIEST_REPORT:
        raise Unprocessable.field("date", f"reports start from {EARLIEST_REPORT.isoformat()}")
    if await repo.report_of(session, principal.tenant_id, principal.user_id, data.date) is not None:
        raise Conflict(f"you already submitted the report for {data.date.isoformat()}; amend it with PUT",
                       errors=[FieldError("date", "already reported")])
    prepared, progress_customer = await _prepare(session, principal, data.items, data.progress)
    found: list[dict[str, Any]] = []
    items = [await _write_item(session, principal, tenant, data.date, i, p, found) for i, p in enumerate(prepared)]
    progress = await _write_progress(
        session, principal, tenant, data.date, progress_customer, data.progress.note, found
    )
    now = utcnow()
    deadline = deadline_for(tenant, data.date)
    report = DailyReport(
        id=new_id(), tenant_id=principal.tenant_id, user_id=principal.user_id,
        team_id=await repo.author_team(session, principal.tenant_id, principal.user_id),
        report_date=data.date, items=items, progress=progress, submitted_at=now, deadline_at=deadline,
        delay_seconds=max(0, int((now - end_of_day(tenant, data.date)).total_seconds())),
        on_time=now <= deadline, created_at=now, updated_at=now,
    )
    session.add(report)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # the same user submitted the same day concurrently
        raise Conflict(f"you already submitted the report for {data.date.isoformat()}") from exc
    record(session, principal, action="create", entity="daily_report", obj=report, event_type="daily_report.submitted")
    report.signals = found  # type: ignore[attr-defined]  # not a column: the answer carries it
    return report


def _item_key(item: dict[str, Any]) -> tuple[Any, ...]:
    """What makes an item the same action: note, time and channel may be corrected in place."""
    return (item["customer_id"], item.get("given_opportunity_id"), item["action_code"], repr(sorted(item["fields"].items())))


def _source_key(item: ReportItemIn, fields: dict[str, Any]) -> tuple[Any, ...]:
    return (str(item.customer_id), str(item.opportunity_id) if item.opportunity_id else None, item.action_code,
            repr(sorted(fields.items())))


async def amend(session: AsyncSession, principal: Principal, report: DailyReport, data: DailyReportAmend) -> DailyReport:
    """Until the deadline the author may correct the report. An item whose action did not change
    keeps its follow-up (so no effect repeats; a new note, time or channel is written onto it);
    replaced items have their follow-ups retired."""
    if report.user_id != principal.user_id:
        raise Forbidden("only the author amends a daily report")
    if data.date is not None and data.date != report.report_date:
        raise Unprocessable.field("date", "a report keeps its date; submit a new report for another day")
    now = utcnow()
    if now > report.deadline_at:
        raise Conflict(f"the amendment deadline ({report.deadline_at.isoformat()}) has passed")
    tenant = await get_tenant(session, principal.tenant_id)
    prepared, progress_customer = await _prepare(session, principal, data.items, data.progress)
    before = snapshot(report)
    live = await follow_up_service.live_ids(
        session, principal, [uuid.UUID(item["follow_up_id"]) for item in report.items]
    )
    kept: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for item in report.items:  # a list per key: the same action may stand twice in one report
        if uuid.UUID(item["follow_up_id"]) in live:  # one deleted by hand is written anew
            kept.setdefault(_item_key(item), []).append(item)
    items: list[dict[str, Any]] = []
    found: list[dict[str, Any]] = []
    matched = []
    for p in prepared:
        same = kept.get(_source_key(p.source, p.action.fields))
        matched.append(same.pop(0) if same else None)
    # Replaced follow-ups go first, so a customer's signal counts never pass above where they end.
    for stale in (item for group in kept.values() for item in group):
        await _retire_follow_up(session, principal, stale["follow_up_id"])
    for i, (p, old) in enumerate(zip(prepared, matched, strict=True)):
        if old is not None:
            items.append(await _revise_item(session, principal, tenant, report.report_date, old, p, found))
        else:
            items.append(await _write_item(session, principal, tenant, report.report_date, i, p, found))
    progress = report.progress
    if progress.get("customer_id") != str(progress_customer.id):
        await _retire_follow_up(session, principal, progress["follow_up_id"])
        progress = await _write_progress(
            session, principal, tenant, report.report_date, progress_customer, data.progress.note, found
        )
    elif progress.get("note") != data.progress.note:
        _collect(found, await follow_up_service.revise(
            session, principal, uuid.UUID(progress["follow_up_id"]), summary=data.progress.note))
        progress = {**progress, "note": data.progress.note}
    report.items, report.progress, report.amended_at, report.updated_at = items, progress, now, now
    await session.flush()
    record(session, principal, action="update", entity="daily_report", obj=report, before=before,
           event_type="daily_report.amended")
    report.signals = found  # type: ignore[attr-defined]
    return report


async def _retire_follow_up(session: AsyncSession, principal: Principal, follow_up_id: str) -> None:
    await follow_up_service.retire(session, principal, uuid.UUID(follow_up_id))
