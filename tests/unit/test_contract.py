"""One contract for every registered transform (as scikit-learn's parametrize_with_checks).

A new transform gets these checks for free: input not mutated, dtype and channels kept, same
seed same bytes, replay equal, to_dict round trip, labels untouched by pixel transforms,
masks never gain values, and, for geometric transforms, keypoints stay on painted dots and
boxes stay the tight box of painted rectangles.

Every transform also runs on the images of issue 24: uint8 RGB, uint16 with 13 bands
(Sentinel-2), float32 with 9 bands in its own range (values outside [0, 1]) and gray images.
It must take exactly what it declares (``dtypes``, ``channels``; anything else refused by
name), keep dtype and band count, keep float values outside [0, 1] unless it declares
``float_range = "unit"`` (then its result is that of the clipped input), and a geometric
transform must move a many-band image, its masks, boxes and keypoints exactly as it moves the
same pixels as RGB.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from synthaug import augment as A
from synthaug.augment.compose import BaseCompose
from synthaug.errors import InvalidInputError

LEAVES = sorted(n for n, c in A.REGISTRY.items() if not issubclass(c, BaseCompose))
# transforms whose output dtype differs from the input by design
CHANGES_DTYPE = {"Normalize"}
#: the images of the multi-band contract: (dtype, channels; 0 for an H x W array)
KINDS = {
    "rgb_uint8": (np.uint8, 3),
    "bands13_uint16": (np.uint16, 13),
    "bands9_float32": (np.float32, 9),
    "gray2d_uint8": (np.uint8, 0),
    "gray2d_uint16": (np.uint16, 0),
    "gray1_float32": (np.float32, 1),
}


def make(name: str, **over) -> A.Transform:
    cls = A.REGISTRY[name]
    kwargs = dict(getattr(cls, "example_args", {}))
    kwargs.update(over)
    t = cls(**kwargs)
    t.p = 1.0
    return t


def photo(dtype=np.uint8, channels=3, h=48, w=56, spread=1.0) -> np.ndarray:
    """A smooth textured image in [0, 1] of full range (times ``spread`` - 0.5 * (spread - 1)
    for float32, so ``spread=3`` gives values in [-1, 2])."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:h, 0:w]
    base = (np.sin(xx / 5.0) + np.cos(yy / 7.0) + 2) / 4
    img = np.stack([np.roll(base, 3 * c, axis=1) for c in range(max(channels, 1))], axis=2)
    img = np.clip(img + rng.normal(0, 0.05, img.shape), 0, 1)
    if dtype == np.uint8:
        img = np.rint(img * 255).astype(np.uint8)
    elif dtype == np.uint16:
        img = np.rint(img * 65535).astype(np.uint16)
    else:
        img = (img * spread - 0.5 * (spread - 1)).astype(np.float32)
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


def _geometric(name: str) -> bool:
    return "keypoints" in A.REGISTRY[name].targets


def _takes(name: str, dtype, channels: int) -> bool:
    cls = A.REGISTRY[name]
    return np.dtype(dtype).name in cls.dtypes and (
        cls.channels is None or max(channels, 1) in cls.channels
    )


@pytest.mark.parametrize("name", LEAVES)
@pytest.mark.parametrize("kind", list(KINDS))
def test_dtype_and_band_count_follow_the_declarations(name, kind):
    dtype, channels = KINDS[kind]
    img = photo(dtype, channels, spread=3.0)
    sample = full_sample(img)
    if not _takes(name, dtype, channels):  # refused before any work, naming the transform
        with pytest.raises(InvalidInputError, match=f"transforms\\[0\\] \\({name}\\): takes"):
            run(make(name), sample)
        return
    out = run(make(name), sample)
    assert out.image.dtype == (np.float32 if name in CHANGES_DTYPE else img.dtype)
    assert out.image.ndim == img.ndim and out.image.shape[2:] == img.shape[2:]
    assert np.isfinite(out.image).all()
    assert out.masks[0].dtype == np.uint8 and set(np.unique(out.masks[0])) <= {0, 3}


def _float_kind(name: str) -> tuple[type, int]:
    return (np.float32, 9) if _takes(name, np.float32, 9) else (np.float32, 3)


@pytest.mark.parametrize("name", [n for n in LEAVES if _takes(n, np.float32, 3)])
def test_float_images_keep_their_own_range_unless_declared_unit(name):
    img = photo(*_float_kind(name), spread=3.0)  # values in [-1, 2]
    out = run(make(name), A.Sample(img), seed=5).image
    if A.REGISTRY[name].float_range == "unit":  # the result of the clipped input
        clipped = run(make(name), A.Sample(np.clip(img, 0.0, 1.0)), seed=5).image
        assert np.array_equal(out, clipped)
    elif name not in CHANGES_DTYPE:  # nothing clipped: values beyond [0, 1] survive
        assert out.min() < -0.05 or out.max() > 1.05


