"""`?format=csv` for analytics: the rows behind a figure as a spreadsheet a director opens in Excel.

UTF-8 with a byte-order mark (Excel on Windows reads Chinese correctly only with it); nested objects
become dotted columns, lists of ids one space-separated cell, null an empty cell; text that Excel would
read as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Query, Response

FormatQuery = Annotated[
    Literal["json", "csv"],
    Query(alias="format", description="`csv`: the same figures as rows of a CSV file (UTF-8 with BOM)"),
]

CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "JSON, or CSV with format=csv"}
}


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} -> {"a.b": 1}; other values as they are."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


# A cell starting with one of these is a formula to Excel (CSV injection): a customer named
# "=HYPERLINK(...)" must stay text. Numbers are written by us and never get the quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def tagged(column: str, parts: Iterable[tuple[str, Iterable[Mapping[str, Any]]]]) -> list[dict[str, Any]]:
    """Several lists of one answer as one table, each row saying which list it came from."""
    return [{column: tag, **row} for tag, rows in parts for row in rows]


def _cell(value: Any) -> str:
    if isinstance(value, str):
        return _text(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        if all(not isinstance(v, (Mapping, list, tuple)) for v in value):
            return " ".join(_cell(v) for v in value)
        return _text(json.dumps(value, ensure_ascii=False, default=str))
    if isinstance(value, Mapping):
        return _text(json.dumps(value, ensure_ascii=False, default=str))
    return str(value)


def csv_response(rows: Iterable[Mapping[str, Any]], filename: str, columns: Sequence[str] | None = None,
                 *, empty: Sequence[str] = ()) -> Response:
    """Rows (flattened) as a CSV download; columns default to the keys in first-seen order (`empty`
    when there are no rows, so an empty answer still has its header)."""
    flat = [flatten(r) for r in rows]
    if columns is None and not flat:
        columns = list(empty)
    if columns is None:
        seen: dict[str, None] = {}
        for r in flat:
            seen.update(dict.fromkeys(r))
        columns = list(seen)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for r in flat:
        writer.writerow([_cell(r.get(c)) for c in columns])
    return Response(
        content="\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )
