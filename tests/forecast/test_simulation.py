"""The Monte Carlo against analytical values (no database): convergence, coverage, reproducibility."""

from __future__ import annotations

import uuid

import numpy as np

from salescore.forecast.probability import summarize
from salescore.forecast.simulate import percentiles, simulate

OWNER = [uuid.UUID(int=1)]
# Cells whose rate is known to six digits: Beta(p·1e6, (1−p)·1e6).
SURE = 1e6


def world(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.choice([0.1, 0.3, 0.5, 0.7, 0.9], size=n)
    amounts = rng.integers(50_000, 2_000_000, size=n).astype(float)
    return p, amounts, rng.random(n)


def run(p: np.ndarray, amounts: np.ndarray, seed: int, draws: int = 2000) -> np.ndarray:
    levels, cell_of = np.unique(p, return_inverse=True)
    return simulate(OWNER, np.zeros(len(p), dtype=np.int64), amounts, cell_of, levels * SURE, (1 - levels) * SURE,
                    seed=seed, draws=draws)[0]


def test_p50_and_the_interval_converge_to_the_analytical_values() -> None:
    p, amounts, _ = world(600, seed=7)
    mean = float(p @ amounts)
    sd = float(np.sqrt((p * (1 - p)) @ amounts**2))
    outcomes = run(p, amounts, seed=1, draws=4000)
    p10, p50, p90 = percentiles(outcomes)
    # 600 independent deals: the sum is close to normal, so median ≈ mean and P10/P90 ≈ mean ∓ 1.2816 sd.
    assert abs(outcomes.mean() - mean) < 0.01 * mean
    assert abs(p50 - mean) < 0.02 * mean
    assert abs((p90 - p10) / (2 * 1.2816) - sd) < 0.05 * sd


def test_the_80_percent_interval_covers_the_truth_about_80_percent_of_the_time() -> None:
    p, amounts, _ = world(150, seed=11)
    outcomes = run(p, amounts, seed=3)
    p10, _, p90 = percentiles(outcomes)
    covered = 0
    trials = 300
    for seed in range(trials):  # many months with the same deals, each with its true coin flips
        truth = float(amounts @ (np.random.default_rng(1000 + seed).random(len(p)) < p))
        covered += p10 <= truth <= p90
    assert 0.72 <= covered / trials <= 0.88, covered / trials


def test_same_seed_same_figures_other_seed_other_draws() -> None:
    p, amounts, _ = world(300, seed=5)
    a, b, c = run(p, amounts, seed=42), run(p, amounts, seed=42), run(p, amounts, seed=43)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert abs(np.median(a) - np.median(c)) < 0.03 * np.median(a)  # but they agree on the figures


def test_calibration_uncertainty_widens_the_interval() -> None:
    """Deals of a cell share its drawn rate: few observations → wider interval than a known rate."""
    p, amounts, _ = world(400, seed=9)
    p[:] = 0.5
    known = run(p, amounts, seed=2)
    uncertain = simulate(OWNER, np.zeros(len(p), dtype=np.int64), amounts, np.zeros(len(p), dtype=np.int64),
                         np.array([6.0]), np.array([6.0]), seed=2)[0]
    k10, k50, k90 = percentiles(known)
    u10, u50, u90 = percentiles(uncertain)
    assert abs(u50 - k50) < 0.05 * k50
    assert u90 - u10 > 3 * (k90 - k10)


def test_posterior_summary_matches_the_beta_distribution() -> None:
    mean, low, high = summarize(np.array([7.0, 1.0, 11.0]), np.array([6.0, 11.0, 0.0]))
    assert np.allclose(mean, [7 / 13, 1 / 12, 1.0])
    draws = np.random.default_rng(0).beta(7, 6, size=400_000)
    assert abs(low[0] - np.quantile(draws, 0.1)) < 0.003 and abs(high[0] - np.quantile(draws, 0.9)) < 0.003
    assert low[2] == high[2] == 1.0  # coefficient 1 and no loss observed: certain
