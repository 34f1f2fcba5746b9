"""Finding signals in text: compiled once per tenant configuration version, used per keystroke.

Text and phrases are normalized the same way — NFKC (full-width letters, digits and punctuation to
half-width), case-folded, whitespace removed — so 预算 还没批 and 预算还没批 match alike. Phrases go
into one Aho-Corasick automaton (a single pass, however many phrases); regular expressions run on
the `regex` engine with a time budget, so no pattern can stall a request. Reported offsets are
positions in the original text.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import ahocorasick
import regex

log = logging.getLogger(__name__)

REGEX_SYNTAX = frozenset(".^$*+?{}[]\\|()")
# The whole regex part of one detection gets this long; a pattern that runs out is skipped.
REGEX_BUDGET_SECONDS = 0.25
# A note repeating one phrase a thousand times says it once as far as signals go: hits of one signal
# beyond this many are not reported (counts are per conversation anyway).
MAX_HITS = 100
# Each regex gets at most this long, so one slow pattern cannot starve the others of the budget.
REGEX_SLICE_SECONDS = 0.05
REGEX_FLAGS = regex.IGNORECASE | regex.VERSION0


@dataclass(frozen=True, slots=True)
class Hit:
    signal: str
    matched: str
    start: int
    end: int


def is_regex(pattern: str) -> bool:
    """A pattern is a regular expression when it uses regex syntax; otherwise it is a phrase."""
    return any(ch in REGEX_SYNTAX for ch in pattern)


@lru_cache(maxsize=8192)
def _fold(ch: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", ch).casefold() if not c.isspace())


def normalize(text: str) -> tuple[str, list[int]]:
    """The normalized text and, for each of its characters, the index of the original character."""
    out: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        folded = _fold(ch)
        if folded == ch:
            out.append(ch)
            origin.append(index)
        elif folded:
            out.append(folded)
            origin.extend([index] * len(folded))
    return "".join(out), origin


def normalize_phrase(phrase: str) -> str:
    return normalize(phrase)[0]


def compile_regex(pattern: str) -> Any:
    """Regex patterns see normalized text; NFKC makes full-width syntax (（）｜) work as written."""
    return regex.compile(unicodedata.normalize("NFKC", pattern), REGEX_FLAGS)


@dataclass(frozen=True, slots=True)
class _Span:
    signal: str
    start: int
    end: int
    include: bool


class Matcher:
    """All signals' patterns and exclusions, compiled."""

    def __init__(self, signals: Iterable[dict[str, Any]]) -> None:
        phrases: dict[str, list[tuple[str, bool]]] = {}
        self._regexes: list[tuple[str, bool, Any]] = []
        for signal in signals:
            for include, patterns in ((True, signal.get("patterns", ())), (False, signal.get("exclude", ()))):
                for pattern in patterns:
                    if include and is_regex(pattern):
                        self._regexes.append((signal["code"], True, compile_regex(pattern)))
                        continue
                    key = normalize_phrase(pattern)
                    if key:
                        phrases.setdefault(key, []).append((signal["code"], include))
        self._automaton: Any = None
        if phrases:
            automaton = ahocorasick.Automaton()
            for key, owners in phrases.items():
                automaton.add_word(key, (len(key), tuple(owners)))
            automaton.make_automaton()
            self._automaton = automaton

    def find(self, text: str) -> list[Hit]:
        """Every signal occurrence, in text order; overlapping matches of one signal are merged."""
        folded, origin = normalize(text)
        if not folded:
            return []
        spans = self._phrase_spans(folded)
        spans.extend(self._regex_spans(folded))
        return [Hit(s.signal, text[origin[s.start]:origin[s.end - 1] + 1], origin[s.start], origin[s.end - 1] + 1)
                for s in _resolve(spans)]

    def _phrase_spans(self, folded: str) -> list[_Span]:
        if self._automaton is None:
            return []
        spans = []
        for last, (length, owners) in self._automaton.iter(folded):
            for signal, include in owners:
                spans.append(_Span(signal, last - length + 1, last + 1, include))
        return spans

    def _regex_spans(self, folded: str) -> list[_Span]:
        spans: list[_Span] = []
        deadline = time.monotonic() + REGEX_BUDGET_SECONDS
        for signal, include, pattern in self._regexes:
            remaining = min(deadline - time.monotonic(), REGEX_SLICE_SECONDS)
            if remaining <= 0:
                log.warning("signal regex budget spent; skipped %s", pattern.pattern)
                continue
            try:
                spans.extend(_Span(signal, m.start(), m.end(), include)
                             for m in pattern.finditer(folded, timeout=remaining) if m.end() > m.start())
            except TimeoutError:
                log.warning("signal regex timed out; skipped %s", pattern.pattern)
        return spans


def _resolve(spans: list[_Span]) -> list[_Span]:
    """Drop matches an exclusion of the same signal covers, and matches inside a longer match of the
    same signal (a phrase and a regex of one signal often overlap). One sweep in start order: a span
    is covered exactly when an earlier-starting span of its signal reaches at least as far."""
    order = lambda s: (s.start, -(s.end - s.start), s.signal)  # noqa: E731
    exclusions = sorted((s for s in spans if not s.include), key=order)
    excluded_to: dict[str, int] = {}
    kept_to: dict[str, int] = {}
    kept: list[_Span] = []
    per_signal: dict[str, int] = {}
    next_exclusion = 0
    for span in sorted((s for s in spans if s.include), key=order):
        while next_exclusion < len(exclusions) and exclusions[next_exclusion].start <= span.start:
            x = exclusions[next_exclusion]
            excluded_to[x.signal] = max(excluded_to.get(x.signal, -1), x.end)
            next_exclusion += 1
        if excluded_to.get(span.signal, -1) >= span.end or kept_to.get(span.signal, -1) >= span.end:
            continue
        if per_signal.get(span.signal, 0) == MAX_HITS:
            continue
        per_signal[span.signal] = per_signal.get(span.signal, 0) + 1
        kept_to[span.signal] = max(kept_to.get(span.signal, -1), span.end)
        kept.append(span)
    return kept
