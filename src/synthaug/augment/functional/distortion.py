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

import functools
import math

import cv2
import numpy as np

from synthaug.augment.functional.geometric import (
    BORDER_MODES,
    INTERPOLATIONS,
    _fill_value,
    channel_chunks,
    keep_range,
    rgba_faster,
    via_rgba,
)

__all__ = [
    "elastic_coarse_shape",
    "elastic_map",
    "elastic_map_coarse",
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


@functools.lru_cache(maxsize=8)
def _identity_2ch(hw: tuple[int, int]) -> np.ndarray:
    """``H x W x 2`` float32 pixel-centre coordinates (x, y); cached, read-only."""
    h, w = hw
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    grid = np.dstack([xs, ys])
    grid.flags.writeable = False
    return grid


def elastic_map(hw: tuple[int, int], dx: np.ndarray, dy: np.ndarray, sigma_px: float) -> Map:
    """Simard et al. (2003): smooth ``dx``, ``dy`` (already scaled by alpha) with a Gaussian."""
    k = int(2 * math.ceil(3 * sigma_px) + 1)
    sdx = cv2.GaussianBlur(dx.astype(np.float32), (k, k), sigma_px, borderType=cv2.BORDER_REFLECT)
    sdy = cv2.GaussianBlur(dy.astype(np.float32), (k, k), sigma_px, borderType=cv2.BORDER_REFLECT)
    xs, ys = _identity(hw)
    return xs + sdx, ys + sdy


def elastic_coarse_shape(hw: tuple[int, int], sigma_px: float) -> tuple[int, int]:
    """Size of the coarse grid on which :func:`elastic_map_coarse` draws its noise.

    The grid spacing is ``max(1, floor(sigma_px / 2))`` pixels: the Gaussian that smooths the
    field then spans at least two coarse cells per sigma, and the field it leaves has almost
    no power above the coarse grid's Nyquist frequency (``exp(-pi^2 / 2 * 4)`` of the peak).
    """
    step = max(1, int(sigma_px // 2))
    h, w = hw
    return max(1, -(-h // step)), max(1, -(-w // step))


def elastic_map_coarse(
    hw: tuple[int, int],
    noise: np.ndarray,
    alpha: float,
    sigma_px: float,
    noise_range: float = 1.0,
) -> Map:
    """Elastic field from uniform noise drawn on a coarse grid, smoothed there and upsampled.

    Same field statistics as :func:`elastic_map` on ``alpha``-scaled uniform ``[-1, 1]``
    noise at full resolution, at a fraction of the cost: smoothing a white-noise field with a
    Gaussian of ``sigma_px`` removes the high frequencies, so the field is drawn on a grid
    ``step`` times coarser (``noise``: ``h x w x 2`` float32 of shape
    :func:`elastic_coarse_shape`, uniform on ``[0, noise_range]``), smoothed with ``sigma_px / step`` there, and brought back
    with a bilinear ``cv2.resize``. White noise on cells ``step`` times wider has ``step^2``
    times the weight per cell, so its amplitude is divided by ``step`` (per axis: by
    ``sqrt(step_x * step_y)``); the displacement's standard deviation agrees with the
    full-resolution field within a few percent.
    """
    h, w = hw
    hl, wl = noise.shape[:2]
    sx, sy = w / wl, h / hl
    sigma_low = sigma_px / math.sqrt(sx * sy)
    k = int(2 * math.ceil(3 * sigma_low) + 1)
    smooth = cv2.GaussianBlur(noise, (k, k), sigma_low, borderType=cv2.BORDER_REFLECT)
    # alpha * (2 u / noise_range - 1) / step, applied after the (linear) blur on the small grid
    amplitude = alpha / math.sqrt(sx * sy)
    smooth *= np.float32(2.0 * amplitude / noise_range)
    smooth -= np.float32(amplitude)
    field = cv2.resize(smooth, (w, h), interpolation=cv2.INTER_LINEAR)
    field = cv2.add(field, _identity_2ch((h, w)))
    return field[:, :, 0], field[:, :, 1]


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
    result: np.ndarray = (np.interp(centres, edges_out, edges_in) - 0.5).astype(np.float32)
    return result


def grid_distortion_map(hw: tuple[int, int], x_steps: np.ndarray, y_steps: np.ndarray) -> Map:
    """Albumentations-style grid distortion: per-cell stretch factors along x and along y."""
    h, w = hw
    col = _grid_axis(w, np.asarray(x_steps, dtype=np.float64))
    row = _grid_axis(h, np.asarray(y_steps, dtype=np.float64))
    return (
        np.ascontiguousarray(np.broadcast_to(col[None, :], (h, w))),
        np.ascontiguousarray(np.broadcast_to(row[:, None], (h, w))),
    )


def optical_distortion_map(
    hw: tuple[int, int], k: float, center_shift: tuple[float, float] = (0.0, 0.0)
) -> Map:
    """Radial lens distortion: output radius ``r`` samples the input at ``r * (1 + k r^2)``.

    ``r`` is normalised so that the image corners are at 1; ``k > 0`` gives barrel
    (content shrinks toward the centre), ``k < 0`` pincushion. ``center_shift`` moves the
    optical centre by a fraction of (width, height).
    """
    h, w = hw
    cx = (w - 1) / 2.0 + center_shift[0] * w
    cy = (h - 1) / 2.0 + center_shift[1] * h
    radius = math.hypot(w / 2.0, h / 2.0)
    # separable form: x_src = cx + dx (1 + k dx^2 / R^2) + dx * (k dy^2 / R^2), likewise y,
    # so each map is one outer product plus a row (column) vector: two passes per map
    dx = np.arange(w, dtype=np.float64) - cx
    dy = np.arange(h, dtype=np.float64) - cy
    kx, ky = k * dx * dx / radius**2, k * dy * dy / radius**2
    map_x = np.multiply(ky.astype(np.float32)[:, None], dx.astype(np.float32)[None, :])
    map_x += (cx + dx * (1.0 + kx)).astype(np.float32)[None, :]
    map_y = np.multiply(dy.astype(np.float32)[:, None], kx.astype(np.float32)[None, :])
    map_y += (cy + dy * (1.0 + ky)).astype(np.float32)[:, None]
    return map_x, map_y


# --------------------------------------------------------------------------- images and masks
def _interleaved(maps: Map) -> np.ndarray | None:
    """The ``H x W x 2`` float32 array both maps are channel views of (as
    :func:`elastic_map_coarse` returns them), or None."""
    map_x, map_y = maps
    base = map_x.base
    if (
        base is not None
        and base is map_y.base
        and base.ndim == 3
        and base.shape[2] == 2
        and base.dtype == np.float32
        and base.flags.c_contiguous
        and map_x.shape == base.shape[:2]
    ):
        return base
    return None


def _fixed_point(maps: Map, nearest: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """``cv2.convertMaps`` to the 16-bit fixed-point form ``cv2.remap`` uses internally.

    ``remap`` converts float maps block by block on every call anyway (to 1/32 pixel); doing
    it once up front lets the resampling loop run on integer maps (about 1.6x faster for a
    3-channel image). Interleaved maps are converted without a split.
    """
    base = _interleaved(maps)
    if base is not None:
        # OpenCV takes no second map with an interleaved first one; its stubs ask for one
        result: tuple[np.ndarray, np.ndarray | None] = cv2.convertMaps(  # type: ignore[call-overload]
            base, None, cv2.CV_16SC2, nninterpolation=nearest
        )
        return result
    map_x = np.ascontiguousarray(maps[0], dtype=np.float32)
    map_y = np.ascontiguousarray(maps[1], dtype=np.float32)
    return cv2.convertMaps(map_x, map_y, cv2.CV_16SC2, nninterpolation=nearest)


def _float_maps(maps: Map) -> tuple[np.ndarray, np.ndarray | None]:
    """The maps as ``cv2.remap`` takes them in float: the interleaved array, or two planes."""
    base = _interleaved(maps)
    if base is not None:
        return base, None
    return (
        np.ascontiguousarray(maps[0], dtype=np.float32),
        np.ascontiguousarray(maps[1], dtype=np.float32),
    )


def remap_image(
    image: np.ndarray,
    maps: Map,
    interpolation: str = "linear",
    border_mode: str = "constant",
    fill: float | tuple[float, ...] = 0,
) -> np.ndarray:
    """Resample ``image`` through ``maps`` with ``cv2.remap`` (any channel count)."""
    flags = INTERPOLATIONS["linear" if interpolation == "area" else interpolation]
    border = BORDER_MODES[border_mode]
    if rgba_faster(image, flags):
        # float maps on 4 channels: faster than fixed-point maps on 3, and no conversion
        map_a, map_b = _float_maps(maps)
    else:
        map_a, map_b = _fixed_point(maps, flags == cv2.INTER_NEAREST)

    def fn(im: np.ndarray, value: tuple[float, ...]) -> np.ndarray:
        # map_b is None after an interleaved map_a, which OpenCV takes; its stubs do not
        return cv2.remap(im, map_a, map_b, flags, borderMode=border, borderValue=value)  # type: ignore[arg-type]

    if rgba_faster(image, flags):
        return via_rgba(image, lambda im: fn(im, _fill_value(fill, im)))
    shown = fill if border_mode == "constant" else ()  # the fill is only seen on a constant border
    # OpenCV's remap of many channels through fixed-point maps in one call is faster than
    # 4-band chunks (6x for float32, 1.3x for uint16); it takes one border value for all bands
    # (OpenCV's many-channel remap has no cubic or Lanczos kernel)
    many = (
        image.ndim == 3
        and image.shape[2] > 4
        and flags not in (cv2.INTER_CUBIC, cv2.INTER_LANCZOS4)
    )
    uniform = not isinstance(fill, (tuple, list)) or len(set(map(float, fill))) == 1
    if many and uniform and (not isinstance(fill, (tuple, list)) or len(fill) >= image.shape[2]):
        out = fn(image, _fill_value(fill, image))
    else:  # the maps were converted once above and serve every chunk
        out = channel_chunks(image, fn, fill)
    return keep_range(out, image, flags, shown)


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
    result: np.ndarray = np.stack([vx.ravel(), vy.ravel()], axis=1).astype(np.float64) + (q - c)
    return result


def remap_points(points: np.ndarray, maps: Map, n_iter: int = 30) -> np.ndarray:
    """Where ``N x 2`` input points (pixel centres) land in the output of ``maps``.

    Solves ``map(q) = p`` for ``q``: nearest neighbour on a grid of at most ~64 x 64 samples,
    then fixed-point steps ``q <- q - (map(q) - p)`` (converges for the smooth, near-identity
    fields used here). Accurate to a small fraction of a pixel.
    """
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(p) == 0:
        result: np.ndarray = p.copy()
        return result
    maps = (np.ascontiguousarray(maps[0]), np.ascontiguousarray(maps[1]))  # looked up often
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
    out: np.ndarray = kp.copy()
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
