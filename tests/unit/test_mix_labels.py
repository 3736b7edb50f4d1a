"""MixUp, CutMix and Mosaic keep every kind of label: oriented boxes, keypoint visibility,
keypoint instances and flip pairs.

The CutMix and Mosaic checks use a painted oracle (as ``tests/property/test_oriented_pairs.py``):
every oriented box of a batch is painted in its own image channel (value 1 of a ``uint16``
image, pixel centres inside its corners), and one more channel holds every keypoint as the
value ``id + 1`` at its pixel. Mixing moves pixels without resampling, so after a call the
paint of channel ``c`` *is* what shows of box ``c``. The output is split into *zones*, the
parts of the canvas one source sample fills (CutMix: the base outside the pasted rectangle and
the partner inside it; Mosaic: each tile's quadrant), read from ``out.meta["mix"]``. Checks:

``obb_loose``  a kept box leaves paint of its zone outside (by more than ``COVER_PX``);
``obb_off``    a box cut to its zone (or moved whole) does not fit its visible paint: IoU
               below ``MIN_IOU`` against the minimum-area rectangle of that paint, and larger
               than that rectangle (beyond half a pixel along its outline: a triangle's
               minimum-area rectangle is not unique, so the IoU alone can be low);
``obb_moved``  a base box of CutMix whose corners changed;
``obb_ghost``  a kept box with no paint in its zone;
``obb_lost``   a dropped box whose visible paint share is at least ``min_visibility +
               MARGIN`` (``obb_hidden``: a kept box below ``min_visibility - MARGIN``);
``obb_vis``    reported visibility off the painted share by more than ``MARGIN``;
``kp_*``       a kept visible keypoint off its pixel, a visible keypoint of a kept instance
               (or of none) dropped, instance ids that do not name the row of their box, or
               labels / visibility / instances of different lengths.

``N_CASES`` random batches per mixer run in each test session (seeded, a few seconds).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import cv2
import numpy as np
import pytest

from synthaug import augment as A
from synthaug.augment.functional import oriented as O
from synthaug.augment.sample import oriented_to_corners
from synthaug.errors import InvalidInputError

SEED = 16
N_CASES = 300
MIN_IOU = 0.75
COVER_PX = 1.5
MARGIN = 0.08  # painted shares: pixel-centre counts, off the area by up to ~0.05 here
CHECKS = (
    "obb_loose",
    "obb_off",
    "obb_moved",
    "obb_ghost",
    "obb_lost",
    "obb_hidden",
    "obb_vis",
    "kp_off",
    "kp_lost",
    "kp_instance",
    "kp_align",
    "format",
)


def fill(poly: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Pixels whose centres lie in a convex pixel-edge polygon (half-plane tests: a
    rasteriser's edge pixels would add about half a pixel along the outline)."""
    ys, xs = np.mgrid[: hw[0], : hw[1]] + 0.5
    p = np.asarray(poly, np.float64)
    q = np.roll(p, -1, axis=0)
    cross = (q[:, 0, None, None] - p[:, 0, None, None]) * (ys - p[:, 1, None, None]) - (
        q[:, 1, None, None] - p[:, 1, None, None]
    ) * (xs - p[:, 0, None, None])
    return bool(area(p) > 0) & ((cross >= 0).all(axis=0) | (cross <= 0).all(axis=0))


def area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * abs(float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)))


@dataclass
class Batch:
    """A generated batch: the samples, and for each global box / keypoint id its owner."""

    samples: list[A.Sample]
    n_obb: int
    box_sample: list[int] = field(default_factory=list)  # sample of each box id
    box_corners: list[np.ndarray] = field(default_factory=list)  # in its sample's pixels
    kp_sample: list[int] = field(default_factory=list)
    kp_box: list[int] = field(default_factory=list)  # box id of its instance, -1 for none
    kp_vis: list[int] = field(default_factory=list)  # visibility given (2 when none)
    with_boxes: bool = False


