"""Prometheus metrics for the API and the event pipeline."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

HTTP_REQUESTS = Counter(
    "salescore_http_requests_total", "HTTP requests", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "salescore_http_request_duration_seconds", "HTTP request latency", ["method", "route"]
)
EVENTS_PROCESSED = Counter("salescore_events_processed_total", "Events whose handlers all completed")
EVENTS_FAILED = Counter("salescore_events_failed_total", "Event processing attempts with a failed handler")
EVENTS_ENQUEUE_FAILED = Counter(
    "salescore_events_enqueue_failed_total", "Events the queue refused (the sweeper retries them)"
)
EVENTS_SWEPT = Counter("salescore_events_swept_total", "Events re-enqueued by the sweeper")


def render() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
