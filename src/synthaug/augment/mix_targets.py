"""The targets of a mixed sample: where each source's labels land, what survives, and the
assembled :class:`~synthaug.augment.Sample` (used by :mod:`synthaug.augment.mix`).

Each source sample of a mix becomes a :class:`Piece`: its boxes (``xyxy``), oriented boxes
(corners) and keypoints moved into the output frame. The mixer decides what each piece keeps
(a base sample's targets under a pasted rectangle, a partner's or a tile's cut to its
region: :func:`clip_boxes`, :func:`obb_cut`, :func:`obb_covered`, :func:`keypoints_inside`),
:meth:`Piece.settle` joins the parts of each instance, and :func:`assemble` concatenates the
kept targets with their labels, visibility and instance ids (shifted past the rows of the
sources before). Oriented boxes are cut with the pipeline's own polygon clipping and
rectangle fitting (:func:`~synthaug.augment.functional.geometric.clipped_share`,
:func:`~synthaug.augment.labels.final_oriented_boxes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from synthaug.augment.functional import geometric as G
from synthaug.augment.labels import final_oriented_boxes
from synthaug.augment.sample import (
    Sample,
    boxes_from_xyxy,
    boxes_to_xyxy,
    oriented_from_corners,
    oriented_to_corners,
)
from synthaug.errors import InvalidInputError

__all__ = [
    "Piece",
    "assemble",
    "clip_boxes",
    "keypoints_inside",
    "mask_parts",
    "obb_covered",
    "obb_cut",
    "piece",
]


@dataclass
class Piece:
    """One source sample's targets placed in the output frame, and which of them survive.

    Coordinates are output pixels: ``boxes`` ``xyxy``, ``obb`` ``N x 4 x 2`` corners and
    ``kps``; ``kp_inside`` is False for a keypoint whose pixel the paste or the tile hid.
    The ``*_keep`` arrays say what the mixer keeps; :meth:`settle` then joins instances,
    setting ``inst`` (the keypoints' instances renumbered to the kept rows, None without
    instances) and ``n_rows`` (the rows this piece adds: the next piece's instance offset).
    """

    sample: Sample
    boxes: np.ndarray
    box_vis: np.ndarray
    box_keep: np.ndarray
    obb: np.ndarray
    obb_vis: np.ndarray
    obb_keep: np.ndarray
    kps: np.ndarray
    kp_inside: np.ndarray
    kp_keep: np.ndarray
    inst: np.ndarray | None = None
    n_rows: int = 0

    def settle(self, n_masks: int) -> np.ndarray:
        """Join each instance's decisions and return which of ``n_masks`` masks stay.

        With ``keypoint_instances``, row ``i`` of the boxes and of the oriented boxes and the
        keypoints of instance ``i`` are one object, kept or dropped together (as in a
        pipeline), and the kept keypoints' instances are renumbered to the kept rows.
        Instance masks (one per box, or one per oriented box) follow their row.
        """
        nb, no = len(self.boxes), len(self.obb)
        s = self.sample
        if s.keypoint_instances is not None and s.keypoints is not None:
            rows = np.ones(max(nb, no), bool)
            if nb:
                rows &= self.box_keep
            if no:
                rows &= self.obb_keep
            self.box_keep = rows.copy() if nb else self.box_keep
            self.obb_keep = rows.copy() if no else self.obb_keep
            ids = np.asarray(s.keypoint_instances, np.int64)
            owned = ids >= 0
            safe = np.where(owned, ids, 0)
            if len(rows):
                self.kp_keep = self.kp_keep & ~(owned & ~rows[safe])
                self.inst = np.where(owned, (np.cumsum(rows) - 1)[safe], -1)
            else:
                self.inst = ids.copy()
        self.n_rows = int(max(self.box_keep.sum(), self.obb_keep.sum()))
        if n_masks == nb:
            return self.box_keep
        if n_masks == no:
            return self.obb_keep
        return np.ones(n_masks, bool)


def piece(s: Sample, dx: float = 0.0, dy: float = 0.0) -> Piece:
    """A sample's boxes, oriented boxes and keypoints moved by ``(dx, dy)``, all kept."""
    hw = (s.height, s.width)
    boxes = (
        np.zeros((0, 4))
        if s.boxes is None
        else boxes_to_xyxy(np.asarray(s.boxes, np.float64), s.box_format, hw) + [dx, dy, dx, dy]
    )
    obb = (
        np.zeros((0, 4, 2))
        if s.oriented_boxes is None
        else oriented_to_corners(np.asarray(s.oriented_boxes), s.oriented_box_format) + [dx, dy]
    )
    kps = np.zeros((0, 2)) if s.keypoints is None else np.array(s.keypoints, np.float64)
    kps[:, :2] += [dx, dy]
    nb, no, nk = len(boxes), len(obb), len(kps)
    return Piece(
        s,
        boxes,
        np.ones(nb),
        np.ones(nb, bool),
        obb,
        np.ones(no),
        np.ones(no, bool),
        kps,
        np.ones(nk, bool),
        np.ones(nk, bool),
    )


def mask_parts(s: Sample) -> tuple[list[np.ndarray] | None, np.ndarray | None]:
    """A sample's masks as ``(instance masks, semantic mask)``: a list, or one ``H x W``."""
    if s.masks is None:
        return None, None
    if isinstance(s.masks, np.ndarray) and s.masks.ndim == 2:
        return None, s.masks
    if isinstance(s.masks, np.ndarray):
        return [s.masks[..., k] for k in range(s.masks.shape[2])], None
    return list(s.masks), None


def _area(b: np.ndarray) -> np.ndarray:
    result: np.ndarray = np.prod(np.maximum(b[:, 2:] - b[:, :2], 0.0), axis=1)
    return result


def clip_boxes(boxes: np.ndarray, region: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Boxes clipped to ``region`` (x0, y0, x1, y1) and the fraction of each that remains."""
    x0, y0, x1, y1 = region
    clipped = np.clip(boxes, [x0, y0, x0, y0], [x1, y1, x1, y1]) if len(boxes) else boxes
    full = _area(boxes)
    frac = np.where(full > 0, _area(clipped) / np.where(full > 0, full, 1.0), 0.0)
    return clipped, frac


def keypoints_inside(kps: np.ndarray, region: tuple[float, ...]) -> np.ndarray:
    """Keypoints (pixel centres) whose pixel lies in the edge-region ``region``."""
    x0, y0, x1, y1 = region
    return (
        (kps[:, 0] >= x0 - 0.5)
        & (kps[:, 0] < x1 - 0.5)
        & (kps[:, 1] >= y0 - 0.5)
        & (kps[:, 1] < y1 - 0.5)
    )


def _clip_region(polygons: np.ndarray, region: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Polygons clipped to ``region`` (x0, y0, x1, y1, pixel edges) and the share of each
    one's area left inside: the engine's frame clipping (:func:`G.clipped_share`), shifted."""
    x0, y0, x1, y1 = region
    off = np.array([x0, y0], np.float64)
    clipped, share = G.clipped_share(polygons - off, (int(y1 - y0), int(x1 - x0)))
    return clipped + off, share


def obb_cut(
    corners: np.ndarray, region: tuple[float, ...], min_visibility: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Oriented boxes cut to ``region``: ``(corners, visibility, keep)``.

    As a pipeline's frame clipping with ``oriented_box_fit="rect"``
    (:func:`~synthaug.augment.labels.final_oriented_boxes`): a box cut by the region becomes
    the minimum-area rectangle of its visible part; a box wholly inside keeps its corners.
    Kept when its visible share is at least ``min_visibility`` and not zero.
    """
    if not len(corners):
        return corners, np.zeros(0), np.zeros(0, bool)
    outlines, share = _clip_region(corners, region)
    fitted, vis, why = final_oriented_boxes(
        corners, outlines, share, "rect", "corners", 0.0, min_visibility
    )
    x0, y0, x1, y1 = region
    whole: np.ndarray = np.all((corners >= [x0, y0]) & (corners <= [x1, y1]), axis=(1, 2))
    out: np.ndarray = np.where(whole[:, None, None], corners, fitted)
    return out, vis, why == ""


def obb_covered(
    corners: np.ndarray, hw: tuple[int, int], rect: tuple[int, ...], min_visibility: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(visibility, keep)`` of oriented boxes that keep their corners while ``rect`` is
    pasted over them: the share of each box's area inside the frame and outside ``rect``."""
    if not len(corners):
        return np.zeros(0), np.zeros(0, bool)
    in_frame, share = G.clipped_share(corners, hw)
    _, hidden = _clip_region(in_frame, rect)
    vis = share * (1.0 - hidden)
    vis = np.where(vis > 1e-9, vis, 0.0)  # a box wholly under the paste has nothing left
    return vis, (vis >= min_visibility) & (vis > 0)


def _kept_labels(pieces: list[Piece], name: str, keep: str) -> list[Any] | None:
    """The labels ``name`` of what each piece keeps (None for a source without labels), or
    None when no source has them."""
    if all(getattr(p.sample, name) is None for p in pieces):
        return None
    out: list[Any] = []
    for p in pieces:
        given, kept = getattr(p.sample, name), getattr(p, keep)
        if given is None:
            out += [None] * int(kept.sum())
        else:
            out += [lab for lab, k in zip(given, kept, strict=True) if k]
    return out


def _keypoint_visibility(pieces: list[Piece]) -> np.ndarray | None:
    """Visibility of the kept keypoints, in the kind given (booleans, or COCO integers when
    any source has integers); a hidden keypoint kept is ``0`` / False, a source without
    visibility counts as visible. None when no source has visibility and none is hidden."""
    given = [p.sample.keypoint_visibility for p in pieces]
    hidden_kept = any((p.kp_keep & ~p.kp_inside).any() for p in pieces)
    if all(g is None for g in given) and not hidden_kept:
        return None
    arrays = [np.asarray(g) for g in given if g is not None]
    ints = [a.dtype for a in arrays if a.dtype.kind != "b"]
    dtype = np.result_type(*ints) if ints else np.dtype(bool)
    as_bool = dtype.kind == "b"
    out = []
    for p, g in zip(pieces, given, strict=True):
        n = len(p.kps)
        if g is None:
            v = np.full(n, True if as_bool else 2, dtype)
        else:
            a = np.asarray(g)
            v = a.astype(dtype) * 2 if a.dtype.kind == "b" and not as_bool else a.astype(dtype)
        out.append((v * p.kp_inside.astype(dtype))[p.kp_keep])
    return np.concatenate(out)


def _keypoint_instances(pieces: list[Piece]) -> np.ndarray | None:
    """Instances of the kept keypoints: each source's (renumbered to its kept rows, see
    :meth:`Piece.settle`) plus the number of rows the sources before it keep; ``-1``
    (no instance, or a source without instances) stays ``-1``."""
    if all(p.inst is None for p in pieces):
        return None
    out, offset = [], 0
    for p in pieces:
        ids = np.full(len(p.kps), -1, np.int64) if p.inst is None else p.inst
        out.append(np.where(ids >= 0, ids + offset, -1)[p.kp_keep])
        offset += p.n_rows
    return np.concatenate(out)


def assemble(
    owner: str,
    base: Sample,
    pieces: list[Piece],
    image: np.ndarray,
    masks: list[np.ndarray] | np.ndarray | None,
    label: Any,
    meta: dict[str, Any],
) -> Sample:
    """The mixed Sample: every piece's kept targets, in the order of ``pieces``, in the
    formats of ``base`` (or of the first source that has each kind, when it has none)."""
    hw = (int(image.shape[0]), int(image.shape[1]))
    srcs = [base] + [p.sample for p in pieces]
    boxes = np.concatenate([p.boxes[p.box_keep] for p in pieces])
    box_vis = np.concatenate([p.box_vis[p.box_keep] for p in pieces])
    box_src = next((s for s in srcs if s.boxes is not None), None)
    obb = np.concatenate([p.obb[p.obb_keep] for p in pieces])
    obb_src = next((s for s in srcs if s.oriented_boxes is not None), None)
    kp_parts = [p.kps[p.kp_keep] for p in pieces if len(p.kps)]
    widths = sorted({k.shape[1] for k in kp_parts})
    if len(widths) > 1:
        raise InvalidInputError(
            f"{owner}: the mixed samples' keypoints have {widths} columns; give them all the "
            "same columns (x, y[, angle_deg[, scale]])"
        )
    kp_src = next((s for s in srcs if s.keypoints is not None), None)
    kps = np.concatenate(kp_parts) if kp_parts else np.zeros((0, 2))
    return Sample(
        image=image,
        masks=masks,
        boxes=None if box_src is None else boxes_from_xyxy(boxes, box_src.box_format, hw),
        box_labels=_kept_labels(pieces, "box_labels", "box_keep"),
        box_format="xyxy" if box_src is None else box_src.box_format,
        box_visibility=box_vis,
        keypoints=None if kp_src is None else kps,
        keypoint_labels=_kept_labels(pieces, "keypoint_labels", "kp_keep"),
        keypoint_visibility=None if kp_src is None else _keypoint_visibility(pieces),
        keypoint_instances=None if kp_src is None else _keypoint_instances(pieces),
        keypoint_flip_pairs=next(
            (s.keypoint_flip_pairs for s in srcs if s.keypoint_flip_pairs is not None), None
        ),
        oriented_boxes=None
        if obb_src is None
        else oriented_from_corners(obb, obb_src.oriented_box_format),
        oriented_box_labels=_kept_labels(pieces, "oriented_box_labels", "obb_keep"),
        oriented_box_format="corners" if obb_src is None else obb_src.oriented_box_format,
        oriented_box_visibility=None
        if obb_src is None
        else np.concatenate([p.obb_vis[p.obb_keep] for p in pieces]),
        label=label,
        meta=meta,
    )
