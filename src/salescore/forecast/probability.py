"""Win probability with an 80% interval (概率区间), SPEC §8.

A closed deal is observed at 15, 60 and 120 days before it closed, as (maturity then, outcome). An open
deal whose expected close is d days away is matched to the checkpoint nearest its situation (15 for
d ≤ 30, 60 for 31–90, 120 beyond; no close date counts as beyond), and its probability is the Beta
posterior Beta(k·c + wins, k·(1 − c) + losses) over the observations at (its maturity, that checkpoint),
c being the maturity's coefficient (0.1 for maturity 0). A coefficient of 1 with no losses observed
leaves no room for doubt: the distribution is a point mass at 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import betaincinv

from salescore.evidence.config import PRECISION, Config

CHECKPOINTS = (15, 60, 120)
LOW, HIGH = 0.1, 0.9


def checkpoints(days_to_close: np.ndarray) -> np.ndarray:
    return np.where(days_to_close <= 30, 15, np.where(days_to_close <= 90, 60, 120))


def checkpoint_for(days_to_close: int | None) -> int:
    return 120 if days_to_close is None else int(checkpoints(np.array([days_to_close]))[0])


def level(maturity: float) -> float:
    return round(float(maturity), PRECISION)


@dataclass(frozen=True)
class Cells:
    """Closed-deal observations: (checkpoint, maturity) -> (wins, losses)."""

    counts: dict[tuple[int, float], tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: list[dict[str, Any]]) -> Cells:
        return cls({(int(r["checkpoint"]), level(r["maturity"])): (int(r["wins"]), int(r["losses"])) for r in rows})

    def as_rows(self) -> list[dict[str, Any]]:
        return [{"checkpoint": cp, "maturity": m, "wins": w, "losses": lo}
                for (cp, m), (w, lo) in sorted(self.counts.items())]

    @property
    def observations(self) -> int:
        return sum(w + lo for w, lo in self.counts.values())

    def posterior(self, config: Config, maturity: float, checkpoint: int) -> tuple[float, float]:
        c = config.prior_mean(level(maturity))
        wins, losses = self.counts.get((checkpoint, level(maturity)), (0, 0))
        k = config.prior_strength
        return k * c + wins, k * (1 - c) + losses


def summarize(alpha: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, 10th and 90th percentile of Beta(alpha, beta), elementwise; beta = 0 is a point mass at 1."""
    alpha = np.asarray(alpha, dtype=float)
    beta = np.asarray(beta, dtype=float)
    certain = beta <= 0
    a, b = alpha, np.where(certain, 1.0, beta)
    mean = np.where(certain, 1.0, a / (a + b))
    low = np.where(certain, 1.0, betaincinv(a, b, LOW))
    high = np.where(certain, 1.0, betaincinv(a, b, HIGH))
    return mean, low, high


def win_probability(config: Config, cells: Cells, maturity: float, days_to_close: int | None) -> dict[str, float]:
    a, b = cells.posterior(config, maturity, checkpoint_for(days_to_close))
    mean, low, high = summarize(np.array([a]), np.array([b]))
    return {"mean": float(mean[0]), "low": float(low[0]), "high": float(high[0])}


def sample(rng: np.random.Generator, alpha: np.ndarray, beta: np.ndarray, draws: int) -> np.ndarray:
    """`draws` samples of every cell's win rate: shape (draws, cells). Deals of one cell share a draw,
    so the simulation carries the calibration's own uncertainty, not only each deal's coin flip."""
    certain = beta <= 0
    out = rng.beta(alpha, np.where(certain, 1.0, beta), size=(draws, len(alpha)))
    out[:, certain] = 1.0
    return out
