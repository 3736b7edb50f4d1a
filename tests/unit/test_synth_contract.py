"""Every registered generator keeps the same promises (scikit-learn's check_estimator idea)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from synthaug.synth import load, registered_generators

# Small, fast settings per generator; a new generator needs only a line here.
FAST = {
    "FontGlyphs": {},
    "ConditionalVAE": {"epochs": 2, "width": 8, "hidden": 16},
    "ConditionalGAN": {"epochs": 1, "width": 8, "latent_dim": 8},
    "ShapesScene": {"size": (16, 16)},
}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.random((24, 8, 8), dtype=np.float32)
    return X, np.arange(24) % 3 + 4  # labels 4, 5, 6: not 0-based on purpose


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


@pytest.fixture(params=sorted(registered_generators()))
def gen(request):
    name = request.param
    assert name in FAST, f"add fast settings for the new generator {name} to FAST"
    return registered_generators()[name](**FAST[name])


def _fitted(gen, data):
    X, y = data
    return gen.fit(X, y) if gen.learns else gen.fit()


def test_fit_returns_self(gen, data):
    assert _fitted(gen, data) is gen


def test_sample_shapes_dtypes_and_labels(gen, data):
    gen = _fitted(gen, data)
    labels = [int(gen.classes_[-1])] * 2 + [int(gen.classes_[0])]
    X, y = gen.sample(labels=labels, seed=0)
    assert X.dtype == np.float32 and y.dtype == np.int64
    assert X.shape == (3, *gen.image_shape_) and y.tolist() == labels
    assert X.min() >= 0.0 and X.max() <= 1.0


def test_same_seed_same_bytes(gen, data):
    gen = _fitted(gen, data)
    assert gen.sample(4, seed=11)[0].tobytes() == gen.sample(4, seed=11)[0].tobytes()


def test_save_load_round_trip_gives_identical_samples(gen, data, tmp_path):
    gen = _fitted(gen, data)
    again = load(gen.save(tmp_path / "model.safetensors"))
    assert type(again) is type(gen) and again.get_params() == gen.get_params()
    np.testing.assert_array_equal(again.classes_, gen.classes_)
    assert again.sample(5, seed=3)[0].tobytes() == gen.sample(5, seed=3)[0].tobytes()


def test_sample_before_fit_is_refused_or_needs_no_fit(gen):
    if gen.learns:
        with pytest.raises(ValueError, match="not fitted"):
            gen.sample(2, seed=0)
    else:
        assert len(gen.sample(2, seed=0)[0]) == 2
