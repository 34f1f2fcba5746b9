"""Forecasts (SPEC §8): amounts by evidence category, expected value and a Monte Carlo P10/P50/P90
over the open deals expected to close in a month, point-in-time; per tenant, team and rep.
Never commits."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from salescore.evidence.config import Config
from salescore.evidence.service import current_config
from salescore.forecast import calibration
from salescore.forecast.deals import Position, Scope, open_at, open_now, won_between
from salescore.evidence.config import PRECISION
from salescore.forecast.probability import Cells, checkpoints, summarize, win_probability
from salescore.forecast.simulate import DRAWS, percentiles, simulate
from salescore.kit.errors import Unprocessable
from salescore.kit.types import utcnow
from salescore.kit.workdays import local_date, local_datetime
from salescore.models import Team, User
from salescore.tenancy.service import get_tenant

CATEGORIES = ("commit", "best_case", "pipeline", "unqualified")
DEFAULT_SEED = 0


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @classmethod
    def parse(cls, text: str, field: str = "period") -> Period:
        try:
            year, month = (int(part) for part in text.split("-"))
            if year < 1900:
                raise ValueError(year)
            first = date(year, month, 1)
            following = date(year + month // 12, month % 12 + 1, 1)
        except ValueError as exc:
            raise Unprocessable.field(field, "a month from 1900-01 on, as YYYY-MM") from exc
        return cls(first, following - timedelta(days=1))

    def shifted(self, months: int) -> Period:
        index = self.first.year * 12 + self.first.month - 1 + months
        return Period.parse(f"{index // 12}-{index % 12 + 1}")

    def next(self) -> Period:
        return self.shifted(1)

    def previous(self) -> Period:
        return self.shifted(-1)

    @property
    def code(self) -> str:
        return f"{self.first.year:04d}-{self.first.month:02d}"

    def start(self, tz: str) -> datetime:
        return local_datetime(self.first, time(0), tz)

    def end(self, tz: str) -> datetime:
        return local_datetime(self.last + timedelta(days=1), time(0), tz)


def period_of(moment: datetime, tz: str, field: str = "period") -> Period:
    today = local_date(moment, tz)
    return Period.parse(f"{today.year:04d}-{today.month:02d}", field)


@dataclass
class Priced:
    """The deals with their probabilities, ready to be summed and simulated."""

    amounts: np.ndarray
    categories: np.ndarray
    mean: np.ndarray
    cell_of: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray


def price(positions: list[Position], config: Config, cells: Cells, today: date) -> Priced:
    """Each deal's calibration cell (checkpoint by days to close, maturity) and posterior mean."""
    n = len(positions)
    amounts = np.fromiter((p.amount for p in positions), dtype=float, count=n)
    code = {c: i for i, c in enumerate(CATEGORIES)}
    categories = np.fromiter((code[p.category] for p in positions), dtype=np.int8, count=n)
    maturity = np.round(np.fromiter((p.maturity for p in positions), dtype=float, count=n), PRECISION)
    close = np.array([p.close_date for p in positions], dtype="datetime64[D]")
    days = (close - np.datetime64(today, "D")).astype(np.int64)
    checkpoint = checkpoints(days)  # every deal here has a close date (it is in the period)
    keys, cell_of = np.unique(np.stack([checkpoint, maturity], axis=1), axis=0, return_inverse=True)
    ab = np.array([cells.posterior(config, float(m), int(cp)) for cp, m in keys], dtype=float).reshape(-1, 2)
    alpha, beta = ab[:, 0], ab[:, 1]
    mean = summarize(alpha, beta)[0][cell_of.reshape(-1)] if n else np.empty(0)
    return Priced(amounts, categories, mean, cell_of.reshape(-1).astype(np.int64), alpha, beta)


def figures(priced: Priced, index: np.ndarray, outcomes: np.ndarray) -> dict[str, Any]:
    amounts = priced.amounts[index]
    sums = np.bincount(priced.categories[index], weights=amounts, minlength=len(CATEGORIES))
    out: dict[str, Any] = {c: float(sums[i]) for i, c in enumerate(CATEGORIES)}
    out["expected"] = float(priced.mean[index] @ amounts)
    out["p10"], out["p50"], out["p90"] = percentiles(outcomes)
    out["deals"] = int(len(index))
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in out.items()}


