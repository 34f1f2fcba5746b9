"""salescore: API-first backend for sales-process management."""

__version__ = "0.1.0"
