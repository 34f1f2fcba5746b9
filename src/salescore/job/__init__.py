"""Background jobs a user (or a schedule) starts: run from the outbox, readable at /api/v1/jobs/{id}."""
