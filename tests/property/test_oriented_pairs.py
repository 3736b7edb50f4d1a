"""Oriented boxes and mirrored keypoint pairs agree with painted pixels (issue 19, part 5).

The oracle of :mod:`painted`, for the richer labels: every object has its own image channel.

* **Oriented rectangles** (1-2 per scene, 40-80 x 16-40 px, any angle) are painted in their
  own channel; their corners are the labels. After a random geometric pipeline from
  :func:`painted.make_pipeline` (constant borders, fused or not) the checks are:
  ``obb_off_paint``: a whole box (visibility 1) with ``oriented_box_fit="corners"`` whose
  quadrilateral does not match its channel's paint (IoU below ``OBB_IOU``) or has a corner
  farther than ``CORNER_PX`` from any trace of paint; ``obb_rect_loose``: with ``"rect"``, a
  fitted rectangle that leaves painted pixels outside (by more than ``CORNER_PX``). The
  tolerance grows with the local magnification of the chain (read from a keypoint scale
  column), by half a pixel per resampling step, and doubles after a remap field (elastic,
  grid, optical distortion), whose bent edges four corners cannot follow (the IoU bound is
  then 0.15 lower);
  ``obb_ghost``: a kept box whose paint vanished; ``obb_lost``: a dropped box whose channel
  still has ``painted.MIN_MASK_PX`` painted pixels (thresholds off).
* **Mirrored pairs**: a left and a right dot (5 x 5), each in its own channel, carry the
  keypoints ``left_k`` / ``right_k`` with ``keypoint_flip_pairs="names"``. The oracle counts
  the mirroring steps that ran by name (HorizontalFlip, VerticalFlip, Transpose): after an
  odd number, keypoint ``left_k`` must sit on the paint of the *right* dot (it is the
  subject's left again), after an even number on its own. ``pair_order`` flags a visible
  keypoint whose expected dot has no paint within ``painted.KP_RADIUS`` px.

300 cases run per test session (a few seconds of CPU); the failing cases print with their
pipeline YAML. ``PYTHONPATH=src python tests/property/test_oriented_pairs.py 3000`` runs more
and counts failures per check.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import painted

from synthaug import augment as A
from synthaug.augment.functional import oriented as O

SEED = 19
N_CASES = 300
OBB_IOU = 0.75  # a whole oriented box against its painted channel
CORNER_PX = 2.0  # a corner (or painted pixel) may be this far from the paint (or the box)
MIRRORS = frozenset({"HorizontalFlip", "VerticalFlip", "Transpose"})
#: remap fields bend a box's edges (its four corners cannot follow) and their inverse is
#: solved numerically near the frame: the tolerance doubles after one of them
FIELDS = frozenset({"ElasticTransform", "GridDistortion", "OpticalDistortion"})
CHECKS = ("obb_off_paint", "obb_rect_loose", "obb_ghost", "obb_lost", "pair_order", "error")


@dataclass
class Case:
    """One generated case and what failed."""

    index: int
    yaml: str = ""
    failures: list[str] = field(default_factory=list)
    n_mirrors: int = 0
    fit: str = ""

    def report(self) -> str:
        """The case's pipeline and failures."""
        return "\n".join([f"case {SEED}:{self.index}", self.yaml, *self.failures])


