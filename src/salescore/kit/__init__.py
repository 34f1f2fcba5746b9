"""Plumbing shared by every domain: database, types, errors, pagination, auth, idempotency."""