async def forecast(
    session: AsyncSession,
    scope: Scope,
    *,
    period: Period,
    as_of: datetime | None = None,
    currency: str = "CNY",
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    tenant_id = scope.principal.tenant_id
    tenant = await get_tenant(session, tenant_id)
    config = await current_config(session, tenant_id)
    cells = await calibration.cells_at(session, tenant_id, config, as_of)
    moment = as_of or utcnow()
    if as_of is None:
        positions = await open_now(session, scope, currency, period.first, period.last)
    else:
        positions = await open_at(session, scope, currency, period.first, period.last, as_of, config)
    priced = price(positions, config, cells, local_date(moment, tenant.timezone))

    owners = list(dict.fromkeys(p.owner_id for p in positions))  # positions come sorted by owner
    owner_index = {owner: i for i, owner in enumerate(owners)}
    owner_of = np.fromiter((owner_index[p.owner_id] for p in positions), dtype=np.int64, count=len(positions))
    bounds = np.searchsorted(owner_of, np.arange(len(owners) + 1))
    outcomes = simulate(owners, owner_of, priced.amounts, priced.cell_of, priced.alpha, priced.beta, seed=seed)

    won = await won_between(session, scope, currency, period.start(tenant.timezone),
                            min(moment, period.end(tenant.timezone)))
    names = await _names(session, tenant_id, owners, {p.team_id for p in positions} | {t for _, t, _ in won})
    team_of = {p.owner_id: p.team_id for p in positions}
    won_by_owner: dict[uuid.UUID, float] = defaultdict(float)
    won_by_team: dict[uuid.UUID | None, float] = defaultdict(float)
    for owner, team, amount in won:
        won_by_owner[owner] += amount
        won_by_team[team] += amount

    by_owner = []
    for owner, i in owner_index.items():
        entry = figures(priced, np.arange(bounds[i], bounds[i + 1]), outcomes[i])
        by_owner.append({"owner_id": owner, "name": names.get(owner), "team_id": team_of[owner], **entry,
                         "closed_won": round(won_by_owner.get(owner, 0.0), 2)})
    by_team = []
    for team in dict.fromkeys(team_of[o] for o in owners):
        rows = [owner_index[o] for o in owners if team_of[o] == team]
        index = np.flatnonzero(np.isin(owner_of, rows))
        entry = figures(priced, index, outcomes[rows].sum(axis=0))
        by_team.append({"team_id": team, "name": names.get(team) if team else None, **entry,
                        "closed_won": round(won_by_team.get(team, 0.0), 2)})
    total = figures(priced, np.arange(len(positions)), outcomes.sum(axis=0))
    return {
        "period": period.code, "as_of": moment, "currency": currency, "seed": seed, "draws": DRAWS, **total,
        "closed_won": round(sum(a for _, _, a in won), 2), "observations": cells.observations,
        "model_version": config.version,
        "by_owner": sorted(by_owner, key=lambda e: (-e["expected"], str(e["owner_id"]))),
        "by_team": sorted(by_team, key=lambda e: (-e["expected"], str(e["team_id"]))),
    }


async def _names(
    session: AsyncSession, tenant_id: uuid.UUID, users: list[uuid.UUID], teams: set[uuid.UUID | None]
) -> dict[uuid.UUID, str]:
    out: dict[uuid.UUID, str] = {}
    if users:
        rows = await session.execute(sa.select(User.id, User.name).where(User.tenant_id == tenant_id,
                                                                         User.id.in_(users)))
        out.update(dict(rows.tuples().all()))
    wanted = [t for t in teams if t is not None]
    if wanted:
        rows = await session.execute(sa.select(Team.id, Team.name).where(Team.tenant_id == tenant_id,
                                                                         Team.id.in_(wanted)))
        out.update(dict(rows.tuples().all()))
    return out


@dataclass(frozen=True)
class Pricing:
    """What a deal's win probability rests on, read once per request."""

    config: Config
    cells: Cells
    today: date  # tenant time

    def win_probability(self, status: str, maturity: float, close: date | None) -> dict[str, float]:
        """A won deal is certain, a lost one (or one pending its post-mortem) impossible, an open one
        priced by its calibration cell."""
        if status == "won":
            return {"mean": 1.0, "low": 1.0, "high": 1.0}
        if status != "open":
            return {"mean": 0.0, "low": 0.0, "high": 0.0}
        days = None if close is None else (close - self.today).days
        return win_probability(self.config, self.cells, maturity, days)


async def pricing(session: AsyncSession, tenant_id: uuid.UUID, config: Config | None = None) -> Pricing:
    config = config or await current_config(session, tenant_id)
    cells = await calibration.cells_at(session, tenant_id, config)
    return Pricing(config, cells, local_date(utcnow(), (await get_tenant(session, tenant_id)).timezone))


async def annotate(session: AsyncSession, tenant_id: uuid.UUID, deals: list[Any]) -> None:
    """Set `evidenced_nodes` and `win_probability` {mean, low, high} on deals about to be read."""
    if not deals:
        return
    priced = await pricing(session, tenant_id)
    for deal in deals:
        deal.evidenced_nodes = priced.config.codes(deal.evidence_mask or 0)
        deal.win_probability = priced.win_probability(deal.status, deal.maturity, deal.expected_close_date)
