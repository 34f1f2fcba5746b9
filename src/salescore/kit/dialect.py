"""Per-dialect SQL helpers behind one interface: statements stay dialect-agnostic (and cacheable),
and each helper renders itself for the engine the statement runs on.

SQLite stores a UUID as 32 lowercase hex digits, PostgreSQL as `uuid`; JSON text ids (as in
follow_ups.contact_ids) carry the dashed form. Ids are compared through `uuid_key` / `text_uuid_key`,
which map both sides to the same text; UUIDs generated in SQL are version-4 on both engines.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from salescore.kit.types import GUID, JSONType, UTCDateTime


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
    # datetime() rounds a value with a fraction to milliseconds first (.9996 s → the next second): give it
    # the whole seconds only.
    return f"(datetime(substr({column}, 1, 19), '{days:+d} days') || substr({column}, 20))"


@compiles(add_days)
def _add_days_other(element: add_days, compiler: Any, **kw: Any) -> str:
    raise NotImplementedError(f"add_days has no rendering for dialect {compiler.dialect.name!r}")


class add_seconds(FunctionElement[Any]):  # noqa: N801 - reads like the SQL function it stands for
    """`timestamp + n seconds` (whole seconds) as a UTCDateTime expression, exact on both backends --
    so a boundary like "within 24 hours" compares timestamps, not floats."""

    type = UTCDateTime()
    name = "add_seconds"
    inherit_cache = True

    def __init__(self, column: Any, seconds: int) -> None:
        super().__init__(column, sa.literal_column(str(int(seconds))))


@compiles(add_seconds, "postgresql")
def _add_seconds_postgresql(element: add_seconds, compiler: Any, **kw: Any) -> str:
    column, seconds = _parts(element, compiler, **kw)  # type: ignore[arg-type]
    return f"({column} + INTERVAL '{seconds} seconds')"


@compiles(add_seconds, "sqlite")
def _add_seconds_sqlite(element: add_seconds, compiler: Any, **kw: Any) -> str:
    column, seconds = _parts(element, compiler, **kw)  # type: ignore[arg-type]
    return f"(datetime(substr({column}, 1, 19), '{seconds:+d} seconds') || substr({column}, 20))"  # see add_days


class new_uuid(FunctionElement[Any]):  # noqa: N801 - reads like the SQL function it stands for
    """A random (version-4) UUID per row."""

    type = GUID
    name = "new_uuid"
    inherit_cache = True


@compiles(new_uuid, "postgresql")
def _new_uuid_pg(element: new_uuid, compiler: Any, **kw: Any) -> str:
    return "gen_random_uuid()"


@compiles(new_uuid, "sqlite")
def _new_uuid_sqlite(element: new_uuid, compiler: Any, **kw: Any) -> str:
    # 8-4-4-4-12 hex digits without dashes: version nibble 4, variant nibble one of 8, 9, a, b.
    return (
        "lower(hex(randomblob(4)) || hex(randomblob(2)) || '4' || substr(hex(randomblob(2)), 2)"
        " || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2)"
        " || hex(randomblob(6)))"
    )


class uuid_text(FunctionElement[Any]):  # noqa: N801
    """A UUID column as its canonical dashed text (what str(uuid) gives), e.g. for JSON payloads."""

    type = sa.String()
    name = "uuid_text"
    inherit_cache = True


@compiles(uuid_text, "postgresql")
def _uuid_text_pg(element: uuid_text, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


@compiles(uuid_text, "sqlite")
def _uuid_text_sqlite(element: uuid_text, compiler: Any, **kw: Any) -> str:
    x = compiler.process(element.clauses, **kw)
    # NULL stays NULL: every || with a NULL operand is NULL.
    return (
        f"(substr({x}, 1, 8) || '-' || substr({x}, 9, 4) || '-' || substr({x}, 13, 4) || '-' || "
        f"substr({x}, 17, 4) || '-' || substr({x}, 21))"
    )


class uuid_key(FunctionElement[Any]):  # noqa: N801
    """A UUID column as text comparable with `text_uuid_key` of a JSON id."""

    type = sa.String()
    name = "uuid_key"
    inherit_cache = True


@compiles(uuid_key, "postgresql")
def _uuid_key_pg(element: uuid_key, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


@compiles(uuid_key, "sqlite")
def _uuid_key_sqlite(element: uuid_key, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


class text_uuid_key(FunctionElement[Any]):  # noqa: N801
    """A dashed UUID held as text (a JSON array element) in the form `uuid_key` gives."""

    type = sa.String()
    name = "text_uuid_key"
    inherit_cache = True


@compiles(text_uuid_key, "postgresql")
def _text_uuid_key_pg(element: text_uuid_key, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(text_uuid_key, "sqlite")
def _text_uuid_key_sqlite(element: text_uuid_key, compiler: Any, **kw: Any) -> str:
    return f"replace(lower({compiler.process(element.clauses, **kw)}), '-', '')"


class json_array_items(FunctionElement[Any]):  # noqa: N801
    """The text elements of a JSON array column, as a table-valued function with column `value`:
    `json_array_items(col).table_valued("value")`."""

    name = "json_array_items"
    inherit_cache = True


@compiles(json_array_items, "postgresql")
def _json_items_pg(element: json_array_items, compiler: Any, **kw: Any) -> str:
    return f"jsonb_array_elements_text({compiler.process(element.clauses, **kw)})"


@compiles(json_array_items, "sqlite")
def _json_items_sqlite(element: json_array_items, compiler: Any, **kw: Any) -> str:
    return f"json_each({compiler.process(element.clauses, **kw)})"


class json_object(FunctionElement[Any]):  # noqa: N801
    """A JSON object from alternating keys and values: json_object('a', x, 'b', y)."""

    type = JSONType
    name = "json_object"
    inherit_cache = True


@compiles(json_object, "postgresql")
def _json_object_pg(element: json_object, compiler: Any, **kw: Any) -> str:
    return f"jsonb_build_object({compiler.process(element.clauses, **kw)})"


@compiles(json_object, "sqlite")
def _json_object_sqlite(element: json_object, compiler: Any, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


async def without_jit(session: AsyncSession) -> None:
    """PostgreSQL: no JIT for the rest of this transaction. The indicator query's many expressions
    make JIT compilation cost more than it saves: at scale M ~1.7 s of compiling for a 2.5 s
    whole-tenant query, and ~0.7 s for one customer's millisecond query (the planner cannot see
    that each input yields at most one row for one customer, so it estimates a large join)."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(sa.text("SET LOCAL jit = off"))


