"""Instance masks to and from COCO polygons and run-length encoding (RLE).

Conventions
-----------
* Polygon coordinates are continuous pixel *edges*, as in COCO and YOLO-seg: the pixel in row
  ``r``, column ``c`` covers ``[c, c + 1] x [r, r + 1]``. A polygon is filled on pixel centres
  (OpenCV's ``fillPoly`` after a half-pixel shift); a mask becomes polygons through the outer
  contours of its pixels, shifted back by half a pixel, so ``mask -> polygons -> mask`` returns
  the same pixels for hole-free shapes.
* RLE follows pycocotools: the mask is read in column-major (Fortran) order, counts alternate
  runs of 0 and 1 starting with 0. The compressed string form is pycocotools' LEB128-like code
  (6 bits per character, ASCII 48..111, counts after the second stored as differences).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from synthaug.errors import InvalidInputError

__all__ = [
    "MIN_POLYGON_IOU",
    "mask_iou",
    "mask_to_polygons",
    "mask_to_rle",
    "polygons_to_mask",
    "rle_decode_string",
    "rle_encode_string",
    "rle_to_mask",
]

_UPSAMPLE = 4  # sub-pixels per pixel when tracing a mask's outline


def polygons_to_mask(polygons: Sequence[Sequence[float]], hw: tuple[int, int]) -> np.ndarray:
    """Fill flat ``[x0, y0, x1, y1, ...]`` polygons (pixel edges) into an ``H x W`` uint8 mask.

    A pixel is inside when its centre is inside a polygon (even-odd rule, scanline on pixel
    centres); several polygons are united, as pycocotools does.
    """
    mask = np.zeros(hw, np.uint8)
    for i, poly in enumerate(polygons):
        arr = np.asarray(poly, dtype=np.float64)
        if arr.ndim != 1 or len(arr) < 6 or len(arr) % 2 or not np.all(np.isfinite(arr)):
            raise InvalidInputError(
                f"polygon {i}: expected a flat list of at least 3 (x, y) pairs, got "
                f"{arr.size} values"
            )
        mask |= _fill_polygon(arr.reshape(-1, 2), hw)
    return mask


def _fill_polygon(xy: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    h, w = hw
    out = np.zeros((h, w), np.uint8)
    r0 = max(0, int(np.floor(xy[:, 1].min() - 0.5)))
    r1 = min(h, int(np.ceil(xy[:, 1].max())))
    if r1 <= r0:
        return out
    yc = np.arange(r0, r1, dtype=np.float64)[:, None] + 0.5  # scanlines through centres
    x0, y0 = xy[:, 0][None], xy[:, 1][None]
    x1, y1 = np.roll(xy[:, 0], -1)[None], np.roll(xy[:, 1], -1)[None]
    cross = (y0 <= yc) != (y1 <= yc)  # half-open rule: each vertex counted once
    dy = np.where(y1 != y0, y1 - y0, 1.0)
    x = x0 + (yc - y0) / dy * (x1 - x0)
    rows, edges = np.nonzero(cross)
    # a crossing at x toggles every pixel whose centre c + 0.5 lies right of it
    cols = np.clip(np.ceil(x[rows, edges] - 0.5), 0, w).astype(np.int64)
    toggles = np.zeros((r1 - r0, w + 1), np.int32)
    np.add.at(toggles, (rows, cols), 1)
    out[r0:r1] = (np.cumsum(toggles, axis=1)[:, :w] % 2).astype(np.uint8)
    return out


def mask_to_polygons(mask: np.ndarray, min_iou: float | None = None) -> list[list[float]]:
    """Outer outlines of a binary mask as flat polygons in pixel-edge coordinates.

    The exact outline is traced on a 4x nearest-neighbour upsampling of the mask's bounding
    box, so it runs an eighth of a pixel inside the pixel edges: every pixel centre of the mask
    lies inside and every other centre outside, and :func:`polygons_to_mask` gives the mask
    back (holes are not represented, as in COCO polygons). It follows every pixel step
    (hundreds of vertices for a slanted edge).

    With ``min_iou`` the outlines are simplified: the contour through the midpoints between
    inside and outside pixel centres (``skimage.measure.find_contours`` at level 0.5), reduced
    with Douglas-Peucker (``cv2.approxPolyDP``) at the largest tolerance of
    :data:`_SIMPLIFY_TOLERANCES_PX` whose filled polygons keep an intersection over union of
    at least ``min_iou`` with the mask; the exact outline when none does. A disc of radius 50
    pixels keeps about 20 vertices instead of about 360.
    """
    m = np.asarray(mask) > 0
    ys, xs = np.nonzero(m)
    if not len(xs):
        return []
    y0, x0 = int(ys.min()), int(xs.min())
    crop = m[y0 : ys.max() + 1, x0 : xs.max() + 1].astype(np.uint8)
    if min_iou is not None:
        simple = _simplified_outlines(crop, min_iou)
        if simple is not None:
            return [_shifted(p, x0, y0) for p in simple]
    up = np.kron(crop, np.ones((_UPSAMPLE, _UPSAMPLE), np.uint8))
    up = np.pad(up, 1)
    contours, _ = cv2.findContours(up, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return [_shifted(_edge_polygon(c), x0, y0) for c in contours if len(c) >= 3]


#: IoU with the exact mask that polygons written by synthaug keep (COCO, YOLO-seg)
MIN_POLYGON_IOU = 0.98
#: Douglas-Peucker tolerances tried by :func:`mask_to_polygons`, coarsest first (pixels)
_SIMPLIFY_TOLERANCES_PX = (2.0, 1.0, 0.7, 0.5, 0.35)


def _simplified_outlines(crop: np.ndarray, min_iou: float) -> list[list[float]] | None:
    """Simplified outer outlines of a cropped mask (crop coordinates), or None."""
    from skimage.measure import find_contours

    outer = []
    for c in find_contours(np.pad(crop, 1).astype(np.float32), 0.5):
        xy = c[:-1, ::-1] - 0.5  # (row, col) of the padded array -> (x, y) pixel edges
        x, y = xy[:, 0], xy[:, 1]
        if len(xy) >= 3 and float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) > 0:
            outer.append(xy.astype(np.float32).reshape(-1, 1, 2))  # holes turn the other way
    if not outer:
        return None
    for tol_px in _SIMPLIFY_TOLERANCES_PX:
        polys = [cv2.approxPolyDP(c, tol_px, True).reshape(-1, 2) for c in outer]
        if any(len(p) < 3 for p in polys):
            continue
        flat = [p.astype(np.float64).ravel().tolist() for p in polys]
        if mask_iou(polygons_to_mask(flat, crop.shape), crop) >= min_iou:
            return flat
    return None


def _edge_polygon(contour: np.ndarray) -> list[float]:
    """A traced contour in pixel-edge coordinates of the mask's bounding-box crop."""
    xy = (contour.reshape(-1, 2).astype(np.float64) - 1 + 0.5) / _UPSAMPLE
    return xy.ravel().tolist()


