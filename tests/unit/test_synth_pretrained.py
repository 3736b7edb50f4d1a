"""Shipped weights: load by name, sample the right labels, keep their promises."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from synthaug.synth import PRETRAINED, load
from synthaug.synth.pretrained import DIGITS_TRAINED_ON, digits_split, digits_tstr


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


def test_digits_split_is_fixed_stratified_and_disjoint():
    train, test = digits_split()
    assert len(train) == 1257 and len(test) == 540 and not set(train) & set(test)
    assert train[:5].tolist() == digits_split()[0][:5].tolist()


@pytest.mark.parametrize("name", sorted(PRETRAINED))
def test_shipped_weights_are_small_and_have_a_model_card(name):
    path = PRETRAINED[name]
    assert path.stat().st_size <= 2 * 1024 * 1024
    assert path.with_suffix(".json").is_file() and path.with_suffix(".md").is_file()


@pytest.mark.parametrize("name", sorted(PRETRAINED))
def test_shipped_model_loads_by_name_and_samples_requested_labels(name):
    gen = load(name)
    X, y = gen.sample(labels={4: 3, 9: 2}, seed=0)
    assert X.shape == (5, 8, 8) and X.dtype == np.float32 and y.tolist() == [4, 4, 4, 9, 9]
    assert gen.metadata_["trained_on"] == DIGITS_TRAINED_ON
    assert gen.metadata_["n_train"] == 1257
    assert gen.metadata_["n_labels_per_class"] == 128  # the largest class count


@pytest.mark.parametrize("name", sorted(PRETRAINED))
def test_shipped_model_reaches_90_percent_train_synthetic_test_real(name):
    scores = digits_tstr(load(name), n_samples=1000, seed=0)
    assert scores["holdout"] >= 0.90
