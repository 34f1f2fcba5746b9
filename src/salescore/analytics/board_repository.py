"""The three-colour board's SQL (§10): one statement per check over the whole window, visibility
applied through the deal or customer owner. Python receives the breaching ids and one summary row.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.analytics.scope import team_members
from salescore.kit.dialect import add_seconds
from salescore.kit.principal import Principal
from salescore.kit.sqlstats import MEDIAN, day_table, percentile
from salescore.kit.visibility import owner_visible
from salescore.models import ActionRecord, Customer, FollowUp, GradeChange, Opportunity

QUOTE_SUBMITTED, QUOTE_CONFIRMED = "quote_submitted", "quote_confirmed"
CONTRACT_SIGNED, PAYMENT_RECEIVED = "contract_signed", "payment_received"


def _deals(principal: Principal, team_id: uuid.UUID | None) -> sa.Select[Any]:
    """Ids of the deals whose owner the caller may see (of one team when given)."""
    stmt = sa.select(Opportunity.id).where(
        Opportunity.tenant_id == principal.tenant_id,
        Opportunity.deleted_at.is_(None),
        owner_visible(principal, Opportunity.owner_id),
    )
    return stmt.where(Opportunity.owner_id.in_(team_members(principal, team_id))) if team_id else stmt


def _actions(principal: Principal, code: str) -> list[sa.ColumnElement[bool]]:
    return [ActionRecord.tenant_id == principal.tenant_id, ActionRecord.code == code,
            ActionRecord.deleted_at.is_(None)]


async def unconfirmed_quotes(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID | None, *,
    since: datetime, submitted_before: datetime, confirm_hours: float,
) -> tuple[int, int, list[uuid.UUID]]:
    """(quotes, unconfirmed quotes, deals with an unconfirmed quote) over the `quote_submitted`
    actions on a deal with since <= occurred_at <= submitted_before (their confirmation window has
    passed). Confirmed: a `quote_confirmed` action on the same deal within confirm_hours after it."""
    confirmation = ActionRecord.__table__.alias("confirmation")
    confirmed = sa.exists().where(
        confirmation.c.tenant_id == principal.tenant_id,
        confirmation.c.opportunity_id == ActionRecord.opportunity_id,
        confirmation.c.code == QUOTE_CONFIRMED,
        confirmation.c.deleted_at.is_(None),
        confirmation.c.occurred_at >= ActionRecord.occurred_at,
        confirmation.c.occurred_at <= add_seconds(ActionRecord.occurred_at, round(confirm_hours * 3600)),
    )
    quotes = (
        sa.select(ActionRecord.opportunity_id, sa.case((confirmed, 0), else_=1).label("unconfirmed"))
        .where(
            *_actions(principal, QUOTE_SUBMITTED),
            ActionRecord.occurred_at >= since,
            ActionRecord.occurred_at <= submitted_before,
            ActionRecord.opportunity_id.in_(_deals(principal, team_id)),
        )
        .cte("quotes")
    )
    totals = sa.select(sa.func.count().label("total"),
                       sa.func.coalesce(sa.func.sum(quotes.c.unconfirmed), 0).label("missed")).subquery("totals")
    missed_deals = (sa.select(quotes.c.opportunity_id).where(quotes.c.unconfirmed == 1).distinct()
                    .subquery("missed_deals"))
    rows = (await session.execute(  # one statement: the totals, and each missed deal beside them
        sa.select(totals.c.total, totals.c.missed, missed_deals.c.opportunity_id)
        .outerjoin(missed_deals, sa.true()).order_by(missed_deals.c.opportunity_id)
    )).all()
    ids = [r.opportunity_id for r in rows if r.opportunity_id is not None]
    return int(rows[0].total), int(rows[0].missed), ids


async def signing_to_payment(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID | None, *,
    since: datetime, end: datetime, running_workdays: Sequence[tuple[Any, int]], max_workdays: float | None,
) -> tuple[int, float | None, list[tuple[uuid.UUID, Any, Any, int]]]:
    """(deals, median workdays, [(deal, signed_on, paid_on, workdays)] of the deals over
    `max_workdays`; none when it is None) for the deals whose first `contract_signed` action falls in [since, end).

    Workdays d with signed_on < d <= paid_on are counted as running(paid_on) − running(signed_on)
    from `running_workdays` -- each local date of the window with the number of workdays up to and
    including it -- so the calendar (statutory, 调休, tenant overrides) stays in Python and the
    counting in SQL. paid_on: the local date of the first `payment_received` action before `end`;
    unpaid deals count up to the last day of the window (`running_workdays`' last date)."""
    days = day_table(running_workdays, "running")
    last_day = running_workdays[-1][0]
    signed = (
        sa.select(ActionRecord.opportunity_id.label("deal"), sa.func.min(ActionRecord.local_date).label("signed_on"),
                  sa.func.min(ActionRecord.occurred_at).label("signed_at"))
        .where(*_actions(principal, CONTRACT_SIGNED), ActionRecord.opportunity_id.in_(_deals(principal, team_id)))
        .group_by(ActionRecord.opportunity_id)
        .cte("signed")
    )
    paid = (
        sa.select(ActionRecord.opportunity_id.label("deal"), sa.func.min(ActionRecord.local_date).label("paid_on"))
        .where(*_actions(principal, PAYMENT_RECEIVED), ActionRecord.occurred_at < end,
               ActionRecord.opportunity_id.in_(sa.select(signed.c.deal)))
        .group_by(ActionRecord.opportunity_id)
        .cte("paid")
    )
    paid_on = sa.func.coalesce(paid.c.paid_on, last_day)
    sign_day, pay_day = days.alias("sign_day"), days.alias("pay_day")
    per_deal = (
        sa.select(
            signed.c.deal, signed.c.signed_on, paid.c.paid_on,
            # a payment recorded before the signing counts as 0 workdays
            sa.case((pay_day.c.n > sign_day.c.n, pay_day.c.n - sign_day.c.n), else_=0).label("workdays"),
        )
        .outerjoin(paid, paid.c.deal == signed.c.deal)
        .join(sign_day, sign_day.c.day == signed.c.signed_on)
        .outerjoin(pay_day, pay_day.c.day == paid_on)
        .where(signed.c.signed_at >= since, signed.c.signed_at < end)
        .cte("per_deal")
    )
    median = percentile(per_deal, "workdays", [], MEDIAN).subquery("median")
    over = (
        sa.select(per_deal.c.deal, per_deal.c.signed_on, per_deal.c.paid_on, per_deal.c.workdays.label("days"))
        .where(per_deal.c.workdays > max_workdays if max_workdays is not None else sa.false())
        .subquery("over")
    )
    rows = (await session.execute(  # one statement: the median, and each deal over the line beside it
        sa.select(median.c.n, median.c.workdays, over.c.deal, over.c.signed_on, over.c.paid_on, over.c.days)
        .outerjoin(over, sa.true()).order_by(over.c.days.desc(), over.c.deal)
    )).all()
    if not rows:
        return 0, None, []
    slow = [(r.deal, r.signed_on, r.paid_on, r.days) for r in rows if r.deal is not None]
    return int(rows[0].n), float(rows[0].workdays), slow


async def unattended_customers(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID | None, *,
    grade: str, since: datetime, end: datetime, current: bool,
) -> tuple[int, list[uuid.UUID]]:
    """(customers with `grade` at `end`, those of them without a follow-up in [since, end)).
    The grade is the customer's current one when `current`, else the one its grade history gives
    at `end` (the latest change before it; before its first change, that change's old grade;
    never graded by the engine: the current grade)."""
    conditions = [
        Customer.tenant_id == principal.tenant_id,
        Customer.deleted_at.is_(None),
        Customer.created_at < end,
        owner_visible(principal, Customer.owner_id),
    ]
    if team_id is not None:
        conditions.append(Customer.owner_id.in_(team_members(principal, team_id)))
    if current:
        grade_then: sa.ColumnElement[Any] = Customer.grade
    else:
        def change(column: Any, before: bool) -> sa.ScalarSelect[Any]:
            when = GradeChange.at < end if before else GradeChange.at >= end
            order = GradeChange.at.desc() if before else GradeChange.at.asc()
            return (
                sa.select(column)
                .where(GradeChange.tenant_id == principal.tenant_id, GradeChange.customer_id == Customer.id, when)
                .order_by(order, GradeChange.id).limit(1).scalar_subquery()
            )
        later_exists = sa.exists().where(
            GradeChange.tenant_id == principal.tenant_id, GradeChange.customer_id == Customer.id, GradeChange.at >= end)
        grade_then = sa.func.coalesce(
            change(GradeChange.new_grade, before=True),
            sa.case((later_exists, change(GradeChange.old_grade, before=False)), else_=Customer.grade),
        )
    graded = sa.select(Customer.id.label("id")).where(*conditions, grade_then == grade).cte("graded")
    touched = sa.exists().where(
        FollowUp.tenant_id == principal.tenant_id,
        FollowUp.customer_id == graded.c.id,
        FollowUp.deleted_at.is_(None),
        FollowUp.occurred_at >= since,
        FollowUp.occurred_at < end,
    )
    total = sa.select(sa.func.count().label("total")).select_from(graded).subquery("total")
    quiet = sa.select(graded.c.id).where(~touched).subquery("quiet")
    rows = (await session.execute(  # one statement: how many are graded, and each quiet one beside it
        sa.select(total.c.total, quiet.c.id).outerjoin(quiet, sa.true()).order_by(quiet.c.id)
    )).all()
    return int(rows[0].total), [r.id for r in rows if r.id is not None]
