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
    ref = adapt.make("adabn", steps=300, width=16, seed=seed)
    ref._prepare(Xs, ys, Xt)
    source_only = ref.source_only_model(Xs, ys).score(Xt, yt)
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


def test_selection_uses_source_validation_and_target_entropy_only(shifted):
    Xs, ys, Xt, _ = shifted
    chosen, rows = adapt.select_without_target_labels(
        lambda **p: adapt.DeepCORAL(steps=30, width=8, **p),
        [{"weight": 0.0}, {"weight": 1.0}],
        Xs[:300],
        ys[:300],
        Xt[:300],
    )
    assert chosen in ({"weight": 0.0}, {"weight": 1.0})
    assert {"source_val_acc", "target_entropy", "target_classes"} <= set(rows[0])


def test_errors_name_the_problem():
    with pytest.raises(ConfigError, match="unknown method 'mmd'"):
        adapt.make("mmd")
    with pytest.raises(InvalidInputError, match="must match"):
        adapt.make("adabn", steps=1).fit(
            np.zeros((4, 8, 8), np.float32), np.arange(4), np.zeros((4, 6, 6), np.float32)
        )
    with pytest.raises(InvalidInputError, match="not fitted"):
        adapt.DANN().predict(np.zeros((1, 8, 8), np.float32))
