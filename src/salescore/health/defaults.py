"""The default health model (SPEC §6) and the fixed definitions of its indicators, declared once.

The indicator *definitions* (windows, channels, roles) are code: they are what the SQL computes.
A tenant's model chooses which indicators count and with what weight, and the grade thresholds.
"""

from __future__ import annotations

from typing import Any

INTERACTION = "interaction_frequency"
REQUIREMENTS = "requirement_clarity"
DECISION_CHAIN = "decision_chain"
COMPETITOR = "competitor_activity"
CODES = (INTERACTION, REQUIREMENTS, DECISION_CHAIN, COMPETITOR)

# interaction_frequency: follow-ups on these channels in the last 90 days, x = min(n / 12, 1).
INTERACTION_CHANNELS = ("call", "meeting", "email", "visit", "wechat")
INTERACTION_DAYS = 90
INTERACTION_TARGET = 12
# requirement_clarity: share of these flags provided (customer.requirements.*).
REQUIREMENT_FLAGS = ("drawings", "tech_params", "budget_range")
# decision_chain: share of these roles with a contact engaged in a follow-up within 180 days.
DECISION_ROLES = ("technical", "procurement", "finance")
DECISION_DAYS = 180
# competitor_activity: 1 if a competitor_feedback action was recorded within 90 days.
COMPETITOR_ACTION = "competitor_feedback"
COMPETITOR_DAYS = 90

# Attribute names in attribute_history.
REQUIREMENT_ATTRIBUTES = tuple(f"requirements.{flag}" for flag in REQUIREMENT_FLAGS)
ROLE_ATTRIBUTE = "decision_role"

DEFAULT_WEIGHTS = {INTERACTION: 0.30, REQUIREMENTS: 0.25, DECISION_CHAIN: 0.30, COMPETITOR: 0.15}
DEFAULT_THRESHOLDS = {"A": 0.70, "B": 0.40}
# Scores are float sums: a score within this tolerance below a threshold counts as reaching it, so
# weights meant to add up to a threshold do not miss it by a rounding error.
TOLERANCE = 1e-9
GRADES = ("A", "B", "C")
# Grading accuracy's static baseline (SPEC §6): annual_purchase >= 3,000,000 CNY -> A.
BASELINE_ANNUAL_PURCHASE = 3_000_000
BASELINE_RULE = "annual_purchase >= 3000000 -> A"
# Weights and thresholds are bounded so a score can never overflow to infinity.
WEIGHT_LIMIT = 1000.0

LABELS: dict[str, dict[str, str]] = {
    INTERACTION: {"label": "互动频率", "label_en": "Interaction frequency"},
    REQUIREMENTS: {"label": "需求明确度", "label_en": "Requirement clarity"},
    DECISION_CHAIN: {"label": "决策链覆盖", "label_en": "Decision-chain coverage"},
    COMPETITOR: {"label": "竞对动态", "label_en": "Competitor activity"},
}
DEFINITIONS: dict[str, str] = {
    INTERACTION: (
        f"Follow-ups on channels {'/'.join(INTERACTION_CHANNELS)} with occurred_at in "
        f"(T-{INTERACTION_DAYS}d, T], not deleted: x = min(n / {INTERACTION_TARGET}, 1)."
    ),
    REQUIREMENTS: (
        f"Share of the flags {', '.join(REQUIREMENT_FLAGS)} that are true as of T "
        "(the latest recorded value with effective_at <= T)."
    ),
    DECISION_CHAIN: (
        f"Share of the roles {', '.join(DECISION_ROLES)} held (as of T) by a contact named in a follow-up "
        f"with occurred_at in (T-{DECISION_DAYS}d, T], not deleted."
    ),
    COMPETITOR: (
        f"1 if a {COMPETITOR_ACTION} action (not deleted) occurred in (T-{COMPETITOR_DAYS}d, T], else 0."
    ),
}


def default_indicators() -> list[dict[str, Any]]:
    return [{"code": code, "weight": weight} for code, weight in DEFAULT_WEIGHTS.items()]
