"""Attachments: content-addressed files with sniffed types (SPEC §3, §4 attachment fields)."""
