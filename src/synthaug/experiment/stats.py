"""Confidence intervals and plain-language verdicts for arm comparisons."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

__all__ = ["Comparison", "mean_ci", "paired_comparison"]


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval over seeds (a single value has a zero-width CI)."""
    v = np.asarray(values, dtype=np.float64)
    m = float(v.mean())
    if len(v) < 2:
        return m, m, m
    half = float(stats.t.ppf(0.5 + level / 2, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
    return m, m - half, m + half


@dataclass(frozen=True)
class Comparison:
    """``arm`` against ``baseline`` at one labelled size, paired over seeds (accuracy points)."""

    arm: str
    baseline: str
    size: int
    diff: float
    ci_low: float
    ci_high: float
    n_seeds: int
    verdict: str

    def to_dict(self) -> dict:
        """Plain dict for metrics.json."""
        return asdict(self)


def paired_comparison(
    arm: str, baseline: str, size: int, arm_acc: np.ndarray, base_acc: np.ndarray
) -> Comparison:
    """Paired difference of accuracies (same split per seed) with a 95% t interval."""
    d = (np.asarray(arm_acc) - np.asarray(base_acc)) * 100.0
    m, lo, hi = mean_ci(d)
    n = len(d)
    where = f"at {size} per class, 95% CI [{lo:+.1f}, {hi:+.1f}] over {n} seeds"
    if n >= 2 and lo > 0:
        verdict = f"{arm} beats {baseline} by {m:.1f} points {where}"
    elif n >= 2 and hi < 0:
        verdict = f"{arm} is worse than {baseline} by {-m:.1f} points {where}"
    else:
        verdict = f"no clear difference between {arm} and {baseline} ({m:+.1f} points {where})"
    return Comparison(arm, baseline, size, m, lo, hi, n, verdict)
