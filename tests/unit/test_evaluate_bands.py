"""Evaluation and audit on many-band images: features on a declared band subset (issue 24)."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug.errors import InvalidInputError
from synthaug.evaluate import audit, quality_report
from synthaug.evaluate.features import FeatureExtractor, as_matrix, image_set


def _digits_with_noise_bands(n_bands: int, dtype=np.uint16, n: int = 240, seed: int = 0):
    """8x8 digits in band 0 and uniform noise in every other band."""
    from synthaug.data import load_dataset

    X, y = load_dataset("digits")
    X, y = X[:n], y[:n]
    digit = X.astype(np.float64) / (255.0 if X.dtype == np.uint8 else 1.0)
    rng = np.random.default_rng(seed)
    bands = [digit] + [rng.random(digit.shape) for _ in range(n_bands - 1)]
    stack = np.stack(bands, axis=-1)
    if dtype == np.uint16:
        return np.rint(stack * 65535).astype(np.uint16), y
    return stack.astype(np.float32), y


def test_image_set_selects_bands_in_order_and_reads_uint16_as_fractions():
    X = np.arange(2 * 2 * 2 * 5, dtype=np.uint16).reshape(2, 2, 2, 5) * np.uint16(1000)
    out = image_set(X, bands=[4, 0])
    assert out.dtype == np.float32 and out.shape == (2, 2, 2, 2)
    assert np.allclose(out[..., 0], X[..., 4] / 65535.0)
    assert np.allclose(out[..., 1], X[..., 0] / 65535.0)
    assert np.allclose(as_matrix(X), X.reshape(2, -1) / 65535.0)


@pytest.mark.parametrize("bands", [[5], [-1], [1, 1], []])
def test_image_set_refuses_bands_outside_the_images_naming_them(bands):
    with pytest.raises(InvalidInputError, match=r"0\.\.4 \(0-based; the images have 5 band"):
        image_set(np.zeros((2, 3, 3, 5), np.float32), bands=bands, name="X_real")


def test_feature_extractor_on_a_band_subset_equals_one_fitted_on_those_bands():
    X, y = _digits_with_noise_bands(9, np.float32, n=120)
    fx = FeatureExtractor(space="pca", n_components=8, bands=[0, 3]).fit(X, y)
    ref = FeatureExtractor(space="pca", n_components=8).fit(X[..., [0, 3]], y)
    assert np.allclose(fx.embed(X[:10]), ref.embed(X[:10][..., [0, 3]]))


def test_quality_report_reads_only_the_declared_bands():
    # the synthetic set differs from the real one only in bands 1..8 (fresh noise): on band 0
    # it is a copy of real images, so the report on band 0 equals the report on band 0 alone
    X, y = _digits_with_noise_bands(9, np.uint16, n=160)
    S, _ = _digits_with_noise_bands(9, np.uint16, n=160, seed=1)
    sub = quality_report(X, y, S[:60], y[:60], space="pca", bands=[0])
    alone = quality_report(X[..., :1], y, S[:60, ..., :1], y[:60], space="pca")
    assert [m["raw"] for m in sub["metrics"]] == [m["raw"] for m in alone["metrics"]]
    every = quality_report(X, y, S[:60], y[:60], space="pca")
    assert every["metrics"][0]["raw"] != sub["metrics"][0]["raw"]  # the noise bands count


def test_quality_report_refuses_bands_for_a_table():
    X = np.random.default_rng(0).random((40, 5))
    with pytest.raises(InvalidInputError, match="a table has columns, not bands"):
        quality_report(X, None, X[:20], bands=[0])


def test_audit_on_a_band_subset_equals_the_audit_of_those_bands():
    from synthaug.augment import HorizontalFlip, Rotate

    X, y = _digits_with_noise_bands(13, np.uint16, n=200)
    pipe = [HorizontalFlip(p=1.0), Rotate(limit=(90, 90), p=1.0)]
    kw = {"oracle": "svc", "magnitudes": [1.0], "retrain": False, "max_items": 60, "seed": 0}
    sub = audit(pipe, X, y, bands=[0], **kw)
    alone = audit(pipe, X[..., :1], y, **kw)
    assert sub.to_dict()["transforms"] == alone.to_dict()["transforms"]
    assert [t.magnitudes[0].flip_rate for t in sub.transforms] == [
        t.magnitudes[0].flip_rate for t in alone.transforms
    ]
