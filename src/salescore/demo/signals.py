"""Signal hits for the demo's follow-ups: the same matcher as live detection, run over each batch's
summaries, so customer signal counts and escalations look like a tenant that used salescore for
six months (SPEC §9, §14). Ids derive from the follow-up's, so a seed stays deterministic."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from salescore.signal.config import default
from salescore.signal.defaults import ESCALATION_COUNT

Row = dict[str, Any]


class SignalTally:
    def __init__(self, tenant_id: uuid.UUID) -> None:
        self.tenant_id = tenant_id
        self.config = default()
        self.seen: dict[tuple[uuid.UUID, str], list[datetime]] = defaultdict(list)

    def hits(self, follow_ups: list[Row]) -> list[Row]:
        rows: list[Row] = []
        for fu in follow_ups:
            found = self.config.matcher.find(fu["summary"]) if fu["summary"] else []
            for hit in found:
                rows.append({
                    "tenant_id": self.tenant_id, "id": uuid.uuid5(fu["id"], f"{hit.signal}:{hit.start}"),
                    "customer_id": fu["customer_id"], "opportunity_id": fu.get("opportunity_id"),
                    "follow_up_id": fu["id"],
                    "source": "daily_report" if fu.get("created_via") == "daily_report" else "follow_up",
                    "source_id": fu["id"], "signal": hit.signal, "match_start": hit.start, "match_end": hit.end,
                    "matched": hit.matched[:200], "user_id": fu["user_id"], "config_version": self.config.version,
                    "occurred_at": fu["occurred_at"], "created_at": fu["recorded_at"], "deleted_at": None,
                })
            for signal in {h.signal for h in found}:
                self.seen[(fu["customer_id"], signal)].append(fu["occurred_at"])
        return rows

    def counters(self) -> list[Row]:
        rows = []
        for (customer_id, signal), times in self.seen.items():
            times.sort()
            crossed = len(times) >= ESCALATION_COUNT
            rows.append({
                "tenant_id": self.tenant_id, "customer_id": customer_id, "signal": signal, "count": len(times),
                "first_seen_at": times[0], "last_seen_at": times[-1], "escalations": 1 if crossed else 0,
                "last_escalated_at": times[ESCALATION_COUNT - 1] if crossed else None,
            })
        return rows
