"""Confidence intervals and plain-language verdicts for arm comparisons."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

__all__ = ["Comparison", "accuracy_text", "mean_ci", "paired_comparison"]


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval over seeds (a single value has a zero-width CI)."""
    v = np.asarray(values, dtype=np.float64)
    m = float(v.mean())
    if len(v) < 2:
        return m, m, m
    half = float(stats.t.ppf(0.5 + level / 2, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
    return m, m - half, m + half


def accuracy_text(row: dict | None) -> str:
    """A summary row's accuracy in %: ``66.4 [59.8, 73.0]`` with its interval from enough seeds
    (:data:`~synthaug.report.MIN_SEEDS_FOR_INTERVAL`), the mean alone with fewer, ``-`` for none."""
    from synthaug.report.numbers import MIN_SEEDS_FOR_INTERVAL, finite, interval

    if row is None or not finite(row.get("mean")):
        return "-"
    text = f"{100 * row['mean']:.1f}"
    if int(row.get("n_seeds") or 0) >= MIN_SEEDS_FOR_INTERVAL:
        ci = interval(100 * row["ci_low"], 100 * row["ci_high"], row["n_seeds"], signs=False)
        text += " " + ci.removeprefix("95% CI ")
    return text


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
    """Paired difference of accuracies (same split per seed) with a 95% t interval.

    The verdict reads "beats" or "is worse than" only when the interval, over at least
    :data:`~synthaug.report.MIN_SEEDS_FOR_INTERVAL` seeds, excludes zero; with fewer seeds it
    says "too few seeds to tell" and prints no interval (the numbers stay in the record).
    """
    from synthaug.report.numbers import MIN_SEEDS_FOR_INTERVAL, interval, signed

    d = (np.asarray(arm_acc) - np.asarray(base_acc)) * 100.0
    m, lo, hi = mean_ci(d)
    n = len(d)
    ci = interval(lo, hi, n)
    where = f"at {size} per class, {ci}" + (f" over {n} seeds" if ci.startswith("95%") else "")
    if n < MIN_SEEDS_FOR_INTERVAL:
        verdict = (
            f"{arm} vs {baseline}: {signed(m)} points at {size} per class over {n} seed"
            f"{'s' if n != 1 else ''}: too few seeds to tell (an interval needs "
            f"{MIN_SEEDS_FOR_INTERVAL})"
        )
    elif lo > 0:
        verdict = f"{arm} beats {baseline} by {m:.1f} points {where}"
    elif hi < 0:
        verdict = f"{arm} is worse than {baseline} by {-m:.1f} points {where}"
    else:
        verdict = f"no clear difference between {arm} and {baseline} ({signed(m)} points {where})"
    return Comparison(arm, baseline, size, m, lo, hi, n, verdict)
