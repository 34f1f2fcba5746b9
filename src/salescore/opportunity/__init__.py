"""Opportunities (商机) (SPEC §3)."""
