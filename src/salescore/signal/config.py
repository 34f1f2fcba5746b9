"""A tenant's signal configuration as a compiled value, cached per (tenant, version).

Detection runs on every keystroke batch of a rep's typing, so the patterns are compiled once per
configuration version and kept in process memory; a request only asks the database which version
is current.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from salescore.models import SignalConfig
from salescore.signal.defaults import DEFAULT_SIGNALS
from salescore.signal.matcher import Matcher

CACHE_SIZE = 256


@dataclass(frozen=True)
class Config:
    version: int
    signals: tuple[dict[str, Any], ...]
    is_default: bool = True
    note: str | None = None
    created_at: datetime | None = None
    created_by: uuid.UUID | None = None
    by_code: dict[str, dict[str, Any]] = field(init=False, repr=False, compare=False)
    matcher: Matcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_code", {s["code"]: s for s in self.signals})
        object.__setattr__(self, "matcher", Matcher(self.signals))

    @classmethod
    def of(cls, row: SignalConfig) -> Config:
        return cls(row.version, tuple(row.signals), False, row.note, row.created_at, row.created_by)


_DEFAULT: Config | None = None
_cache: OrderedDict[tuple[uuid.UUID, int], Config] = OrderedDict()
_lock = threading.Lock()


def default() -> Config:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Config(1, DEFAULT_SIGNALS)
    return _DEFAULT


def cached(tenant_id: uuid.UUID, version: int) -> Config | None:
    with _lock:
        config = _cache.get((tenant_id, version))
        if config is not None:
            _cache.move_to_end((tenant_id, version))
        return config


def remember(tenant_id: uuid.UUID, config: Config) -> Config:
    with _lock:
        _cache[(tenant_id, config.version)] = config
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return config