def json_pairs(values: dict[str, Any]) -> json_object:
    """json_object over {key: SQL expression}; keys become literal text."""
    args: list[Any] = []
    for key, value in values.items():
        args += [sa.literal_column(f"'{key}'"), value]
    return json_object(*args)


class json_timestamp(FunctionElement[Any]):  # noqa: N801
    """An ISO 8601 timestamp held as JSON text (an audit row's before/after) as a UTCDateTime
    expression, comparable with UTCDateTime columns (to the second on SQLite)."""

    type = UTCDateTime()
    name = "json_timestamp"
    inherit_cache = True


@compiles(json_timestamp, "postgresql")
def _json_timestamp_pg(element: json_timestamp, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TIMESTAMPTZ)"


@compiles(json_timestamp, "sqlite")
def _json_timestamp_sqlite(element: json_timestamp, compiler: Any, **kw: Any) -> str:
    # strftime reads 'T', 'Z' and ±HH:MM offsets and answers UTC with milliseconds; three more
    # digits give the stored 'YYYY-MM-DD HH:MM:SS.ffffff' form.
    return f"(strftime('%Y-%m-%d %H:%M:%f', {compiler.process(element.clauses, **kw)}) || '000')"


def insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT construct (with ON CONFLICT ... DO UPDATE/NOTHING on both engines)."""
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert
