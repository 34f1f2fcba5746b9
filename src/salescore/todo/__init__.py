"""Todos (待办) (SPEC §3)."""
