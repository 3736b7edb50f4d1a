"""RandAugment, TrivialAugmentWide, AutoAugment and AugMix."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug import augment as A
from synthaug.augment.policies import (
    _RAND_OPS,
    CIFAR10_POLICY,
    IMAGENET_POLICY,
    op_magnitude,
)
from synthaug.errors import ConfigError


def img(h=32, w=40, c=3, seed=0):
    return np.random.default_rng(seed).integers(30, 220, (h, w, c)).astype(np.uint8)


def test_autoaugment_tables_have_25_two_operation_sub_policies_with_known_ops():
    known = set(_RAND_OPS) | {"Invert"}
    for table in (IMAGENET_POLICY, CIFAR10_POLICY):
        assert len(table) == 25
        for sub in table:
            assert len(sub) == 2
            for op, prob, level in sub:
                assert op in known and 0.0 <= prob <= 1.0
                assert level is None or 0 <= level <= 9


def test_magnitudes_follow_the_binned_ranges():
    assert op_magnitude("Rotate", 30, 31, (32, 32), "standard") == pytest.approx(30.0)
    assert op_magnitude("Rotate", 30, 31, (32, 32), "wide") == pytest.approx(135.0)
    assert op_magnitude("TranslateX", 9, 10, (100, 331), "standard") == pytest.approx(150.0)
    assert op_magnitude("Posterize", 9, 10, (8, 8), "standard") == 4.0
    assert op_magnitude("Posterize", 0, 10, (8, 8), "standard") == 8.0
    assert op_magnitude("Solarize", 0, 10, (8, 8), "standard") == 1.0


@pytest.mark.parametrize("n", [0, 1, 3])
def test_randaugment_applies_at_most_n_operations(n):
    pipe = A.Compose([A.RandAugment(n=n, m=9)])
    for s in range(10):
        assert len(pipe(image=img(), seed=s).applied) <= n


def test_randaugment_magnitude_is_validated():
    with pytest.raises(ConfigError, match=r"RandAugment.m"):
        A.RandAugment(m=31)


def test_trivialaugment_picks_one_operation_and_varies_across_seeds():
    pipe = A.Compose([A.TrivialAugmentWide()])
    names = {tuple(a.name for a in pipe(image=img(), seed=s).applied) for s in range(40)}
    assert all(len(n) <= 1 for n in names) and len(names) >= 4


@pytest.mark.parametrize(
    "policy",
    [A.RandAugment(n=3, m=15), A.TrivialAugmentWide(), A.AutoAugment("cifar10")],
    ids=["rand", "trivial", "auto_cifar"],
)
def test_policies_move_boxes_with_the_image_and_replay(policy):
    pipe = A.Compose([policy], remove_invisible_keypoints=False)
    mask = np.zeros((32, 40), np.uint8)
    mask[8:20, 10:26] = 1
    sample = A.Sample(
        img(), masks=[mask], boxes=np.array([[10.0, 8.0, 26.0, 20.0]]), box_labels=[0]
    )
    for s in range(25):
        out = pipe(sample, seed=s)
        again = pipe.replay(sample, out.applied)
        assert again.image.tobytes() == out.image.tobytes()
        if len(out.boxes) and out.masks[0].sum() > 40:
            ys, xs = np.nonzero(out.masks[0])
            tight = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
            assert np.all(np.abs(out.boxes[0] - tight) <= 2.0)


def test_autoaugment_rejects_unknown_policies_and_round_trips():
    with pytest.raises(ConfigError, match="did you mean 'cifar10'"):
        A.AutoAugment("cifar")
    t = A.AutoAugment("imagenet")
    assert A.from_dict(t.to_dict()).to_dict() == t.to_dict()


def test_imagenet_autoaugment_uses_its_sub_policies_only():
    pipe = A.Compose([A.AutoAugment("imagenet")])
    seen = set()
    for s in range(60):
        seen |= {a.name for a in pipe(image=img(), seed=s).applied}
    # ImageNet's policy has no translation: Affine only comes from Rotate and ShearX
    assert seen <= {
        "Affine",
        "ColorJitter",
        "AdjustSharpness",
        "Posterize",
        "Solarize",
        "AutoContrast",
        "Equalize",
        "Invert",
    }
    assert {"Equalize", "Posterize", "Solarize"} <= seen


def test_augmix_with_zero_mixing_weight_returns_the_input():
    t = A.AugMix()
    image = img()
    params = t.sample_params(np.random.default_rng(0), A.Sample(image))
    params = params.replace(m=0.0)  # drawn parameters are frozen
    assert np.array_equal(t.apply_image(image, params), image)


def test_augmix_chains_have_the_requested_width_and_depth():
    t = A.AugMix(width=4, depth=2)
    params = t.sample_params(np.random.default_rng(1), A.Sample(img()))
    assert len(params["chains"]) == 4 and all(len(c) == 2 for c in params["chains"])
    assert np.isclose(sum(params["weights"]), 1.0)
    rnd = A.AugMix(depth=-1).sample_params(np.random.default_rng(2), A.Sample(img()))
    assert all(1 <= len(c) <= 3 for c in rnd["chains"])


def test_augmix_changes_only_the_image_and_two_views_differ():
    s = A.Sample(img(), boxes=np.array([[1.0, 2.0, 10.0, 12.0]]), label=3)
    pipe = A.Compose([A.AugMix()])
    a, b = pipe(s, seed=(0, 1)), pipe(s, seed=(0, 2))
    assert a.image.tobytes() != b.image.tobytes()
    assert np.array_equal(a.boxes, s.boxes) and a.label == 3
