"""The small CNN classifier shared by experiments, metrics and adaptation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from synthaug.data import load_dataset
from synthaug.errors import ConfigError, InvalidInputError
from synthaug.nn import CNNClassifier, SmallCNN

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def test_cnn_learns_digits_on_a_held_out_split(digits):
    X, y = digits
    clf = CNNClassifier(epochs=15, width=16, seed=0).fit(X[:1200], y[:1200])
    assert clf.score(X[1200:], y[1200:]) >= 0.95


def test_same_seed_gives_identical_predictions_and_other_seeds_differ(digits):
    X, y = digits
    a = CNNClassifier(epochs=2, width=8, seed=1).fit(X[:300], y[:300]).predict_proba(X[300:400])
    b = CNNClassifier(epochs=2, width=8, seed=1).fit(X[:300], y[:300]).predict_proba(X[300:400])
    c = CNNClassifier(epochs=2, width=8, seed=2).fit(X[:300], y[:300]).predict_proba(X[300:400])
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_fit_does_not_touch_torch_global_random_state(digits):
    X, y = digits
    before = torch.random.get_rng_state()
    CNNClassifier(epochs=1, width=8).fit(X[:100], y[:100])
    assert torch.equal(before, torch.random.get_rng_state())


def test_soft_labels_and_missing_classes(digits):
    X, y = digits
    soft = np.eye(10, dtype=np.float32)[y[:200]] * 0.9 + 0.01
    clf = CNNClassifier(epochs=2, width=8).fit(X[:200], soft)
    assert clf.predict_proba(X[:5]).shape == (5, 10)
    few = CNNClassifier(epochs=1, width=8, n_classes=10).fit(X[:50][y[:50] < 3], y[:50][y[:50] < 3])
    assert few.predict_proba(X[:4]).shape == (4, 10)


def test_rgb_and_larger_images_and_embeddings():
    rng = np.random.default_rng(0)
    X = rng.random((40, 32, 32, 3), dtype=np.float32)
    y = np.arange(40) % 4
    clf = CNNClassifier(epochs=1, width=8).fit(X, y)
    assert clf.transform(X).shape == (40, clf.model_.embed_dim)
    net = SmallCNN(3, 4, (64, 64), width=8)
    assert net(torch.zeros(2, 3, 64, 64)).shape == (2, 4)


def test_bad_inputs_are_named():
    with pytest.raises(InvalidInputError, match="expected an image set"):
        CNNClassifier().fit(np.zeros((4, 8)), np.zeros(4, int))
    with pytest.raises(InvalidInputError, match="3 labels for 4 images"):
        CNNClassifier().fit(np.zeros((4, 8, 8), np.float32), np.zeros(3, int))
    with pytest.raises(InvalidInputError, match="not fitted"):
        CNNClassifier().predict(np.zeros((1, 8, 8), np.float32))


def test_bad_parameters_and_sample_weights_are_named():
    X, y = np.zeros((4, 8, 8), np.float32), np.arange(4) % 2
    with pytest.raises(
        ConfigError, match=r"CNNClassifier.epochs: expected a positive integer, got 0"
    ):
        CNNClassifier(epochs=0).fit(X, y)
    with pytest.raises(ConfigError, match=r"CNNClassifier.lr"):
        CNNClassifier(lr=-1.0).fit(X, y)
    with pytest.raises(
        InvalidInputError, match=r"sample_weight: expected shape \(4,\), got \(3,\)"
    ):
        CNNClassifier(epochs=1).fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(InvalidInputError, match="non-negative"):
        CNNClassifier(epochs=1).fit(X, y, sample_weight=-np.ones(4))


def test_zero_sample_weight_removes_an_images_influence(digits):
    X, y = digits
    X_small, y_small = X[:200], y[:200]
    junk = np.random.default_rng(0).random((50, 8, 8)).astype(np.float32)
    X_all = np.concatenate([X_small, junk])
    y_all = np.concatenate([y_small, np.zeros(50, np.int64)])
    w = np.r_[np.ones(200), np.zeros(50)]
    kw = dict(epochs=15, width=8, seed=0)
    weighted = CNNClassifier(**kw).fit(X_all, y_all, sample_weight=w)
    plain = CNNClassifier(**kw).fit(X_all, y_all)
    # the junk images all say "0": unweighted training learns it, weighted training ignores them
    p_w = weighted.predict_proba(junk)[:, 0].mean()
    p_p = plain.predict_proba(junk)[:, 0].mean()
    assert p_p > p_w + 0.1


def test_scikit_learn_tools_clone_and_cross_validate_it(digits):
    from sklearn.base import clone, is_classifier
    from sklearn.model_selection import cross_val_score

    X, y = digits
    clf = CNNClassifier(epochs=3, width=8, seed=3)
    assert is_classifier(clf) and clone(clf).get_params() == clf.get_params()
    fitted = clf.fit(X[:100], y[:100])
    assert not hasattr(clone(fitted), "model_")
    scores = cross_val_score(CNNClassifier(epochs=20, width=16), X[:400], y[:400], cv=2)
    assert scores.shape == (2,) and scores.min() > 0.7  # 200 training images per fold


def test_prediction_checks_the_fitted_image_shape_and_handles_empty_sets(digits):
    X, y = digits
    clf = CNNClassifier(epochs=1, width=8).fit(X[:64], y[:64])
    assert clf.predict_proba(X[:0]).shape == (0, 10)
    assert clf.transform(X[:0]).shape == (0, clf.model_.embed_dim)
    with pytest.raises(InvalidInputError, match=r"images of shape \(8, 8, 3\).*fitted on \(8, 8\)"):
        clf.predict(np.zeros((2, 8, 8, 3), np.float32))
    with pytest.raises(InvalidInputError, match=r"images of shape \(16, 16\)"):
        clf.predict(np.zeros((2, 16, 16), np.float32))
    with pytest.raises(InvalidInputError, match="no images"):
        CNNClassifier().fit(X[:0], y[:0])