def _as_bands(rgb: np.ndarray, dtype, n: int) -> np.ndarray:
    """``n`` bands repeating the RGB channels, as uint16 (x 257) or float32 (/ 255)."""
    tiled = rgb[:, :, [k % 3 for k in range(n)]]
    if dtype == np.uint16:
        return tiled.astype(np.uint16) * np.uint16(257)
    return (tiled / np.float32(255.0)).astype(np.float32)


@pytest.mark.parametrize("name", [n for n in LEAVES if _geometric(n)])
@pytest.mark.parametrize(("dtype", "n"), [(np.uint16, 13), (np.float32, 9)])
def test_geometric_transforms_move_bands_and_targets_as_on_rgb(name, dtype, n):
    rgb = full_sample(photo())
    bands = full_sample(_as_bands(rgb.image, dtype, n))
    a, b = run(make(name), rgb, seed=7), run(make(name), bands, seed=7)
    assert [x.params for x in a.applied] == [x.params for x in b.applied]
    for field in ("boxes", "keypoints"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert a.box_labels == b.box_labels and np.array_equal(a.masks[0], b.masks[0])
    # every band moved as its RGB channel did: within one 8-bit level of interpolation; a
    # remap, and a warp of many float bands, sample through OpenCV's fixed-point coordinates
    # (1/32 px) in one call, RGB through float coordinates
    fixed = A.REGISTRY[name].__module__.endswith("distortion") or dtype == np.float32
    unit = 257.0 if dtype == np.uint16 else 1 / 255.0
    for k in range(n):
        diff = np.abs(b.image[:, :, k] / unit - a.image[:, :, k % 3].astype(np.float64))
        assert diff.max() <= (8.0 if fixed else 1.0 + 1e-3), (k, diff.max())
        assert diff.mean() <= 0.5, (k, diff.mean())


def test_per_band_fill_reaches_bands_past_the_fourth():
    # regression: OpenCV's border value holds 4 numbers, and every 4-band chunk of a warp
    # got the first four fill values
    img = np.zeros((20, 24, 13), np.uint16)
    fill = tuple(range(100, 1400, 100))
    out = A.Rotate(limit=(45, 45), fill=fill, p=1.0)(image=img, seed=0).image
    assert out[0, 0].tolist() == list(fill)
    padded = A.Pad(padding=2, fill=fill, p=1.0)(image=img, seed=0).image
    assert padded[0, 0].tolist() == list(fill)


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
    if name == "OnBands":  # pixel-value children only, on chosen bands
        t = cls([make("Blur"), A.OneOf([make("Gamma"), make("ToGray")])], bands=[2, 0, 1])
    elif takes_children:
        t = cls([make("HorizontalFlip"), A.OneOf([make("Blur"), make("Gamma")])])
    else:
        t = cls()
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


@pytest.mark.parametrize(("dtype", "n"), [(np.uint16, 13), (np.float32, 9)])
def test_a_fused_chain_moves_many_bands_and_labels_as_it_moves_rgb(dtype, n):
    # three warps fused into one resampling, with the border each one shows painted in
    def pipe():
        return A.Compose(
            [
                A.Rotate(limit=(20, 20), p=1.0),
                A.Pad(padding=6, fill=40, p=1.0),
                A.Affine(scale=(0.8, 0.8), translate_px=(3, 3), p=1.0),
            ],
            seed=0,
        )

    rgb = full_sample(photo())
    bands = full_sample(_as_bands(rgb.image, dtype, n))
    a, b = pipe()(rgb, seed=1), pipe()(bands, seed=1)
    assert np.array_equal(a.boxes, b.boxes) and np.array_equal(a.keypoints, b.keypoints)
    assert np.array_equal(a.masks[0], b.masks[0])
    # the pad's fill is 40 in image units on every dtype (not scaled like the content); many
    # float bands are warped at 1/32 px (OpenCV's fixed-point path), RGB at float precision
    unit = 257.0 if dtype == np.uint16 else 1 / 255.0
    levels = 8.0 if dtype == np.float32 else 1.0
    for k in range(n):
        got = b.image[:, :, k].astype(np.float64)
        rgb_k = a.image[:, :, k % 3].astype(np.float64)
        content = rgb_k != 40
        diff = np.abs(got[content] - rgb_k[content] * unit) / unit
        assert diff.max() <= levels + 1e-3 and diff.mean() <= 0.5
        edge = ~content
        near = np.abs(got[edge] - 40 * unit) <= levels * unit + 1e-3
        assert np.all(np.isclose(got[edge], 40) | near)