def _shifted(poly: list[float], x0: int, y0: int) -> list[float]:
    xy = np.asarray(poly).reshape(-1, 2) + [x0, y0]
    return [round(float(v), 3) for v in xy.ravel()]


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two binary masks of the same size (1.0 when both empty)."""
    a, b = np.asarray(a) > 0, np.asarray(b) > 0
    union = int(np.count_nonzero(a | b))
    return 1.0 if union == 0 else int(np.count_nonzero(a & b)) / union


def mask_to_rle(mask: np.ndarray) -> dict:
    """Uncompressed COCO RLE ``{"size": [h, w], "counts": [...]}`` of a binary mask."""
    m = np.asarray(mask)
    if m.ndim != 2:
        raise InvalidInputError(f"mask: expected an H x W array, got shape {m.shape}")
    flat = (m > 0).ravel(order="F").astype(np.int8)
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0] == 1:
        counts = [0, *counts]
    if not flat.size:
        counts = [0]
    return {"size": [int(m.shape[0]), int(m.shape[1])], "counts": [int(c) for c in counts]}


def rle_to_mask(rle: dict) -> np.ndarray:
    """Decode a COCO RLE (counts as a list or a compressed string) to an ``H x W`` uint8 mask."""
    try:
        h, w = (int(v) for v in rle["size"])
        counts = rle["counts"]
    except (KeyError, TypeError, ValueError):
        raise InvalidInputError(
            f"RLE: expected {{'size': [h, w], 'counts': ...}}, got {rle!r:.80}"
        ) from None
    if isinstance(counts, (str, bytes)):
        counts = rle_decode_string(counts.decode() if isinstance(counts, bytes) else counts)
    counts = np.asarray(counts, dtype=np.int64)
    if counts.ndim != 1 or np.any(counts < 0) or int(counts.sum()) != h * w:
        raise InvalidInputError(
            f"RLE: counts must be non-negative and sum to h * w = {h * w}, got sum "
            f"{int(counts.sum()) if counts.ndim == 1 else '?'}"
        )
    values = np.zeros(len(counts), np.uint8)
    values[1::2] = 1
    flat = np.repeat(values, counts)
    return flat.reshape((w, h)).T.copy()


def rle_encode_string(counts: Sequence[int]) -> str:
    """pycocotools' compressed string for uncompressed RLE ``counts``."""
    out = []
    cnts = [int(c) for c in counts]
    for i, c in enumerate(cnts):
        x = c - cnts[i - 2] if i > 2 else c
        more = True
        while more:
            ch = x & 0x1F
            x >>= 5
            more = x != -1 if ch & 0x10 else x != 0
            if more:
                ch |= 0x20
            out.append(chr(ch + 48))
    return "".join(out)


def rle_decode_string(s: str) -> list[int]:
    """Uncompressed counts of a pycocotools compressed RLE string."""
    counts: list[int] = []
    p, n = 0, len(s)
    while p < n:
        x, k, more = 0, 0, True
        while more:
            if p >= n:
                raise InvalidInputError("RLE string: ends inside a count")
            c = ord(s[p]) - 48
            if not 0 <= c < 64:
                raise InvalidInputError(f"RLE string: character {s[p]!r} out of range")
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and c & 0x10:
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts
