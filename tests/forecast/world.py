"""A simulated sales history written straight into the database: deals that climb the evidence ladder
over time and close with known odds per level reached."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from salescore.models import Evidence, Opportunity

LADDER = ("requirement_confirmation", "technical_agreement", "commercial_terms", "down_payment")
# The probability of winning once a deal's evidence has got this far (index into LADDER + 1; 0 = none).
ODDS = (0.05, 0.15, 0.35, 0.6, 0.9)


@dataclass
class Closed:
    deal_id: uuid.UUID
    closed_at: datetime
    won: bool
    amount: float


def month_start(today: date, back: int) -> date:
    index = today.year * 12 + today.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def build(tenant_id: uuid.UUID, owner_id: uuid.UUID, customer_id: uuid.UUID, *, months: int, per_month: int,
          seed: int) -> tuple[list[object], list[Closed]]:
    """Deals closing in each of the last `months` months (before this one). Each was created 90–200 days
    before it closed, with its expected close date its real one; its evidence climbs one node at a time
    at even intervals, up to a level drawn at random, and it is won with that level's odds."""
    rng = random.Random(seed)
    today = datetime.now(UTC).date()
    rows: list[object] = []
    closed: list[Closed] = []
    for back in range(months, 0, -1):
        first = month_start(today, back)
        last = month_start(today, back - 1) - timedelta(days=1)
        for _ in range(per_month):
            close_day = first + timedelta(days=rng.randrange((last - first).days + 1))
            closed_at = datetime.combine(close_day, time(6), tzinfo=UTC)
            created = closed_at - timedelta(days=rng.randint(90, 200))
            level = rng.choices(range(5), weights=(2, 2, 3, 3, 2))[0]
            won = rng.random() < ODDS[level]
            amount = rng.randrange(100, 1000) * 1000
            deal_id = uuid.uuid4()
            rows.append(Opportunity(
                id=deal_id, tenant_id=tenant_id, customer_id=customer_id, owner_id=owner_id,
                name=f"模拟商机-{deal_id.hex[:6]}", amount=Decimal(amount), currency="CNY",
                expected_close_date=close_day, status="won" if won else "lost", competitors=[],
                external_refs=[], custom={}, created_at=created, updated_at=created, version=1,
                won_at=closed_at if won else None, lost_at=None if won else closed_at,
            ))
            span = (closed_at - timedelta(days=10) - created) / max(level, 1)
            for step in range(level):
                rows.append(Evidence(
                    id=uuid.uuid4(), tenant_id=tenant_id, opportunity_id=deal_id, node=LADDER[step],
                    attachment_ids=[], text="模拟证据", occurred_at=created + span * (step + 0.5),
                    created_by=owner_id, created_at=created,
                ))
            closed.append(Closed(deal_id, closed_at, won, float(amount)))
    return rows, closed
