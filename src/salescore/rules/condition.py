"""The condition language: rule-engine's expression grammar (parsed, never eval'd).

A condition reads the event and its records as nested objects, e.g.
`payload.new == "A" and payload.old != "A"` or `payload.code == "quote_submitted"`.
Missing attributes read as null instead of failing, so a rule written against one
event shape does not crash on another. Compiled conditions are cached by text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import rule_engine

MAX_LENGTH = 1000
MAX_DEPTH = 12


class ConditionError(ValueError):
    pass


# The only names a condition may use; anything else (`__import__`, a typo) is refused at save time.
SYMBOLS = ("event", "payload", "record", "customer", "opportunity")


def _context() -> rule_engine.Context:
    types = rule_engine.type_resolver_from_dict(
        {name: rule_engine.DataType.MAPPING(rule_engine.DataType.STRING) for name in SYMBOLS}
    )
    return rule_engine.Context(default_value=None, resolver=rule_engine.resolve_item, type_resolver=types)


def _nesting(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    return deepest


@lru_cache(maxsize=1024)
def compile_condition(text: str) -> rule_engine.Rule:
    """Parse once; raise ConditionError with a message a director can act on."""
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"a condition is at most {MAX_LENGTH} characters")
    if _nesting(text) > MAX_DEPTH:
        raise ConditionError(f"a condition nests at most {MAX_DEPTH} levels of brackets")
    try:
        return rule_engine.Rule(text, context=_context())
    except rule_engine.errors.SymbolResolutionError as exc:
        raise ConditionError(
            f"unknown name {exc.symbol_name!r}: a condition reads {', '.join(SYMBOLS)}"
        ) from exc
    except rule_engine.errors.EngineError as exc:
        raise ConditionError(f"invalid condition: {getattr(exc, 'message', None) or exc}") from exc
    except RecursionError as exc:  # pathological nesting the bracket count did not see
        raise ConditionError("invalid condition: too deeply nested") from exc


def evaluate(text: str | None, context: dict[str, Any]) -> bool:
    """True when there is no condition or it holds. Raises ConditionError on a runtime type error."""
    if not text or not text.strip():
        return True
    rule = compile_condition(text)
    try:
        return bool(rule.evaluate(context))
    except rule_engine.errors.EngineError as exc:
        raise ConditionError(f"condition failed: {getattr(exc, 'message', None) or exc}") from exc
