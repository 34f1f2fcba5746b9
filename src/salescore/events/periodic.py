"""Periodic duties (deliveries due, rule runs due, weekly regrade, deadline scans).

Domains register a function here; the embedded runtime loops over them, and under Redis the
arq worker runs them from a cron job. Each duty must be safe to run concurrently in several
workers (claim rows, or insert a ScheduleMark first) and returns how much it did.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

PeriodicFn = Callable[[Any], Awaitable[int]]  # receives the Runtime


@dataclass
class Duty:
    name: str
    every_seconds: float
    fn: PeriodicFn
    last_run: float = field(default=0.0)

    def due(self, now: float) -> bool:
        return now - self.last_run >= self.every_seconds


_DUTIES: dict[str, Duty] = {}


def periodic(name: str, *, every_seconds: float) -> Callable[[PeriodicFn], PeriodicFn]:
    def register(fn: PeriodicFn) -> PeriodicFn:
        _DUTIES[name] = Duty(name, every_seconds, fn)
        return fn

    return register


def duties(*, force: bool = False) -> list[Duty]:
    now = time.monotonic()
    due = [d for d in _DUTIES.values() if force or d.due(now)]
    for d in due:
        d.last_run = now
    return due
