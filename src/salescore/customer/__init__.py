"""Customers (客户档案) and contacts (SPEC §3)."""
