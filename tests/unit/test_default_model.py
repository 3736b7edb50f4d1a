"""The default experiment model: budget rule, early-stopping split, competence (issue 25)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from synthaug.data import load_dataset
from synthaug.experiment.config import ModelConfig
from synthaug.experiment.models import make_model
from synthaug.experiment.splits import few_shot_split
from synthaug.nn import CNNClassifier, CNNLogRegEnsemble, training_steps
from synthaug.nn.classifier import validation_split

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def test_budget_rule_gives_tiny_sets_hundreds_of_steps():
    # the old default (30 epochs of batch 64) gave 10 images 30 steps and 50 images 30 steps
    assert training_steps(10) >= 300
    assert training_steps(50, batch_size=64) >= 300
    assert training_steps(50, batch_size=64, epochs=30) >= 300  # the floor holds for epochs too
    assert training_steps(500) >= 300
    assert training_steps(100_000) == 2000  # a ceiling for large (synthetic) sets
    assert training_steps(50, epochs=30, min_steps=0) == 30


def test_budget_grows_with_the_data_between_floor_and_ceiling():
    steps = [training_steps(n) for n in (10, 100, 1000, 2000, 4000, 10_000)]
    assert steps == sorted(steps) and steps[0] == 300 and steps[-1] == 2000
    assert 300 < training_steps(1000) < 2000


def test_default_config_uses_the_budget_rule_and_explicit_epochs_are_kept():
    m = make_model(ModelConfig(), n_classes=10, seed=0, n_train=50)
    assert isinstance(m, CNNLogRegEnsemble) and m.epochs is None
    cnn = make_model(ModelConfig(kind="cnn", epochs=7), n_classes=10, seed=0, n_train=50)
    assert isinstance(cnn, CNNClassifier) and cnn.epochs == 7


def test_validation_split_is_stratified_deterministic_and_empty_below_ten_per_class():
    y = np.repeat(np.arange(4), 20)
    tr, va = validation_split(y, seed=3)
    assert len(np.intersect1d(tr, va)) == 0 and len(tr) + len(va) == len(y)
    assert np.array_equal(np.bincount(y[va]), [3, 3, 3, 3])  # ceil(15% of 20) per class
    assert np.array_equal(va, validation_split(y, seed=3)[1])
    assert not np.array_equal(va, validation_split(y, seed=4)[1])
    tr, va = validation_split(np.repeat(np.arange(4), 9), seed=0)
    assert len(va) == 0 and len(tr) == 36


def test_early_stopping_holds_out_labelled_images_only_never_test(digits):
    X, y = digits
    split = few_shot_split(y, 10, 0.5, seed=0)
    X_lab, y_lab = X[split.labelled], y[split.labelled]
    clf = CNNClassifier(seed=0, min_steps=40, epochs=4).fit(X_lab, y_lab)
    val = clf.validation_index_
    assert len(val) == 20  # 2 of each class's 10
    held_out = split.labelled[val]  # back to dataset indices
    assert set(held_out) <= set(split.labelled)
    assert not set(held_out) & set(split.test)
    assert 1 <= clf.best_step_ <= clf.n_steps_
    # the validation images are in X_lab: early stopping never sees an image outside fit's X
    assert np.array_equal(X_lab[val], X[held_out])


def test_default_model_beats_chance_widely_and_is_near_logistic_regression_at_5_per_class(
    digits,
):
    X, y = digits
    accs, lin = [], []
    for seed in (0, 1):
        split = few_shot_split(y, 5, 0.5, seed=seed)
        X_lab, y_lab, X_te, y_te = (
            X[split.labelled],
            y[split.labelled],
            X[split.test],
            y[split.test],
        )
        model = make_model(ModelConfig(), n_classes=10, seed=seed, n_train=len(X_lab))
        accs.append(np.mean(model.fit(X_lab, y_lab).predict(X_te) == y_te))
        flat = LogisticRegression(max_iter=2000).fit(X_lab.reshape(50, -1), y_lab)
        lin.append(np.mean(flat.predict(X_te.reshape(len(X_te), -1)) == y_te))
    assert np.mean(accs) >= 0.75  # chance is 0.10
    assert np.mean(accs) >= np.mean(lin) - 0.03


def test_ensemble_weight_is_chosen_on_held_out_labelled_images(digits):
    X, y = digits
    few = CNNLogRegEnsemble(seed=0, min_steps=30, epochs=1).fit(X[:40], y[:40])
    assert few.cnn_weight_ == 0.5 and len(few.validation_index_) == 0
    many = CNNLogRegEnsemble(seed=0, min_steps=60, epochs=2).fit(X[:300], y[:300])
    assert len(many.validation_index_) > 0 and many.cnn_weight_ in (0.0, 0.25, 0.5, 0.75, 1.0)
    p = many.predict_proba(X[300:310])
    assert p.shape == (10, 10) and np.allclose(p.sum(1), 1, atol=1e-5)


def test_log_linear_pool_is_a_renormalised_weighted_geometric_mean():
    from synthaug.nn.ensemble import log_linear_pool

    p_cnn = np.array([[0.9, 0.1], [0.6, 0.4]])
    p_lin = np.array([[0.01, 0.99], [0.5, 0.5]])
    pooled = log_linear_pool(p_cnn, p_lin, 0.5)
    expected = np.sqrt(p_cnn * p_lin)
    assert np.allclose(pooled, expected / expected.sum(1, keepdims=True))
    assert pooled[0].argmax() == 1 and pooled[1].argmax() == 0  # the odds multiply
    assert np.allclose(log_linear_pool(p_cnn, p_lin, 1.0), p_cnn)
    assert np.allclose(log_linear_pool(p_cnn, p_lin, 0.0), p_lin)
    # a member certain of another class (probability 0) does not produce NaN
    assert np.isfinite(log_linear_pool(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), 0.5)).all()


def test_linear_member_sees_blurred_pixels_scaled_to_the_image_size():
    from synthaug.nn.ensemble import linear_features

    X = np.zeros((1, 28, 28), np.float32)
    X[0, 14, 14] = 1.0
    sharp, blurred = linear_features(X, 0.0), linear_features(X, 1.0)
    assert sharp.shape == blurred.shape == (1, 784) and sharp.max() == 1.0
    assert 0.1 < blurred.max() < 0.2 and np.isclose(blurred.sum(), 1.0, atol=1e-3)
    rgb = np.zeros((2, 8, 8, 3), np.uint8)
    assert linear_features(rgb, 0.3).shape == (2, 192)


def test_ensemble_default_blur_is_one_pixel_at_28_and_refuses_a_negative_blur():
    rng = np.random.default_rng(0)
    X, y = rng.random((20, 28, 28), dtype=np.float32), np.arange(20) % 2
    m = CNNLogRegEnsemble(seed=0, min_steps=0, epochs=1).fit(X, y)
    assert m.blur_px_ == 1.0
    assert CNNLogRegEnsemble(seed=0, min_steps=0, epochs=1, blur_px=0).fit(X, y).blur_px_ == 0.0
    from synthaug.errors import ConfigError

    with pytest.raises(ConfigError, match="blur_px.*-1"):
        CNNLogRegEnsemble(blur_px=-1).fit(X, y)
