"""Follow-ups (跟进记录) (SPEC §3)."""
