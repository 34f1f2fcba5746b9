"""Operability: metrics, structured logs, health."""
