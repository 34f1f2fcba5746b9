"""Outbound channels: Standard Webhooks subscriptions and WeChat Work group robots (SPEC §7, §12)."""
