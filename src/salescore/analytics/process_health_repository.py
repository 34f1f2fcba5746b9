"""Every query of the process health index (§10): the set-based computation of a run of days
(one INSERT ... SELECT for all of them) and the aggregated reads behind the endpoint.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.analytics import scope
from salescore.kit.dialect import insert_for
from salescore.kit.principal import Principal
from salescore.kit.sqlstats import P90, local_start, percentile
from salescore.kit.types import GUID, UTCDateTime
from salescore.kit.workdays import local_date
from salescore.models import ActionRecord, FollowUp, Opportunity, ProcessHealthDay, ScheduleMark, User
from salescore.models.analytics import ALL_PRODUCT_LINES

MARK_PREFIX = "process-health:"
# Integer weights of the index in points: 100 · (0.4·ce + 0.3·co + 0.3·cp), exact in SQL.
POINTS = (40, 30, 30)


@dataclass(frozen=True)
class Definition:
    """What the tenant's settings say counts, and over how many days."""

    window_days: int
    effective_channels: Sequence[str]
    objection_codes: Sequence[str]
    proposal_codes: Sequence[str]


REP = "rep"


def mark_key(day: date) -> str:
    return f"{MARK_PREFIX}{day.isoformat()}"


async def lock_days(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Serialise the tenant's computations (the daily duty and requests computing missing days):
    each takes this lock before reading which days are stored, so none deadlocks on the other's
    marks and rows. SQLite serialises writers itself."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                              {"key": f"process_health:{tenant_id}"})


async def forget_days(session: AsyncSession, tenant_id: uuid.UUID, first: date | None = None,
                      last: date | None = None) -> None:
    """Drop the marks of stored days from `first` to `last` (all when not given): their rows are
    recomputed the next time they are asked for (ISO dates sort as text, so a key range is a date range)."""
    stmt = sa.delete(ScheduleMark).where(ScheduleMark.tenant_id == tenant_id,
                                         ScheduleMark.key.like(f"{MARK_PREFIX}%"))
    if first is not None:
        stmt = stmt.where(ScheduleMark.key >= mark_key(first))
    if last is not None:
        stmt = stmt.where(ScheduleMark.key <= mark_key(last))
    await session.execute(stmt)


async def stored_days(session: AsyncSession, tenant_id: uuid.UUID, days: Sequence[date]) -> set[date]:
    """The days already computed: each computation leaves a schedule mark (the periodic duty's
    claim), so a day with no reps at all is not recomputed on every request."""
    if not days:
        return set()
    keys = await session.scalars(sa.select(ScheduleMark.key).where(
        ScheduleMark.tenant_id == tenant_id, ScheduleMark.key.in_([mark_key(d) for d in days])))
    return {date.fromisoformat(k.removeprefix(MARK_PREFIX)) for k in keys}


async def first_activity_day(session: AsyncSession, tenant_id: uuid.UUID, tz: str) -> date | None:
    """The local date of the tenant's earliest follow-up (deleted ones too: cheap, and harmless)."""
    first = await session.scalar(sa.select(sa.func.min(FollowUp.occurred_at)).where(FollowUp.tenant_id == tenant_id))
    return None if first is None else local_date(first, tz)


async def mark_stored(session: AsyncSession, tenant_id: uuid.UUID, days: Sequence[date], now: datetime) -> None:
    insert = insert_for(session)
    await session.execute(
        insert(ScheduleMark).on_conflict_do_nothing(),
        [{"tenant_id": tenant_id, "key": mark_key(d), "at": now} for d in days],
    )


def _targets(days: Sequence[date], window_days: int, tz: str) -> sa.CTE:
    """(day, first_day, starts_at, ends_at): each day to compute with its window, as local dates
    (for actions' local_date) and as the UTC instants bounding it (for follow-ups' occurred_at)."""
    rows = []
    for day in days:
        first = day - timedelta(days=window_days - 1)
        rows.append((day, first, local_start(first, tz), local_start(day + timedelta(days=1), tz)))
    return (
        sa.values(
            sa.column("day", sa.Date), sa.column("first_day", sa.Date),
            sa.column("starts_at", UTCDateTime()), sa.column("ends_at", UTCDateTime()),
            name="targets",
        )
        .data(rows)
        .cte("targets")
    )


def _slices(tenant_id: uuid.UUID, days: Sequence[date], d: Definition, tz: str) -> sa.CTE:
    """(day, user_id, pl, e, o, p): per day, each eligible rep's counts over the day's window --
    every rep in the all-records slice (pl ''), and in each product line slice the reps with a
    counted record on a deal of that line."""
    t = _targets(days, d.window_days, tz)
    # Active reps (SPEC: "the tenant's 90th percentile of reps") created by the end of the day, with the
    # day's window: records are reached from here through their (tenant, user, time) indexes --
    # joining every record to every day instead costs a year's range ~100x more.
    reps = (
        sa.select(t.c.day, t.c.first_day, t.c.starts_at, t.c.ends_at, User.id.label("user_id"))
        .select_from(User)
        .join(t, User.created_at < t.c.ends_at)
        .where(User.tenant_id == tenant_id, User.is_active.is_(True), User.role == REP)
        .cte("reps")
    )

    def line_of(column: Any) -> sa.ColumnElement[Any]:
        return sa.and_(Opportunity.tenant_id == tenant_id, Opportunity.id == column,
                       Opportunity.deleted_at.is_(None))

    pl = sa.func.nullif(Opportunity.product_line, "").label("pl")
    zero, one = sa.literal_column("0"), sa.literal_column("1")
    follow_ups = (
        sa.select(reps.c.day, reps.c.user_id, pl, one.label("e"), zero.label("o"), zero.label("p"))
        .select_from(reps)
        .join(FollowUp, sa.and_(FollowUp.tenant_id == tenant_id, FollowUp.user_id == reps.c.user_id,
                                FollowUp.occurred_at >= reps.c.starts_at, FollowUp.occurred_at < reps.c.ends_at))
        .outerjoin(Opportunity, line_of(FollowUp.opportunity_id))
        .where(FollowUp.deleted_at.is_(None), FollowUp.channel.in_(list(d.effective_channels)))
    )
    objection, proposal = list(d.objection_codes), list(d.proposal_codes)
    actions = (
        sa.select(
            reps.c.day, reps.c.user_id, pl, zero.label("e"),
            sa.case((ActionRecord.code.in_(objection), 1), else_=0).label("o"),
            sa.case((ActionRecord.code.in_(proposal), 1), else_=0).label("p"),
        )
        .select_from(reps)
        .join(ActionRecord, sa.and_(ActionRecord.tenant_id == tenant_id, ActionRecord.user_id == reps.c.user_id,
                                    ActionRecord.local_date.between(reps.c.first_day, reps.c.day)))
        .outerjoin(Opportunity, line_of(ActionRecord.opportunity_id))
        .where(ActionRecord.deleted_at.is_(None), ActionRecord.code.in_(objection + proposal))
    )
    records = sa.union_all(follow_ups, actions).cte("records")
    windowed = (
        sa.select(records.c.day, records.c.user_id, records.c.pl,
                  sa.func.sum(records.c.e).label("e"), sa.func.sum(records.c.o).label("o"),
                  sa.func.sum(records.c.p).label("p"))
        .group_by(records.c.day, records.c.user_id, records.c.pl)
        .cte("windowed")
    )
    every_record = (
        sa.select(reps.c.day, reps.c.user_id, sa.literal_column(f"'{ALL_PRODUCT_LINES}'", sa.String).label("pl"),
                  *(sa.func.coalesce(sa.func.sum(windowed.c[k]), 0).label(k) for k in "eop"))
        .select_from(reps)
        .outerjoin(windowed, sa.and_(windowed.c.day == reps.c.day, windowed.c.user_id == reps.c.user_id))
        .group_by(reps.c.day, reps.c.user_id)
    )
    # windowed only holds eligible reps' records: reached from `reps`.
    per_line = (
        sa.select(windowed.c.day, windowed.c.user_id, windowed.c.pl, windowed.c.e, windowed.c.o, windowed.c.p)
        .where(windowed.c.pl.is_not(None))
    )
    return sa.union_all(every_record, per_line).cte("slices")


def _component(x: Any, p90: Any) -> sa.ColumnElement[float]:
    """min(1, x / p90); when p90 is 0, 1 for any record at all and 0 otherwise."""
    return sa.case(
        (p90 <= 0, sa.case((x > 0, 1.0), else_=0.0)),
        (x >= p90, 1.0),
        else_=sa.cast(x, sa.Float) / p90,
    )


async def replace_days(
    session: AsyncSession, tenant_id: uuid.UUID, days: Sequence[date], d: Definition, tz: str, now: datetime
) -> None:
    """Compute `days` for the tenant and store them, replacing what was stored (a rep no longer
    counted loses their row). One INSERT ... SELECT; the upsert covers a concurrent computation."""
    if not days:
        return
    await session.execute(sa.delete(ProcessHealthDay).where(
        ProcessHealthDay.tenant_id == tenant_id, ProcessHealthDay.day.in_(list(days))))
    s = _slices(tenant_id, days, d, tz)
    p90 = {k: percentile(s, k, ["day", "pl"], P90).subquery(f"p90_{k}") for k in "eop"}
    c = {k: _component(s.c[k], sa.cast(p90[k].c[k], sa.Float)) for k in "eop"}
    points = POINTS[0] * c["e"] + POINTS[1] * c["o"] + POINTS[2] * c["p"]
    stmt = sa.select(
        sa.literal(tenant_id, GUID), s.c.day, s.c.user_id, s.c.pl, sa.literal(d.window_days, sa.Integer),
        s.c.e, s.c.o, s.c.p,
        *(sa.cast(p90[k].c[k], sa.Float) for k in "eop"),
        *c.values(),
        sa.func.round(sa.cast(points, sa.Numeric), 2),
        sa.literal(now, UTCDateTime()),
    ).select_from(s)
    for k in "eop":
        stmt = stmt.join(p90[k], sa.and_(p90[k].c.day == s.c.day, p90[k].c.pl == s.c.pl))
    # SQLite reads "ON CONFLICT" after a join's ON as part of the join unless a WHERE comes first.
    stmt = stmt.where(sa.true())
    columns = ["tenant_id", "day", "user_id", "product_line", "window_days", "follow_ups", "objections",
               "proposals", "p90_follow_ups", "p90_objections", "p90_proposals", "c_follow_ups", "c_objections",
               "c_proposals", "health_index", "computed_at"]
    insert = insert_for(session)(ProcessHealthDay).from_select(columns, stmt)
    keys = ["tenant_id", "day", "user_id", "product_line"]
    await session.execute(insert.on_conflict_do_update(
        index_elements=keys, set_={k: insert.excluded[k] for k in columns if k not in keys}))


# --- reads -------------------------------------------------------------------------------------

def _stored(
    principal: Principal, start: date, end: date, by_line: bool, user_id: uuid.UUID | None
) -> list[sa.ColumnElement[bool]]:
    slice_ = ProcessHealthDay.product_line != ALL_PRODUCT_LINES if by_line else \
        ProcessHealthDay.product_line == ALL_PRODUCT_LINES
    conditions = [ProcessHealthDay.tenant_id == principal.tenant_id, ProcessHealthDay.day.between(start, end),
                  slice_]
    if user_id is not None:
        conditions.append(ProcessHealthDay.user_id == user_id)
    return conditions


async def group_series(
    session: AsyncSession, principal: Principal, start: date, end: date, group_by: scope.GroupBy,
    team_id: uuid.UUID | None, user_id: uuid.UUID | None,
) -> tuple[Sequence[sa.Row[Any]], Sequence[sa.Row[Any]]]:
    """(key, day, mean, n) per group per day, and (key, mean, n) per group over the range: the mean
    index of the group's reps (n = reps, or rep-days for the range mean's weight)."""
    who = scope.people(principal, team_id)
    key = scope.group_key(group_by, who, ProcessHealthDay.product_line).label("key")
    where = _stored(principal, start, end, group_by == "product_line", user_id)
    daily = (
        sa.select(key, ProcessHealthDay.day, sa.func.avg(ProcessHealthDay.health_index).label("mean"),
                  sa.func.count().label("n"))
        .select_from(ProcessHealthDay).join(who, who.c.user_id == ProcessHealthDay.user_id).where(*where)
        .group_by(key, ProcessHealthDay.day).order_by(key, ProcessHealthDay.day)
    )
    overall = (
        sa.select(key, sa.func.avg(ProcessHealthDay.health_index).label("mean"),
                  sa.func.count(ProcessHealthDay.user_id.distinct()).label("n"))
        .select_from(ProcessHealthDay).join(who, who.c.user_id == ProcessHealthDay.user_id).where(*where)
        .group_by(key)
    )
    return (await session.execute(daily)).all(), (await session.execute(overall)).all()


async def rep_days(
    session: AsyncSession, principal: Principal, start: date, end: date, by_line: bool,
    team_id: uuid.UUID | None, user_id: uuid.UUID | None,
) -> Sequence[sa.Row[Any]]:
    """The stored rows themselves, for drill-down: one per rep, day (and product line)."""
    who = scope.people(principal, team_id)
    stmt = (
        sa.select(who.c.name, who.c.team_id, *ProcessHealthDay.__table__.c)
        .select_from(ProcessHealthDay).join(who, who.c.user_id == ProcessHealthDay.user_id)
        .where(*_stored(principal, start, end, by_line, user_id))
        .order_by(who.c.name, ProcessHealthDay.user_id, ProcessHealthDay.day, ProcessHealthDay.product_line)
    )
    return (await session.execute(stmt)).all()
