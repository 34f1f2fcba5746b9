"""Checking a signal pattern when it is saved, so detection never meets a broken or explosive one.

A regex is refused when it does not compile, matches empty text, nests unbounded repetition
((a+)+, (a*)*: exponential backtracking), or runs out of time on adversarial probes. Detection
also runs regexes under a time budget (matcher.py), so a pattern that slips through still cannot
stall a request.
"""

from __future__ import annotations

import re
import re._constants as sre_constants
import re._parser as sre_parse
from typing import Any

import regex

from salescore.signal.matcher import compile_regex, is_regex, normalize_phrase

MAX_PATTERN_LENGTH = 200
PROBE_SECONDS = 0.02
PROBE_LENGTH = 3000
_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT}
_UNBOUNDED = sre_constants.MAXREPEAT


def pattern_problem(pattern: str, *, phrase_only: bool = False) -> str | None:
    """Why the pattern cannot be used, or None when it is fine."""
    if not pattern.strip():
        return "must not be blank"
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"at most {MAX_PATTERN_LENGTH} characters"
    if phrase_only or not is_regex(pattern):
        return None if normalize_phrase(pattern) else "has nothing to match once spaces are removed"
    try:
        compiled = compile_regex(pattern)
    except (regex.error, ValueError, OverflowError) as exc:
        return f"not a valid regular expression: {exc}"
    if compiled.search("") is not None:
        return "matches empty text; every note would carry the signal"
    if _nests_unbounded(pattern):
        return "nests unbounded repetition (like (a+)+), which can take exponential time; rewrite it"
    if _times_out(compiled, pattern):
        return "takes too long on long text (catastrophic backtracking); simplify it"
    return None


def _nests_unbounded(pattern: str) -> bool:
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:  # syntax only the regex engine knows (\p{Han}): the probes decide
        return False
    return _walk(parsed, inside_unbounded=False)


def _walk(items: Any, *, inside_unbounded: bool) -> bool:
    for op, arg in items:
        if op in _REPEATS:
            low, high, sub = arg
            unbounded = high == _UNBOUNDED or high > 100
            if (unbounded or high > 1) and _contains_unbounded(sub) or unbounded and inside_unbounded:
                # (a+)+ and (.*,){4}: repetition around unbounded repetition backtracks polynomially or worse.
                return True
            if _walk(sub, inside_unbounded=inside_unbounded or unbounded):
                return True
        elif op == sre_constants.SUBPATTERN:
            if _walk(arg[-1], inside_unbounded=inside_unbounded):
                return True
        elif op == sre_constants.BRANCH:
            if any(_walk(branch, inside_unbounded=inside_unbounded) for branch in arg[1]):
                return True
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            if _walk(arg[1], inside_unbounded=inside_unbounded):
                return True
    return False


def _contains_unbounded(items: Any) -> bool:
    for op, arg in items:
        if op in _REPEATS and (arg[1] == _UNBOUNDED or arg[1] > 100):
            return True
        children = (arg[-1],) if op == sre_constants.SUBPATTERN else arg[1] if op == sre_constants.BRANCH else \
            (arg[2],) if op in _REPEATS else (arg[1],) if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT) else ()
        if any(_contains_unbounded(child) for child in children):
            return True
    return False


def _times_out(compiled: Any, pattern: str) -> bool:
    """Run the pattern over long runs of its own characters, of punctuation and of ordinary Chinese
    text (normalized: ，becomes ,), each with a non-matching tail."""
    alphabet = [ch for ch in dict.fromkeys(pattern) if ch.isalnum() or ch in ",.;:!?-_/ "][:6] or ["a"]
    alphabet += [",", ".", "客", "1"]
    probes = [ch * PROBE_LENGTH + "\x00" for ch in alphabet]
    probes.append("".join(alphabet) * (PROBE_LENGTH // len(alphabet)) + "\x00")
    try:
        for probe in probes:
            compiled.search(probe, timeout=PROBE_SECONDS)
    except TimeoutError:
        return True
    return False
