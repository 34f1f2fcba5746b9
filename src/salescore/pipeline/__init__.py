"""Pipelines (动作流, SPEC §5): ordered stages with rules, stage moves and their history."""
