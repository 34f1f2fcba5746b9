"""Imports every domain module that registers event handlers (see events/registry.py)."""

from salescore.notification import handlers as _notification_handlers  # noqa: F401
# Tenant seeders register on import too: signup must find every default configuration.
from salescore.action import service as _action_service  # noqa: F401,E402
from salescore.pipeline import service as _pipeline_service  # noqa: F401,E402
from salescore.action import handlers as _action_handlers  # noqa: F401,E402
from salescore.rules import handlers as _rules_handlers  # noqa: F401,E402
from salescore.rules import service as _rules_service  # noqa: F401,E402
from salescore.delivery import handlers as _delivery_handlers  # noqa: F401,E402
from salescore.health import handlers as _health_handlers  # noqa: F401,E402 - also runs jobs and the weekly regrade
from salescore.forecast import tasks as _forecast_tasks  # noqa: F401,E402 - also the calibration cache's invalidation
from salescore.analytics import process_health_tasks as _process_health_tasks  # noqa: F401,E402 - daily index
from salescore.analytics import process_health_handlers as _process_health_handlers  # noqa: F401,E402
from salescore.forecast import handlers as _forecast_handlers  # noqa: F401,E402
