"""Choosing adaptation hyperparameters without target labels.

Target labels are, by assumption, unavailable, so they cannot pick a method's weight or
threshold. synthaug's rule (in the spirit of Saito et al. 2021 and of the "source validation
plus target entropy" baselines they compare against):

1. Hold out 20 % of the source, stratified; train each candidate on the rest.
2. Keep the candidates whose source-validation accuracy is within ``tolerance`` (2 points) of
   the best: a setting that hurts the task on the source is rejected.
3. Among them, pick the lowest mean prediction entropy on the target: confident, well-separated
   target predictions indicate aligned features.

Entropy alone can be fooled by a collapse to one class, which step 2 and a check that the
candidate predicts at least half of the classes on the target guard against.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

__all__ = ["select_without_target_labels"]


def _entropy(p: np.ndarray) -> float:
    return float(-(p * np.log(np.clip(p, 1e-12, 1))).sum(1).mean())


def select_without_target_labels(
    make: Callable[..., Any],
    grid: Sequence[dict[str, Any]],
    source_X: np.ndarray,
    source_y: np.ndarray,
    target_X: np.ndarray,
    seed: int = 0,
    tolerance: float = 0.02,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return the chosen parameters and a table of every candidate's criteria."""
    tr, va = train_test_split(
        np.arange(len(source_y)), test_size=0.2, stratify=source_y, random_state=seed
    )
    rows = []
    for params in grid:
        m = make(**params).fit(source_X[tr], source_y[tr], target_X)
        pt = m.predict_proba(target_X)
        rows.append(
            {
                "params": dict(params),
                "source_val_acc": float(np.mean(m.predict(source_X[va]) == source_y[va])),
                "target_entropy": _entropy(pt),
                "target_classes": int(len(np.unique(pt.argmax(1)))),
            }
        )
    best = max(r["source_val_acc"] for r in rows)
    n_classes = len(np.unique(source_y))
    ok = [
        r
        for r in rows
        if r["source_val_acc"] >= best - tolerance and r["target_classes"] >= n_classes / 2
    ]
    chosen = min(ok or rows, key=lambda r: r["target_entropy"])
    return chosen["params"], rows
