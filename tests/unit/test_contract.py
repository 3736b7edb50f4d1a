"""One contract for every registered transform (as scikit-learn's parametrize_with_checks).

A new transform gets these checks for free: input not mutated, dtype and channels kept, same
seed same bytes, replay equal, to_dict round trip, labels untouched by pixel transforms,
masks never gain values, and, for geometric transforms, keypoints stay on painted dots and
boxes stay the tight box of painted rectangles.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from synthaug import augment as A
from synthaug.augment.compose import BaseCompose

LEAVES = sorted(n for n, c in A.REGISTRY.items() if not issubclass(c, BaseCompose))
# transforms whose output dtype differs from the input by design
CHANGES_DTYPE = {"Normalize"}
# transforms that only accept some channel counts (documented on the class)
RGB_ONLY_ERRORS = {"JPEGCompression"}


def make(name: str, **over) -> A.Transform:
    cls = A.REGISTRY[name]
    kwargs = dict(getattr(cls, "example_args", {}))
    kwargs.update(over)
    t = cls(**kwargs)
    t.p = 1.0
    return t


def photo(dtype=np.uint8, channels=3, h=48, w=56) -> np.ndarray:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:h, 0:w]
    base = (np.sin(xx / 5.0) + np.cos(yy / 7.0) + 2) / 4
    img = np.stack([np.roll(base, 3 * c, axis=1) for c in range(max(channels, 1))], axis=2)
    img = np.clip(img + rng.normal(0, 0.05, img.shape), 0, 1)
    if dtype == np.uint8:
        img = np.rint(img * 255).astype(np.uint8)
    else:
        img = img.astype(np.float32)
    return img[:, :, 0] if channels == 0 else img


def full_sample(image: np.ndarray) -> A.Sample:
    h, w = image.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    mask[10:30, 12:40] = 3
    return A.Sample(
        image,
        masks=[mask],
        boxes=np.array([[12.0, 10.0, 40.0, 30.0], [2.0, 3.0, 9.0, 8.0]]),
        box_labels=["a", "b"],
        keypoints=np.array([[20.0, 15.0], [30.0, 25.0]]),
        keypoint_labels=["k1", "k2"],
        label=7,
    )


def run(t: A.Transform, sample: A.Sample, seed=0) -> A.Sample:
    return A.Compose([t], seed=0)(sample, seed=seed)


def test_registry_has_at_least_25_leaf_transforms():
    assert len(LEAVES) >= 25


@pytest.mark.parametrize("name", LEAVES)
@pytest.mark.parametrize("kind", ["rgb_uint8", "rgb_float32", "gray2d_uint8", "gray1_float32"])
def test_dtype_and_channels_are_preserved(name, kind):
    channels = {"rgb_uint8": 3, "rgb_float32": 3, "gray2d_uint8": 0, "gray1_float32": 1}[kind]
    dtype = np.uint8 if "uint8" in kind else np.float32
    img = photo(dtype, channels)
    out = run(make(name), A.Sample(img))
    if name not in CHANGES_DTYPE:
        assert out.image.dtype == img.dtype
        if out.image.dtype == np.float32:
            assert 0.0 <= out.image.min() and out.image.max() <= 1.0
    assert out.image.ndim == img.ndim
    if img.ndim == 3:
        assert out.image.shape[2] == img.shape[2]


@pytest.mark.parametrize("name", LEAVES)
def test_input_is_not_mutated(name):
    s = full_sample(photo())
    before = copy.deepcopy(s)
    run(make(name), s)
    assert np.array_equal(s.image, before.image)
    assert np.array_equal(s.masks[0], before.masks[0])
    assert np.array_equal(s.boxes, before.boxes)
    assert np.array_equal(s.keypoints, before.keypoints)
    assert s.box_labels == before.box_labels


@pytest.mark.parametrize("name", LEAVES)
def test_same_seed_gives_identical_bytes_and_other_seeds_vary(name):
    s = full_sample(photo())
    t = make(name)
    a, b = run(t, s, seed=(1, 2, 3)), run(t, s, seed=(1, 2, 3))
    assert a.image.tobytes() == b.image.tobytes()
    assert np.array_equal(a.boxes, b.boxes)
    assert [x.params for x in a.applied] == [x.params for x in b.applied]


@pytest.mark.parametrize("name", LEAVES)
def test_replay_reproduces_the_output(name):
    s = full_sample(photo())
    pipe = A.Compose([make(name)])
    out = pipe(s, seed=11)
    again = pipe.replay(s, out.applied)
    assert again.image.tobytes() == out.image.tobytes()
    assert np.array_equal(again.boxes, out.boxes)
    assert np.array_equal(again.keypoints, out.keypoints)
    assert np.array_equal(again.masks[0], out.masks[0])


@pytest.mark.parametrize("name", LEAVES)
def test_to_dict_round_trip_rebuilds_an_equal_transform(name):
    t = make(name)
    d = t.to_dict()
    assert json.loads(json.dumps(d)) == d  # plain data, no live objects or tuples
    rebuilt = A.from_dict(json.loads(json.dumps(d)))
    assert type(rebuilt) is type(t)
    assert rebuilt.to_dict() == d
    s = A.Sample(photo())
    assert run(rebuilt, s, 5).image.tobytes() == run(t, s, 5).image.tobytes()


CONTAINERS = sorted(n for n, c in A.REGISTRY.items() if issubclass(c, BaseCompose))


@pytest.mark.parametrize("name", CONTAINERS)
def test_container_to_dict_round_trips_through_json(name):
    cls = A.REGISTRY[name]
    takes_children = any(d.name == "transforms" for d in cls.declared)
    # a policy builds its own children
    t = (
        cls([make("HorizontalFlip"), A.OneOf([make("Blur"), make("Gamma")])])
        if takes_children
        else cls()
    )
    d = t.to_dict()
    assert json.loads(json.dumps(d)) == d
    rebuilt = A.from_dict(json.loads(json.dumps(d)))
    assert type(rebuilt) is cls and rebuilt.to_dict() == d
    s = A.Sample(photo())
    assert run(rebuilt, s, 5).image.tobytes() == run(t, s, 5).image.tobytes()


@pytest.mark.parametrize("name", LEAVES)
def test_drawn_params_are_the_transforms_frozen_record(name):
    t = make(name)
    out = run(t, full_sample(photo()), seed=2)
    for step in out.applied:
        assert isinstance(step.params, t.Drawn) and list(step.params) == list(t.Drawn.fields)


@pytest.mark.parametrize("name", LEAVES)
def test_masks_never_take_values_absent_from_the_input(name):
    s = full_sample(photo())
    out = run(make(name), s, seed=3)
    assert set(np.unique(out.masks[0])) <= {0, 3}


def _geometric(name: str) -> bool:
    return "keypoints" in A.REGISTRY[name].targets


@pytest.mark.parametrize("name", [n for n in LEAVES if not _geometric(n)])
def test_pixel_transforms_leave_boxes_keypoints_and_label_untouched(name):
    s = full_sample(photo())
    out = run(make(name), s, seed=4)
    assert out.image.shape[:2] == s.image.shape[:2]
    assert np.allclose(out.boxes, s.boxes)
    assert np.allclose(out.keypoints, s.keypoints)
    assert out.box_labels == s.box_labels and out.label == 7


def _dot_and_rect_sample(h=64, w=72):
    """Image of zeros with one 5x5 dot mask per keypoint and one rectangle mask per box."""
    kps = np.array([[20.0, 18.0], [50.0, 40.0]])
    boxes = np.array([[14.0, 30.0, 40.0, 52.0], [44.0, 8.0, 62.0, 26.0]])
    masks = []
    for x, y in kps:
        m = np.zeros((h, w), np.uint8)
        m[int(y) - 2 : int(y) + 3, int(x) - 2 : int(x) + 3] = 1
        masks.append(m)
    for x0, y0, x1, y1 in boxes.astype(int):
        m = np.zeros((h, w), np.uint8)
        m[y0:y1, x0:x1] = 1
        masks.append(m)
    return A.Sample(
        np.zeros((h, w, 3), np.uint8), masks=masks, boxes=boxes, box_labels=[2, 3], keypoints=kps
    )


@pytest.mark.parametrize("name", [n for n in LEAVES if _geometric(n)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_geometric_targets_stay_aligned_with_painted_marks(name, seed):
    s = _dot_and_rect_sample()
    pipe = A.Compose([make(name)], remove_invisible_keypoints=False)
    out = pipe(s, seed=seed)
    exact = getattr(A.REGISTRY[name], "exact", False)
    for i, (x, y) in enumerate(out.keypoints[:, :2]):
        ys, xs = np.nonzero(out.masks[i])
        if len(xs) < 4 or xs.min() == 0 or ys.min() == 0:
            continue  # the dot left the image or touches its border
        if xs.max() >= out.width - 1 or ys.max() >= out.height - 1:
            continue
        assert abs(xs.mean() - x) <= 1.5 and abs(ys.mean() - y) <= 1.5, (i, x, y)
    # each surviving box carries the index of its painted rectangle as its label
    for box, mask_index in zip(out.boxes, out.box_labels, strict=True):
        ys, xs = np.nonzero(out.masks[mask_index])
        if len(xs) < 20:
            continue
        tight = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], float)
        tol = 1e-9 if exact else 1.5
        assert np.all(np.abs(tight - box) <= tol), (box, tight)
