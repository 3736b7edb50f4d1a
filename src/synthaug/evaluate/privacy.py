"""Privacy of synthetic data: does it copy the records it was trained on?

Distances are Euclidean in the given feature space (pixels by default in
:func:`~synthaug.evaluate.quality.quality_report`, where copies are literal).

Readings (documented thresholds)
--------------------------------
* DCR ratio = median distance synthetic -> nearest training record / median distance real
  hold-out -> nearest training record. About 1 or more: synthetic records are no closer to the
  training data than unseen real data is ("no sign of copying"); below 0.5: "memorisation risk".
* Near-copy share: synthetic records at most as far from a training record as the 1st
  percentile of the hold-out's distances (``near_copy_percentile``). About 1 % is expected by
  chance (it is 1 % for the hold-out itself); above 5 % reads "near-copies".
* 5th percentiles of both DCR distributions are reported too: the closest few synthetic records
  matter more for privacy than the median.
* Membership-inference AUC: training records vs hold-out records scored by closeness to the
  nearest synthetic record. 0.5 = the synthetic data reveals nothing about membership; above
  0.6 reads "membership leaks".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors

from synthaug.seeding import SeedLike, as_rng

__all__ = [
    "DCR_RATIO_RISK",
    "MEMBERSHIP_AUC_RISK",
    "NEAR_COPY_RISK",
    "PrivacyResult",
    "distance_to_closest_record",
    "membership_inference_auc",
    "privacy",
]

#: The reading thresholds (module docstring): a DCR ratio below this reads "memorisation risk",
DCR_RATIO_RISK = 0.5
#: so does a near-copy share above this,
NEAR_COPY_RISK = 0.05
#: and a membership-inference AUC above this ("membership leaks").
MEMBERSHIP_AUC_RISK = 0.6


def distance_to_closest_record(queries: np.ndarray, records: np.ndarray) -> np.ndarray:
    """For each query row, the distance to its nearest row of ``records``."""
    d, _ = NearestNeighbors(n_neighbors=1).fit(records).kneighbors(queries)
    return d[:, 0]


def membership_inference_auc(
    train: np.ndarray, holdout: np.ndarray, synthetic: np.ndarray, seed: SeedLike = 0
) -> float:
    """AUC of telling training members from hold-out non-members by distance to the synthetic set.

    Balanced: the larger group is subsampled to the size of the smaller.
    """
    rng = as_rng(seed)
    n = min(len(train), len(holdout))
    m = train[rng.choice(len(train), n, replace=False)]
    h = holdout[rng.choice(len(holdout), n, replace=False)]
    score = -np.r_[
        distance_to_closest_record(m, synthetic), distance_to_closest_record(h, synthetic)
    ]
    return float(roc_auc_score(np.r_[np.ones(n), np.zeros(n)], score))


@dataclass(frozen=True)
class PrivacyResult:
    """Distance-to-closest-record statistics and a membership-inference AUC."""

    dcr_synthetic_median: float
    dcr_holdout_median: float
    dcr_ratio: float
    dcr_synthetic_p05: float
    dcr_holdout_p05: float
    near_copy_threshold: float
    near_copy_share: float
    membership_auc: float

    def to_dict(self) -> dict:
        """Plain floats."""
        return asdict(self)

    def reading(self) -> str:
        """Plain-language reading."""
        risks = []
        if self.dcr_ratio < DCR_RATIO_RISK:
            risks.append(
                "synthetic records sit much closer to training records than unseen real data does"
            )
        if self.near_copy_share > NEAR_COPY_RISK:
            risks.append(f"{100 * self.near_copy_share:.0f}% are near-copies of training records")
        if self.membership_auc > MEMBERSHIP_AUC_RISK:
            risks.append(f"membership leaks (attack AUC {self.membership_auc:.2f})")
        if risks:
            return "memorisation risk: " + "; ".join(risks)
        return (
            f"no sign of copying: DCR ratio {self.dcr_ratio:.2f}, {100 * self.near_copy_share:.1f}% "
            f"near-copies, membership AUC {self.membership_auc:.2f}"
        )


def privacy(
    train: np.ndarray,
    holdout: np.ndarray,
    synthetic: np.ndarray,
    seed: SeedLike = 0,
    near_copy_percentile: float = 1.0,
) -> PrivacyResult:
    """Compare synthetic -> train distances with real hold-out -> train distances.

    Parameters
    ----------
    train, holdout, synthetic : (N, D) arrays in one space (rows are records).
    near_copy_percentile : percentile of the hold-out's distances below which a synthetic
        record counts as a near-copy (see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> train, holdout = rng.normal(size=(200, 4)), rng.normal(size=(200, 4))
    >>> r = privacy(train, holdout, train[:100] + 1e-3)
    >>> r.near_copy_share, r.reading().startswith("memorisation risk")
    (1.0, True)
    """
    d_syn = distance_to_closest_record(synthetic, train)
    d_hold = distance_to_closest_record(holdout, train)
    thr = float(np.percentile(d_hold, near_copy_percentile))
    med_h = float(np.median(d_hold))
    return PrivacyResult(
        dcr_synthetic_median=float(np.median(d_syn)),
        dcr_holdout_median=med_h,
        dcr_ratio=float(np.median(d_syn) / med_h) if med_h > 0 else float("inf"),
        dcr_synthetic_p05=float(np.percentile(d_syn, 5)),
        dcr_holdout_p05=float(np.percentile(d_hold, 5)),
        near_copy_threshold=thr,
        near_copy_share=float(np.mean(d_syn <= thr)),
        membership_auc=membership_inference_auc(train, holdout, synthetic, seed),
    )
