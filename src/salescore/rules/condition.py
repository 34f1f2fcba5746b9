"""The condition language: rule-engine's expression grammar (parsed, never eval'd).

A condition reads the event and its records as nested objects, e.g.
`payload.new == "A" and payload.old != "A"` or `payload.code == "quote_submitted"`.
Missing attributes read as null instead of failing, so a rule written against one
event shape does not crash on another. Compiled conditions are cached by text.
"""

from __future__ import annotations

import re
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


# A string literal, with escapes: what remains outside them is operators and names.
_STRINGS = re.compile(r"""(?:[a-z]?"(?:[^"\\]|\\.)*")|(?:[a-z]?'(?:[^'\\]|\\.)*')""", re.IGNORECASE)
# rule-engine's regular-expression operators (=~, =~~, !~, !~~) run Python's `re`, which has no time
# limit: one nested quantifier over a rep's note would stall the worker. Conditions do without them.
_REGEX_OPERATORS = re.compile(r"[=!]~")


# Built-in functions a condition may call; `$range`, `$random`, `$map`, `$filter` are left out (a
# `$range(10 ** 9)` is evaluated while the rule is parsed, and conditions must be deterministic).
BUILTINS = frozenset({"abs", "all", "any", "max", "min", "now", "today", "parse_datetime", "parse_float",
                      "parse_timedelta", "split", "sum", "e", "pi"})
_BUILTIN_CALL = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _check_operations(text: str) -> None:
    code = _STRINGS.sub('""', text)
    if _REGEX_OPERATORS.search(code):
        raise ConditionError("regular-expression matching (=~, !~) is not available in conditions; "
                             "use ==, in, or indexing such as payload.name[0]")
    for name in _BUILTIN_CALL.findall(code):
        if name not in BUILTINS:
            raise ConditionError(f"${name} is not available in conditions; use one of "
                                 + ", ".join(f"${n}" for n in sorted(BUILTINS)))


@lru_cache(maxsize=1024)
def compile_condition(text: str) -> rule_engine.Rule:
    """Parse once; raise ConditionError with a message a director can act on."""
    _check_operations(text)
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
    except Exception as exc:  # constant folding at parse time can fail (a date overflowing, ...)
        raise ConditionError(f"invalid condition: {exc}") from exc


def evaluate(text: str | None, context: dict[str, Any]) -> bool:
    """True when there is no condition or it holds. Raises ConditionError on a runtime type error."""
    if not text or not text.strip():
        return True
    rule = compile_condition(text)
    try:
        return bool(rule.evaluate(context))
    except rule_engine.errors.EngineError as exc:
        raise ConditionError(f"condition failed: {getattr(exc, 'message', None) or exc}") from exc
    except Exception as exc:  # rule-engine lets some type errors through (`"x" in null`)
        raise ConditionError(f"condition failed: {type(exc).__name__}: {exc}") from exc
