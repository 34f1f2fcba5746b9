"""When a rule's todo is due, in tenant time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from salescore.kit.workdays import is_workday, local_date, local_datetime

END_OF_DAY = time(18, 0)


def end_of_week(now: datetime, tz: str, overrides: dict[str, bool] | None = None) -> datetime:
    """18:00 on the last workday of this week (Monday–Sunday, statutory calendar with 调休 and the
    tenant's overrides); if that has passed, the end of Sunday."""
    today = local_date(now, tz)
    sunday = today + timedelta(days=6 - today.weekday())
    day = sunday
    while day >= today:
        if is_workday(day, overrides):
            due = local_datetime(day, END_OF_DAY, tz)
            if due > now:
                return due
            break
        day -= timedelta(days=1)
    return local_datetime(sunday, time(23, 59, 59), tz)


def due_at(due: dict[str, Any] | None, *, now: datetime, tz: str, overrides: dict[str, bool] | None,
           data: dict[str, Any]) -> datetime | None:
    if not due:
        return None
    if due.get("in_hours") is not None:
        return now + timedelta(hours=float(due["in_hours"]))
    if due.get("end_of_week"):
        return end_of_week(now, tz, overrides)
    if due.get("field"):
        value: Any = data
        for part in str(due["field"]).split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if not value:
            return None
        try:
            if "T" not in str(value):
                return local_datetime(date.fromisoformat(str(value)), END_OF_DAY, tz)
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return None
        # A time without an offset is the tenant's wall-clock time.
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(tz))
    return None
