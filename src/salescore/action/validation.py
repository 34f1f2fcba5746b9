"""Checking recorded actions against their template's field schema; every problem is reported."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from salescore.kit.errors import FieldError

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")

# Sync targets an action may write; `*` stands for a custom key.
SET_TARGETS = {
    "opportunity.stage": "stage",
    "opportunity.expected_close_date": "date",
    "opportunity.quote_submitted_at": "moment",
    "opportunity.quote_confirmed_at": "moment",
    "opportunity.contract_signed_at": "moment",
    "opportunity.amount": "number",
    "opportunity.rep_forecast_category": "text",
    "opportunity.competitors": "list",
    "customer.requirements.drawings": "bool",
    "customer.requirements.tech_params": "bool",
    "customer.requirements.budget_range": "bool",
}
CUSTOM_PREFIXES = ("opportunity.custom.", "customer.custom.")
# The field types that may feed each kind of target (a wrong pairing would store data the record
# cannot hold or read back).
FEEDS = {
    "stage": {"enum", "text"}, "date": {"date"}, "number": {"number"}, "bool": {"bool"},
    "list": {"text", "enum"}, "text": {"enum"},
}
FORECAST_CLAIMS = {"pipeline", "best_case", "commit"}
DEFAULT_TEXT_LIMIT = 2000
MAX_NUMBER = 1e15  # the range of money amounts (Numeric(18, 2))


@dataclass
class CheckedAction:
    """An action whose fields passed its template; `fields` holds the normalised values."""

    code: str
    fields: dict[str, Any]
    template: Any  # models.ActionTemplate
    index: int
    attachment_ids: list[tuple[str, uuid.UUID]] = field(default_factory=list)

    @property
    def touches_deal(self) -> bool:
        return any(s["target"].startswith("opportunity.") for s in self.template.sync)

    @property
    def moves_stage(self) -> bool:
        return any(s["target"] == "opportunity.stage" for s in self.template.sync)


def check_value(spec: dict[str, Any], value: Any, path: str, errors: list[FieldError]) -> Any:
    """The normalised value, or None after appending an error for `path`."""
    kind = spec["type"]
    if kind == "text":
        if not isinstance(value, str):
            errors.append(FieldError(path, "must be text"))
            return None
        if "\x00" in value:
            errors.append(FieldError(path, "must not contain NUL (U+0000) characters"))
            return None
        limit = spec.get("max_length") or DEFAULT_TEXT_LIMIT
        if limit and len(value) > limit:
            errors.append(FieldError(path, f"at most {limit} characters"))
            return None
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            errors.append(FieldError(path, "must be true or false"))
            return None
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append(FieldError(path, "must be a number"))
            return None
        try:
            in_range = math.isfinite(value) and abs(value) <= MAX_NUMBER
        except OverflowError:  # an integer too large for a float
            in_range = False
        if not in_range:
            errors.append(FieldError(path, f"must be a number between -{MAX_NUMBER:.0e} and {MAX_NUMBER:.0e}"))
            return None
        if spec.get("min") is not None and value < spec["min"]:
            errors.append(FieldError(path, f"must be ≥ {spec['min']:g}"))
            return None
        if spec.get("max") is not None and value > spec["max"]:
            errors.append(FieldError(path, f"must be ≤ {spec['max']:g}"))
            return None
        return value
    if kind == "enum":
        options = spec.get("options") or []
        # A client may send the code or the label it rendered (either language): the code is stored.
        for option in options:
            if isinstance(value, str) and value in (option["value"], option.get("label"), option.get("label_en")):
                return option["value"]
        allowed = [o["value"] for o in options]
        errors.append(FieldError(path, f"must be one of: {', '.join(allowed)}"))
        return None
    if kind == "date":
        try:
            if not isinstance(value, str) or not _ISO_DATE.match(value):
                raise ValueError
            return date.fromisoformat(value).isoformat()
        except ValueError:
            errors.append(FieldError(path, "must be a date as YYYY-MM-DD"))
            return None
    if kind == "datetime":
        try:
            if not isinstance(value, str) or not _ISO_DATETIME.match(value):
                raise ValueError
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError
            return moment.isoformat()
        except (ValueError, OverflowError):
            errors.append(FieldError(path, "must be an ISO 8601 timestamp with a UTC offset"))
            return None
    if kind == "attachment":
        try:
            if isinstance(value, str):
                return str(uuid.UUID(value))
        except ValueError:
            pass
        errors.append(FieldError(path, "must be an attachment id from POST /api/v1/attachments"))
        return None
    errors.append(FieldError(path, f"unsupported field type {kind}"))
    return None


def check_fields(
    template: Any, fields: dict[str, Any], prefix: str, errors: list[FieldError],
    stages: set[str] | None = None,
) -> tuple[dict[str, Any], list[tuple[str, uuid.UUID]]]:
    """Normalised fields of one action; attachment references returned for a later lookup."""
    specs = {s["key"]: s for s in template.fields}
    # A field that writes the deal's stage takes any stage of the tenant's pipelines here (`stages`)
    # and must be one of the deal's own pipeline when it moves; its listed options are the default's.
    stage_keys = stage_fields(template) if stages is not None else set()
    clean: dict[str, Any] = {}
    attachments: list[tuple[str, uuid.UUID]] = []
    for key in fields:
        if key not in specs:
            errors.append(FieldError(f"{prefix}.{key}", f"unknown field for action {template.code}"))
    for key, spec in specs.items():
        path = f"{prefix}.{key}"
        value = fields.get(key)
        if value is None or value == "":
            if spec.get("required"):
                errors.append(FieldError(path, "required"))
            continue
        if key in stage_keys and isinstance(value, str) and value in (stages or set()):
            clean[key] = value
            continue
        normalised = check_value(spec, value, path, errors)
        if normalised is None:
            continue
        clean[key] = normalised
        if spec["type"] == "attachment":
            attachments.append((path, uuid.UUID(normalised)))
    return clean, attachments


def stage_fields(template: Any) -> set[str]:
    return {e.get("field") for e in template.sync if e["target"] == "opportunity.stage" and e.get("field")}


def check_definition(fields: list[dict[str, Any]], sync: list[dict[str, Any]]) -> list[FieldError]:
    """A template definition a director submits: enum options present, sync targets known and fed."""
    errors: list[FieldError] = []
    keys: dict[str, dict[str, Any]] = {}
    for i, spec in enumerate(fields):
        if spec["key"] in keys:
            errors.append(FieldError(f"fields.{i}.key", "duplicate field key"))
        keys[spec["key"]] = spec
        if spec["type"] == "enum" and not spec.get("options"):
            errors.append(FieldError(f"fields.{i}.options", "an enum field needs options"))
        if spec.get("min") is not None and spec.get("max") is not None and spec["min"] > spec["max"]:
            errors.append(FieldError(f"fields.{i}.min", "greater than max"))
    for i, entry in enumerate(sync):
        target = entry["target"]
        kind = SET_TARGETS.get(target)
        if kind is None and not any(target.startswith(p) and len(target) > len(p) for p in CUSTOM_PREFIXES):
            errors.append(FieldError(f"sync.{i}.target", "not a target an action may write"))
            continue
        if (entry.get("field") is None) == (entry.get("value") is None):
            errors.append(FieldError(f"sync.{i}", "give exactly one of field or value"))
            continue
        source = keys.get(entry["field"]) if entry.get("field") is not None else None
        if entry.get("field") is not None and source is None:
            errors.append(FieldError(f"sync.{i}.field", "no such field in this template"))
        elif source is not None and kind is not None and source["type"] not in FEEDS.get(kind, set()):
            allowed = " or ".join(sorted(FEEDS.get(kind, set()))) or "no field (use value)"
            errors.append(FieldError(f"sync.{i}.field", f"{target} takes a {allowed} field, not {source['type']}"))
        elif source is not None and target == "opportunity.rep_forecast_category" and not {
            o["value"] for o in source.get("options") or []
        } <= FORECAST_CLAIMS:
            errors.append(FieldError(f"sync.{i}.field", "options must be among pipeline, best_case, commit"))
        if entry.get("mode") == "append" and kind != "list":
            errors.append(FieldError(f"sync.{i}.mode", "append only applies to list targets"))
        if kind == "moment" and entry.get("value") != "occurred_at":
            errors.append(FieldError(f"sync.{i}.value", "timestamp targets take value=occurred_at"))
    return errors
