"""Rich labels: flip pairs from names and lists, and mirroring read from a pipeline's steps."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug.augment import REGISTRY, Compose, HorizontalFlip, OneOf, Transpose, VerticalFlip
from synthaug.augment.sample import Sample
from synthaug.augment.transforms.base import MatrixTransform
from synthaug.data.labels import (
    flip_idx_problem,
    flip_perm_from_names,
    flip_perm_from_pairs,
    mirrors,
)

H, W = 64, 80
TRIANGLE = np.array([[38.0, 30.0], [42.0, 30.0], [40.0, 34.0]])


def _orientation(p: np.ndarray) -> float:
    (ax, ay), (bx, by), (cx, cy) = p[:3, :2]
    return float(np.sign((bx - ax) * (cy - ay) - (by - ay) * (cx - ax)))


MATRIX_TRANSFORMS = sorted(
    n for n, c in REGISTRY.items() if isinstance(c, type) and issubclass(c, MatrixTransform)
)


@pytest.mark.parametrize("name", MATRIX_TRANSFORMS)
def test_mirrors_agrees_with_the_turn_of_moved_points_for_every_matrix_transform(name):
    cls = REGISTRY[name]
    t = cls(**{**cls.example_args, "p": 1.0})
    pipe = Compose([t], remove_invisible_keypoints=False)
    for seed in range(4):
        s = Sample(np.zeros((H, W, 3), np.uint8), keypoints=TRIANGLE, keypoint_labels=[0, 1, 2])
        out = pipe(s, seed=seed)
        assert mirrors(pipe, out.applied, (H, W)) == (_orientation(out.keypoints) < 0)


def test_mirrors_counts_nested_steps_and_two_mirrors_cancel():
    s = Sample(np.zeros((H, W, 3), np.uint8))
    one = Compose([OneOf([HorizontalFlip(p=1.0)], p=1.0)])
    assert mirrors(one, one(s, seed=0).applied, (H, W))
    two = Compose([HorizontalFlip(p=1.0), VerticalFlip(p=1.0)])
    assert not mirrors(two, two(s, seed=0).applied, (H, W))
    three = Compose([HorizontalFlip(p=1.0), VerticalFlip(p=1.0), Transpose(p=1.0)])
    assert mirrors(three, three(s, seed=0).applied, (H, W))


def test_flip_pairs_from_left_and_right_names():
    names = ["nose", "left_eye", "right_eye", "Left-Hand", "Right-Hand", "eye_left", "eye_right"]
    assert flip_perm_from_names(names) == [0, 2, 1, 4, 3, 6, 5]
    assert flip_perm_from_names(["left_eye", "mouth"]) == [0, 1]  # no partner: itself


def test_flip_pairs_from_a_list_and_its_refusals():
    assert flip_perm_from_pairs([[0, 2]], 3) == ([2, 1, 0], None)
    assert flip_perm_from_pairs([[0, 3]], 3)[1] is not None
    assert "two pairs" in flip_perm_from_pairs([[0, 1], [1, 2]], 3)[1]
    assert flip_perm_from_pairs("0,1", 3)[0] is None


@pytest.mark.parametrize(
    ("flip_idx", "words"),
    [
        ([0, 2, 1], None),
        ([0, 1, 1], "permutation"),
        ([1, 2, 0], "pairs"),
        ([0, 1], "3 entries"),
        ([0, 1, True], "integers"),
        ("0 2 1", "integers"),
    ],
)
def test_flip_idx_must_be_a_pairing_of_every_keypoint(flip_idx, words):
    problem = flip_idx_problem(flip_idx, 3)
    assert problem is None if words is None else words in problem
