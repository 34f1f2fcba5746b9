"""The weekly regrade: Monday 02:00 tenant time, once per tenant and week, whoever runs the tick."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from salescore.health.tasks import schedule_weekly, weekly_key
from salescore.models import Job, ScheduleMark
from tests.health.helpers import stored
from tests.support import Harness

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026-11-30 is a Monday; 02:00 in Shanghai is Sunday 18:00 UTC.
MONDAY_0159_SHANGHAI = datetime(2026, 11, 29, 17, 59, tzinfo=UTC)
MONDAY_0200_SHANGHAI = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)


def test_weekly_key_follows_the_tenant_timezone() -> None:
    assert weekly_key(MONDAY_0159_SHANGHAI, "Asia/Shanghai") is None
    assert weekly_key(MONDAY_0200_SHANGHAI, "Asia/Shanghai") == "health-weekly:2026-W49"
    # Still Sunday in New York: the week of Monday 11-23 (W48), whose run a tick has long claimed.
    assert weekly_key(MONDAY_0200_SHANGHAI, "America/New_York") == "health-weekly:2026-W48"
    assert weekly_key(datetime(2026, 11, 30, 6, 59, tzinfo=UTC), "America/New_York") is None  # Mon 01:59 EST
    assert weekly_key(datetime(2026, 11, 30, 7, 0, tzinfo=UTC), "America/New_York") == "health-weekly:2026-W49"
    # ISO weeks: the Monday of 2027-W01 is 2027-01-04; 2026-12-28 is 2026-W53.
    assert weekly_key(datetime(2027, 1, 2, 12, 0, tzinfo=UTC), "Asia/Shanghai") == "health-weekly:2026-W53"
    assert weekly_key(datetime(2027, 1, 4, 12, 0, tzinfo=UTC), "Asia/Shanghai") == "health-weekly:2027-W01"
    assert weekly_key(MONDAY_0200_SHANGHAI, "Not/AZone") == "health-weekly:2026-W49"  # falls back to Shanghai
    # A tenant created after this week's Monday 02:00 starts with next week's run.
    assert weekly_key(MONDAY_0200_SHANGHAI, "Asia/Shanghai", MONDAY_0200_SHANGHAI) == "health-weekly:2026-W49"
    later = MONDAY_0200_SHANGHAI + timedelta(seconds=1)
    assert weekly_key(later + timedelta(days=2), "Asia/Shanghai", later) is None
    assert weekly_key(later + timedelta(days=7), "Asia/Shanghai", later) == "health-weekly:2026-W50"


def _next_monday_0200_shanghai() -> datetime:
    """The first Monday 02:00 (Shanghai) after now, in UTC: tenants created now are due then."""
    local = datetime.now(SHANGHAI)
    monday = local.date() + timedelta(days=7 - local.weekday())
    return datetime.combine(monday, time(2, 0), tzinfo=SHANGHAI).astimezone(UTC)


async def test_the_weekly_recompute_starts_once_per_week(h: Harness) -> None:
    admin = await h.signup()
    tenant = uuid.UUID(admin.tenant_id)
    customer = await h.customer(admin)
    monday = _next_monday_0200_shanghai()
    weeks = [weekly_key(monday, "Asia/Shanghai"), weekly_key(monday + timedelta(days=7), "Asia/Shanghai")]

    async def tick(now: datetime) -> int:
        return await schedule_weekly(h.runtime.sessionmaker, h.runtime.publish, now=now, tenant_ids=[tenant])

    assert await tick(monday - timedelta(minutes=1)) == 0
    assert await tick(monday) == 1
    assert await tick(monday) == 0  # a second worker's tick, or the next minute
    assert await tick(monday + timedelta(days=6, hours=21)) == 0  # Sunday 23:00 of the same week
    assert await tick(monday + timedelta(days=7)) == 1  # the next Monday 02:00
    await h.drain()
    async with h.runtime.sessionmaker() as session:
        jobs = list(await session.scalars(sa.select(Job).where(Job.tenant_id == tenant).order_by(Job.created_at)))
        marks = set(await session.scalars(sa.select(ScheduleMark.key).where(ScheduleMark.tenant_id == tenant)))
    assert marks == set(weeks)
    assert [(j.kind, j.params, j.status, j.requested_by) for j in jobs] == [
        ("health.recompute", {"reason": "weekly", "week": weeks[0]}, "succeeded", None),
        ("health.recompute", {"reason": "weekly", "week": weeks[1]}, "succeeded", None),
    ]
    assert [j.result["customers"] for j in jobs if j.result] == [1, 1]
    assert sum(j.result["changed"] for j in jobs if j.result) == 1  # whichever ran first graded it (None → C)
    assert (await stored(h, customer["id"])).grade == "C"


async def test_the_periodic_duty_is_registered(h: Harness) -> None:
    from salescore.events.periodic import _DUTIES

    assert _DUTIES["health.weekly"].every_seconds == 60
