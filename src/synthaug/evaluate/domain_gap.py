"""Domain gap between two sets: MMD with a permutation test, and the proxy A-distance.

Readings: a permutation p-value below 0.05 means the two sets differ detectably; the proxy
A-distance ``2 (1 - 2 err)`` of a domain classifier runs from 0 (indistinguishable) to 2
(perfectly separable); above 1.5 reads "large gap".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from synthaug.seeding import SeedLike, as_rng

__all__ = [
    "MMDResult",
    "ProxyADistanceResult",
    "mmd",
    "proxy_a_distance",
    "rbf_median_bandwidth",
]


def _sqdist(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return np.maximum((A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2 * A @ B.T, 0.0)


def rbf_median_bandwidth(Z: np.ndarray) -> float:
    """Median heuristic: the median pairwise distance of the pooled sample (sigma)."""
    d = np.sqrt(_sqdist(Z, Z))
    med = np.median(d[np.triu_indices(len(Z), 1)])
    return float(med) if med > 0 else 1.0


@dataclass(frozen=True)
class MMDResult:
    """Unbiased MMD^2 with an RBF kernel and a permutation-test p-value."""

    mmd2: float
    p_value: float
    bandwidth: float
    n_permutations: int

    def to_dict(self) -> dict:
        """Plain floats."""
        return asdict(self)

    def reading(self) -> str:
        """Plain-language reading."""
        if self.p_value < 0.05:
            return f"MMD^2 {self.mmd2:.3g}: the sets differ detectably (permutation p = {self.p_value:.3f})"
        return (
            f"MMD^2 {self.mmd2:.3g}: no detectable difference (permutation p = {self.p_value:.2f})"
        )


def _mmd2_from_kernel(K: np.ndarray, m: int) -> float:
    n = len(K) - m
    kxx, kyy, kxy = K[:m, :m], K[m:, m:], K[:m, m:]
    return float(
        (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
        + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
        - 2 * kxy.mean()
    )


def mmd(
    A: np.ndarray, B: np.ndarray, n_permutations: int = 200, max_n: int = 500, seed: SeedLike = 0
) -> MMDResult:
    """MMD^2 (Gretton et al. 2012) between ``A`` and ``B`` with a median-heuristic RBF kernel.

    At most ``max_n`` rows of each set are used; the p-value is the share of label permutations
    whose MMD^2 is at least the observed one (with the +1 correction).
    """
    rng = as_rng(seed)
    a = A[rng.choice(len(A), min(max_n, len(A)), replace=False)].astype(np.float64)
    b = B[rng.choice(len(B), min(max_n, len(B)), replace=False)].astype(np.float64)
    Z = np.concatenate([a, b])
    sigma = rbf_median_bandwidth(Z)
    K = np.exp(-_sqdist(Z, Z) / (2 * sigma**2))
    m = len(a)
    observed = _mmd2_from_kernel(K, m)
    count = 0
    for _ in range(n_permutations):
        p = rng.permutation(len(Z))
        count += _mmd2_from_kernel(K[np.ix_(p, p)], m) >= observed
    return MMDResult(observed, (count + 1) / (n_permutations + 1), sigma, n_permutations)


@dataclass(frozen=True)
class ProxyADistanceResult:
    """Proxy A-distance (Ben-David et al. 2007): ``2 (1 - 2 err)`` of a domain classifier."""

    distance: float
    error: float
    n_per_set: int

    def to_dict(self) -> dict:
        """Plain floats."""
        return asdict(self)

    def reading(self) -> str:
        """Plain-language reading (0 indistinguishable, above 1.5 a large gap, 2 separable)."""
        how = (
            "large gap"
            if self.distance > 1.5
            else "clear gap"
            if self.distance > 0.5
            else "small gap"
            if self.distance > 0.1
            else "no measurable gap"
        )
        return (
            f"proxy A-distance {self.distance:.2f} (0 = indistinguishable, 2 = separable; a "
            f"domain classifier errs on {100 * self.error:.0f}% of held-out rows): {how}"
        )


def proxy_a_distance(
    A: np.ndarray, B: np.ndarray, seed: SeedLike = 0, folds: int = 5
) -> ProxyADistanceResult:
    """``2 (1 - 2 err)`` with ``err`` the cross-validated error of a linear domain classifier.

    The sets are balanced by subsampling the larger one; ``err`` is capped at 0.5 (a classifier
    worse than chance is no evidence of a gap), so the distance lies in [0, 2].
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = as_rng(seed)
    n = min(len(A), len(B))
    X = np.concatenate(
        [A[rng.choice(len(A), n, replace=False)], B[rng.choice(len(B), n, replace=False)]]
    )
    y = np.r_[np.zeros(n), np.ones(n)]
    cv = StratifiedKFold(folds, shuffle=True, random_state=int(rng.integers(2**31)))
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    with threadpool_limits(1, user_api="blas"):  # small fits; see classifier_two_sample_test
        err = min(1.0 - float(np.mean(cross_val_score(clf, X, y, cv=cv))), 0.5)
    return ProxyADistanceResult(float(2.0 * (1.0 - 2.0 * err)), err, n)
