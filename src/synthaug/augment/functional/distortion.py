"""Non-matrix geometric kernels: displacement fields (remap maps) and their per-target use.

A *map* is a pair ``(map_x, map_y)`` of ``H_out x W_out`` float32 arrays: output pixel
``(r, c)`` takes the input value at pixel-centre coordinates ``(map_x[r, c], map_y[r, c])``,
as ``cv2.remap`` reads them. Images resample through it directly; points (keypoints, box
outlines) need the *inverse* map, which :func:`remap_points` finds numerically: a coarse
nearest search on a sub-sampled grid, then fixed-point refinement ``q <- q - (map(q) - p)``.
Outside the canvas the map is continued by the identity, so points whose pre-image lies off
the canvas come out off the canvas (and a pipeline drops them).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from synthaug.augment.functional.geometric import (
    BORDER_MODES,
    INTERPOLATIONS,
    _fill_value,
    _per_channel_chunks,
)

__all__ = [
    "elastic_map",
    "grid_distortion_map",
    "optical_distortion_map",
    "remap_boxes",
    "remap_image",
    "remap_keypoints",
    "remap_mask",
    "remap_points",
]

Map = tuple[np.ndarray, np.ndarray]


# --------------------------------------------------------------------------- maps
def _identity(hw: tuple[int, int]) -> Map:
    h, w = hw
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return xs, ys


def elastic_map(hw: tuple[int, int], dx: np.ndarray, dy: np.ndarray, sigma_px: float) -> Map:
    """Simard et al. (2003): smooth ``dx``, ``dy`` (already scaled by alpha) with a Gaussian."""
    k = int(2 * math.ceil(3 * sigma_px) + 1)
    sdx = cv2.GaussianBlur(dx.astype(np.float32), (k, k), sigma_px, borderType=cv2.BORDER_REFLECT)
    sdy = cv2.GaussianBlur(dy.astype(np.float32), (k, k), sigma_px, borderType=cv2.BORDER_REFLECT)
    xs, ys = _identity(hw)
    return xs + sdx, ys + sdy


def _grid_axis(n: int, steps: np.ndarray) -> np.ndarray:
    """Source coordinate of each output pixel centre along one axis.

    The axis is cut into ``len(steps)`` equal cells; cell ``i`` stretches by ``steps[i]`` in
    the source, and the source cells are rescaled to cover the whole axis again.
    """
    n_cells = len(steps)
    edges_out = np.linspace(0.0, n, n_cells + 1)
    widths = np.diff(edges_out) * steps
    edges_in = np.concatenate([[0.0], np.cumsum(widths)])
    edges_in *= n / edges_in[-1]
    centres = np.arange(n, dtype=np.float64) + 0.5
    return (np.interp(centres, edges_out, edges_in) - 0.5).astype(np.float32)


def grid_distortion_map(hw: tuple[int, int], x_steps: np.ndarray, y_steps: np.ndarray) -> Map:
    """Albumentations-style grid distortion: per-cell stretch factors along x and along y."""
    h, w = hw
    col = _grid_axis(w, np.asarray(x_steps, dtype=np.float64))
    row = _grid_axis(h, np.asarray(y_steps, dtype=np.float64))
    return (
        np.ascontiguousarray(np.broadcast_to(col[None, :], (h, w))),
        np.ascontiguousarray(np.broadcast_to(row[:, None], (h, w))),
    )


def optical_distortion_map(hw: tuple[int, int], k: float, center_shift=(0.0, 0.0)) -> Map:
    """Radial lens distortion: output radius ``r`` samples the input at ``r * (1 + k r^2)``.

    ``r`` is normalised so that the image corners are at 1; ``k > 0`` gives barrel
    (content shrinks toward the centre), ``k < 0`` pincushion. ``center_shift`` moves the
    optical centre by a fraction of (width, height).
    """
    h, w = hw
    cx = (w - 1) / 2.0 + center_shift[0] * w
    cy = (h - 1) / 2.0 + center_shift[1] * h
    radius = math.hypot(w / 2.0, h / 2.0)
    xs, ys = _identity(hw)
    u, v = (xs - cx) / radius, (ys - cy) / radius
    f = 1.0 + k * (u * u + v * v)
    return (cx + u * f * radius).astype(np.float32), (cy + v * f * radius).astype(np.float32)


# --------------------------------------------------------------------------- images and masks
def remap_image(
    image: np.ndarray,
    maps: Map,
    interpolation: str = "linear",
    border_mode: str = "constant",
    fill: float | tuple[float, ...] = 0,
) -> np.ndarray:
    """Resample ``image`` through ``maps`` with ``cv2.remap`` (any channel count)."""
    map_x, map_y = maps
    flags = INTERPOLATIONS["linear" if interpolation == "area" else interpolation]
    border = BORDER_MODES[border_mode]

    def fn(im):
        value = _fill_value(fill, im)
        return cv2.remap(im, map_x, map_y, flags, borderMode=border, borderValue=value)

    return _per_channel_chunks(image, fn)


def remap_mask(
    mask: np.ndarray, maps: Map, border_mode: str = "constant", fill: int = 0
) -> np.ndarray:
    """Resample a mask with nearest-neighbour lookup: no new values appear."""
    dtype = mask.dtype
    work = mask.astype(np.int32) if dtype in (np.int64, np.uint32, np.bool_) else mask
    out = remap_image(work, maps, "nearest", border_mode, fill)
    return out.astype(dtype, copy=False)


# --------------------------------------------------------------------------- points
def _lookup(maps: Map, q: np.ndarray) -> np.ndarray:
    """Bilinear value of the map at points ``q`` (N x 2); identity continuation outside."""
    map_x, map_y = maps
    h, w = map_x.shape
    c = np.stack([np.clip(q[:, 0], 0, w - 1), np.clip(q[:, 1], 0, h - 1)], axis=1)
    px = c[:, 0].astype(np.float32).reshape(1, -1)
    py = c[:, 1].astype(np.float32).reshape(1, -1)
    vx = cv2.remap(map_x, px, py, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    vy = cv2.remap(map_y, px, py, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.stack([vx.ravel(), vy.ravel()], axis=1).astype(np.float64) + (q - c)


def remap_points(points: np.ndarray, maps: Map, n_iter: int = 30) -> np.ndarray:
    """Where ``N x 2`` input points (pixel centres) land in the output of ``maps``.

    Solves ``map(q) = p`` for ``q``: nearest neighbour on a grid of at most ~64 x 64 samples,
    then fixed-point steps ``q <- q - (map(q) - p)`` (converges for the smooth, near-identity
    fields used here). Accurate to a small fraction of a pixel.
    """
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(p) == 0:
        return p.copy()
    map_x, map_y = maps
    h, w = map_x.shape
    stride = max(1, max(h, w) // 64)
    gx = map_x[::stride, ::stride].astype(np.float64).ravel()
    gy = map_y[::stride, ::stride].astype(np.float64).ravel()
    gys, gxs = np.mgrid[0:h:stride, 0:w:stride]
    grid = np.stack([gxs.ravel(), gys.ravel()], axis=1).astype(np.float64)
    q = np.empty_like(p)
    for start in range(0, len(p), 512):
        chunk = p[start : start + 512]
        d = (gx[None, :] - chunk[:, :1]) ** 2 + (gy[None, :] - chunk[:, 1:2]) ** 2
        best = np.argmin(d, axis=1)
        # off-canvas pre-image: start from the nearest sample shifted by the residual
        q[start : start + 512] = grid[best] + chunk - np.stack([gx[best], gy[best]], axis=1)
    for _ in range(n_iter):
        r = _lookup(maps, q) - p
        q = q - r
        if np.max(np.abs(r)) < 1e-3:
            break
    return q


def remap_keypoints(keypoints: np.ndarray, maps: Map) -> np.ndarray:
    """Move ``N x 2`` or ``N x 4`` keypoints (x, y, angle_deg, scale) through ``maps``.

    Angle and scale follow the local Jacobian of the forward map (estimated by moving a point
    half a pixel along the keypoint's direction).
    """
    kp = np.asarray(keypoints, dtype=np.float64)
    if len(kp) == 0:
        return kp.reshape(0, kp.shape[1] if kp.ndim == 2 else 2)
    out = kp.copy()
    out[:, :2] = remap_points(kp[:, :2], maps)
    if kp.shape[1] >= 3:
        a = np.radians(kp[:, 2])
        step = 0.5
        tip = kp[:, :2] + step * np.stack([np.cos(a), -np.sin(a)], axis=1)
        d = remap_points(tip, maps) - out[:, :2]
        out[:, 2] = np.degrees(np.arctan2(-d[:, 1], d[:, 0])) % 360.0
        if kp.shape[1] >= 4:
            ortho = kp[:, :2] + step * np.stack([np.sin(a), np.cos(a)], axis=1)
            e = remap_points(ortho, maps) - out[:, :2]
            area = np.abs(d[:, 0] * e[:, 1] - d[:, 1] * e[:, 0]) / (step * step)
            out[:, 3] = kp[:, 3] * np.sqrt(area)
    return out


def remap_boxes(boxes: np.ndarray, maps: Map, n_per_side: int = 32) -> np.ndarray:
    """Tight ``xyxy`` box (pixel edges) of each box's outline moved through ``maps``.

    The outline is sampled densely (every pixel, at most ``n_per_side`` points per side), so
    the box follows bends of the field. The result is not clipped.
    """
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if len(b) == 0:
        return np.zeros((0, 4))
    t = np.linspace(0.0, 1.0, n_per_side)
    outlines = []
    for x0, y0, x1, y1 in b:
        xs = x0 + (x1 - x0) * t
        ys = y0 + (y1 - y0) * t
        pts = np.concatenate(
            [
                np.stack([xs, np.full_like(xs, y0)], 1),
                np.stack([xs, np.full_like(xs, y1)], 1),
                np.stack([np.full_like(ys, x0), ys], 1),
                np.stack([np.full_like(ys, x1), ys], 1),
            ]
        )
        outlines.append(pts)
    pts = np.concatenate(outlines) - 0.5  # edges -> pixel-centre coordinates
    moved = remap_points(pts, maps).reshape(len(b), -1, 2) + 0.5
    return np.concatenate([moved.min(axis=1), moved.max(axis=1)], axis=1)
