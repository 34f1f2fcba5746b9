"""The built-in evidence model (SPEC §8), declared once."""

from __future__ import annotations

from typing import Any

DEFAULT_NODES: tuple[dict[str, Any], ...] = (
    {"code": "requirement_confirmation", "label": "需求确认书签署", "label_en": "Requirement confirmation signed",
     "coefficient": 0.3, "order": 1, "requires_attachment": False},
    {"code": "technical_agreement", "label": "技术协议签署", "label_en": "Technical agreement signed",
     "coefficient": 0.5, "order": 2, "requires_attachment": False},
    {"code": "commercial_terms", "label": "商务条款确认", "label_en": "Commercial terms confirmed",
     "coefficient": 0.7, "order": 3, "requires_attachment": False},
    {"code": "down_payment", "label": "首付款到账", "label_en": "Down payment received",
     "coefficient": 0.9, "order": 4, "requires_attachment": False},
    {"code": "delivery_plan_locked", "label": "交付计划锁定", "label_en": "Delivery plan locked",
     "coefficient": 1.0, "order": 5, "requires_attachment": False},
)
# Forecast category by maturity: >= commit -> commit, >= best_case -> best_case, > 0 -> pipeline.
DEFAULT_THRESHOLDS: dict[str, float] = {"commit": 0.8, "best_case": 0.5}
# k in Beta(k*c + wins, k*(1 - c) + losses).
DEFAULT_PRIOR_STRENGTH = 10.0
# The prior mean of a deal without evidence (maturity 0).
ZERO_MATURITY_PRIOR = 0.1
