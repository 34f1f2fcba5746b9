"""Event handlers by event type; later domains register theirs here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from sqlalchemy.ext.asyncio import AsyncSession

from salescore.models import Event

HandlerFn = Callable[[AsyncSession, Event], Awaitable[None]]
Predicate = Callable[[Event], bool]


@dataclass(frozen=True)
class Handler:
    name: str
    patterns: tuple[str, ...]
    fn: HandlerFn
    when: Predicate | None = None

    def matches(self, event_type: str) -> bool:
        return any(fnmatchcase(event_type, p) for p in self.patterns)

    def applies(self, event: Event) -> bool:
        return self.matches(event.type) and (self.when is None or self.when(event))


_HANDLERS: dict[str, Handler] = {}


def on(
    *patterns: str, name: str | None = None, when: Predicate | None = None
) -> Callable[[HandlerFn], HandlerFn]:
    """Register `fn` for events whose type matches any glob pattern ("todo.created", "customer.*").

    `when` narrows it further by the event's payload; a handler that does not apply costs the
    dispatcher no transaction. The name is the handler's identity in completion records: keep it
    stable once deployed.
    """

    def register(fn: HandlerFn) -> HandlerFn:
        key = name or f"{fn.__module__}.{fn.__qualname__}"
        _HANDLERS[key] = Handler(key, patterns, fn, when)
        return fn

    return register


def handlers_for(event: Event) -> list[Handler]:
    return [h for h in _HANDLERS.values() if h.applies(event)]


def unregister(name: str) -> None:
    _HANDLERS.pop(name, None)