def make_batch(rng: np.random.Generator, same_size: bool) -> Batch:
    """2-4 samples with 0-2 oriented boxes (any angle, some partly outside the frame), their
    keypoints with instances (or -1) and visibility of a random kind per sample."""
    n = int(rng.integers(2, 5))
    sizes = [(int(rng.integers(48, 97)), int(rng.integers(48, 97))) for _ in range(n)]
    if same_size:
        sizes = [sizes[0]] * n
    counts = [int(rng.integers(0, 3)) for _ in range(n)]
    n_obb = sum(counts)
    batch = Batch([], n_obb, with_boxes=bool(rng.random() < 0.3))
    kp_id = 0
    for i, ((h, w), k) in enumerate(zip(sizes, counts, strict=True)):
        image = np.zeros((h, w, n_obb + 1), np.uint16)
        corners = []
        for _ in range(k):
            bw, bh = rng.uniform(20, 44), rng.uniform(12, 28)
            xywha = [rng.uniform(0, w), rng.uniform(0, h), bw, bh, rng.uniform(-180, 180)]
            c = O.corners_from_xywha(np.array([xywha]))[0]
            image[..., len(batch.box_sample)][fill(c, (h, w))] = 1
            batch.box_sample.append(i)
            batch.box_corners.append(c)
            corners.append(c)
        first = len(batch.box_sample) - k
        n_kp = int(rng.integers(0, 6))
        flat = rng.choice(h * w, size=n_kp, replace=False)
        kps = np.stack([flat % w, flat // w], axis=1).astype(np.float64)
        inst = [int(rng.integers(-1, k)) for _ in range(n_kp)]
        kind = rng.choice(["none", "bool", "coco"])
        vis = (
            None
            if kind == "none"
            else rng.random(n_kp) < 0.8
            if kind == "bool"
            else rng.integers(0, 3, n_kp).astype(np.int8)
        )
        labels = []
        for q, (x, y) in enumerate(kps.astype(int)):
            image[y, x, n_obb] = kp_id + 1
            labels.append(kp_id)
            batch.kp_sample.append(i)
            batch.kp_box.append(first + inst[q] if inst[q] >= 0 else -1)
            batch.kp_vis.append(2 if vis is None else int(vis[q]) * (2 if kind == "bool" else 1))
            kp_id += 1
        fmt = "xywha" if rng.random() < 0.5 else "corners"
        obb = np.array(corners).reshape(-1, 4, 2)
        extra = {}
        if batch.with_boxes:
            extra = {
                "boxes": np.concatenate([obb.min(axis=1), obb.max(axis=1)], axis=1),
                "box_labels": list(range(first, first + k)),
            }
        batch.samples.append(
            A.Sample(
                image,
                oriented_boxes=O.corners_to_xywha(obb) if fmt == "xywha" else obb,
                oriented_box_format=fmt,
                oriented_box_labels=list(range(first, first + k)),
                keypoints=kps,
                keypoint_labels=labels,
                keypoint_visibility=vis,
                keypoint_instances=inst,
                **extra,
            )
        )
    return batch


def zones(out: A.Sample, batch: Batch) -> list[tuple[int, np.ndarray]]:
    """``(sample, pixels it fills)`` for each source of ``out`` (from ``out.meta["mix"]``)."""
    mix, hw = out.meta["mix"], (out.height, out.width)
    if mix["kind"] == "CutMix":
        x0, y0, x1, y1 = mix["rect"]
        inside = np.zeros(hw, bool)
        inside[y0:y1, x0:x1] = True
        return [(mix["base"], ~inside), (mix["partner"], inside)]
    cx, cy = mix["center"]
    out_zones = []
    quads = [(0, 0, cx, cy), (cx, 0, hw[1], cy), (0, cy, cx, hw[0]), (cx, cy, hw[1], hw[0])]
    for k, (j, (x0, y0, x1, y1)) in enumerate(zip(mix["tiles"], quads, strict=True)):
        h, w = batch.samples[j].height, batch.samples[j].width
        dx, dy = (cx - w if k in (0, 2) else cx), (cy - h if k in (0, 1) else cy)
        z = np.zeros(hw, bool)
        z[max(y0, dy) : min(y1, dy + h), max(x0, dx) : min(x1, dx + w)] = True
        out_zones.append((j, z))
    return out_zones


def _rect_of(paint: np.ndarray) -> np.ndarray:
    """The minimum-area rectangle of the painted pixels' squares (4 x 2 corners)."""
    ys, xs = np.nonzero(paint)
    pts = np.stack([xs, ys], axis=1)[:, None, :] + np.array([[0, 0], [1, 0], [1, 1], [0, 1]])
    return cv2.boxPoints(cv2.minAreaRect(pts.reshape(-1, 1, 2).astype(np.float32)))


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    inter, _ = cv2.intersectConvexConvex(a.astype(np.float32), b.astype(np.float32))
    union = area(a) + area(b) - inter
    return float(inter / union) if union > 0 else 0.0


def check(out: A.Sample, batch: Batch, mv: float, remove: bool) -> list[str]:
    """The failures of one mixed sample (see the module doc)."""
    fails: list[str] = []
    hw = (out.height, out.width)
    zs = zones(out, batch)
    srcs = [s for s, _ in zs]
    if out.meta["mix"]["kind"] == "CutMix" and srcs[0] == srcs[1]:
        return fails  # mixed with itself: zones share labels, only alignment is judged
    base = batch.samples[srcs[0]]
    want = base.oriented_box_format if base.oriented_boxes is not None else None
    if want is not None and out.oriented_box_format != want:
        fails.append(f"format: {out.oriented_box_format} for a base in {want}")
    corners = oriented_to_corners(out.oriented_boxes, out.oriented_box_format)
    labels = list(out.oriented_box_labels)
    if out.boxes is not None and batch.with_boxes and list(out.box_labels) != labels:
        fails.append(f"kp_instance: rows of boxes {out.box_labels} and oriented boxes {labels}")
    # which zone each kept box belongs to: the zone of its sample where it covers most paint
    row_zone = []
    for c, quad in zip(labels, corners, strict=True):
        cands = [k for k, (s, _) in enumerate(zs) if s == batch.box_sample[c]]
        cover = [int((fill(quad, hw) & zs[k][1] & (out.image[..., c] > 0)).sum()) for k in cands]
        row_zone.append(cands[int(np.argmax(cover))] if cands else -1)
    for r, (c, quad, vis) in enumerate(
        zip(labels, corners, out.oriented_box_visibility, strict=True)
    ):
        k = row_zone[r]
        paint = (out.image[..., c] > 0) & zs[k][1]
        share = paint.sum() / area(batch.box_corners[c])
        if not paint.any():
            fails.append(f"obb_ghost [box {c}]: kept, no paint")
            continue
        if abs(vis - share) > MARGIN:
            fails.append(f"obb_vis [box {c}]: visibility {vis:.3f}, painted share {share:.3f}")
        if share < mv - MARGIN:
            fails.append(f"obb_hidden [box {c}]: kept at painted share {share:.3f} < {mv:.2f}")
        near = cv2.distanceTransform((~fill(quad, hw)).astype(np.uint8), cv2.DIST_L2, 5)
        if near[paint].max() > COVER_PX:
            fails.append(f"obb_loose [box {c}]: paint {near[paint].max():.1f} px outside")
        if out.meta["mix"]["kind"] == "CutMix" and k == 0:
            if not np.allclose(quad, batch.box_corners[c], atol=1e-6):
                fails.append(f"obb_moved [box {c}]: {quad.tolist()}")
            continue
        # a cut box is the minimum-area rectangle of its visible part: no larger than that of
        # its visible paint (whose pixel squares reach half a pixel farther). A triangle's
        # minimum-area rectangle is not unique, so IoU with the paint's may be low.
        rect = _rect_of(paint)
        slack = 0.5 * float(np.sum(np.hypot(*(np.roll(rect, -1, axis=0) - rect).T)))
        if _iou(quad, rect) < MIN_IOU and area(quad) > area(rect) + slack:
            fails.append(
                f"obb_off [box {c}]: IoU {_iou(quad, rect):.2f}, area {area(quad):.0f} px "
                f"for {area(rect):.0f} px of the paint's rectangle"
            )
    kept_rows = {(c, row_zone[r]) for r, c in enumerate(labels)}
    for k, (s, z) in enumerate(zs):
        for c in (c for c in range(batch.n_obb) if batch.box_sample[c] == s):
            share = ((out.image[..., c] > 0) & z).sum() / area(batch.box_corners[c])
            if (c, k) not in kept_rows and share >= mv + MARGIN and not batch.with_boxes:
                fails.append(f"obb_lost [box {c}]: dropped at painted share {share:.3f}")
    fails += _check_keypoints(out, batch, zs, kept_rows, row_zone, remove)
    return fails


def _check_keypoints(
    out: A.Sample,
    batch: Batch,
    zs: list[tuple[int, np.ndarray]],
    kept_rows: set[tuple[int, int]],
    row_zone: list[int],
    remove: bool,
) -> list[str]:
    """Keypoint failures: off their pixel, lost, wrong instance row, misaligned."""
    fails: list[str] = []
    kps, ids = out.keypoints, list(out.keypoint_labels)
    vis, inst = out.keypoint_visibility, out.keypoint_instances
    n = len(kps)
    if not (len(ids) == n and (vis is None or len(vis) == n) and len(inst) == n):
        return [f"kp_align: {n} keypoints, {len(ids)} labels, visibility {vis}, inst {inst}"]
    h, w = out.height, out.width
    kp_plane = out.image[..., batch.n_obb].astype(np.int64) - 1
    seen = []  # (id, zone) of each kept keypoint shown on its own pixel
    for q, g in enumerate(ids):
        x, y = (int(round(v)) for v in kps[q, :2])
        on = 0 <= x < w and 0 <= y < h and kp_plane[y, x] == g
        v = 2 if vis is None else int(vis[q]) * (2 if vis.dtype == bool else 1)
        if remove and not on:
            fails.append(f"kp_off [kp {g}]: kept at ({x}, {y}), its pixel not shown there")
        if v != (batch.kp_vis[g] if on else 0):
            fails.append(f"kp_off [kp {g}]: visibility {v}, given {batch.kp_vis[g]}, shown {on}")
        zone = next((k for k, (_, z) in enumerate(zs) if on and z[y, x]), -1)
        if on:
            seen.append((g, zone))
        want_box = batch.kp_box[g]
        if want_box < 0:
            if inst[q] != -1:
                fails.append(f"kp_instance [kp {g}]: no instance given, {inst[q]} out")
        elif not 0 <= inst[q] < len(out.oriented_box_labels):
            fails.append(f"kp_instance [kp {g}]: instance {inst[q]} of a box {want_box}")
        elif out.oriented_box_labels[inst[q]] != want_box or (on and row_zone[inst[q]] != zone):
            fails.append(f"kp_instance [kp {g}]: row {inst[q]} is not box {want_box}")
    # every keypoint shown in a zone of its sample is kept, unless its instance was dropped
    for k, (_, z) in enumerate(zs):
        for y, x in zip(*np.nonzero(z & (kp_plane >= 0)), strict=True):
            g = int(kp_plane[y, x])
            box = batch.kp_box[g]
            if (box < 0 or (box, k) in kept_rows) and (g, k) not in seen:
                fails.append(f"kp_lost [kp {g}]: shown at ({x}, {y}), not kept")
    return fails


@dataclass
class Case:
    index: int
    kind: str
    failures: list[str] = field(default_factory=list)
    n_kept: int = 0
    n_cut: int = 0


def run_case(kind: str, index: int) -> Case:
    """Mix one random batch with ``kind`` and check every output."""
    rng = np.random.default_rng([SEED, index, kind == "Mosaic"])
    batch = make_batch(rng, same_size=kind == "CutMix")
    mv = float(rng.uniform(0.1, 0.6))
    remove = bool(rng.random() < 0.7)
    if kind == "CutMix":
        mixer = A.CutMix(alpha=1.0, min_visibility=mv, remove_invisible_keypoints=remove)
    else:
        mixer = A.Mosaic(
            height=int(rng.integers(64, 129)),
            width=int(rng.integers(64, 129)),
            min_visibility=mv,
            remove_invisible_keypoints=remove,
        )
    case = Case(index, kind)
    outs = mixer(batch.samples, seed=int(rng.integers(2**31)))
    for i, out in enumerate(outs):
        mix = out.meta["mix"]
        mix["base"] = i
        case.failures += [f"{i}: {f}" for f in check(out, batch, mv, remove)]
        case.n_kept += len(out.oriented_boxes)
        case.n_cut += int(np.sum(out.oriented_box_visibility < 1))
    return case


@functools.cache
def _cases(kind: str) -> tuple[Case, ...]:
    return tuple(run_case(kind, i) for i in range(N_CASES))


@pytest.mark.parametrize("kind", ["CutMix", "Mosaic"])
def test_the_cases_keep_and_cut_many_oriented_boxes(kind: str) -> None:
    cases = _cases(kind)
    assert sum(c.n_kept for c in cases) >= 300
    assert sum(c.n_cut for c in cases) >= 100


@pytest.mark.parametrize("kind", ["CutMix", "Mosaic"])
@pytest.mark.parametrize("name", CHECKS)
def test_mixed_labels_agree_with_paint(kind: str, name: str) -> None:
    failing = [c for c in _cases(kind) if any(name in f for f in c.failures)]
    head = f"{len(failing)} of {N_CASES} {kind} batches (seed {SEED}) fail {name}"
    shown = [f"case {c.index}: " + "; ".join(c.failures[:4]) for c in failing[:3]]
    assert not failing, "\n".join([head, *shown])


def _pair(fmt_b: str = "corners") -> list[A.Sample]:
    """Two 40 x 60 samples with two oriented boxes each, keypoints with instances."""
    out = []
    for k, fmt in enumerate(("xywha", fmt_b)):
        xywha = np.array([[15.0, 12.0, 16.0, 8.0, 30.0], [45.0, 28.0, 12.0, 6.0, -60.0]])
        obb = xywha if fmt == "xywha" else O.corners_from_xywha(xywha)
        out.append(
            A.Sample(
                np.full((40, 60, 3), 50 * k, np.uint8),
                oriented_boxes=obb,
                oriented_box_format=fmt,
                oriented_box_labels=[f"s{k}o0", f"s{k}o1"],
                keypoints=np.array([[15.0, 12.0], [45.0, 28.0], [30.0, 5.0]]),
                keypoint_labels=[f"s{k}k{q}" for q in range(3)],
                keypoint_instances=[0, 1, -1],
                keypoint_visibility=np.array([2, 1, 0], np.int8) if k == 0 else None,
                label=k,
            )
        )
    return out


def test_mixup_concatenates_oriented_boxes_keypoints_and_offsets_instances():
    a, b = _pair()
    out = A.MixUp(n_classes=2)._unmixed(a)  # a plain copy: formats untouched
    assert out.oriented_box_format == "xywha"
    for o in A.MixUp(n_classes=2)([a, b], seed=0):
        j = o.meta["mix"]["partner"]
        first = "s0" if o.oriented_box_format == "xywha" else "s1"
        assert o.oriented_box_labels[:2] == [f"{first}o0", f"{first}o1"]
        assert o.oriented_boxes.shape == ((4, 5) if first == "s0" else (4, 4, 2))
        assert o.oriented_box_labels[2:] == [f"s{j}o0", f"s{j}o1"]
        assert np.allclose(o.oriented_box_visibility, 1.0)
        assert o.keypoint_instances.tolist() == [0, 1, -1, 2, 3, -1]
        assert [o.oriented_box_labels[r] for r in o.keypoint_instances[:2]] == [
            f"{first}o0",
            f"{first}o1",
        ]
        vis = {"s0": [2, 1, 0], "s1": [2, 2, 2]}  # no visibility given: visible (COCO 2)
        if first == f"s{j}" == "s1":
            assert o.keypoint_visibility is None  # none given, none hidden
        else:
            assert o.keypoint_visibility.tolist() == vis[first] + vis[f"s{j}"]
        assert len(o.keypoints) == len(o.keypoint_labels) == 6


def test_cutmix_drops_an_instance_whole_and_renumbers_the_partners():
    a, b = _pair()
    out = A.CutMix(n_classes=2, min_visibility=0.5)._paste(a, b, 1, (30, 16, 60, 40))
    # the rectangle hides box s0o1 (and its keypoint), and holds only the partner's s1o1
    assert out.oriented_box_labels == ["s0o0", "s1o1"]
    assert out.oriented_box_format == "xywha"
    assert out.keypoint_labels == ["s0k0", "s0k2", "s1k1"]
    assert out.keypoint_instances.tolist() == [0, -1, 1]
    assert out.keypoint_visibility.tolist() == [2, 0, 2]


def test_cutmix_can_keep_hidden_keypoints_as_invisible():
    a, b = _pair()
    mix = A.CutMix(n_classes=2, min_visibility=0.0, remove_invisible_keypoints=False)
    out = mix._paste(a, b, 1, (0, 0, 30, 20))
    # s0o0 is hidden (its keypoint s0k0 goes with it), s1o1 lies outside (s1k1 goes);
    # s1k2 belongs to no instance: kept where the base covers it, invisible
    assert out.oriented_box_labels == ["s0o1", "s1o0"]
    assert out.keypoint_labels == ["s0k1", "s0k2", "s1k0", "s1k2"]
    assert out.keypoint_visibility.tolist() == [1, 0, 2, 0]
    assert out.keypoint_instances.tolist() == [0, -1, 1, -1]
    assert mix.to_dict()["remove_invisible_keypoints"] is False


def test_a_cut_oriented_box_becomes_the_rectangle_of_its_visible_part():
    a, b = _pair()
    b.oriented_boxes = O.corners_from_xyxy(np.array([[10.0, 10.0, 50.0, 30.0]]))
    b.oriented_box_labels = ["wide"]
    b.keypoints, b.keypoint_labels, b.keypoint_instances = None, None, None
    out = A.CutMix(n_classes=2, min_visibility=0.1)._paste(a, b, 1, (0, 0, 30, 40))
    corners = oriented_to_corners(out.oriented_boxes, "xywha")
    assert out.oriented_box_labels[-1] == "wide"
    x0, y0 = corners[-1].min(axis=0)
    x1, y1 = corners[-1].max(axis=0)
    assert np.allclose([x0, y0, x1, y1], [10, 10, 30, 30], atol=1e-3)
    assert out.oriented_box_visibility[-1] == pytest.approx(0.5)


def test_flip_pairs_must_agree_across_the_batch():
    a, b = _pair()
    c = _pair()[1]
    for s in (a, b):
        s.keypoint_flip_pairs = [(0, 1)]
    out = A.Mosaic(48, 48, n_classes=2)([a, b, c], seed=0)
    assert all(o.keypoint_flip_pairs == [(0, 1)] for o in out)
    c.keypoint_flip_pairs = "names"
    for mix in (A.MixUp(n_classes=2), A.CutMix(n_classes=2), A.Mosaic(48, 48, n_classes=2)):
        with pytest.raises(InvalidInputError, match=r"samples\[2\]\.keypoint_flip_pairs"):
            mix([a, b, c], seed=0)


def test_instances_must_name_rows_of_the_boxes():
    a, b = _pair()
    b.keypoint_instances = [0, 2, -1]
    with pytest.raises(InvalidInputError, match=r"samples\[1\]\.keypoint_instances: instance 2"):
        A.CutMix(n_classes=2)([a, b], seed=0)


def test_instance_masks_follow_their_oriented_box():
    a, b = _pair()
    for s in (a, b):
        corners = oriented_to_corners(s.oriented_boxes, s.oriented_box_format)
        s.masks = [fill(c, (40, 60)).astype(np.uint8) for c in corners]
    out = A.CutMix(n_classes=2, min_visibility=0.5)._paste(a, b, 1, (30, 16, 60, 40))
    assert out.oriented_box_labels == ["s0o0", "s1o1"]
    assert [int(m.sum()) for m in out.masks] == [int(a.masks[0].sum()), int(b.masks[1].sum())]


def test_flip_pairs_in_another_order_are_the_same_pairs():
    """Regression: ('l', 'r') and ('r', 'l'), or the pairs listed in another order, swap the
    same keypoints and were refused as different."""
    image = np.zeros((32, 32, 3), np.uint8)
    kps = np.array([[5.0, 5.0], [10.0, 10.0], [20.0, 20.0], [25.0, 25.0]])
    names = ["l", "r", "a", "b"]
    a = A.Sample(image, keypoints=kps, keypoint_labels=names,
               keypoint_flip_pairs=[("l", "r"), ("a", "b")], label=0)  # fmt: skip
    b = A.Sample(image, keypoints=kps, keypoint_labels=names,
               keypoint_flip_pairs=[("b", "a"), ("r", "l")], label=1)  # fmt: skip
    out = A.CutMix(n_classes=2)([a, b], seed=0)
    assert len(out) == 2
    c = A.Sample(image, keypoints=kps, keypoint_labels=names,
               keypoint_flip_pairs=[("l", "a"), ("r", "b")], label=1)  # fmt: skip
    with pytest.raises(InvalidInputError, match="keypoint_flip_pairs"):
        A.CutMix(n_classes=2)([a, c], seed=0)
