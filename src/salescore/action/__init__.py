"""Action templates (动作模板, SPEC §4): definitions, validation, sync maps and their effects."""
