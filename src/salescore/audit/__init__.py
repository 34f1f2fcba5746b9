"""流程审计日志: every mutation recorded with its before/after image, and its domain event."""
