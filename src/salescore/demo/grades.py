"""The demo customers' health grades (§6) as a running tenant has them: each customer graded by the
health model as of its last change, not all at once at seed time.

salescore regrades a customer within seconds of a change that can move its indicators (a follow-up,
a contact, its requirement flags), and the whole tenant every Monday -- from the first Monday after
the tenant was created (health.tasks.weekly_key). The demo tenant is created by this seed, so its
first weekly refresh is still ahead: each customer's grade is the one its last change gave it. So
`graded_at` spreads over days and weeks (the diagnosis reads its median age), and a customer that
went quiet months ago still carries the A its last activity earned (the board's green check: A
customers nobody followed up in 90 days) until the weekly refresh catches it.

Set-based, with the product's own indicator statement (health.indicators): customers are bucketed
by their last change, and each bucket is scored as of the bucket's end -- at most a few days after
the change for recent ones, two weeks for the oldest, always after it, so every grade is exactly
what the model computes for its `graded_at` and `GET /customers/{id}/health` explains it. A grade
that differs from the one imported with the customer (the old single-criterion grade) is a
`grade_changes` row at `graded_at`. No outbox events: history, not news.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.health import defaults as d
from salescore.health.history import backfill
from salescore.health.indicators import grade_of, indicator_values, score_of
from salescore.health.regrade import CreateTempTableAs
from salescore.health.service import current_model
from salescore.kit.dialect import json_pairs, new_uuid, without_jit
from salescore.kit.types import GUID, UTCDateTime
from salescore.models import Contact, Customer, FollowUp, GradeChange

# Bucket ends, in days before the anchor (plus the anchor itself): daily for the last week, then
# weekly, then every two weeks back past the six months of history.
BUCKET_DAYS = (1, 2, 3, 4, 5, 6, 7, 14, 21, 28, 35, 42, 56, 70, 84, 98, 112, 126, 140, 154, 168, 182)

_meta = sa.MetaData()
LAST_CHANGE = sa.Table("tmp_demo_last_change", _meta, sa.Column("customer_id", GUID),
                       sa.Column("last_at", UTCDateTime()))
GRADES = sa.Table(
    "tmp_demo_grades", _meta,
    sa.Column("customer_id", GUID), sa.Column("old_grade", sa.String(1)),
    *(sa.Column(code, sa.Float) for code in d.CODES),
    sa.Column("score", sa.Float), sa.Column("grade", sa.String(1)), sa.Column("graded_at", UTCDateTime()),
)


def bucket_ends(anchor: datetime) -> list[datetime]:
    return sorted({anchor, *(anchor - timedelta(days=n) for n in BUCKET_DAYS)})


async def grade(session: AsyncSession, tenant_id: uuid.UUID, anchor: datetime) -> None:
    connection = await session.connection()
    # The attribute history (requirement flags, contact roles) the indicators read point-in-time.
    await connection.run_sync(backfill)
    model = await current_model(session, tenant_id)
    postgres = session.get_bind().dialect.name == "postgresql"
    await without_jit(session)
    if postgres:  # the statistics are the first batch's (seed.py): far too small for these joins
        for table in ("customers", "contacts", "follow_ups", "action_records", "attribute_history"):
            await session.execute(sa.text(f"ANALYZE {table}"))

    # A customer's last change: its creation, a contact added, a follow-up entered (recorded_at).
    changes = sa.union_all(
        sa.select(Customer.id.label("customer_id"), Customer.created_at.label("at"))
        .where(Customer.tenant_id == tenant_id, Customer.deleted_at.is_(None)),
        sa.select(Contact.customer_id, Contact.created_at).where(Contact.tenant_id == tenant_id),
        sa.select(FollowUp.customer_id, FollowUp.recorded_at)
        .where(FollowUp.tenant_id == tenant_id, FollowUp.deleted_at.is_(None)),
    ).subquery("changes")
    await session.execute(CreateTempTableAs(LAST_CHANGE.name, sa.select(
        changes.c.customer_id, sa.func.max(changes.c.at).label("last_at")).group_by(changes.c.customer_id)))
    if postgres:
        await session.execute(sa.text(f"ANALYZE {LAST_CHANGE.name}"))

    last, branches, previous = LAST_CHANGE.c, [], None
    for end in bucket_ends(anchor):
        bucket = sa.select(last.customer_id).where(
            last.last_at <= end, *([last.last_at > previous] if previous is not None else []))
        values = indicator_values(tenant_id, end, visible=bucket)
        score = score_of(values, model)
        branches.append(sa.select(
            values.c.customer_id, values.c.old_grade, *(values.c[code] for code in d.CODES),
            score.label("score"), grade_of(score, model).label("grade"),
            sa.literal(end, UTCDateTime()).label("graded_at"),
        ))
        previous = end
    await session.execute(CreateTempTableAs(GRADES.name, sa.union_all(*branches)))  # type: ignore[arg-type]

    g, c = GRADES.c, Customer.__table__.c
    version = sa.literal(model.version, sa.Integer)
    await session.execute(
        sa.update(Customer.__table__)
        .where(c.tenant_id == tenant_id, c.id == g.customer_id)
        .values(grade=g.grade, health_score=g.score, graded_at=g.graded_at, health_model_version=version)
    )
    await session.execute(sa.insert(GradeChange).from_select(
        ["tenant_id", "id", "customer_id", "old_grade", "new_grade", "score", "indicators", "model_version", "at"],
        sa.select(sa.literal(tenant_id, GUID), new_uuid(), g.customer_id, g.old_grade, g.grade, g.score,
                  json_pairs({code: g[code] for code in d.CODES}), version, g.graded_at)
        .where(g.old_grade.is_distinct_from(g.grade)),
    ))
    for table in (GRADES, LAST_CHANGE):
        await session.execute(sa.text(f"DROP TABLE {table.name}"))
