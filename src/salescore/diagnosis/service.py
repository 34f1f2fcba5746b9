"""The quick-screen (销售管理诊断快筛, §10): six answers → a traffic light per question and exactly
three improvement plans, worst breakpoint first. The public form takes the answers as given; the
tenant's own diagnosis measures them (see `measure`).
"""

from __future__ import annotations

from typing import Any

from salescore.diagnosis.defaults import GO_LIVE_HOURS, PLANS, QUESTIONS
from salescore.kit.i18n import Lang

PLAN_COUNT = 3
_RANK = {"red": 0, "yellow": 1, None: 2, "green": 3}  # None: the tenant has no data to answer with


def status_of(code: str, value: float) -> str:
    band = QUESTIONS[code]
    if value <= band["green_max"]:
        return "green"
    return "yellow" if value <= band["yellow_max"] else "red"


def _reason(code: str, value: float, status: str, lang: Lang) -> str:
    band = QUESTIONS[code]
    label = band["label_en" if lang == "en" else "label"]
    shown = f"{value:g}"
    if lang == "en":
        verdict = {"green": f"within the healthy {band['green_max']:g}",
                   "yellow": f"above the healthy {band['green_max']:g}, at most {band['yellow_max']:g}",
                   "red": f"above {band['yellow_max']:g}"}[status]
        return f"{label}: {shown}, {verdict}"
    verdict = {"green": f"在健康线 {band['green_max']:g} 以内",
               "yellow": f"超过健康线 {band['green_max']:g}，未超过 {band['yellow_max']:g}",
               "red": f"超过 {band['yellow_max']:g}，为红色断点"}[status]
    return f"{label}：{shown}，{verdict}"


def _severity(code: str, value: float | None) -> float:
    """How far past its healthy line an answer is, relative to the line (0 when within it)."""
    if value is None:
        return 0.0
    line = QUESTIONS[code]["green_max"]
    return (value - line) / line if line else value


def _plan(code: str, lang: Lang) -> dict[str, Any]:
    plan = PLANS[code]
    return {
        "breakpoint": code,
        "title": plan["title_en" if lang == "en" else "title"],
        "steps": plan["steps_en" if lang == "en" else "steps"],
        "go_live_within_hours": GO_LIVE_HOURS,
        "features": plan["features"],
        "defaults": plan["defaults"],
    }


def evaluate(answers: dict[str, float | None], lang: Lang = "zh") -> dict[str, Any]:
    """Breakpoints in question order (answers of None are listed as `unanswered`) and the three plans
    for the worst: red before yellow before unanswered before green, then the furthest past its line,
    then question order."""
    breakpoints, unanswered = [], []
    for code in QUESTIONS:
        value = answers.get(code)
        if value is None:
            unanswered.append(code)
            continue
        status = status_of(code, value)
        breakpoints.append({"code": code, "status": status, "value": value, "reason": _reason(code, value, status, lang),
                            "green_max": QUESTIONS[code]["green_max"], "yellow_max": QUESTIONS[code]["yellow_max"]})
    status_by_code: dict[str, str | None] = {b["code"]: b["status"] for b in breakpoints}
    order = list(QUESTIONS)
    ranked = sorted(order, key=lambda c: (_RANK[status_by_code.get(c)], -_severity(c, answers.get(c)), order.index(c)))
    return {
        "answers": {code: answers.get(code) for code in QUESTIONS},
        "breakpoints": breakpoints,
        "unanswered": unanswered,
        "counts": {s: sum(1 for b in breakpoints if b["status"] == s) for s in ("red", "yellow", "green")},
        "plans": [_plan(code, lang) for code in ranked[:PLAN_COUNT]],
    }
