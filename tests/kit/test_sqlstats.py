"""The SQL statistics helpers against the suite's database engine (SQLite or PostgreSQL)."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
import sqlalchemy as sa

from salescore.kit.sqlstats import MEDIAN, P90, bucket_table, buckets, hours_between, percentile, week_starts
from salescore.kit.types import UTCDateTime
from tests.support import Harness

GROUPS = {"a": [5.0], "b": [1.0, 3.0], "c": [10.0, 2.0, 7.0, 4.0], "d": [float(i) for i in range(1, 12)]}


def _quantile(values: list[float], p: float) -> float:
    """percentile_cont: linear interpolation between the closest ranks (numpy's default)."""
    s = sorted(values)
    pos = (len(s) - 1) * p
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def _rows() -> sa.CTE:
    data = [(g, v) for g, vs in GROUPS.items() for v in vs] + [("c", None)]
    return sa.values(sa.column("g", sa.String), sa.column("x", sa.Float), name="t").data(data).cte("t")


@pytest.mark.parametrize("fraction", [MEDIAN, P90, Fraction(1, 4), Fraction(1, 1), Fraction(0, 1)])
async def test_percentile_matches_percentile_cont_per_group(h: Harness, fraction: Fraction) -> None:
    async with h.runtime.sessionmaker() as session:
        rows = (await session.execute(percentile(_rows(), "x", ["g"], fraction))).all()
    got = {r.g: (r.x, r.n) for r in rows}
    assert got.keys() == GROUPS.keys()
    for g, values in GROUPS.items():
        assert got[g][1] == len(values)  # NULLs are not counted
        assert got[g][0] == pytest.approx(_quantile(values, float(fraction)))
    assert got["b"][0] == pytest.approx(statistics.median(GROUPS["b"])) if fraction == MEDIAN else True


async def test_percentile_of_the_whole_table_without_groups(h: Harness) -> None:
    async with h.runtime.sessionmaker() as session:
        row = (await session.execute(percentile(_rows(), "x", [], MEDIAN))).one()
    everything = [v for vs in GROUPS.values() for v in vs]
    assert (row.x, row.n) == (pytest.approx(statistics.median(everything)), len(everything))


async def test_hours_between_and_buckets_in_tenant_time(h: Harness) -> None:
    start = datetime(2026, 10, 5, 15, 30, tzinfo=UTC)  # Monday 23:30 in Shanghai
    weeks = buckets(week_starts(date(2026, 10, 14), 2), date(2026, 10, 14), "Asia/Shanghai")
    assert [(w.first, w.last) for w in weeks] == [(date(2026, 10, 5), date(2026, 10, 11)),
                                                    (date(2026, 10, 12), date(2026, 10, 14))]
    table = bucket_table(weeks)
    stamps = sa.values(sa.column("ts", UTCDateTime()), name="s").data(
        [(start,), (datetime(2026, 10, 11, 16, 0, tzinfo=UTC),), (datetime(2026, 10, 4, 15, 59, tzinfo=UTC),)]
    ).cte("s")
    stmt = (
        sa.select(table.c.first, sa.func.count(), sa.func.max(hours_between(start, stamps.c.ts)))
        .join(stamps, sa.and_(table.c.starts_at <= stamps.c.ts, stamps.c.ts < table.c.ends_at))
        .group_by(table.c.first).order_by(table.c.first)
    )
    async with h.runtime.sessionmaker() as session:
        rows = (await session.execute(stmt)).all()
    # 2026-10-11 16:00 UTC is Monday 12 Oct 00:00 in Shanghai: the second week; 4 Oct 15:59 UTC is before both.
    assert [(r[0], r[1]) for r in rows] == [(date(2026, 10, 5), 1), (date(2026, 10, 12), 1)]
    assert rows[1][2] == pytest.approx((datetime(2026, 10, 11, 16, 0, tzinfo=UTC) - start) / timedelta(hours=1))


@pytest.mark.parametrize("micro", [0, 1, 499_999, 999_499, 999_500, 999_600, 999_999])
async def test_add_seconds_and_add_days_are_exact_at_any_fraction(h: Harness, micro: int) -> None:
    """SQLite's datetime() rounds a fraction to milliseconds (.9996 s → the next second) before adding."""
    from salescore.kit.dialect import add_days, add_seconds

    start = datetime(2026, 10, 12, 10, 7, 0, micro, tzinfo=UTC)
    stamps = sa.values(sa.column("ts", UTCDateTime()), name="s").data([(start,)]).cte("s")
    stmt = sa.select(add_seconds(stamps.c.ts, 7200), add_seconds(stamps.c.ts, -60), add_days(stamps.c.ts, 1),
                     stamps.c.ts <= add_seconds(stamps.c.ts, 0))
    async with h.runtime.sessionmaker() as session:
        plus, minus, day, same = (await session.execute(stmt)).one()
    assert (plus, minus, day) == (start + timedelta(hours=2), start - timedelta(minutes=1), start + timedelta(days=1))
    assert same
