"""Utility: does a model trained on synthetic data work on real data?

Train-synthetic-test-real (TSTR) against train-real-test-real (TRTR) with the same model and
the same real test set. Reading: ratio >= 0.9 "nearly as useful as the real data", 0.7-0.9
"useful but weaker", below 0.7 "much weaker than real data".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = ["UtilityResult", "utility"]


@dataclass(frozen=True)
class UtilityResult:
    """TSTR and TRTR accuracies and their ratio."""

    tstr: float
    trtr: float
    ratio: float
    model: str

    def to_dict(self) -> dict:
        """Plain values."""
        return asdict(self)

    def reading(self) -> str:
        """Plain-language reading."""
        how = (
            "nearly as useful as the real data"
            if self.ratio >= 0.9
            else "useful but weaker than real data"
            if self.ratio >= 0.7
            else "much weaker than real data"
        )
        return f"a {self.model} trained on synthetic data scores {100 * self.tstr:.1f}% on real test data vs {100 * self.trtr:.1f}% trained on real: {how}"


def _default_model() -> Any:
    from sklearn.svm import SVC

    return SVC()


def utility(
    X_syn: np.ndarray,
    y_syn: np.ndarray,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    model_factory: Any = None,
) -> UtilityResult:
    """TSTR and TRTR with a fresh model from ``model_factory()`` (default: RBF SVC on pixels).

    A factory may return a scikit-learn estimator (fitted on flattened rows) or an object with
    ``fit``/``predict`` on image arrays such as :class:`synthaug.nn.CNNClassifier`.
    """
    make = model_factory or _default_model
    probe = make()
    flat = not hasattr(probe, "transform") or "sklearn" in type(probe).__module__

    def prep(X: np.ndarray) -> np.ndarray:
        return X.reshape(len(X), -1) if flat else X

    tstr = float(np.mean(make().fit(prep(X_syn), y_syn).predict(prep(X_test)) == y_test))
    trtr = float(np.mean(make().fit(prep(X_train), y_train).predict(prep(X_test)) == y_test))
    return UtilityResult(
        tstr, trtr, tstr / trtr if trtr > 0 else float("nan"), type(probe).__name__
    )
