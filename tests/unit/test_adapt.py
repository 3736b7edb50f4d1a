"""Domain adaptation: each method beats source-only on a constructed shift; the GRL."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from synthaug import adapt
from synthaug.data import load_dataset
from synthaug.errors import ConfigError, InvalidInputError

torch.set_num_threads(1)


def _shift(images: np.ndarray) -> np.ndarray:
    """Target domain: rotated by 12 degrees and with a raised, compressed intensity range."""
    m = cv2.getRotationMatrix2D((3.5, 3.5), 12, 1.0)
    out = np.stack([cv2.warpAffine(im, m, (8, 8)) for im in images])
    return (0.12 + 0.8 * out).astype(np.float32)


@pytest.fixture(scope="module")
def shifted():
    X, y = load_dataset("digits")
    return X[:900], y[:900], _shift(X[900:]), y[900:]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_every_method_beats_source_only_on_a_constructed_shift(shifted, seed):
    Xs, ys, Xt, yt = shifted
    source_only = (
        adapt.make("source_only", steps=300, width=16, seed=seed).fit(Xs, ys, Xt).score(Xt, yt)
    )
    for name in adapt.METHODS:
        acc = adapt.make(name, steps=300, width=16, seed=seed).fit(Xs, ys, Xt).score(Xt, yt)
        assert acc > source_only + 0.05, (name, acc, source_only)


def test_gradient_reversal_flips_and_scales_the_gradient():
    x = torch.randn(5, 3, requires_grad=True)
    adapt.GradientReversal.apply(x, 0.7).sum().backward()
    assert torch.allclose(x.grad, torch.full((5, 3), -0.7))
    y = adapt.GradientReversal.apply(x, 0.7)
    assert torch.equal(y, x)


def test_grl_schedule_goes_from_zero_to_one():
    assert adapt.grl_lambda(0.0) == 0.0
    assert adapt.grl_lambda(1.0) == pytest.approx(0.99991, abs=1e-4)
    assert adapt.grl_lambda(0.2) < adapt.grl_lambda(0.5)


def test_same_seed_same_predictions_and_target_labels_never_needed(shifted):
    Xs, ys, Xt, _ = shifted
    a = (
        adapt.make("coral", steps=20, width=8, seed=3)
        .fit(Xs[:200], ys[:200], Xt[:200])
        .predict_proba(Xt[:50])
    )
    b = (
        adapt.make("coral", steps=20, width=8, seed=3)
        .fit(Xs[:200], ys[:200], Xt[:200])
        .predict_proba(Xt[:50])
    )
    assert np.array_equal(a, b)


class _Fixed:
    """A stand-in candidate: 1-NN on the source (equal source accuracy for both kinds); on
    the target it either collapses to one confident class or spreads over the classes."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def fit(self, Xs, ys, Xt):
        from sklearn.neighbors import KNeighborsClassifier

        self.n = int(ys.max()) + 1
        self.knn = KNeighborsClassifier(1).fit(Xs.reshape(len(Xs), -1), ys)
        return self

    def predict(self, X):
        return self.knn.predict(X.reshape(len(X), -1))

    def predict_proba(self, X):
        p = np.full((len(X), self.n), 0.01)
        if self.kind == "collapsed":
            p[:, 0] = 1.0
        else:
            p[np.arange(len(X)), self.predict(X)] = 0.6
        return p / p.sum(1, keepdims=True)


def test_selection_rejects_a_candidate_that_collapses_on_the_target(shifted):
    Xs, ys, Xt, _ = shifted
    chosen, rows = adapt.select_without_target_labels(
        _Fixed, [{"kind": "collapsed"}, {"kind": "spread"}], Xs[:300], ys[:300], Xt[:300]
    )
    # the collapsed one has the lowest target entropy but predicts a single class
    assert rows[0]["target_entropy"] < rows[1]["target_entropy"]
    assert rows[0]["target_classes"] == 1
    assert chosen == {"kind": "spread"}


def test_errors_name_the_problem():
    with pytest.raises(ConfigError, match="unknown method 'mmd'"):
        adapt.make("mmd")
    with pytest.raises(InvalidInputError, match="must match"):
        adapt.make("adabn", steps=1).fit(
            np.zeros((4, 8, 8), np.float32), np.arange(4), np.zeros((4, 6, 6), np.float32)
        )
    with pytest.raises(InvalidInputError, match="not fitted"):
        adapt.DANN().predict(np.zeros((1, 8, 8), np.float32))
