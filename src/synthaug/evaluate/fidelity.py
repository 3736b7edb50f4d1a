"""Fidelity: how close a synthetic set is to the real one, in a feature space.

Inputs are feature matrices ``(N, d)`` (see :class:`~synthaug.evaluate.features.FeatureExtractor`).

Readings (documented thresholds)
--------------------------------
* FID / KID have no absolute scale: compare them with a real-vs-real split of the same data
  (``reference``), which is what "close" means. FID: under 2x the real-vs-real value "as close
  as another real sample", 2-10x "further than real data from itself", 10x and more "far".
  KID: at most 2x the real-vs-real value (or, when that is <= 0, within two standard
  deviations of 0) reads "as close as another real sample"; above that it reads "measurably
  different" only when the excess over the reference is more than two standard deviations of
  the subset estimates, and "too uncertain to tell" otherwise. It never reads "as close" at 13x
  the reference, however noisy the estimate.
* Precision (share of synthetic points inside the real manifold) and recall (share of real
  points inside the synthetic manifold): >= 0.7 "good", 0.4-0.7 "partial", < 0.4 "poor".
* Density (can exceed 1) and coverage (0-1): coverage >= 0.7 "covers most real modes".
* Classifier two-sample test AUC: <= 0.6 "hard to tell apart", 0.6-0.8 "distinguishable",
  > 0.8 "easy to tell apart". The classifier is linear (logistic regression on standardised
  features): it sees shifts of the mean in feature space, not a difference that only lives in
  the correlations of raw table columns (MMD with an RBF kernel does).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

from synthaug.seeding import SeedLike, as_rng

__all__ = [
    "C2STResult",
    "FIDResult",
    "KIDResult",
    "PRDCResult",
    "classifier_two_sample_test",
    "fid",
    "fid_from_stats",
    "kid",
    "prdc",
]


@dataclass(frozen=True)
class FIDResult:
    """Fréchet distance between Gaussians fitted to two feature sets (mean, std over subsets)."""

    value: float
    std: float
    n_subsets: int

    def to_dict(self) -> dict:
        """Plain floats."""
        return asdict(self)

    def reading(self, reference: float | None = None) -> str:
        """Plain-language reading, relative to a real-vs-real ``reference`` when given."""
        if reference is None or reference <= 0:
            return f"FID {self.value:.3g} (lower is closer; compare with a real-vs-real split)"
        r = self.value / reference
        verdict = (
            "as close as another real sample"
            if r < 2
            else "further than real data from itself"
            if r < 10
            else "far from the real data"
        )
        return f"FID {self.value:.3g} is {r:.1f}x the real-vs-real value: {verdict}"


def _sqrtm_psd(S: np.ndarray) -> np.ndarray:
    w, V = np.linalg.eigh((S + S.T) / 2)
    return (V * np.sqrt(np.clip(w, 0.0, None))) @ V.T


def fid_from_stats(mu1: np.ndarray, s1: np.ndarray, mu2: np.ndarray, s2: np.ndarray) -> float:
    """``||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))`` (Heusel et al. 2017).

    ``Tr (S1 S2)^(1/2)`` is computed as ``Tr (S1^(1/2) S2 S1^(1/2))^(1/2)`` (similar matrices):
    symmetric eigenproblems, so singular covariances (constant pixels, fewer rows than
    features) give a finite real answer without ``sqrtm``'s warnings and complex round-off.
    """
    diff = np.asarray(mu1, np.float64) - np.asarray(mu2, np.float64)
    r1 = _sqrtm_psd(np.atleast_2d(s1))
    m = r1 @ np.atleast_2d(s2) @ r1
    tr_covmean = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0.0, None)).sum()
    return float(max(0.0, diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * tr_covmean))


def _stats(F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return F.mean(0), np.atleast_2d(np.cov(F, rowvar=False))


def fid(A: np.ndarray, B: np.ndarray, n_subsets: int = 5, seed: SeedLike = 0) -> FIDResult:
    """FID on the full sets; the spread is the std over ``n_subsets`` random halves."""
    value = fid_from_stats(*_stats(A), *_stats(B))
    rng = as_rng(seed)
    vals = []
    for _ in range(n_subsets):
        a = A[rng.choice(len(A), max(2, len(A) // 2), replace=False)]
        b = B[rng.choice(len(B), max(2, len(B) // 2), replace=False)]
        vals.append(fid_from_stats(*_stats(a), *_stats(b)))
    return FIDResult(value, float(np.std(vals)), n_subsets)


@dataclass(frozen=True)
class KIDResult:
    """Kernel Inception Distance: unbiased MMD^2 with a cubic polynomial kernel."""

    value: float
    std: float
    n_subsets: int
    subset_size: int

    def to_dict(self) -> dict:
        """Plain floats."""
        return asdict(self)

    def reading(self, reference: float | None = None, reference_std: float = 0.0) -> str:
        """Plain-language reading, relative to a real-vs-real ``reference`` when given (see the
        module docstring; ``reference_std`` is the reference's own spread)."""
        if reference is None:
            return f"KID {self.value:.3g} +- {self.std:.2g} (0 means same distribution)"
        noise = 2.0 * float(np.hypot(self.std, reference_std))
        head = f"KID {self.value:.3g} vs {reference:.3g} real-vs-real"
        if reference > 0:
            head += f" ({self.value / reference:.1f}x)"
            close = self.value <= 2.0 * reference
        else:
            close = self.value <= noise
        if close:
            return f"{head}: as close as another real sample"
        if self.value - reference > noise:
            return f"{head}: measurably different from real data"
        return (
            f"{head}: too uncertain to tell (the subset estimates spread +- {self.std:.2g}); "
            "compare more images"
        )


def _poly_kernel(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return (X @ Y.T / X.shape[1] + 1.0) ** 3


def mmd2_unbiased(Kxx: np.ndarray, Kyy: np.ndarray, Kxy: np.ndarray) -> float:
    """Unbiased MMD^2 from kernel matrices (diagonals of Kxx, Kyy excluded)."""
    m, n = len(Kxx), len(Kyy)
    sxx = (Kxx.sum() - np.trace(Kxx)) / (m * (m - 1))
    syy = (Kyy.sum() - np.trace(Kyy)) / (n * (n - 1))
    return float(sxx + syy - 2 * Kxy.mean())


def kid(
    A: np.ndarray, B: np.ndarray, n_subsets: int = 10, subset_size: int = 500, seed: SeedLike = 0
) -> KIDResult:
    """KID (Binkowski et al. 2018): mean and std of unbiased MMD^2 over random subsets.

    Kernel ``k(x, y) = (x . y / d + 1) ** 3``. With ``n_subsets > 1`` a subset holds at most
    half of the smaller set, so subsets differ and the std is a real spread (whole sets would
    give the same value every time); the estimator is unbiased at any subset size.
    """
    rng = as_rng(seed)
    n_min = min(len(A), len(B))
    m = min(subset_size, n_min if n_subsets <= 1 else max(2, n_min // 2))
    vals = []
    for _ in range(n_subsets):
        a = A[rng.choice(len(A), m, replace=False)]
        b = B[rng.choice(len(B), m, replace=False)]
        vals.append(mmd2_unbiased(_poly_kernel(a, a), _poly_kernel(b, b), _poly_kernel(a, b)))
    return KIDResult(float(np.mean(vals)), float(np.std(vals)), n_subsets, m)


@dataclass(frozen=True)
class PRDCResult:
    """Precision/recall (Kynkaanniemi et al. 2019) and density/coverage (Naeem et al. 2020)."""

    precision: float
    recall: float
    density: float
    coverage: float
    k: int

    def to_dict(self) -> dict:
        """Plain floats."""
        return asdict(self)

    def reading(self) -> str:
        """Plain-language reading."""

        def word(v: float) -> str:
            return "good" if v >= 0.7 else "partial" if v >= 0.4 else "poor"

        return (
            f"precision {self.precision:.2f} ({word(self.precision)} realism), recall {self.recall:.2f} "
            f"({word(self.recall)} diversity), coverage {self.coverage:.2f} of real modes"
        )


def _knn_radii(F: np.ndarray, k: int) -> np.ndarray:
    nn = NearestNeighbors(n_neighbors=k + 1).fit(F)
    d, _ = nn.kneighbors(F)
    return d[:, k]


def prdc(real: np.ndarray, fake: np.ndarray, k: int = 5) -> PRDCResult:
    """Precision, recall, density and coverage with k-nearest-neighbour balls."""
    r_real = _knn_radii(real, k)
    r_fake = _knn_radii(fake, k)
    from sklearn.metrics import pairwise_distances

    d_rf = pairwise_distances(real, fake)  # real i x fake j
    inside_real = d_rf < r_real[:, None]  # fake j inside the ball of real i
    precision = float(inside_real.any(axis=0).mean())
    recall = float((d_rf < r_fake[None, :]).any(axis=1).mean())
    density = float(inside_real.sum(axis=0).mean() / k)
    coverage = float((d_rf.min(axis=1) < r_real).mean())
    return PRDCResult(precision, recall, density, coverage, k)


@dataclass(frozen=True)
class C2STResult:
    """Classifier two-sample test: cross-validated accuracy and AUC (0.5 = indistinguishable)."""

    accuracy: float
    auc: float
    n_per_set: int

    def to_dict(self) -> dict:
        """Plain floats."""
        return asdict(self)

    def reading(self) -> str:
        """Plain-language reading."""
        how = (
            "hard to tell apart"
            if self.auc <= 0.6
            else "distinguishable"
            if self.auc <= 0.8
            else "easy to tell apart"
        )
        return f"a classifier tells synthetic from real with AUC {self.auc:.2f}: {how}"


def classifier_two_sample_test(
    real: np.ndarray, fake: np.ndarray, seed: SeedLike = 0, folds: int = 5
) -> C2STResult:
    """Logistic regression on standardised features, stratified k-fold, balanced sets."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = as_rng(seed)
    n = min(len(real), len(fake))
    a = real[rng.choice(len(real), n, replace=False)]
    b = fake[rng.choice(len(fake), n, replace=False)]
    X = np.concatenate([a, b])
    y = np.r_[np.zeros(n), np.ones(n)]
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0))
    cv = StratifiedKFold(folds, shuffle=True, random_state=int(rng.integers(2**31)))
    # one BLAS thread: these matrices are small, and after torch has run in the process its
    # spinning OpenMP workers make multi-threaded BLAS ~40x slower here
    with threadpool_limits(1, user_api="blas"):
        p = cross_val_predict(clf, X, y, cv=cv, method="predict_proba")[:, 1]
    return C2STResult(float(np.mean((p > 0.5) == y)), float(roc_auc_score(y, p)), n)
