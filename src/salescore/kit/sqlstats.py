"""Statistics in SQL that read the same on PostgreSQL and SQLite: percentiles with window functions,
hours between two timestamps, and tenant-time periods as a VALUES table.

Analytics aggregate over whole windows in one statement (§10): Python receives one row per group,
never one per record. SQLite has no `percentile_cont` and no time zones, so both are built from
what both engines share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from salescore.kit.types import UTCDateTime

MEDIAN = Fraction(1, 2)
P90 = Fraction(9, 10)


def percentile(
    rows: sa.Subquery | sa.CTE, value: str, by: Sequence[str], fraction: Fraction
) -> sa.Select[Any]:
    """(by..., value, n) per group of `rows`: the `fraction` percentile of `value` with linear
    interpolation between the closest ranks (PostgreSQL's `percentile_cont`), and the group's size.

    Ranks come from `row_number()`; the interpolation position (n − 1)·p is split into an integer
    rank and a remainder with integer `//` and `%` on p's numerator and denominator, which both
    engines evaluate exactly (no float floor/ceil, which they would round differently). NULL values
    are left out; a group with none is absent from the result.
    """
    keys = [rows.c[k] for k in by]
    v = rows.c[value]
    ranked = (
        sa.select(
            *keys,
            v.label("v"),
            (sa.func.row_number().over(partition_by=keys or None, order_by=v) - 1).label("rn"),
            sa.func.count().over(partition_by=keys or None).label("n"),
        )
        .where(v.is_not(None))
        .subquery("ranked")
    )
    num, den = fraction.numerator, fraction.denominator
    position = (ranked.c.n - 1) * num
    rank, remainder = position // den, position % den
    lower = sa.func.max(sa.case((ranked.c.rn == rank, ranked.c.v)))
    upper = sa.func.coalesce(sa.func.max(sa.case((ranked.c.rn == rank + 1, ranked.c.v))), lower)
    rkeys = [ranked.c[k] for k in by]
    return (
        sa.select(
            *rkeys,
            (lower + (upper - lower) * sa.func.max(remainder) * 1.0 / den).label(value),
            ranked.c.n,
        )
        .where(sa.or_(ranked.c.rn == rank, ranked.c.rn == rank + 1))
        .group_by(*rkeys, ranked.c.n)
    )


class hours_between(FunctionElement[Any]):  # noqa: N801 - reads like the SQL function it stands for
    """(end − start) in hours as a float, for two UTCDateTime expressions."""

    type = sa.Float()
    name = "hours_between"
    inherit_cache = True


@compiles(hours_between, "postgresql")
def _hours_pg(element: hours_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)"


@compiles(hours_between, "sqlite")
def _hours_sqlite(element: hours_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 24.0)"


@dataclass(frozen=True)
class Bucket:
    """One period of tenant time: [starts_at, ends_at) in UTC, labelled by its first local day."""

    first: date
    last: date
    starts_at: datetime
    ends_at: datetime


def local_start(day: date, tz: str) -> datetime:
    """The moment day begins in the tenant's time zone (DST-correct)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz))


def buckets(first_days: Sequence[date], last_day: date, tz: str) -> list[Bucket]:
    """Consecutive periods starting on `first_days` (ascending); the last one ends after `last_day`."""
    ends = [*first_days[1:], last_day + timedelta(days=1)]
    return [
        Bucket(first, end - timedelta(days=1), local_start(first, tz), local_start(end, tz))
        for first, end in zip(first_days, ends, strict=True)
    ]


def week_starts(last_day: date, weeks: int) -> list[date]:
    """The Mondays of the `weeks` weeks ending with the week holding `last_day`."""
    monday = last_day - timedelta(days=last_day.weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def bucket_table(periods: Sequence[Bucket], name: str = "buckets") -> sa.CTE:
    """The periods as a VALUES table (first, starts_at, ends_at): join a timestamp to its period
    with `starts_at <= ts AND ts < ends_at`, exact in any time zone on both engines."""
    return (
        sa.values(
            sa.column("first", sa.Date), sa.column("starts_at", UTCDateTime()), sa.column("ends_at", UTCDateTime()),
            name=name,
        )
        .data([(b.first, b.starts_at, b.ends_at) for b in periods])
        .cte(name)
    )


def day_table(days: Sequence[tuple[date, int]], name: str = "days") -> sa.CTE:
    """(day, n) rows as a VALUES table -- e.g. each date with its running workday count."""
    return (
        sa.values(sa.column("day", sa.Date), sa.column("n", sa.Integer), name=name)
        .data(list(days))
        .cte(name)
    )
