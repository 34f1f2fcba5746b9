"""The pipelines every new tenant starts with (SPEC §5), declared once as data.

Stage: {code, label, label_en, required_fields, required_actions, expected_evidence,
forecast_category, sla_hours}. Moving a deal forward into a stage needs the required fields and
actions of every stage up to and including it; expected evidence feeds completeness (§8) and
never blocks a move.
"""

from __future__ import annotations

from typing import Any

from salescore.action.defaults import DEFAULT_STAGES, STAGE_LABELS_EN

EVIDENCE = ("requirement_confirmation", "technical_agreement", "commercial_terms", "down_payment")


def _stage(code: str, label_en: str, **rules: Any) -> dict[str, Any]:
    return {
        "code": code, "label": code, "label_en": label_en,
        "required_fields": [], "required_actions": [], "expected_evidence": [],
        "forecast_category": "pipeline", "sla_hours": None, **rules,
    }


# SPEC §5 names only the evidence each default stage expects (it feeds completeness and never
# blocks a move); required fields and actions are left for each tenant to switch on.
_DEFAULT_RULES: dict[str, dict[str, Any]] = {
    "初谈": dict(forecast_category="pipeline", sla_hours=14 * 24),
    "报价": dict(expected_evidence=list(EVIDENCE[:1]), forecast_category="pipeline", sla_hours=14 * 24),
    "样机测试": dict(expected_evidence=list(EVIDENCE[:2]), forecast_category="best_case", sla_hours=30 * 24),
    "终审": dict(expected_evidence=list(EVIDENCE[:3]), forecast_category="best_case", sla_hours=14 * 24),
    "签约": dict(expected_evidence=list(EVIDENCE[:4]), forecast_category="commit", sla_hours=7 * 24),
}

DEFAULT_PIPELINE: dict[str, Any] = {
    "name": "标准销售流程",
    "region": None,
    "is_default": True,
    "stages": [_stage(code, STAGE_LABELS_EN[code], **_DEFAULT_RULES[code]) for code in DEFAULT_STAGES],
}

# The 医疗器械 hospital path from the second source article: three decision levels, each with the
# field the hospital needs before the next level looks at the deal.
HOSPITAL_PIPELINE: dict[str, Any] = {
    "name": "医院采购路径（医疗器械）",
    "region": None,
    "is_default": False,
    "stages": [
        _stage("采购科初筛", "Procurement screening", forecast_category="pipeline", sla_hours=14 * 24),
        _stage("设备科主任评估", "Equipment dept. director review",
               required_fields=["clinical_trial_application"], expected_evidence=list(EVIDENCE[:2]),
               forecast_category="best_case", sla_hours=21 * 24),
        _stage("院长办公会决策", "President's office decision",
               required_fields=["department_training_booked"], expected_evidence=list(EVIDENCE[:3]),
               forecast_category="commit", sla_hours=30 * 24),
    ],
}

DEFAULT_PIPELINES = (DEFAULT_PIPELINE, HOSPITAL_PIPELINE)
