"""Sales-management quick-screen (销售管理诊断快筛, SPEC §10)."""
