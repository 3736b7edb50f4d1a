"""The label rules a pipeline applies before and after its steps, beyond plain boxes.

* :func:`flip_permutation` resolves ``keypoint_flip_pairs`` (index pairs, name pairs or
  ``"names"``) into the permutation every mirroring step applies to the keypoints
  (:func:`~synthaug.augment.transforms.base.mirror_labels`).
* :func:`final_oriented_boxes` turns the oriented boxes a chain moved into the user's format,
  with the thresholds applied and a reason for each dropped one.
* :func:`instance_keep` joins the decisions of an instance's box, oriented box and mask, so
  that they are kept or dropped together (with their keypoints and label).

Drop reasons (the keys of ``out.dropped`` are ``"<target>.<reason>"``):

``outside``
    The object left the frame (its outline has no area inside it; for keypoints: it left
    the frame at some step, or was invisible from the start).
``mask_empty``
    Its instance mask has no pixel left.
``min_area`` / ``min_visibility``
    Below the pipeline's thresholds.
``instance``
    Another part of its instance was dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from synthaug.augment.functional import geometric as G
from synthaug.augment.functional import oriented as O
from synthaug.augment.sample import oriented_from_corners
from synthaug.errors import InvalidInputError

__all__ = [
    "drop_reasons",
    "final_oriented_boxes",
    "flip_permutation",
    "instance_keep",
    "mask_outline",
    "pair_names",
    "pairs_from_flip_idx",
]

_SIDES = ("left_", "right_")


def pair_names(names: Sequence[Any]) -> list[tuple[int, int]]:
    """Index pairs of ``left_X`` / ``right_X`` names (prefixes compared without case).

    >>> pair_names(["nose", "left_eye", "right_eye", "Left_ear", "Right_ear"])
    [(1, 2), (3, 4)]
    """
    where: dict[str, int] = {}
    for i, name in enumerate(names):
        if isinstance(name, str):
            key = name.lower()
            if key.startswith(_SIDES):
                if key in where:
                    raise InvalidInputError(
                        f"keypoint_labels: {name!r} appears twice in one instance; "
                        "left_/right_ pairs need unique names (give keypoint_instances)"
                    )
                where[key] = i
    return [
        (i, where["right_" + key[5:]])
        for key, i in where.items()
        if key.startswith("left_") and "right_" + key[5:] in where
    ]


def pairs_from_flip_idx(flip_idx: Sequence[int]) -> list[tuple[int, int]]:
    """``keypoint_flip_pairs`` from a YOLO pose ``flip_idx`` (the index each keypoint takes
    after a horizontal flip: a permutation made of swaps and fixed points).

    >>> pairs_from_flip_idx([0, 2, 1, 4, 3])
    [(1, 2), (3, 4)]
    """
    idx = [int(v) for v in flip_idx]
    n = len(idx)
    for i, j in enumerate(idx):
        if not 0 <= j < n or idx[j] != i:
            raise InvalidInputError(
                f"flip_idx: expected a permutation of 0..{n - 1} made of swaps "
                f"(flip_idx[flip_idx[i]] == i), got {idx}"
            )
    return [(i, j) for i, j in enumerate(idx) if i < j]


def _groups(n: int, instances: Sequence[int] | np.ndarray | None) -> list[np.ndarray]:
    """The indices of each instance's keypoints in order (all keypoints when none given)."""
    if instances is None:
        return [np.arange(n)]
    inst = np.asarray(instances, dtype=np.int64)
    return [np.flatnonzero(inst == g) for g in np.unique(inst) if g >= 0]


def flip_permutation(
    pairs: Sequence[tuple[Any, Any]] | str | None,
    n: int,
    labels: Sequence[Any] | None,
    instances: Sequence[int] | np.ndarray | None,
) -> np.ndarray | None:
    """``perm`` such that after a mirroring keypoint ``i`` takes the moved position of
    keypoint ``perm[i]``; None when nothing is paired.

    ``pairs`` holds index pairs (positions within each instance's keypoints when
    ``instances`` is given, else indices into all keypoints), name pairs (matched against
    ``labels`` within each instance), or ``"names"`` (``left_X`` with ``right_X``).

    >>> flip_permutation([(0, 1)], 3, None, None).tolist()
    [1, 0, 2]
    >>> flip_permutation([(0, 1)], 4, None, [0, 0, 1, 1]).tolist()
    [1, 0, 3, 2]
    """
    if pairs is None or n == 0:
        return None
    perm = np.arange(n)
    listed: list[tuple[Any, Any]] = [] if isinstance(pairs, str) else list(pairs)
    for idx in _groups(n, instances):
        if pairs == "names" or (listed and isinstance(listed[0][0], str)):
            if labels is None:
                raise InvalidInputError(
                    "keypoint_flip_pairs: names need keypoint_labels (one name per keypoint)"
                )
            names = [labels[i] for i in idx]
            if pairs == "names":
                local = pair_names(names)
            else:
                pos = {name: k for k, name in enumerate(names)}
                local = [(pos[a], pos[b]) for a, b in listed if a in pos and b in pos]
        else:
            local = [(int(a), int(b)) for a, b in listed]
            bad = [p for p in local if max(p) >= len(idx)]
            if bad and instances is None:
                raise InvalidInputError(
                    f"keypoint_flip_pairs: pair {list(bad[0])} refers past the {n} keypoints"
                )
            local = [p for p in local if max(p) < len(idx)]
        for a, b in local:
            perm[idx[a]], perm[idx[b]] = idx[b], idx[a]
    return None if np.array_equal(perm, np.arange(n)) else perm


