"""Per-dialect SQL helpers behind one interface: statements stay dialect-agnostic (and cacheable),
and each helper renders itself for the engine the statement runs on.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from salescore.kit.types import UTCDateTime


class add_days(FunctionElement[Any]):  # noqa: N801 - reads like the SQL function it stands for
    """`timestamp + n days`, as a UTCDateTime expression comparable with UTCDateTime columns.

    A day is 24 hours here, on both backends: SQLite's date functions work on the stored UTC text,
    so PostgreSQL must not shift by calendar days in the session's timezone (DST) either.
    """

    type = UTCDateTime()
    name = "add_days"
    inherit_cache = True

    def __init__(self, column: Any, days: int) -> None:
        # The day count is a literal clause, so it is part of the statement's cache key.
        super().__init__(column, sa.literal_column(str(int(days))))


def _parts(element: add_days, compiler: Any, **kw: Any) -> tuple[str, int]:
    column, days = element.clauses
    return compiler.process(column, **kw), int(days.name)


@compiles(add_days, "postgresql")
def _add_days_postgresql(element: add_days, compiler: Any, **kw: Any) -> str:
    column, days = _parts(element, compiler, **kw)
    return f"({column} + INTERVAL '{days * 24} hours')"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element: add_days, compiler: Any, **kw: Any) -> str:
    # UTCDateTime is stored as naive 'YYYY-MM-DD HH:MM:SS.ffffff' text and compared as text.
    # datetime() answers 'YYYY-MM-DD HH:MM:SS' without the fraction, which sorts *before* the same
    # second with '.000000' appended; re-attach the original fraction (from character 20 on) so
    # the result has the stored format and a timestamp exactly n days later compares equal.
    column, days = _parts(element, compiler, **kw)
    return f"(datetime({column}, '{days:+d} days') || substr({column}, 20))"


@compiles(add_days)
def _add_days_other(element: add_days, compiler: Any, **kw: Any) -> str:
    raise NotImplementedError(f"add_days has no rendering for dialect {compiler.dialect.name!r}")


class json_array_has(sa.sql.expression.ColumnElement[bool]):  # noqa: N801 - reads like SQL
    """`value` is an element of the JSON array in `column` (strings), on both backends."""

    type = sa.Boolean()
    inherit_cache = True

    def __init__(self, column: Any, value: str) -> None:
        self.column = column
        self.value = sa.bindparam(None, value, type_=sa.String())


@compiles(json_array_has, "postgresql")
def _json_array_has_postgresql(element: json_array_has, compiler: Any, **kw: Any) -> str:
    column, value = compiler.process(element.column, **kw), compiler.process(element.value, **kw)
    return f"(({column})::jsonb ? {value})"


@compiles(json_array_has, "sqlite")
def _json_array_has_sqlite(element: json_array_has, compiler: Any, **kw: Any) -> str:
    column, value = compiler.process(element.column, **kw), compiler.process(element.value, **kw)
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = {value})"
