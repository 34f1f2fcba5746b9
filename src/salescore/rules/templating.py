"""`${customer.name}`-style placeholders in titles and messages, filled from the rule context.

string.Template, not str.format: a placeholder can only read a value, never an attribute of it.
"""

from __future__ import annotations

import string
from typing import Any


class _Template(string.Template):
    idpattern = r"[a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*"
    flags = 0  # lower-case names only; with re.IGNORECASE the pattern would also admit capitals


class _Lookup(dict[str, str]):
    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self._data = data

    def __missing__(self, key: str) -> str:
        value: Any = self._data
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return ""
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        if isinstance(value, bool):
            return "是" if value else "否"
        return str(value)


def render(template: str, data: dict[str, Any]) -> str:
    return _Template(template).safe_substitute(_Lookup(data))
