"""Weather and lighting kernels: shadows, fog, rain streaks, sun flare.

All work in float on ``[0, 1]`` and any channel count (effects are grey, applied equally to
every channel), returning the input dtype. Random geometry (polygons, drops, circles) is
drawn by the caller and passed in.
"""

from __future__ import annotations

import cv2
import numpy as np

from synthaug.augment.functional.pixel import _as_float, _restore

__all__ = ["fog_image", "rain_image", "shadow_image", "smooth_field", "sun_flare_image"]


def _expand(field: np.ndarray, image: np.ndarray) -> np.ndarray:
    return field if image.ndim == 2 else field[:, :, None]


def smooth_field(noise: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Upsample a small noise grid to ``hw`` with bicubic interpolation, clipped to [0, 1]."""
    up = cv2.resize(noise.astype(np.float32), (hw[1], hw[0]), interpolation=cv2.INTER_CUBIC)
    return np.clip(up, 0.0, 1.0)


def shadow_image(
    image: np.ndarray, polygons: list[np.ndarray], intensities: list[float]
) -> np.ndarray:
    """Darken each polygon (``K x 2`` pixel vertices) by its intensity (0 none, 1 black)."""
    x: np.ndarray = _as_float(image).astype(np.float32)
    factor = np.ones(image.shape[:2], np.float32)
    for poly, strength in zip(polygons, intensities, strict=True):
        m = np.zeros(image.shape[:2], np.uint8)
        cv2.fillPoly(m, [np.round(np.asarray(poly)).astype(np.int32)], 1)
        factor[m > 0] *= np.float32(1.0 - strength)
    return _restore(x * _expand(factor, x), image.dtype)


def fog_image(image: np.ndarray, haze: np.ndarray, blur_sigma: float) -> np.ndarray:
    """Blend toward white by the ``H x W`` ``haze`` field and soften details (``blur_sigma`` px)."""
    x: np.ndarray = _as_float(image).astype(np.float32)
    if blur_sigma > 0:
        x = cv2.GaussianBlur(x, (0, 0), blur_sigma).reshape(x.shape)  # every band at once
    t = _expand(haze.astype(np.float32), x)
    return _restore(x * (1.0 - t) + t, image.dtype)


def rain_image(
    image: np.ndarray,
    drops: np.ndarray,
    drop_width: int,
    drop_value: float,
    brightness: float,
    blur_ksize: int,
) -> np.ndarray:
    """Draw ``N x 4`` line segments ``(x0, y0, x1, y1)`` as rain over a dimmed, blurred image."""
    x: np.ndarray = _as_float(image).astype(np.float32)
    if blur_ksize > 1:
        k = (blur_ksize, blur_ksize)
        x = cv2.blur(x, k).reshape(x.shape)  # every band at once
    layer = np.zeros(image.shape[:2], np.float32)
    for x0, y0, x1, y1 in np.round(drops).astype(int):
        cv2.line(layer, (int(x0), int(y0)), (int(x1), int(y1)), 1.0, int(drop_width))
    a = _expand(layer, x)
    return _restore(x * brightness * (1.0 - a) + np.float32(drop_value) * a, image.dtype)


def sun_flare_image(
    image: np.ndarray, center: tuple[float, float], radius: float, circles: np.ndarray
) -> np.ndarray:
    """A bright glow of ``radius`` px at ``center`` plus ghost circles ``(x, y, r, alpha)``."""
    x: np.ndarray = _as_float(image).astype(np.float32)
    h, w = image.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.hypot(xx - center[0], yy - center[1])
    glow = np.clip(1.0 - d / max(radius, 1e-3), 0.0, 1.0) ** 2
    for cx, cy, r, alpha in circles:
        disc = (np.hypot(xx - cx, yy - cy) <= r).astype(np.float32)
        glow = np.maximum(glow, disc * np.float32(alpha))
    g = _expand(glow, x)
    return _restore(x + (1.0 - x) * g, image.dtype)