def _fill(poly: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Pixels whose centres lie in a pixel-edge polygon (OpenCV fill, 1/256 px)."""
    out = np.zeros(hw, np.uint8)
    pts = np.round((np.asarray(poly) - 0.5) * 256.0).astype(np.int32)
    cv2.fillPoly(out, [pts], 1, lineType=cv2.LINE_8, shift=8)
    return out.astype(bool)


def make_scene(rng: np.random.Generator) -> tuple[A.Sample, int, int]:
    """Oriented rectangles and left/right dot pairs, each in its own channel."""
    h, w = int(rng.integers(128, 193)), int(rng.integers(128, 193))
    n_obb, n_pairs = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    image = np.zeros((h, w, n_obb + 2 * n_pairs), np.float32)
    boxes = []
    for k in range(n_obb):
        bw, bh = rng.uniform(40, 80), rng.uniform(16, 40)
        cx, cy = rng.uniform(bw / 2, w - bw / 2), rng.uniform(bw / 2, h - bw / 2)
        corners = O.corners_from_xywha(np.array([[cx, cy, bw, bh, rng.uniform(-180, 180)]]))[0]
        image[..., k][_fill(corners, (h, w))] = 1.0
        boxes.append(corners)
    kps, names = [], []
    for j in range(n_pairs):
        for side, ch in (("left", n_obb + 2 * j), ("right", n_obb + 2 * j + 1)):
            y, x = int(rng.integers(4, h - 4)), int(rng.integers(4, w - 4))
            image[y - 2 : y + 3, x - 2 : x + 3, ch] = 1.0
            kps.append([x, y, 0.0, 1.0])  # a scale column: the local magnification
            names.append(f"{side}_{j}")
    sample = A.Sample(
        image,
        oriented_boxes=np.array(boxes),
        oriented_box_labels=list(range(n_obb)),
        keypoints=np.array(kps, np.float64),
        keypoint_labels=names,
    )
    return sample, n_obb, n_pairs


def _check_obb(out: A.Sample, n_obb: int, fit: str, thresholds: bool) -> list[str]:
    fails = []
    hw = (out.height, out.width)
    # rasterising the paint is exact to half a source pixel, which an upscale magnifies
    tol = CORNER_PX * max(1.0, float(np.max(out.keypoints[:, 3])))
    bent = any(a.name in FIELDS for a in out.applied)
    if bent:
        tol *= 2
    # each resampling requantises the paint by up to half a pixel (nearest neighbour)
    tol += 0.5 * sum(a.name not in painted.EXACT for a in out.applied)
    kept = dict(zip(out.oriented_box_labels, range(len(out.oriented_boxes)), strict=True))
    for k in range(n_obb):
        paint = out.image[..., k] > painted.PAINTED
        trace = out.image[..., k] > painted.TRACE
        if k not in kept:
            if not thresholds and paint.sum() >= painted.MIN_MASK_PX:
                fails.append(f"obb_lost [box {k}]: {int(paint.sum())} px painted")
            continue
        i = kept[k]
        quad, vis = out.oriented_boxes[i], out.oriented_box_visibility[i]
        if not trace.any():
            fails.append(f"obb_ghost [box {k}]: kept, no paint")
            continue
        # an acute corner's paint fades under resampling: corners are judged against traces
        near = cv2.distanceTransform((~trace).astype(np.uint8), cv2.DIST_L2, 5)
        if fit == "corners" and vis > 1 - 1e-9:
            filled = _fill(quad, hw)
            iou = (filled & paint).sum() / max((filled | paint).sum(), 1)
            far = [
                float(near[min(max(int(y), 0), hw[0] - 1), min(max(int(x), 0), hw[1] - 1)])
                for x, y in quad
            ]
            min_iou = OBB_IOU - 0.15 if bent else OBB_IOU
            if paint.sum() >= 100 and (iou < min_iou or max(far) > tol):
                fails.append(f"obb_off_paint [box {k}]: IoU {iou:.2f}, corner {max(far):.1f} px")
        if fit == "rect":
            inside = cv2.distanceTransform((~_fill(quad, hw)).astype(np.uint8), cv2.DIST_L2, 5)
            worst = float(inside[paint].max()) if paint.any() else 0.0
            if worst > tol:
                fails.append(f"obb_rect_loose [box {k}]: paint {worst:.1f} px outside")
    return fails


def _check_pairs(out: A.Sample, n_obb: int, n_mirrors: int) -> list[str]:
    fails = []
    for i, (name, (x, y), vis) in enumerate(
        zip(out.keypoint_labels, out.keypoints[:, :2], out.keypoint_visibility, strict=True)
    ):
        if not vis:
            continue
        j, side = i // 2, i % 2
        own = n_obb + 2 * j + side
        expected = own if n_mirrors % 2 == 0 else n_obb + 2 * j + 1 - side
        ch = out.image[..., expected] > painted.TRACE
        ys, xs = np.nonzero(ch)
        d = np.hypot(xs - x, ys - y).min() if len(xs) else np.inf
        if d > painted.KP_RADIUS:
            fails.append(
                f"pair_order [{name}]: {n_mirrors} mirrorings, dot of channel {expected} "
                f"{d:.1f} px away"
            )
    return fails


def run_case(index: int) -> Case:
    """Build, run and check case ``index``."""
    rng = np.random.default_rng([SEED, index])
    sample, n_obb, n_pairs = make_scene(rng)
    spec = painted.make_pipeline(rng, (sample.height, sample.width))
    steps = painted.with_constant_borders(spec.pipe).transforms
    fit = "corners" if rng.random() < 0.5 else "rect"
    thresholds = bool(rng.random() < 0.25)
    pipe = A.Compose(
        steps,
        fuse=bool(rng.random() < 0.5),
        oriented_box_fit=fit,
        keypoint_flip_pairs="names",
        remove_invisible_keypoints=False,
        min_visibility=0.3 if thresholds else 0.0,
    )
    case = Case(index, yaml.safe_dump(pipe.to_dict(), sort_keys=False).rstrip(), fit=fit)
    try:
        out = pipe(sample, seed=int(rng.integers(2**31)))
    except Exception as exc:  # an engine error is a finding
        case.failures.append(f"error: {type(exc).__name__}: {exc}")
        return case
    n_mirrors = case.n_mirrors = sum(a.name in MIRRORS for a in out.applied)
    case.failures += _check_obb(out, n_obb, fit, thresholds)
    case.failures += _check_pairs(out, n_obb, n_mirrors)
    return case


@functools.cache
def _cases() -> tuple[Case, ...]:
    return tuple(run_case(i) for i in range(N_CASES))


def test_the_cases_cover_odd_and_even_mirrorings_and_both_fits():
    cases = _cases()
    assert sum(c.n_mirrors % 2 == 1 for c in cases) >= 30
    assert sum(c.n_mirrors >= 2 for c in cases) >= 3
    assert sum(c.fit == "rect" for c in cases) >= 100


@pytest.mark.parametrize("check", CHECKS)
def test_oriented_boxes_and_pairs_agree_with_paint(check: str) -> None:
    failing = [c for c in _cases() if any(f.startswith(check) for f in c.failures)]
    head = f"{len(failing)} of {N_CASES} pipelines (seed {SEED}) fail {check}"
    assert not failing, "\n\n".join([head] + [c.report() for c in failing[:3]])


def main(argv: list[str] | None = None) -> int:
    """``python tests/property/test_oriented_pairs.py [N]``: run N cases (default 3000),
    print the failure counts per check and the first failing case of each."""
    n = int((argv if argv is not None else sys.argv[1:] or ["3000"])[0])
    counts: dict[str, int] = {}
    first: dict[str, Case] = {}
    odd = 0
    for i in range(n):
        case = run_case(i)
        odd += case.n_mirrors % 2
        for f in case.failures:
            check = f.split()[0].rstrip(":")
            counts[check] = counts.get(check, 0) + 1
            first.setdefault(check, case)
    print(f"{n} cases (seed {SEED}), {odd} with an odd number of mirrorings; failures: {counts}")
    for case in first.values():
        print(case.report())
    return 1 if counts else 0


if __name__ == "__main__":
    raise SystemExit(main())
