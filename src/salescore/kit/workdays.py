"""The Chinese statutory workday calendar (holidays and 调休 make-up days), with tenant overrides.

Backed by the `chinese-calendar` package. A year it does not know yet falls back to
Monday–Friday with a logged warning (once per year) instead of failing; callers that report
figures can surface `unknown_years()` so the fallback is visible.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger("salescore.workdays")
_warned: set[int] = set()

Overrides = Mapping[str, bool]  # "YYYY-MM-DD" -> True (workday) / False (day off)


@lru_cache(maxsize=8192)
def _statutory(day: date) -> bool | None:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def calendar_knows(day: date) -> bool:
    return _statutory(day) is not None


def is_workday(day: date, overrides: Overrides | None = None) -> bool:
    if overrides:
        forced = overrides.get(day.isoformat())
        if forced is not None:
            return bool(forced)
    known = _statutory(day)
    if known is None:
        if day.year not in _warned:
            _warned.add(day.year)
            log.warning("no statutory calendar for %s: using Monday-Friday", day.year)
        return day.weekday() < 5
    return known


def days(start: date, end: date) -> Iterator[date]:
    """Every date from start to end, both included."""
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def workdays_in(start: date, end: date, overrides: Overrides | None = None) -> list[date]:
    return [d for d in days(start, end) if is_workday(d, overrides)]


def add_workdays(day: date, n: int, overrides: Overrides | None = None) -> date:
    """The n-th workday after `day` (n >= 1), or `day` itself when n == 0 and it is a workday."""
    current = day
    if n == 0:
        while not is_workday(current, overrides):
            current += timedelta(days=1)
        return current
    remaining = n
    while remaining > 0:
        current += timedelta(days=1)
        if is_workday(current, overrides):
            remaining -= 1
    return current


def workdays_after(start: date, end: date, overrides: Overrides | None = None) -> int:
    """Workdays d with start < d <= end (0 when end <= start)."""
    if end <= start:
        return 0
    return sum(1 for d in days(start + timedelta(days=1), end) if is_workday(d, overrides))


def unknown_years(start: date, end: date) -> list[int]:
    """Years in [start, end] the statutory calendar does not cover (Monday–Friday is used)."""
    return [y for y in range(start.year, end.year + 1) if not calendar_knows(date(y, 6, 1))]


def calendar_warnings(start: date, end: date) -> list[str]:
    """The note an answer carries for each year in [start, end] counted Monday–Friday."""
    return [
        f"no statutory workday calendar for {year} yet: Monday–Friday (plus tenant overrides) used"
        for year in unknown_years(start, end)
    ]


def local_datetime(day: date, at: time, tz: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz))


def local_date(moment: datetime, tz: str) -> date:
    try:
        return moment.astimezone(ZoneInfo(tz)).date()
    except OverflowError:  # the first or last hours of the calendar, west/east of UTC
        return moment.date()