def drop_reasons(
    visible: np.ndarray, area: np.ndarray, vis: np.ndarray, min_area: float, min_visibility: float
) -> np.ndarray:
    """The reason each object is dropped (``""`` when kept), in the order the rules apply."""
    reasons = np.full(len(visible), "", dtype=object)
    reasons[vis < min_visibility] = "min_visibility"
    reasons[area < min_area] = "min_area"
    reasons[~visible | (area <= 0)] = "outside"
    return reasons


def mask_outline(mask: np.ndarray, outline: np.ndarray) -> np.ndarray | None:
    """The corners of the pixels of ``mask`` near a pixel-edge ``outline`` (within 2 px of
    its bounds: mask pixels farther off are border copies), as a ``K x 2`` point set, or
    None when there are none. The minimum-area rectangle of these points is the tight
    oriented box of the mask's pixels."""
    window = G.outline_window(outline, mask.shape[:2])
    if window is None:
        return None
    x0, y0, x1, y1 = window
    ys, xs = np.nonzero(mask[y0:y1, x0:x1])
    if len(xs) == 0:
        return None
    px = np.stack([xs + x0, ys + y0], axis=1).astype(np.float64)
    points: np.ndarray = px[:, None, :] + np.array([[0.0, 0], [1, 0], [1, 1], [0, 1]])
    return points.reshape(-1, 2)


def final_oriented_boxes(
    corners: np.ndarray,
    outlines: np.ndarray | None,
    vis: np.ndarray | None,
    fit: str,
    fmt: str,
    min_area: float,
    min_visibility: float,
    masks: Sequence[np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(boxes, visibility, reasons)`` for every oriented box a chain moved.

    ``fit="corners"`` keeps the moved corners (exact under any matrix; where a crop cut a
    box they reach past the frame, and ``visibility`` says how much is inside);
    ``fit="rect"`` gives the minimum-area rectangle of each box's visible outline (inside
    the frame up to the rectangle's own slack), or with instance ``masks`` (one per box) of
    its mask's pixels, the tight oriented box of the object (a box whose mask is empty is
    dropped as ``mask_empty``). A box whose corners a homography's horizon swallowed is
    always fitted. ``min_area`` applies to the visible outline's area.
    """
    n = len(corners)
    if outlines is None or len(outlines) != n:
        outlines = np.nan_to_num(corners)
    if vis is None or len(vis) != n:
        vis = np.ones(n)
    area = G.polygon_areas(outlines)
    reasons = drop_reasons(area > 0, area, vis, min_area, min_visibility)
    out = corners.copy()
    refit = np.ones(n, dtype=bool) if fit == "rect" else ~np.isfinite(corners).all(axis=(1, 2))
    refit &= reasons == ""
    shapes = list(outlines)
    if fit == "rect" and masks is not None and len(masks) == n:
        for i in np.flatnonzero(refit).tolist():
            pixels = mask_outline(masks[i], outlines[i])
            if pixels is None:
                reasons[i], refit[i] = "mask_empty", False
            else:
                shapes[i] = pixels
    for i in np.flatnonzero(refit):
        out[i] = O.fit_rectangles(shapes[i][None], corners[i][None])[0]
    return oriented_from_corners(out, fmt), vis, reasons


def instance_keep(n: int, *reasons: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """``(keep, reason)`` per instance: kept when every part given keeps it, else dropped
    for the first part's reason."""
    why = np.full(n, "", dtype=object)
    for r in reasons:
        if r is None:
            continue
        if len(r) != n:
            raise InvalidInputError(
                f"instances: {len(r)} objects in one target for {n} in another; every "
                "target of an instance (boxes, oriented boxes, instance masks) needs one row "
                "per instance"
            )
        why = np.where(why == "", r, why)
    return why == "", why
