"""Rich labels of dataset items: keypoints with visibility, left/right flip pairs, oriented boxes.

The readers (COCO, YOLO pose, YOLO-OBB) turn their files into the plain arrays of this module,
and the writers turn them back; this is the one place that knows how such labels ride through
a pipeline while the engine carries only points and boxes:

* **Keypoints** are ``N x K x 3`` arrays ``(x, y, v)`` per object in pixels (OpenCV centres),
  ``v = 0`` not labelled, 1 labelled but hidden, 2 visible (COCO's convention; YOLO pose
  files without a visibility column read as 2 where labelled). Labelled keypoints travel as
  the sample's keypoint target labelled ``(object, index, v)``; one the pipeline removes (it
  left the frame at some step) comes back as ``(0, 0, 0)`` and is never made visible again.
* **Flip pairs** are a permutation ``flip_idx`` of the keypoint indices (Ultralytics'
  ``flip_idx``; for COCO derived from ``left_*``/``right_*`` names or a category's
  ``flip_pairs``). When the pipeline mirrored the image (the product of the determinants of
  its matrix steps is negative), the point that was ``left_eye`` is now where a right eye is:
  output keypoint ``k`` is the moved keypoint ``flip_idx[k]``.
* **Oriented boxes** are ``N x 4 x 2`` corner arrays in pixel edges. Their corners travel as
  keypoints labelled ``("obb", object, corner)`` through a pipeline that keeps invisible
  keypoints, with the object's upright box (which the engine clips at every frame) carrying
  its label; see :func:`oriented_box_out`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

__all__ = [
    "OBB",
    "RichLabels",
    "flip_idx_problem",
    "flip_perm_from_names",
    "flip_perm_from_pairs",
    "geometry_unchanged",
    "keypoint_targets",
    "keypoints_from_sample",
    "mirrors",
    "oriented_box_out",
]

#: keypoint label tag of oriented-box corners
OBB = "obb"


@dataclass
class RichLabels:
    """The labels of one item beyond boxes and masks, as plain arrays.

    Readers fill one and hand it to :func:`keypoint_targets`, the one place that decides how
    these labels enter a pipeline (``sample.meta["rich"]`` keeps it for the writers).

    Parameters
    ----------
    keypoints : ndarray or list of ndarray, optional
        ``N x K x 3`` float ``(x, y, v)`` per object, pixels (OpenCV centres); a list of one
        ``K_j x 3`` array per object (``None`` for an object without keypoints) when objects
        of different categories have different K (COCO).
    flip_idx : list of int, optional
        Permutation of ``range(K)`` giving each keypoint's mirror partner (itself if none).
    obb : ndarray, optional
        ``N x 4 x 2`` float corners of each oriented box, pixel edges.
    """

    keypoints: np.ndarray | list[np.ndarray | None] | None = None
    flip_idx: list[int] | None = None
    obb: np.ndarray | None = None


def keypoint_targets(labels: RichLabels) -> tuple[np.ndarray | None, list[list[Any]] | None]:
    """The sample's keypoint target for ``labels``: ``(keypoints, keypoint_labels)``.

    Labelled keypoints (``v > 0``) become ``(x, y)`` labelled ``(object, index, v)``; the
    corners of oriented boxes (pixel edges) become OpenCV centres (``- 0.5``) labelled
    ``("obb", object, corner)``. ``(None, None)`` when there are none.
    """
    pts: list[tuple[float, float]] = []
    tags: list[list[Any]] = []
    for j, kp in enumerate(labels.keypoints if labels.keypoints is not None else []):
        for k, (x, y, v) in enumerate(np.zeros((0, 3)) if kp is None else kp):
            if v > 0:
                pts.append((float(x), float(y)))
                tags.append([j, k, int(v)])
    for j, quad in enumerate(labels.obb if labels.obb is not None else []):
        for c, (x, y) in enumerate(quad):
            pts.append((float(x) - 0.5, float(y) - 0.5))
            tags.append([OBB, j, c])
    if not tags:
        return None, None
    return np.asarray(pts, np.float64).reshape(-1, 2), tags


# --------------------------------------------------------------------------- flip pairs
def flip_idx_problem(flip_idx: Any, k: int) -> str | None:
    """Why ``flip_idx`` is not a mirror pairing of ``k`` keypoints (None when it is).

    It must be a list of ``k`` integers, a permutation of ``0..k-1`` that is its own inverse
    (mirroring twice gives every keypoint back).
    """
    if not isinstance(flip_idx, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in flip_idx
    ):
        return f"expected a list of integers, got {flip_idx!r:.60}"
    if len(flip_idx) != k:
        return f"expected {k} entries (one per keypoint), got {len(flip_idx)}"
    if sorted(flip_idx) != list(range(k)):
        return f"expected a permutation of 0..{k - 1}, got {flip_idx!r:.60}"
    twice = [flip_idx[i] for i in flip_idx]
    if twice != list(range(k)):
        return "expected pairs (flip_idx[flip_idx[i]] == i for every i)"
    return None


_SIDE = re.compile(r"(^|[_\-\s.])(left|right)($|[_\-\s.])", re.IGNORECASE)


def flip_perm_from_names(names: Sequence[str]) -> list[int]:
    """Mirror partners from keypoint names: ``left_eye`` <-> ``right_eye`` (also ``eye_left``,
    ``Left-Eye``); a name without a partner maps to itself."""
    index = {n: i for i, n in enumerate(names)}
    perm = list(range(len(names)))
    for i, n in enumerate(names):
        swapped = _SIDE.sub(lambda m: m.group(1) + _other(m.group(2)) + m.group(3), n, count=1)
        if swapped != n and swapped in index:
            perm[i] = index[swapped]
    return perm if flip_idx_problem(perm, len(names)) is None else list(range(len(names)))


def _other(side: str) -> str:
    flip = {"left": "right", "right": "left"}[side.lower()]
    if side.isupper():
        return flip.upper()
    return flip.capitalize() if side[0].isupper() else flip


def flip_perm_from_pairs(pairs: Any, k: int) -> tuple[list[int] | None, str | None]:
    """A permutation from COCO-style ``flip_pairs`` ``[[a, b], ...]`` (0-based); or the reason
    it is not one."""
    perm = list(range(k))
    if not isinstance(pairs, list):
        return None, f"expected a list of [a, b] index pairs, got {pairs!r:.60}"
    for p in pairs:
        if not (
            isinstance(p, list)
            and len(p) == 2
            and all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < k for i in p)
        ):
            return None, f"pair {p!r:.40}: expected [a, b] with indices in 0..{k - 1}"
        a, b = p
        if perm[a] != a or perm[b] != b:
            return None, f"pair {p!r}: index in two pairs"
        perm[a], perm[b] = b, a
    return perm, None


# --------------------------------------------------------------------------- the pipeline
def _leaf(pipe: Any, path: str) -> Any:
    """The transform at ``path`` (``transforms[0].transforms[2]``) of a pipeline tree."""
    node = pipe
    for part in path.split("."):
        node = node.transforms[int(part[len("transforms[") : -1])]
    return node


def mirrors(pipe: Any, applied: Sequence[Any], hw: tuple[int, int]) -> bool:
    """Whether the steps ``applied`` (an output's ``applied``) of ``pipe`` mirror the image.

    The product of the signs of the determinants of the applied matrix steps (flips,
    transposes, affine maps with a negative scale) decides; steps without a matrix (pixel
    operations, elastic and grid distortions, box-safe crops) do not mirror.
    """
    from synthaug.augment.transforms.base import MatrixTransform

    sign = 1.0
    for step in applied:
        t = _leaf(pipe, step.path)
        if isinstance(t, MatrixTransform):
            m, hw = t.matrix(step.params, hw)
            sign *= float(np.sign(np.linalg.det(np.asarray(m, np.float64))))
    return sign < 0


def geometry_unchanged(sample: Any, source_hw: tuple[int, int]) -> bool:
    """Whether every pixel of ``sample`` is where it was in the source image of size
    ``source_hw`` (only image-only transforms ran), so labels read from the source still hold
    byte for byte."""
    from synthaug.augment import REGISTRY

    if (sample.height, sample.width) != tuple(source_hw):
        return False
    return all(
        a.name in REGISTRY and tuple(getattr(REGISTRY[a.name], "targets", ())) == ("image",)
        for a in sample.applied
    )


def keypoints_from_sample(
    sample: Any,
    n_objects: int,
    n_keypoints: Sequence[int],
    flip: Sequence[Sequence[int] | None] | None = None,
) -> list[np.ndarray]:
    """Each object's ``K x 3`` output keypoints ``(x, y, v)`` from a pipeline's output.

    ``sample.keypoint_labels`` are ``(object, index, v)`` (other tags are skipped); a keypoint
    that the pipeline removed or marked invisible is ``(0, 0, 0)``. With ``flip`` (a
    permutation per object, or None for an object without pairs) and a mirroring pipeline
    (``sample.meta["mirrored"]``), output keypoint ``k`` is moved keypoint ``flip[k]``.
    """
    out = [np.zeros((int(k), 3)) for k in n_keypoints]
    labels = sample.keypoint_labels or []
    if sample.keypoints is not None and len(labels):
        pts = np.asarray(sample.keypoints, np.float64)[:, :2]
        vis = sample.keypoint_visibility
        inside = np.ones(len(pts), bool) if vis is None else np.asarray(vis, bool)
        for (x, y), ok, lab in zip(pts, inside, labels, strict=True):
            if not ok or lab[0] == OBB:
                continue
            j, k, v = lab
            if j < n_objects and k < len(out[j]):
                out[j][k] = (x, y, v)
    if flip is not None and sample.meta.get("mirrored"):
        out = [kp if f is None else kp[list(f)] for kp, f in zip(out, flip, strict=True)]
    return out


# --------------------------------------------------------------------------- oriented boxes
def oriented_box_out(
    sample: Any, j: int, box_xyxy: np.ndarray, hw: tuple[int, int]
) -> np.ndarray | None:
    """The ``4 x 2`` output corners of object ``j``'s oriented box, or None when it is gone.

    When all four corners stayed in every frame, they are the moved corners (exact: a
    rotated rectangle stays one under flips, turns, rotations and uniform scaling; under
    shear or perspective the moved corners are the exact image of the corners, which YOLO-OBB
    readers fit with a minimum-area rectangle). When a frame cut the box, the moved
    quadrilateral is clipped to the output frame and to the object's upright box ``box_xyxy``
    (which the pipeline clipped at every frame), and the minimum-area rectangle of what
    remains is written.
    """
    labels = sample.keypoint_labels or []
    pts = np.asarray(sample.keypoints, np.float64)[:, :2] if sample.keypoints is not None else None
    vis = sample.keypoint_visibility
    corners = np.zeros((4, 2))
    seen = np.zeros(4, bool)
    visible = np.zeros(4, bool)
    for i, lab in enumerate(labels):
        if lab[0] == OBB and lab[1] == j and pts is not None:
            corners[lab[2]] = pts[i]
            seen[lab[2]] = True
            visible[lab[2]] = True if vis is None else bool(vis[i])
    if not seen.all():
        return None
    # keypoints are pixel centres; the corners were sent as edges - 0.5 (keypoint_targets)
    corners = corners + 0.5
    if visible.all():
        return corners
    h, w = hw
    x0, y0, x1, y1 = (float(v) for v in box_xyxy)
    clip = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
    frame = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    quad = corners.astype(np.float32)
    if cv2.contourArea(quad, oriented=True) < 0:
        quad = quad[::-1].copy()
    area, inter = cv2.intersectConvexConvex(quad, frame)
    if area <= 0 or inter is None:
        return None
    area, inter = cv2.intersectConvexConvex(inter.reshape(-1, 2).astype(np.float32), clip)
    if area <= 0 or inter is None:
        return None
    rect = cv2.minAreaRect(inter.reshape(-1, 2))
    return np.asarray(cv2.boxPoints(rect), np.float64)
