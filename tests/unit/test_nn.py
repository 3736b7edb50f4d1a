"""The small CNN classifier shared by experiments, metrics and adaptation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from synthaug.data import load_dataset
from synthaug.errors import InvalidInputError
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
