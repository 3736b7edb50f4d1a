"""Rich labels: flip pairs from names and lists, and the engine targets a reader hands over
(mirroring swaps pairs exactly once per mirroring step, each object by its own pairing)."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug.augment import (
    REGISTRY,
    Compose,
    Crop,
    HorizontalFlip,
    OneOf,
    Transpose,
    VerticalFlip,
)
from synthaug.augment.sample import Sample
from synthaug.augment.transforms.base import MatrixTransform
from synthaug.data.labels import (
    RichLabels,
    clockwise_corners,
    flip_idx_problem,
    flip_perm_from_names,
    flip_perm_from_pairs,
    keypoints_from_sample,
    sample_targets,
)

H, W = 64, 80
TRIANGLE = np.array([[38.0, 30.0, 2], [42.0, 30.0, 1], [40.0, 34.0, 2]])
BOX = np.array([[30.0, 20.0, 50.0, 44.0]])


def _orientation(p: np.ndarray) -> float:
    (ax, ay), (bx, by), (cx, cy) = p[:3, :2]
    return float(np.sign((bx - ax) * (cy - ay) - (by - ay) * (cx - ax)))


def _pose_sample(flips: list | None) -> Sample:
    rich = RichLabels(keypoints=[TRIANGLE], flips=flips)
    return Sample(np.zeros((H, W, 3), np.uint8), boxes=BOX, box_labels=[0], **sample_targets(rich))


MATRIX_TRANSFORMS = sorted(
    n for n, c in REGISTRY.items() if isinstance(c, type) and issubclass(c, MatrixTransform)
)


@pytest.mark.parametrize("name", MATRIX_TRANSFORMS)
def test_reader_pairs_swap_exactly_when_a_matrix_transform_mirrors(name):
    cls = REGISTRY[name]
    pipe = Compose([cls(**{**cls.example_args, "p": 1.0})], remove_invisible_keypoints=False)
    for seed in range(4):
        plain = pipe(_pose_sample(None), seed=seed)
        paired = pipe(_pose_sample([[1, 0, 2]]), seed=seed)
        if plain.box_labels != [0] or (plain.keypoint_visibility[:2] == 0).any():
            continue  # the object or a paired point left the frame: nothing to compare
        mirrored = _orientation(plain.keypoints) < 0
        want = plain.keypoints[[1, 0, 2]] if mirrored else plain.keypoints
        assert paired.keypoints == pytest.approx(want)
        got = keypoints_from_sample(paired, [3])[0]
        assert got[:, 2].tolist() == ([1, 2, 2] if mirrored else [2, 1, 2])


def test_nested_mirrors_swap_once_and_two_mirrors_cancel():
    one = Compose([OneOf([HorizontalFlip(p=1.0)], p=1.0)], remove_invisible_keypoints=False)
    out = one(_pose_sample([[1, 0, 2]]), seed=0)
    assert out.keypoints[0].tolist() == [W - 1 - 42.0, 30.0]  # takes its partner's place
    two = Compose([HorizontalFlip(p=1.0), VerticalFlip(p=1.0)], remove_invisible_keypoints=False)
    out = two(_pose_sample([[1, 0, 2]]), seed=0)
    assert out.keypoints[0].tolist() == [W - 1 - 38.0, H - 1 - 30.0]  # a half turn: no swap
    three = Compose(
        [HorizontalFlip(p=1.0), VerticalFlip(p=1.0), Transpose(p=1.0)],
        remove_invisible_keypoints=False,
    )
    out = three(_pose_sample([[1, 0, 2]]), seed=0)
    assert out.keypoints[0].tolist() == [H - 1 - 30.0, W - 1 - 42.0]  # swapped once


def test_objects_with_different_pairings_are_each_swapped_by_their_own():
    # object 0 pairs keypoints 0 and 1; object 1 (another skeleton) pairs 1 and 2
    a = np.array([[10.0, 10, 2], [20, 10, 2], [15, 20, 2]])
    b = np.array([[50.0, 10, 2], [60, 10, 2], [70, 10, 1]])
    rich = RichLabels(keypoints=[a, b], flips=[[1, 0, 2], [0, 2, 1]])
    targets = sample_targets(rich)
    assert targets["keypoint_labels"] == ["0#0", "0#1", "0#2", "1#0", "1#1", "1#2"]
    s = Sample(
        np.zeros((H, W, 3), np.uint8),
        boxes=np.array([[5.0, 5, 25, 25], [45, 5, 75, 15]]),
        box_labels=[0, 1],
        **targets,
    )
    out = Compose([HorizontalFlip(p=1.0)], remove_invisible_keypoints=False)(s, seed=0)
    kps = keypoints_from_sample(out, [3, 3])
    assert kps[0].tolist() == [[W - 1 - 20, 10, 2], [W - 1 - 10, 10, 2], [W - 1 - 15, 20, 2]]
    assert kps[1].tolist() == [[W - 1 - 50, 10, 2], [W - 1 - 70, 10, 1], [W - 1 - 60, 10, 2]]


def test_keypoints_of_a_dropped_object_go_with_it_and_the_rest_keep_their_object():
    a = np.array([[10.0, 10, 2], [0, 0, 0]])
    b = np.array([[60.0, 10, 2], [70, 12, 1]])
    s = Sample(
        np.zeros((H, W, 3), np.uint8),
        boxes=np.array([[5.0, 5, 25, 25], [55, 5, 75, 15]]),
        box_labels=[0, 1],
        **sample_targets(RichLabels(keypoints=[a, b])),
    )
    out = Compose([Crop(40, 0, 80, 64, p=1.0)], remove_invisible_keypoints=False)(s, seed=0)
    assert out.box_labels == [1] and out.keypoint_instances.tolist() == [0, 0]
    kps = keypoints_from_sample(out, [2, 2])
    assert kps[0].tolist() == [[0, 0, 0], [0, 0, 0]]
    assert kps[1].tolist() == [[20, 10, 2], [30, 12, 1]]


def test_counter_clockwise_corners_are_reordered_keeping_the_first():
    cw = np.array([[[0.0, 0], [4, 0], [4, 2], [0, 2]]])
    assert clockwise_corners(cw).tolist() == cw.tolist()
    ccw = cw[:, [0, 3, 2, 1]]
    assert clockwise_corners(ccw).tolist() == cw.tolist()


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
