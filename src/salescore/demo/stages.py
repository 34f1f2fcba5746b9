"""Which pipeline a demo deal follows and the `stage_changes` rows its story leaves (§5).

The rows mirror what the API writes: `create` when the deal is opened in its first stage
(pipeline.service.record_first_stage), `action` when a contract_push moves it, `api` for a move
through POST /opportunities/{id}/stage. The API refuses a forward move that misses a stage's
required fields or actions, so every move it records is compliant; the story obeys the same rules.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from salescore.pipeline.defaults import DEFAULT_PIPELINE, HOSPITAL_PIPELINE

if TYPE_CHECKING:
    from salescore.demo.generate import DemoGenerator, Row

DEFAULT_STAGES = tuple(s["code"] for s in DEFAULT_PIPELINE["stages"])
HOSPITAL_STAGES = tuple(s["code"] for s in HOSPITAL_PIPELINE["stages"])
# Share of the hospitals' 医疗器械 deals that follow the hospital path (when the tenant has it).
HOSPITAL_SHARE = 0.6


@dataclass(frozen=True)
class DemoPipelines:
    """The tenant's pipelines as signup seeded them; None where a tenant has no such pipeline."""

    default: uuid.UUID | None = None
    hospital: uuid.UUID | None = None


def find_pipelines(rows: list[tuple[uuid.UUID, bool, list[dict[str, Any]]]]) -> DemoPipelines:
    """(id, is_default, stages) of the tenant's live pipelines → the two the demo uses.

    The hospital path is recognised by its stage codes, not its name, which a tenant may edit.
    """
    default = next((pid for pid, is_default, _ in rows if is_default), None)
    hospital = next(
        (pid for pid, _, stages in rows if tuple(s.get("code") for s in stages) == HOSPITAL_STAGES), None
    )
    return DemoPipelines(default, hospital)


@dataclass
class StageTrail:
    """A deal's stage moves as its story makes them."""

    pipeline_id: uuid.UUID | None
    stages: tuple[str, ...]
    moves: list[tuple[str, datetime, str, Any]] = field(default_factory=list)  # (to, at, via, follow-up id)

    @property
    def stage(self) -> str | None:
        return self.moves[-1][0] if self.moves else None

    def open(self, at: datetime) -> None:
        self.moves.append((self.stages[0], at, "create", None))

    def move(self, to: str, follow_up: Row | None, via: str) -> None:
        """A move made by (action) or reported in (api) `follow_up`; none when that follow-up lies
        in the future and so never happened."""
        if follow_up is None or to == self.stage:
            return
        self.moves.append((to, follow_up["occurred_at"], via, follow_up["id"] if via == "action" else None))

    def rows(self, g: DemoGenerator, deal_id: uuid.UUID, by_id: uuid.UUID) -> list[Row]:
        rows, previous = [], None
        for to, at, via, follow_up_id in self.moves:
            rows.append({
                "id": g.uid(), "tenant_id": g.tenant_id, "opportunity_id": deal_id,
                "pipeline_id": self.pipeline_id, "from_stage": previous, "to_stage": to, "at": at,
                "by_id": by_id, "via": via, "follow_up_id": follow_up_id, "compliant": True,
            })
            previous = to
        return rows
