"""Stage rules: what a deal must carry before it may enter a stage."""

from __future__ import annotations

from typing import Any

from salescore.kit.errors import FieldError
from salescore.models import Opportunity, Pipeline

# Opportunity attributes a stage may require; any other key is looked up in `custom`.
DEAL_ATTRIBUTES = frozenset({
    "name", "amount", "currency", "expected_close_date", "product_line", "competitors",
    "rep_forecast_category", "quote_submitted_at", "quote_confirmed_at", "contract_signed_at",
})


def stage_codes(pipeline: Pipeline) -> list[str]:
    return [s["code"] for s in pipeline.stages]


def stage_index(pipeline: Pipeline, code: str | None) -> int:
    """Position of `code` in the pipeline, -1 for none or a stage the pipeline no longer has."""
    codes = stage_codes(pipeline)
    return codes.index(code) if code in codes else -1


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {}, False)


def field_value(deal: Opportunity, key: str) -> Any:
    if key in DEAL_ATTRIBUTES:
        return getattr(deal, key)
    return (deal.custom or {}).get(key)


def requirements_through(pipeline: Pipeline, index: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(field, stage) and (action, stage) pairs required by the stages up to and including `index`."""
    fields: list[tuple[str, str]] = []
    actions: list[tuple[str, str]] = []
    for stage in pipeline.stages[: index + 1]:
        fields += [(f, stage["code"]) for f in stage.get("required_fields") or []]
        actions += [(a, stage["code"]) for a in stage.get("required_actions") or []]
    return fields, actions


def missing(
    deal: Opportunity, pipeline: Pipeline, index: int, recorded_actions: set[str]
) -> list[FieldError]:
    """Every requirement of the stages passed that the deal does not meet, one error each."""
    fields, actions = requirements_through(pipeline, index)
    errors: list[FieldError] = []
    for key, stage in _first_stage(fields).items():
        if not _filled(field_value(deal, key)):
            where = key if key in DEAL_ATTRIBUTES else f"custom.{key}"
            errors.append(FieldError(where, f"required before stage {stage}"))
    for code, stage in _first_stage(actions).items():
        if code not in recorded_actions:
            errors.append(FieldError(f"required_actions.{code}", f"action {code} must be recorded before stage {stage}"))
    return errors


def _first_stage(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Each requirement once, named with the first stage that asks for it."""
    first: dict[str, str] = {}
    for name, stage in pairs:
        first.setdefault(name, stage)
    return first


def last_stage(pipeline: Pipeline) -> str | None:
    return pipeline.stages[-1]["code"] if pipeline.stages else None
