"""Automation rules (自动化策略, SPEC §7): tenant data run from the outbox."""
