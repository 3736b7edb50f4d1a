"""Models an experiment trains: CNN + logistic regression by default, a CNN, or pixel models."""

from __future__ import annotations

from typing import Any

import numpy as np

from synthaug.experiment.config import ModelConfig

__all__ = ["PixelModel", "cnn_epochs", "linear_baseline", "make_model"]


class PixelModel:
    """A scikit-learn classifier on flattened pixels, with the CNN's fit/predict interface."""

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def fit(self, X: np.ndarray, y: np.ndarray) -> PixelModel:
        """Fit on ``X`` reshaped to (N, pixels); soft labels are reduced to their arg-max."""
        y = np.asarray(y)
        if y.ndim == 2:
            y = y.argmax(axis=1)
        self.estimator.fit(X.reshape(len(X), -1), y)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted class ids."""
        return self.estimator.predict(X.reshape(len(X), -1))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities."""
        return self.estimator.predict_proba(X.reshape(len(X), -1))


def cnn_epochs(cfg: ModelConfig, n_train: int | None) -> int:
    """Epochs for a training set of ``n_train`` images.

    With ``max_steps`` set, every arm gets about the same number of optimiser steps whatever
    the size of its training set (a fair compute budget): ``ceil(max_steps / steps_per_epoch)``
    epochs with ``steps_per_epoch = ceil(n / batch_size)``; ``epochs`` is then ignored.
    """
    if cfg.max_steps is None or not n_train:
        return cfg.epochs
    steps_per_epoch = -(-n_train // cfg.batch_size)
    return int(max(1, -(-cfg.max_steps // steps_per_epoch)))


def _epochs(cfg: ModelConfig, n_train: int | None) -> int | None:
    """``None`` (the budget rule of :func:`synthaug.nn.training_steps`) unless the config sets
    ``epochs`` or ``max_steps``."""
    if "epochs" not in cfg.model_fields_set and cfg.max_steps is None:
        return None
    return cnn_epochs(cfg, n_train)


def _min_steps(cfg: ModelConfig) -> int:
    """The CNN's floor on steps, except when the config fixes ``max_steps`` (honoured as is)."""
    from synthaug.nn.classifier import MIN_STEPS

    return 0 if cfg.max_steps is not None else MIN_STEPS


def make_model(cfg: ModelConfig, n_classes: int, seed: int, n_train: int | None = None) -> Any:
    """A fresh, unfitted classifier for one run (seeded; nothing shared between runs)."""
    if cfg.kind in ("cnn+logreg", "cnn"):
        from synthaug.nn import CNNClassifier, CNNLogRegEnsemble

        cls = CNNLogRegEnsemble if cfg.kind == "cnn+logreg" else CNNClassifier
        return cls(
            epochs=_epochs(cfg, n_train),
            min_steps=_min_steps(cfg),
            batch_size=cfg.batch_size,
            lr=cfg.lr,
            width=cfg.width,
            n_classes=n_classes,
            seed=seed,
        )
    if cfg.kind == "svm":
        from sklearn.svm import SVC

        return PixelModel(SVC(kernel="rbf", C=10.0, gamma="scale", random_state=seed))
    if cfg.kind == "logreg":
        from sklearn.linear_model import LogisticRegression

        return PixelModel(LogisticRegression(max_iter=2000, C=1.0, random_state=seed))
    from sklearn.neighbors import KNeighborsClassifier

    return PixelModel(KNeighborsClassifier(n_neighbors=1))


def linear_baseline(seed: int) -> PixelModel:
    """The reference every experiment also trains: logistic regression on pixels (C=1)."""
    from sklearn.linear_model import LogisticRegression

    return PixelModel(LogisticRegression(max_iter=1000, C=1.0, random_state=seed))
