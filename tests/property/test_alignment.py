"""Property-based checks over random images, labels and random geometric pipelines."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthaug import augment as A

SETTINGS = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

EXACT = [
    lambda: A.HorizontalFlip(p=1),
    lambda: A.VerticalFlip(p=1),
    lambda: A.Transpose(p=1),
    lambda: A.Rotate90(k=(1, 2, 3), p=1),
    lambda: A.Sequential([A.PadIfNeeded(44, 44, p=1), A.RandomCrop(40, 44, p=1)]),
    lambda: A.Sequential([A.PadIfNeeded(44, 44, p=1), A.CenterCrop(44, 40, p=1)]),
    lambda: A.PadIfNeeded(70, 76, position="random", p=1),
]
INTERPOLATED = [
    lambda: A.Rotate(limit=25, p=1),
    lambda: A.Affine(rotate=15, scale=(0.9, 1.15), translate_percent=0.05, shear=8, p=1),
    lambda: A.Perspective(scale=(0.02, 0.06), p=1),
    lambda: A.Resize(56, 64, p=1),
    lambda: A.RandomResizedCrop((48, 52), scale=(0.6, 1.0), p=1),
]


@st.composite
def scenes(draw):
    """A blank canvas with dots (keypoints) and rectangles (boxes), each painted in a mask."""
    h = draw(st.integers(52, 72))
    w = draw(st.integers(52, 72))
    n_dots = draw(st.integers(1, 3))
    n_rects = draw(st.integers(1, 3))
    kps, boxes, masks = [], [], []
    for _ in range(n_dots):
        x, y = draw(st.integers(8, w - 9)), draw(st.integers(8, h - 9))
        m = np.zeros((h, w), np.uint8)
        m[y - 2 : y + 3, x - 2 : x + 3] = 1
        kps.append([x, y])
        masks.append(m)
    for _ in range(n_rects):
        x0, y0 = draw(st.integers(6, w - 26)), draw(st.integers(6, h - 26))
        bw, bh = draw(st.integers(10, 20)), draw(st.integers(10, 20))
        m = np.zeros((h, w), np.uint8)
        m[y0 : y0 + bh, x0 : x0 + bw] = 1
        boxes.append([x0, y0, x0 + bw, y0 + bh])
        masks.append(m)
    dtype = draw(st.sampled_from([np.uint8, np.float32]))
    channels = draw(st.sampled_from([0, 1, 3, 5]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    shape = (h, w) if channels == 0 else (h, w, channels)
    img = rng.integers(0, 256, shape).astype(np.uint8)
    img = img if dtype == np.uint8 else (img / 255.0).astype(np.float32)
    return A.Sample(
        img,
        masks=masks,
        boxes=np.array(boxes, float),
        box_labels=list(range(n_dots, n_dots + n_rects)),
        keypoints=np.array(kps, float),
        keypoint_labels=list(range(n_dots)),
    )


@st.composite
def pipelines(draw, pool):
    idx = draw(st.lists(st.integers(0, len(pool) - 1), min_size=1, max_size=4))
    fuse = draw(st.booleans())
    return A.Compose([pool[i]() for i in idx], remove_invisible_keypoints=False, fuse=fuse)


def _interior(mask: np.ndarray, n_min: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The dot's pixels, or None when it was cut by a border (a crop can cut a dot)."""
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    if len(xs) < n_min or xs.min() == 0 or ys.min() == 0 or xs.max() == w - 1 or ys.max() == h - 1:
        return None
    return xs, ys


def _check_alignment(out: A.Sample, box_tol: float | None, dot_tol: float = 1.5) -> None:
    for (x, y), i in zip(out.keypoints[:, :2], out.keypoint_labels, strict=True):
        found = _interior(out.masks[i], 25 if dot_tol < 1 else 18)
        if found is None:
            continue
        xs, ys = found
        assert abs(xs.mean() - x) <= dot_tol and abs(ys.mean() - y) <= dot_tol
    for box, i in zip(out.boxes, out.box_labels, strict=True):
        ys, xs = np.nonzero(out.masks[i])
        if len(xs) < 30:
            continue
        tight = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], float)
        if box_tol is None:  # containment only, with the resampling slack of dot_tol
            assert np.all(box[:2] <= tight[:2] + dot_tol) and np.all(box[2:] >= tight[2:] - dot_tol)
        else:
            assert np.all(np.abs(tight - box) <= box_tol), (box, tight)


@SETTINGS
@given(sample=scenes(), pipe=pipelines(EXACT), seed=st.integers(0, 10_000))
def test_exact_pipelines_keep_boxes_tight_and_dots_on_keypoints_exactly(sample, pipe, seed):
    out = pipe(sample, seed=seed)
    _check_alignment(out, box_tol=1e-9, dot_tol=1e-9 + 0.0)


@SETTINGS
@given(sample=scenes(), pipe=pipelines(EXACT + INTERPOLATED), seed=st.integers(0, 10_000))
def test_random_geometric_pipelines_keep_targets_aligned(sample, pipe, seed):
    out = pipe(sample, seed=seed)
    n_resamplings = sum(not getattr(type(t), "exact", False) for t in _leaves(out, pipe))
    if pipe.fuse or n_resamplings <= 1:
        # one resampling: keypoints on their dots, boxes the tight box of their rectangles
        _check_alignment(out, box_tol=1.5)
    else:
        # an unfused chain re-boxes after every step (the box of a rotated box is looser than
        # the box of the rotated object) and resamples masks once per step: dots stay within
        # one pixel per resampling, and each box still contains its rectangle
        _check_alignment(out, box_tol=None, dot_tol=1.0 * n_resamplings + 0.5)


def _leaves(out: A.Sample, pipe: A.Compose) -> list[A.Transform]:
    return [pipe._locate(a.path) for a in out.applied]


@SETTINGS
@given(sample=scenes(), pipe=pipelines(EXACT + INTERPOLATED), seed=st.integers(0, 10_000))
def test_dtype_channels_determinism_and_replay(sample, pipe, seed):
    a = pipe(sample, seed=seed)
    b = pipe(sample, seed=seed)
    assert a.image.dtype == sample.image.dtype and a.image.ndim == sample.image.ndim
    assert a.image.shape[2:] == sample.image.shape[2:]
    assert a.image.tobytes() == b.image.tobytes()
    r = pipe.replay(sample, a.applied)
    assert r.image.tobytes() == a.image.tobytes()
    assert np.array_equal(r.boxes, a.boxes) and np.array_equal(r.keypoints, a.keypoints)
    for m in a.masks:
        assert set(np.unique(m)) <= {0, 1}
