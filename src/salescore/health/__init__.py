"""Customer health and dynamic grading (客户健康度 / 动态分级, SPEC §6)."""
