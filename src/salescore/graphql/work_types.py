"""GraphQL types of the daily-work configuration and records (§4, §5): action templates,
pipelines, stage changes and daily reports. Read-only, same visibility as REST."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Self

import strawberry
from strawberry import Info
from strawberry.scalars import JSON

from salescore.graphql.context import ctx
from salescore.graphql.types import FromRow, User, _one


@strawberry.type(description="动作模板: the field schema and sync map of one action code.")
class ActionTemplate(FromRow):
    id: strawberry.ID
    code: str
    label: str
    label_en: str
    category: str
    channel: str
    fields: JSON
    sync: JSON
    effects: list[str]
    enabled: bool
    is_default: bool
    revision: int
    version: int
    created_at: datetime
    updated_at: datetime


@strawberry.type(description="A pipeline stage with the rules for entering it.")
class Stage:
    code: str
    label: str
    label_en: str | None
    required_fields: list[str]
    required_actions: list[str]
    expected_evidence: list[str]
    forecast_category: str
    sla_hours: int | None


@strawberry.type(description="动作流: ordered stages with their rules.")
class Pipeline(FromRow):
    id: strawberry.ID
    name: str
    region: str | None
    is_default: bool
    cloned_from_id: strawberry.ID | None
    stages: list[Stage]
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any, **overrides: Any) -> Self:
        stages = [
            Stage(**{k: s.get(k) for k in ("code", "label", "label_en", "forecast_category", "sla_hours")},
                  required_fields=s.get("required_fields") or [], required_actions=s.get("required_actions") or [],
                  expected_evidence=s.get("expected_evidence") or [])
            for s in row.stages
        ]
        return super().from_row(row, stages=stages, **overrides)


@strawberry.type(description="One move of a deal between stages.")
class StageChange(FromRow):
    id: strawberry.ID
    opportunity_id: strawberry.ID
    pipeline_id: strawberry.ID | None
    from_stage: str | None
    to_stage: str | None
    at: datetime
    by_id: strawberry.ID | None
    via: str
    follow_up_id: strawberry.ID | None
    compliant: bool
    override_reason: str | None = strawberry.field(description="Why a manager moved it forward anyway (特批)")


@strawberry.type(description="日报: the day's 1–3 actions and the customer progress.")
class DailyReport(FromRow):
    id: strawberry.ID
    user_id: strawberry.ID
    team_id: strawberry.ID | None
    report_date: date
    items: JSON
    progress: JSON
    submitted_at: datetime
    deadline_at: datetime
    on_time: bool
    delay_seconds: int
    amended_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime

    @strawberry.field
    async def user(self, info: Info) -> User | None:
        return await _one(ctx(info).loaders.user, self.user_id, User)
