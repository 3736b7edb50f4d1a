"""Kernels for oriented boxes and mirrored labels: pure functions, arrays in, arrays out.

Conventions (shared with :mod:`synthaug.augment.functional.geometric`)
---------------------------------------------------------------------
* An oriented box is four corners ``p0, p1, p2, p3`` (``4 x 2``, pixels) in **pixel-edge**
  coordinates, like ``xyxy`` boxes: the whole image is ``[0, W] x [0, H]``, and a rectangle
  painted over columns ``x0 .. x1 - 1`` has its corners on ``x0`` and ``x1``.
* Corner order is the DOTA / YOLO-OBB one: ``p0 -> p1 -> p2 -> p3`` runs **clockwise as
  displayed** (y down), and ``p0 -> p1`` is the box's first ("top") edge. An upright box
  ``[x0, y0, x1, y1]`` is ``(x0, y0), (x1, y0), (x1, y1), (x0, y1)``.
* ``xywha`` is ``(cx, cy, w, h, angle_deg)``: centre in pixels (pixel edges), ``w`` the length
  of the edge ``p0 -> p1``, ``h`` of ``p1 -> p2``, and ``angle_deg`` the direction of
  ``p0 -> p1`` in degrees **counter-clockwise as displayed**, in ``(-180, 180]`` (the
  convention of :class:`~synthaug.augment.Rotate` and of keypoint angles). So a box turned by
  ``Rotate`` with angle ``a`` gains ``a`` in its angle. Ultralytics' ``xywhr`` measures the
  same edge clockwise in radians: ``r = -radians(angle_deg)``.
* A mirroring (any map that reverses orientation) would make the corners run
  counter-clockwise; :func:`mirror_corners` swaps ``p0 <-> p1`` and ``p3 <-> p2`` (the box's
  own left and right, as for keypoint flip pairs), which keeps the order clockwise and
  ``p0 -> p1`` on the same edge of the object.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = [
    "MIRROR_ORDER",
    "corners_from_xywha",
    "corners_from_xyxy",
    "corners_to_xywha",
    "fit_rectangles",
    "mirror_corners",
    "polygon_orientation",
    "reverses_orientation",
]

#: the corner order after a mirroring (swap p0 <-> p1 and p3 <-> p2)
MIRROR_ORDER = (1, 0, 3, 2)


def corners_from_xyxy(boxes: np.ndarray) -> np.ndarray:
    """``N x 4 x 2`` clockwise corners of ``N x 4`` upright ``xyxy`` boxes."""
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return np.stack([b[:, [0, 1]], b[:, [2, 1]], b[:, [2, 3]], b[:, [0, 3]]], axis=1)


def corners_from_xywha(boxes: np.ndarray) -> np.ndarray:
    """``N x 4 x 2`` corners of ``N x 5`` ``(cx, cy, w, h, angle_deg)`` boxes.

    >>> corners_from_xywha(np.array([[5.0, 3.0, 4.0, 2.0, 0.0]]))[0].tolist()
    [[3.0, 2.0], [7.0, 2.0], [7.0, 4.0], [3.0, 4.0]]
    """
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 5)
    a = np.radians(b[:, 4])
    # u: along the first edge (counter-clockwise as displayed: y goes up); v: a quarter
    # turn clockwise as displayed from u (downwards for an upright box)
    u = np.stack([np.cos(a), -np.sin(a)], axis=1) * (b[:, 2:3] / 2)
    v = np.stack([np.sin(a), np.cos(a)], axis=1) * (b[:, 3:4] / 2)
    c = b[:, :2]
    return np.stack([c - u - v, c + u - v, c + u + v, c - u + v], axis=1)


def corners_to_xywha(corners: np.ndarray) -> np.ndarray:
    """``N x 5`` ``(cx, cy, w, h, angle_deg)`` of ``N x 4 x 2`` corners.

    Exact for rectangles; for another quadrilateral (after a shear or a perspective) the
    result is the rectangle through the mean of its opposite edges: fit rectangles first
    (:func:`fit_rectangles`) when that matters.

    >>> corners_to_xywha(corners_from_xywha(np.array([[5.0, 3.0, 4.0, 2.0, 30.0]]))).round(6).tolist()
    [[5.0, 3.0, 4.0, 2.0, 30.0]]
    """
    p = np.asarray(corners, dtype=np.float64).reshape(-1, 4, 2)
    if len(p) == 0:
        return np.zeros((0, 5))
    top = ((p[:, 1] - p[:, 0]) + (p[:, 2] - p[:, 3])) / 2
    side = ((p[:, 3] - p[:, 0]) + (p[:, 2] - p[:, 1])) / 2
    c = p.mean(axis=1)
    w = np.hypot(top[:, 0], top[:, 1])
    h = np.hypot(side[:, 0], side[:, 1])
    a = np.degrees(np.arctan2(-top[:, 1], top[:, 0]))
    a = np.where(a <= -180.0, a + 360.0, a)
    return np.column_stack([c, w, h, a])


def mirror_corners(corners: np.ndarray) -> np.ndarray:
    """Corners reordered after a mirroring, so they run clockwise again (see module doc)."""
    result: np.ndarray = np.asarray(corners)[:, MIRROR_ORDER, :]
    return result


def polygon_orientation(polygons: np.ndarray) -> np.ndarray:
    """Twice the signed area of each ``N x K x 2`` polygon: positive when its vertices run
    clockwise as displayed (y down)."""
    x, y = polygons[..., 0], polygons[..., 1]
    result: np.ndarray = np.sum(x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y, axis=1)
    return result


def reverses_orientation(matrix: np.ndarray, out_hw: tuple[int, int]) -> bool:
    """True when a pixel-centre ``matrix`` mirrors the image (its local Jacobian has a
    negative determinant in front of a homography's horizon): a flip, a transpose, or any
    fused chain with an odd number of them.

    For an affine map the sign is that of ``det(matrix)``; for a homography it is that of
    ``det(matrix) / w**3`` at the pre-image of the output frame's centre, which is the same
    all over the side of the horizon that has an image.
    """
    m = np.asarray(matrix, dtype=np.float64)
    det = float(np.linalg.det(m))
    if abs(m[2, 0]) < 1e-15 and abs(m[2, 1]) < 1e-15:
        return bool(det * m[2, 2] < 0)
    cx, cy = out_hw[1] / 2.0 - 0.5, out_hw[0] / 2.0 - 0.5
    w = float((np.linalg.inv(m) @ np.array([cx, cy, 1.0]))[2])
    # the centre's pre-image in homogeneous form has weight w; its image's weight is 1 / w
    return det * w < 0


def _rect_corners(points: np.ndarray) -> np.ndarray:
    """The minimum-area rectangle of one ``K x 2`` point set (OpenCV's ``minAreaRect``) as
    four corners running clockwise as displayed; degenerate sets give a degenerate one."""
    rect = cv2.minAreaRect(points.astype(np.float32).reshape(-1, 1, 2))
    box = cv2.boxPoints(rect).astype(np.float64)
    if polygon_orientation(box[None])[0] < 0:
        box = box[::-1]
    return box


def fit_rectangles(polygons: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """The minimum-area rectangle of each ``N x K x 2`` polygon, as ``N x 4 x 2`` corners
    running clockwise and starting at the corner whose first edge best follows the first
    edge ``p0 -> p1`` of the matching ``N x 4 x 2`` ``reference`` (so a fitted rectangle
    keeps its box's corner order; rows of ``reference`` with NaN start anywhere).
    """
    n = len(polygons)
    out = np.zeros((n, 4, 2))
    for i in range(n):
        box = _rect_corners(polygons[i])
        ref = reference[i]
        if np.all(np.isfinite(ref)):
            d = ref[1] - ref[0]
            edges = np.roll(box, -1, axis=0) - box
            box = np.roll(box, -int(np.argmax(edges @ d)), axis=0)
        out[i] = box
    return out
