"""Imports every domain module that registers event handlers (see events/registry.py)."""

from salescore.notification import handlers as _notification_handlers  # noqa: F401
