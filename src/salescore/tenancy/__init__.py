"""Tenants, users, teams, authentication and API keys (SPEC §2)."""
