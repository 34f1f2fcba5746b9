"""Process analytics (SPEC §5): daily-report discipline and action effectiveness, computed in SQL."""
