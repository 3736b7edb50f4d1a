"""Sanity checks that fail if a metric is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug.data import load_dataset
from synthaug.evaluate import (
    FeatureExtractor,
    classifier_two_sample_test,
    fid,
    kid,
    mmd,
    prdc,
    privacy,
    proxy_a_distance,
    quality_report,
)
from synthaug.evaluate.fidelity import _poly_kernel, fid_from_stats


def test_fid_matches_the_closed_form_for_gaussians():
    rng = np.random.default_rng(0)
    A = rng.normal(0.0, 1.0, (20000, 3))
    B = rng.normal(0.5, 2.0, (20000, 3))
    # closed form for isotropic Gaussians: 3 * 0.5^2 + 3 * (1 + 4 - 2 * sqrt(4)) = 3.75
    assert fid(A, B, n_subsets=2).value == pytest.approx(3.75, rel=0.03)
    assert fid_from_stats(np.zeros(2), np.eye(2), np.zeros(2), np.eye(2)) == pytest.approx(
        0.0, abs=1e-9
    )


def test_kid_matches_a_direct_quadratic_reference():
    rng = np.random.default_rng(1)
    A, B = rng.normal(0, 1, (60, 4)), rng.normal(0.3, 1, (60, 4))
    ref = 0.0
    m = len(A)
    kxx, kyy, kxy = _poly_kernel(A, A), _poly_kernel(B, B), _poly_kernel(A, B)
    for i in range(m):
        for j in range(m):
            if i != j:
                ref += (kxx[i, j] + kyy[i, j]) / (m * (m - 1))
            ref -= 2 * kxy[i, j] / (m * m)
    assert kid(A, B, n_subsets=1, subset_size=60).value == pytest.approx(ref, rel=1e-9)


@pytest.fixture(scope="module")
def digits_features():
    X, y = load_dataset("digits")
    fx = FeatureExtractor(space="pca", n_components=20).fit(X[:900], y[:900])
    noise = np.random.default_rng(0).random((600, 8, 8)).astype(np.float32)
    return fx.embed(X[:900]), fx.embed(X[900:]), fx.embed(noise)


def test_real_vs_real_scores_far_better_than_real_vs_noise(digits_features):
    a, b, noise = digits_features
    assert fid(a, b).value * 10 < fid(a, noise).value
    assert kid(a, b).value * 10 < kid(a, noise).value
    assert (
        classifier_two_sample_test(a, b).auc
        < 0.65
        < 0.95
        < classifier_two_sample_test(a, noise).auc
    )
    assert proxy_a_distance(a, b).distance < 0.6 < 1.8 < proxy_a_distance(a, noise).distance


def test_prdc_is_near_one_on_identical_sets_and_near_zero_on_disjoint_sets():
    rng = np.random.default_rng(2)
    A = rng.normal(0, 1, (400, 5))
    same = prdc(A, A.copy(), k=5)
    assert min(same.precision, same.recall, same.coverage) > 0.95 and same.density == pytest.approx(
        1.0, abs=0.15
    )
    far = prdc(A, A + 100.0, k=5)
    assert max(far.precision, far.recall, far.density, far.coverage) == 0.0


def test_copied_training_records_are_flagged_by_every_privacy_measure():
    X, _ = load_dataset("digits")
    flat = X.reshape(len(X), -1)
    train, holdout = flat[:800], flat[800:1600]
    copies = privacy(train, holdout, train[:400] + 0.001)
    fresh = privacy(train, holdout, flat[1600:])
    assert copies.dcr_ratio < 0.1 < 0.7 < fresh.dcr_ratio
    assert copies.near_copy_share > 0.9 and fresh.near_copy_share < 0.05
    assert copies.membership_auc > 0.65 and abs(fresh.membership_auc - 0.5) < 0.08
    assert "memorisation risk" in copies.reading() and "no sign of copying" in fresh.reading()


def test_mmd_grows_monotonically_with_the_shift():
    rng = np.random.default_rng(3)
    A = rng.normal(0, 1, (200, 3))
    values = [
        mmd(A, rng.normal(s, 1, (200, 3)), n_permutations=50).mmd2
        for s in (0.0, 0.25, 0.5, 1.0, 2.0)
    ]
    assert all(a < b for a, b in zip(values, values[1:], strict=False))
    assert mmd(A, rng.normal(0, 1, (200, 3)), n_permutations=50).p_value > 0.05
    assert mmd(A, rng.normal(1, 1, (200, 3)), n_permutations=50).p_value < 0.05


def test_quality_report_reads_copies_and_noise_differently():
    X, y = load_dataset("digits")
    rng = np.random.default_rng(0)
    train, hold = (X[:600], y[:600]), (X[600:1200], y[600:1200])
    good = quality_report(
        X[:1200], y[:1200], X[:300], y[:300], train=train, holdout=hold, space="pca"
    )
    bad = quality_report(
        X[:1200],
        y[:1200],
        rng.random((300, 8, 8)).astype(np.float32),
        y[:300],
        train=train,
        holdout=hold,
        space="pca",
    )
    read = {m["name"]: m["reading"] for m in good["metrics"]}
    assert "memorisation risk" in read["privacy (pixel space)"]
    bad_read = {m["name"]: m["reading"] for m in bad["metrics"]}
    assert "easy to tell apart" in bad_read["classifier two-sample test"]
    assert "much weaker" in bad_read["utility (TSTR / TRTR)"]
