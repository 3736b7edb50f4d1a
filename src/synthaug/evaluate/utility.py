"""Utility: does a model trained on synthetic data work on real data?

Train-synthetic-test-real (TSTR) against train-real-test-real (TRTR) with the same model and
the same real test set. Reading: ratio >= 0.9 "nearly as useful as the real data", 0.7-0.9
"useful but weaker", below 0.7 "much weaker than real data". An accuracy at or below chance
(1 / number of classes) is flagged: a model trained on the synthetic set learned nothing that
holds on real data (often labels that do not match their images).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from synthaug.errors import ConfigError

__all__ = ["USEFUL_RATIO", "WEAKER_RATIO", "UtilityResult", "utility"]

#: TSTR / TRTR at or above this reads "nearly as useful as the real data";
USEFUL_RATIO = 0.9
#: at or above this "useful but weaker", below it "much weaker than real data".
WEAKER_RATIO = 0.7


@dataclass(frozen=True)
class UtilityResult:
    """TSTR and TRTR accuracies and their ratio."""

    tstr: float
    trtr: float
    ratio: float
    model: str
    n_classes: int = 0
    n_test: int = 0
    test_name: str = "held-out real data"

    def to_dict(self) -> dict:
        """Plain values."""
        return asdict(self)

    @property
    def chance(self) -> float | None:
        """Accuracy of guessing, ``1 / n_classes`` (None when the class count is unknown)."""
        return 1.0 / self.n_classes if self.n_classes > 1 else None

    def reading(self) -> str:
        """Plain-language reading; a TSTR (or TRTR) at or below chance is flagged first."""
        how = (
            "nearly as useful as the real data"
            if self.ratio >= USEFUL_RATIO
            else "useful but weaker than real data"
            if self.ratio >= WEAKER_RATIO
            else "much weaker than real data"
        )
        on = self.test_name + (f", {self.n_test} images" if self.n_test else "")
        text = (
            f"a {self.model} trained on synthetic data scores {100 * self.tstr:.1f}% on {on} "
            f"vs {100 * self.trtr:.1f}% trained on real: {how}"
        )
        chance = self.chance
        if chance is not None and self.tstr <= chance:
            text = (
                f"BELOW CHANCE: trained on synthetic data, the model scores {100 * self.tstr:.1f}% "
                f"on real data, no better than guessing among {self.n_classes} classes "
                f"({100 * chance:.1f}%): the synthetic set teaches nothing that holds on real "
                f"data (check that its labels match its images). {text}"
            )
        if chance is not None and self.trtr <= chance:
            text += (
                f". The real-trained model is at chance too ({100 * self.trtr:.1f}%): the "
                "comparison carries no information"
            )
        return text


MODELS = ("svc", "logistic", "cnn")


def _model_factory(model: str | Callable[[], Any], table: bool) -> Callable[[], Any]:
    if callable(model):
        return model
    if model == "svc":
        from sklearn.svm import SVC

        # pixels share one scale (standardising them costs digits ~2 points); table columns do not
        return (lambda: make_pipeline(StandardScaler(), SVC())) if table else SVC
    if model == "logistic":
        from sklearn.linear_model import LogisticRegression

        return lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    if model == "cnn":
        from synthaug.nn import CNNClassifier

        return lambda: CNNClassifier(epochs=20, seed=0)
    raise ConfigError(f"utility.model: expected one of {list(MODELS)} or a factory, got {model!r}")


def _model_name(model: Any) -> str:
    last = model.steps[-1][1] if hasattr(model, "steps") else model
    return type(last).__name__


def utility(
    X_syn: np.ndarray,
    y_syn: np.ndarray,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    model_factory: str | Callable[[], Any] | None = None,
    test_name: str = "held-out real data",
) -> UtilityResult:
    """TSTR and TRTR accuracy with a fresh model for each, on the same real test set.

    Parameters
    ----------
    X_syn, y_syn : synthetic training set.
    X_train, y_train : real training set (the generator's).
    X_test, y_test : real data neither the generator nor either model saw.
    model_factory : ``"svc"`` (default: RBF SVC on flattened pixels, on standardised columns for
        a table), ``"logistic"`` (standardised),
        ``"cnn"`` (:class:`synthaug.nn.CNNClassifier` on the images), or a callable returning
        a fresh estimator. scikit-learn estimators get flattened rows; other objects with
        ``fit``/``predict`` (such as ``CNNClassifier``) get the arrays as they are.
    test_name : what ``X_test`` is, for the reading (the experiment passes its unlabelled
        pool: "held-out real data (the unlabelled pool)").

    Examples
    --------
    >>> from synthaug.data import load_dataset
    >>> X, y = load_dataset("digits")
    >>> u = utility(X[:300], y[:300], X[300:600], y[300:600], X[600:900], y[600:900])
    >>> u.model, 0.8 < u.trtr <= 1.0
    ('SVC', True)
    """
    make = _model_factory(model_factory or "svc", table=np.ndim(X_train) == 2)
    probe = make()
    flat = "sklearn" in type(probe).__module__

    def prep(X: np.ndarray) -> np.ndarray:
        return X.reshape(len(X), -1) if flat else X

    tstr = float(np.mean(make().fit(prep(X_syn), y_syn).predict(prep(X_test)) == y_test))
    trtr = float(np.mean(make().fit(prep(X_train), y_train).predict(prep(X_test)) == y_test))
    n_classes = len(np.unique(np.concatenate([np.asarray(y_train), np.asarray(y_test)])))
    return UtilityResult(
        tstr,
        trtr,
        tstr / trtr if trtr > 0 else float("nan"),
        _model_name(probe),
        n_classes=int(n_classes),
        n_test=len(y_test),
        test_name=test_name,
    )
