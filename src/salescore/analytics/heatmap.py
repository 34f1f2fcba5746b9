"""Interaction heatmap (客户互动热力图, §10): how often each rep -- or each customer -- was in
touch, per week or per weekday of tenant time, to spot the quiet weeks, the Friday-only reps and
the customers nobody calls.

An interaction is a follow-up (not deleted, on a customer not deleted; any channel unless
filtered) whose `occurred_at` falls in the window. The SQL returns one row per listed row and one
per non-empty cell; Python only lays them out densely.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, cast, get_args

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.analytics import heatmap_repository as repo
from salescore.analytics.scope import check_team, user_in_reach
from salescore.analytics.service import resolve_period
from salescore.kit import workdays as calendar
from salescore.kit.dialect import without_jit
from salescore.kit.errors import Unprocessable
from salescore.kit.i18n import Lang
from salescore.kit.principal import Principal
from salescore.kit.sqlstats import Bucket, buckets, week_starts
from salescore.kit.types import utcnow
from salescore.models.follow_up import CHANNELS
from salescore.tenancy import service as tenancy

Rows = repo.Rows
Cols = Literal["week", "weekday"]
DEFAULT_WEEKS = 12
DEFAULT_WEEKDAY_DAYS = 90
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
# Dates whose tenant-time midnight converts to UTC and back on every engine and time zone.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)
WEEKDAY_LABELS: dict[Lang, tuple[str, ...]] = {
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def resolve_window(cols: str, start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """Defaults: `to` = today (or `from` when that is later); `from` = the Monday of the 12th
    week back for weeks, 89 days before `to` for weekdays (90 days in all)."""
    def first(last: date) -> date:
        return week_starts(last, DEFAULT_WEEKS)[0] if cols == "week" else last - timedelta(days=DEFAULT_WEEKDAY_DAYS - 1)

    period = resolve_period(start, end, today, default_start=first, bounds=(FIRST_DAY, LAST_DAY))
    return period.start, period.end


def parse_channels(values: Iterable[str] | None) -> tuple[str, ...] | None:
    """`channel=call&channel=visit` or `channel=call,visit` -> ('call', 'visit'); none -> None (all)."""
    wanted = {part.strip() for value in values or () for part in value.split(",") if part.strip()}
    unknown = sorted(wanted - set(CHANNELS))
    if unknown:
        raise Unprocessable.field("channel", f"unknown channel {unknown[0]!r}; one of {', '.join(CHANNELS)}")
    return tuple(c for c in CHANNELS if c in wanted) or None


@dataclass(frozen=True)
class Columns:
    grid: repo.Grid
    meta: list[dict[str, Any]]  # {key, label, from, to, days}, in order
    key_of: dict[Any, str]  # the SQL column value (week's first day / weekday number) -> key


def week_columns(start: date, end: date, tz: str) -> Columns:
    """One column per Monday-start week touching the window, keyed and labelled by its Monday;
    the first and last may be clipped to the window (`from`/`to`, `days` < 7)."""
    mondays = week_starts(end, (end - start).days // 7 + 2)
    mondays = [m for m in mondays if m + timedelta(days=6) >= start]
    weeks = buckets([max(m, start) for m in mondays], end, tz)
    meta = [
        {"key": m.isoformat(), "label": m.isoformat(), "from": w.first, "to": w.last,
         "days": (w.last - w.first).days + 1}
        for m, w in zip(mondays, weeks, strict=True)
    ]
    return Columns(repo.week_grid(weeks), meta, {w.first: c["key"] for w, c in zip(weeks, meta, strict=True)})


def weekday_columns(start: date, end: date, tz: str, lang: Lang) -> Columns:
    """Monday=1 .. Sunday=7 of tenant time; `from`/`to` are the window's first and last such day
    (null when the window is shorter than a week and lacks it), `days` how many it holds."""
    days: list[Bucket] = buckets([start + timedelta(days=i) for i in range((end - start).days + 1)], end, tz)
    meta = []
    for weekday in range(1, 8):
        mine = [d.first for d in days if d.first.isoweekday() == weekday]
        meta.append({
            "key": str(weekday), "label": WEEKDAY_LABELS[lang][weekday - 1],
            "from": mine[0] if mine else None, "to": mine[-1] if mine else None, "days": len(mine),
        })
    return Columns(repo.weekday_grid(days), meta, {w: str(w) for w in range(1, 8)})


def _check_choice(value: str, field: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise Unprocessable.field(field, f"one of {', '.join(choices)}")


async def interaction_heatmap(
    session: AsyncSession,
    principal: Principal,
    *,
    rows: str = "rep",
    cols: str = "week",
    start: date | None = None,
    end: date | None = None,
    team_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
    channels: Iterable[str] | None = None,
    limit: int = DEFAULT_LIMIT,
    lang: Lang = "zh",
) -> dict[str, Any]:
    _check_choice(rows, "rows", get_args(Rows))
    _check_choice(cols, "cols", get_args(Cols))
    if not 1 <= limit <= MAX_LIMIT:
        raise Unprocessable.field("limit", f"between 1 and {MAX_LIMIT}")
    picked = parse_channels(channels)
    tenant = await tenancy.get_tenant(session, principal.tenant_id)
    tz = tenant.timezone
    start, end = resolve_window(cols, start, end, calendar.local_date(utcnow(), tz))
    await check_team(session, principal, team_id)
    if owner_id is not None and not await user_in_reach(session, principal, owner_id):
        raise Unprocessable.field("owner_id", "no user with this id whose figures you may see")
    await without_jit(session)  # at scale M compiling the window aggregate costs more than running it

    columns = week_columns(start, end, tz) if cols == "week" else weekday_columns(start, end, tz, lang)
    window = buckets([start], end, tz)[0]
    f = repo.Filters(window.starts_at, window.ends_at, team_id, owner_id, picked)
    if rows == "rep":
        listed = await repo.rep_rows(session, principal, f)
        available, row_ids = len(listed), None
    else:
        listed = await repo.customer_rows(session, principal, f, limit)
        available, row_ids = (listed[0].available if listed else 0), [r.row_id for r in listed]
    grid = await repo.grid_counts(session, principal, cast(Rows, rows), f, columns.grid, row_ids)
    return _layout(rows, cols, start, end, tz, picked, columns, listed, grid, available)


def _layout(
    rows: str, cols: str, start: date, end: date, tz: str, channels: tuple[str, ...] | None,
    columns: Columns, listed: Sequence[Any], grid: Sequence[Any], available: int,
) -> dict[str, Any]:
    """Dense cells (zeros included) for every listed row and column, in column order."""
    per_rep = rows == "rep"
    cells: dict[tuple[uuid.UUID, str], tuple[int, int]] = {}
    col_totals: dict[str, tuple[int, int]] = {}
    total = (0, 0)
    for g in grid:
        figures = (g.n, g.customers)
        if g.part == "cell":
            cells[(g.row_id, columns.key_of[g.col])] = figures
        elif g.part == "col":
            col_totals[columns.key_of[g.col]] = figures
        else:
            total = figures
    keys = [c["key"] for c in columns.meta]
    items = []
    for r in listed:
        row_cells = [
            {"col": k, "count": cells.get((r.row_id, k), (0, 0))[0],
             "customers": cells.get((r.row_id, k), (0, 0))[1] if per_rep else None}
            for k in keys
        ]
        extra = (
            {"team_id": r.team_id, "team_name": r.team_name, "customers": r.customers,
             "owner_id": None, "owner_name": None, "grade": None}
            if per_rep else
            {"team_id": None, "team_name": None, "customers": None,
             "owner_id": r.owner_id, "owner_name": r.owner_name, "grade": r.grade}
        )
        items.append({"id": r.row_id, "label": r.label, "total": r.total, **extra, "cells": row_cells,
                      "last_interaction_at": r.last_at})
    return {
        "from": start, "to": end, "rows": rows, "cols": cols, "timezone": tz,
        "channels": list(channels) if channels else None,
        "columns": columns.meta,
        "items": items,
        "column_totals": [
            {"col": k, "count": col_totals.get(k, (0, 0))[0], "customers": col_totals.get(k, (0, 0))[1]}
            for k in keys
        ],
        "total": {"count": total[0], "customers": total[1]},
        "max": max((c["count"] for i in items for c in i["cells"]), default=0),
        "row_count": available,
        "truncated": available > len(items),
    }
