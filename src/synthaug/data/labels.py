"""Rich labels of dataset items: keypoints with visibility, left/right flip pairs, oriented boxes.

The readers (COCO, YOLO pose, YOLO-OBB) turn their files into the plain arrays of
:class:`RichLabels`, :func:`sample_targets` hands them to the engine as its own targets, and the
writers read the engine's output back. The rules themselves (what a mirroring swaps, when a
keypoint stops being visible, how an oriented box is cut, fitted and dropped) are the engine's,
described in ``docs/labels.md``; this module only translates:

* **Keypoints** are ``N x K x 3`` arrays ``(x, y, v)`` per object in pixels (OpenCV centres),
  ``v = 0`` not labelled, 1 labelled but hidden, 2 visible (COCO's convention; YOLO pose
  files without a visibility column read as 2 where labelled). All ``K`` keypoints of every
  object enter the pipeline, with ``keypoint_visibility`` ``v`` and ``keypoint_instances`` the
  object's row, so an object's box, mask, keypoints and label are kept or dropped together.
  Pipelines run with ``remove_invisible_keypoints=False`` (the job sets it), so each skeleton
  keeps its ``K`` points; one that left the frame at some step comes back with ``v = 0``.
* **Flip pairs** are a permutation ``flip`` of each object's keypoint indices (Ultralytics'
  ``flip_idx``; for COCO derived from a category's ``flip_pairs`` or ``left_*``/``right_*``
  names). They become the sample's ``keypoint_flip_pairs``, which every mirroring step of the
  engine swaps (exactly once per mirroring step, fused or not).
* **Oriented boxes** are ``N x 4 x 2`` corner arrays in pixel edges, running clockwise as
  displayed (the reader reorders counter-clockwise ones); they are the sample's
  ``oriented_boxes`` (format ``"corners"``) labelled by object index.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthaug.augment.labels import pairs_from_flip_idx
from synthaug.data.dataset import ItemError

__all__ = [
    "RichLabels",
    "clockwise_corners",
    "flip_idx_problem",
    "flip_perm_from_names",
    "flip_perm_from_pairs",
    "geometry_unchanged",
    "keypoints_from_sample",
    "moves_pixels",
    "sample_targets",
]


@dataclass
class RichLabels:
    """The labels of one item beyond boxes and masks, as plain arrays.

    Readers fill one and hand it to :func:`sample_targets`, the one place that decides how
    these labels enter a pipeline (``sample.meta["rich"]`` keeps it for the writers).

    Parameters
    ----------
    keypoints : ndarray or list of ndarray, optional
        ``N x K x 3`` float ``(x, y, v)`` per object, pixels (OpenCV centres); a list of one
        ``K_j x 3`` array per object (``None`` for an object without keypoints) when objects
        of different categories have different K (COCO).
    flips : list, optional
        Per object, the permutation of ``range(K_j)`` giving each keypoint's mirror partner
        (itself if none), or None for an object whose keypoints have no partners.
    obb : ndarray, optional
        ``N x 4 x 2`` float corners of each oriented box, pixel edges, clockwise as displayed.
    """

    keypoints: np.ndarray | list[np.ndarray | None] | None = None
    flips: list[list[int] | None] | None = None
    obb: np.ndarray | None = None

    def n_keypoints(self) -> list[int]:
        """``K_j`` of every object (0 for an object without keypoints)."""
        return [0 if kp is None else len(kp) for kp in self.keypoints or []]


def sample_targets(labels: RichLabels) -> dict[str, Any]:
    """The engine targets of ``labels``, as keyword arguments of :class:`~synthaug.augment.Sample`.

    Keypoints: ``keypoints`` (every object's ``K_j`` points stacked), ``keypoint_visibility``
    (``v``), ``keypoint_instances`` (the object's row of ``boxes``), ``keypoint_labels`` and
    ``keypoint_flip_pairs``. When every object with keypoints has the same pairing (YOLO pose;
    COCO images with one keypoint category), the labels are the keypoint indices ``k`` and the
    pairs index pairs within each object; when objects of one image pair differently (COCO
    categories with different skeletons), each keypoint is labelled ``"<g>#<k>"`` (``g`` the
    pairing's number in this item) and the pairs are pairs of those names, so each object is
    swapped by its own pairing. Oriented boxes: ``oriented_boxes`` (``"corners"``) labelled by
    object index. Keys without labels are left out.
    """
    out: dict[str, Any] = {}
    kps = list(labels.keypoints) if labels.keypoints is not None else []
    flips = labels.flips if labels.flips is not None else [None] * len(kps)
    if any(kp is not None and len(kp) for kp in kps):
        owned = [(j, np.asarray(kp, np.float64)) for j, kp in enumerate(kps) if kp is not None]
        pts = np.concatenate([kp[:, :2] for _, kp in owned]).reshape(-1, 2)
        vis = np.concatenate([kp[:, 2] for _, kp in owned]).astype(np.int8)
        inst = np.concatenate([np.full(len(kp), j, np.int64) for j, kp in owned])
        perms: list[tuple[int, ...]] = []  # each object's pairing, as a permutation
        for j, kp in owned:
            flip = flips[j]
            perms.append(tuple(flip) if flip is not None else tuple(range(len(kp))))
        pairings = list(dict.fromkeys(perms))  # the distinct ones, in order of appearance
        if len(pairings) == 1:
            kp_labels: list[Any] = [k for _, kp in owned for k in range(len(kp))]
            pairs: list[tuple[Any, Any]] = pairs_from_flip_idx(pairings[0])
        else:
            kp_labels = [
                f"{pairings.index(perm)}#{k}"
                for (_, kp), perm in zip(owned, perms, strict=True)
                for k in range(len(kp))
            ]
            pairs = [
                (f"{g}#{a}", f"{g}#{b}")
                for g, p in enumerate(pairings)
                for a, b in pairs_from_flip_idx(p)
            ]
        out.update(
            keypoints=pts,
            keypoint_visibility=vis,
            keypoint_instances=inst,
            keypoint_labels=kp_labels,
            keypoint_flip_pairs=pairs or None,
        )
    if labels.obb is not None:
        out["oriented_boxes"] = np.asarray(labels.obb, np.float64).reshape(-1, 4, 2)
        out["oriented_box_labels"] = list(range(len(out["oriented_boxes"])))
        out["oriented_box_format"] = "corners"
    return out


def keypoints_from_sample(sample: Any, n_keypoints: Sequence[int]) -> list[np.ndarray]:
    """Each object's ``K_j x 3`` output keypoints ``(x, y, v)`` from a pipeline's output.

    ``sample.keypoint_instances`` are rows of ``sample.boxes`` (renumbered by the engine to
    the kept rows), whose ``box_labels`` are object indices; a kept object's keypoints come in
    their input order (the pipeline keeps invisible keypoints). A keypoint whose visibility
    is 0 (never labelled, or it left the frame at some step) is ``(0, 0, 0)``; an object the
    pipeline dropped has all zeros.
    """
    out = [np.zeros((int(k), 3)) for k in n_keypoints]
    if sample.keypoints is None or sample.keypoint_instances is None:
        return out
    pts = np.asarray(sample.keypoints, np.float64)[:, :2]
    vis = np.asarray(sample.keypoint_visibility, np.float64)
    inst = np.asarray(sample.keypoint_instances, np.int64)
    objects = list(sample.box_labels or [])
    for row, j in enumerate(objects):
        idx = np.flatnonzero(inst == row)
        if len(idx) != len(out[j]):
            raise ItemError(
                "pipeline_error",
                f"object {j}: {len(idx)} keypoints came out of the pipeline, expected "
                f"{len(out[j])} (run it with remove_invisible_keypoints=False)",
                field="keypoints",
            )
        labelled = vis[idx] > 0
        out[j][labelled] = np.column_stack([pts[idx], vis[idx]])[labelled]
    return out


def clockwise_corners(quads: np.ndarray) -> np.ndarray:
    """``N x 4 x 2`` corners reordered to run clockwise as displayed (y down), the order the
    engine's oriented boxes use; ``p0`` stays first. Clockwise ones are returned as given."""
    q = np.asarray(quads, np.float64).reshape(-1, 4, 2)
    x, y = q[..., 0], q[..., 1]
    signed = np.sum(x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y, axis=1)
    out: np.ndarray = q.copy()
    out[signed < 0] = q[signed < 0][:, [0, 3, 2, 1]]
    return out


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
def geometry_unchanged(sample: Any, source_hw: tuple[int, int]) -> bool:
    """Whether every pixel of ``sample`` is where it was in the source image of size
    ``source_hw`` (only image-only transforms ran), so labels read from the source still hold
    byte for byte."""
    if (sample.height, sample.width) != tuple(source_hw):
        return False
    return not any(moves_pixels(a) for a in sample.applied)


def moves_pixels(step: Any) -> bool:
    """Whether the recorded step ``step`` (an ``Applied``) may move pixels: any transform but
    one that changes only the image's values (unknown names count as moving)."""
    from synthaug.augment import REGISTRY

    return not (
        step.name in REGISTRY and tuple(getattr(REGISTRY[step.name], "targets", ())) == ("image",)
    )
