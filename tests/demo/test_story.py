"""The demo's rows are ones the API could have written: actions valid for the default templates,
stage moves the pipeline rules allow, daily reports with the deadline arithmetic of §5."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

from salescore.action.defaults import ACTION_TEMPLATES
from salescore.action.validation import check_fields
from salescore.demo.generate import CST
from salescore.demo.stages import DEFAULT_STAGES, HOSPITAL_STAGES
from salescore.kit.workdays import add_workdays, is_workday
from salescore.pipeline.defaults import DEFAULT_PIPELINE, HOSPITAL_PIPELINE
from salescore.pipeline.rules import requirements_through
from tests.demo.conftest import ANCHOR, PIPELINES

TEMPLATES = {t["code"]: SimpleNamespace(code=t["code"], fields=t["fields"]) for t in ACTION_TEMPLATES}


def test_every_action_passes_its_default_template(generated: dict[str, Any]) -> None:
    used = set()
    for fu in generated["follow_ups"]:
        for i, action in enumerate(fu["actions"]):
            template = TEMPLATES[action["code"]]
            errors: list[Any] = []
            clean, attachments = check_fields(template, action["fields"], f"actions.{i}.fields", errors)
            assert not errors and not attachments, (action, errors)
            assert clean == action["fields"], "already in the stored (normalised) form"
            assert action["template_revision"] == 1
            used.add(action["code"])
    # Attachment-only actions would need files the demo does not upload.
    assert "payment_reminder_sent" not in used
    assert len(used) >= 14


def test_stage_moves_follow_the_pipeline_rules(generated: dict[str, Any]) -> None:
    pipelines = {PIPELINES.default: DEFAULT_PIPELINE, PIPELINES.hospital: HOSPITAL_PIPELINE}
    actions: dict[Any, list[tuple[str, Any]]] = defaultdict(list)
    for record in generated["action_records"]:
        actions[record["opportunity_id"]].append((record["code"], record["occurred_at"]))
    follow_ups = {f["id"]: f for f in generated["follow_ups"]}
    changes: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for change in generated["stage_changes"]:
        changes[change["opportunity_id"]].append(change)
    hospital = 0
    for deal in generated["opportunities"]:
        pipeline = pipelines[deal["pipeline_id"]]
        codes = [s["code"] for s in pipeline["stages"]]
        trail = sorted(changes[deal["id"]], key=lambda c: c["at"])
        assert trail[0]["via"] == "create" and trail[0]["from_stage"] is None
        assert trail[0]["to_stage"] == codes[0] and trail[0]["at"] == deal["created_at"]
        for before, after in zip(trail, trail[1:], strict=False):
            assert after["from_stage"] == before["to_stage"]
            assert codes.index(after["to_stage"]) > codes.index(before["to_stage"]), "the story only moves on"
        for change in trail:
            assert change["pipeline_id"] == deal["pipeline_id"] and change["by_id"] == deal["owner_id"]
            assert change["compliant"] and change["at"] <= ANCHOR
            fields, required = requirements_through(
                SimpleNamespace(stages=pipeline["stages"]), codes.index(change["to_stage"])
            )
            for key, _ in fields:
                assert deal.get(key) if key in deal else deal["custom"].get(key), (key, deal["id"])
            done = {code for code, at in actions[deal["id"]] if at <= change["at"]}
            assert {code for code, _ in required} <= done, (change, done)
            if change["via"] == "action":
                push = [a for a in follow_ups[change["follow_up_id"]]["actions"] if a["code"] == "contract_push"]
                assert push[0]["fields"]["stage"] == change["to_stage"]
                assert follow_ups[change["follow_up_id"]]["occurred_at"] == change["at"]
        assert deal["stage"] == trail[-1]["to_stage"]
        if deal["status"] == "won":
            assert deal["stage"] == codes[-1]
        if deal["pipeline_id"] == PIPELINES.hospital:
            hospital += 1
            assert deal["stage"] in HOSPITAL_STAGES
        else:
            assert deal["stage"] in DEFAULT_STAGES
    assert hospital >= 2, "a few 医疗器械 deals take the hospital path"


def test_daily_reports_keep_the_deadline_rules(generated: dict[str, Any]) -> None:
    reporters = {u["id"]: u for u in generated["users"] if u["role"] in ("rep", "manager")}
    follow_ups = {f["id"]: f for f in generated["follow_ups"]}
    listed: set[uuid.UUID] = set()
    for report in generated["daily_reports"]:
        day = report["report_date"]
        user = reporters[report["user_id"]]
        assert is_workday(day) and day < generated["today"] and report["team_id"] == user["team_id"]
        assert 1 <= len(report["items"]) <= 3
        deadline = report["deadline_at"].astimezone(CST)
        assert deadline.date() == add_workdays(day, 1) and (deadline.hour, deadline.minute) == (10, 0)
        end_of_day = datetime.combine(day + timedelta(days=1), time(0), CST)
        delay = (report["submitted_at"] - end_of_day).total_seconds()
        assert report["delay_seconds"] == max(0, int(delay))
        assert report["on_time"] == (report["submitted_at"] <= report["deadline_at"])
        assert report["created_at"] == report["updated_at"] == report["submitted_at"] <= ANCHOR
        for item in report["items"]:
            fu = follow_ups[uuid.UUID(item["follow_up_id"])]
            assert fu["user_id"] == report["user_id"] and fu["occurred_at"].astimezone(CST).date() == day
            assert fu["actions"] == [{"code": item["action_code"], "fields": item["fields"], "template_revision": 1}]
            assert str(fu["customer_id"]) == item["customer_id"] and fu["recorded_at"] == report["submitted_at"]
            assert item["occurred_at"] == fu["occurred_at"].isoformat() and item["channel"] == fu["channel"]
            listed.add(fu["id"])
        progress = follow_ups[uuid.UUID(report["progress"]["follow_up_id"])]
        assert progress["actions"] == [] and progress["channel"] == "other"
        assert progress["summary"] == report["progress"]["note"]
        listed.add(progress["id"])
    via_report = {f["id"] for f in generated["follow_ups"] if f["created_via"] == "daily_report"}
    assert via_report == listed, "a daily_report follow-up is always in its report"
    assert len({(r["user_id"], r["report_date"]) for r in generated["daily_reports"]}) == len(
        generated["daily_reports"])


def test_report_items_are_mostly_live_deals(generated: dict[str, Any]) -> None:
    items = [i for r in generated["daily_reports"] for i in r["items"]]
    with_deal = sum(1 for i in items if i["opportunity_id"])
    assert with_deal / len(items) > 0.4

