"""§4 actions as the demo writes them: the follow-up's `actions` JSON entry and its `action_records` row.

The API writes both for every action (follow_up.service.record_follow_up + action.perform); the
demo inserts rows in bulk, so it produces the same pair itself. Fields must pass the default
templates (action/defaults.py): unknown keys, missing required fields and bad enum values are
rejected by the API, and a demo the API could not have produced would mislead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from salescore.demo.generate import CST, Row

if TYPE_CHECKING:
    from salescore.demo.generate import DemoGenerator

# The demo tenant is created by signup in the same transaction, so every default template is at
# its first revision when the history is written.
TEMPLATE_REVISION = 1


def act(code: str, **fields: Any) -> dict[str, Any]:
    """One entry of a follow-up's `actions`, shaped like the API stores it."""
    return {"code": code, "fields": fields, "template_revision": TEMPLATE_REVISION}


def action_rows(g: DemoGenerator, follow_ups: list[Row]) -> list[Row]:
    """The `action_records` rows of these follow-ups, once their actions and created_via are final."""
    rows: list[Row] = []
    for fu in follow_ups:
        if not fu["actions"]:
            continue
        occurred = fu["occurred_at"]
        local_date = occurred.astimezone(CST).date()
        for position, action in enumerate(fu["actions"]):
            rows.append({
                "id": g.uid(), "tenant_id": g.tenant_id, "follow_up_id": fu["id"], "position": position,
                "customer_id": fu["customer_id"], "opportunity_id": fu["opportunity_id"],
                "user_id": fu["user_id"], "code": action["code"],
                "template_revision": action["template_revision"], "fields": action["fields"],
                "occurred_at": occurred, "local_date": local_date, "created_via": fu["created_via"],
                "deleted_at": None, "created_at": fu["recorded_at"],
            })
    return rows
