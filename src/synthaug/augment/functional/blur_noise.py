"""Blur, sensor-noise and resolution kernels beyond the core.

Random fields (noise) are passed in by the caller, which draws them from a seed recorded in
the transform's params; the kernels themselves are deterministic.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from synthaug.augment.functional.geometric import (
    INTERPOLATIONS,
    _per_channel_chunks,
    all_channels,
)
from synthaug.augment.functional.pixel import _as_float, _restore, full_range

__all__ = [
    "defocus_kernel",
    "downscale_image",
    "filter_image",
    "iso_noise_image",
    "motion_blur_kernel",
    "multiply_image",
    "salt_and_pepper_image",
    "zoom_blur_image",
]


def filter_image(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Convolve with a normalised 2-D kernel (reflected borders); keeps dtype and channels
    (every band in one OpenCV call)."""
    k = np.asarray(kernel, np.float32)

    def fn(im: np.ndarray) -> np.ndarray:
        return cv2.filter2D(im, -1, k, borderType=cv2.BORDER_REFLECT_101)

    return all_channels(image, fn).reshape(image.shape)


def motion_blur_kernel(ksize: int, angle_deg: float, direction: float = 0.0) -> np.ndarray:
    """A line of length ``ksize`` through the centre at ``angle_deg`` (counter-clockwise).

    ``direction`` in [-1, 1] moves weight toward one end (0: symmetric streak).
    """
    k = np.zeros((ksize, ksize), np.float32)
    c = (ksize - 1) / 2.0
    a = math.radians(angle_deg)
    dx, dy = math.cos(a) * c, -math.sin(a) * c
    t = np.linspace(-1.0, 1.0, 4 * ksize)
    weights = np.clip(1.0 + direction * t, 0.0, None)
    xs = np.rint(c + t * dx).astype(int)
    ys = np.rint(c + t * dy).astype(int)
    np.add.at(k, (ys, xs), weights)
    result: np.ndarray = k / k.sum()
    return result


def defocus_kernel(radius: int, alias_blur: float) -> np.ndarray:
    """A disc of ``radius`` pixels softened by a Gaussian of ``alias_blur`` pixels."""
    size = 2 * radius + 1
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    disc = (xx * xx + yy * yy <= radius * radius).astype(np.float32)
    if alias_blur > 0:
        disc = cv2.GaussianBlur(disc, (size | 1, size | 1), alias_blur)
    result: np.ndarray = disc / disc.sum()
    return result


def zoom_blur_image(image: np.ndarray, zoom_factors: list[float]) -> np.ndarray:
    """Average of the image and copies zoomed about its centre (ImageNet-C's zoom blur)."""
    x = _as_float(image)
    h, w = x.shape[:2]
    acc = x.astype(np.float32).copy()
    for z in zoom_factors:
        m = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), 0.0, float(z))

        def zoom(im: np.ndarray, m: np.ndarray = m) -> np.ndarray:
            return cv2.warpAffine(
                im, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
            )

        zoomed = _per_channel_chunks(x, zoom).reshape(x.shape)
        acc += zoomed
    return _restore(acc / np.float32(len(zoom_factors) + 1), image.dtype)


def salt_and_pepper_image(image: np.ndarray, salt: np.ndarray, pepper: np.ndarray) -> np.ndarray:
    """Set pixels where ``salt`` (H x W bool) is True to full range (255, 65535, or 1.0 for
    float) and ``pepper`` to 0."""
    out: np.ndarray = image.copy()
    out[salt] = full_range(image.dtype)
    out[pepper] = 0
    return out


def iso_noise_image(
    image: np.ndarray, luminance_noise: np.ndarray, color_noise_deg: np.ndarray | None
) -> np.ndarray:
    """Camera sensor noise (as Albumentations' ISONoise).

    RGB images: in HLS, add ``color_noise_deg`` to the hue and raise lightness by
    ``luminance_noise * (1 - L)``. Other channel counts get the lightness rule per channel.
    ``luminance_noise`` is an H x W field in [0, 1] units.
    """
    x = _as_float(image).astype(np.float32)
    if x.ndim == 3 and x.shape[2] == 3 and color_noise_deg is not None:
        hls = cv2.cvtColor(x, cv2.COLOR_RGB2HLS)
        hls[:, :, 0] = (hls[:, :, 0] + color_noise_deg) % 360.0
        hls[:, :, 1] += luminance_noise * (1.0 - hls[:, :, 1])
        hls[:, :, 1] = np.clip(hls[:, :, 1], 0.0, 1.0)
        out = cv2.cvtColor(hls, cv2.COLOR_HLS2RGB)
    else:
        noise = luminance_noise if x.ndim == 2 else luminance_noise[:, :, None]
        out = x + noise * (1.0 - x)
    return _restore(out, image.dtype)


def downscale_image(
    image: np.ndarray, scale: float, down: str = "nearest", up: str = "linear"
) -> np.ndarray:
    """Shrink by ``scale`` and enlarge back to the original size (loses detail)."""
    h, w = image.shape[:2]
    small = (max(1, round(w * scale)), max(1, round(h * scale)))

    def fn(im: np.ndarray) -> np.ndarray:
        s = cv2.resize(im, small, interpolation=INTERPOLATIONS[down])
        return cv2.resize(s, (w, h), interpolation=INTERPOLATIONS[up])

    return all_channels(image, fn).reshape(image.shape)


def multiply_image(image: np.ndarray, multiplier: np.ndarray) -> np.ndarray:
    """Multiply by a field broadcastable to the image, saturating to the image's range."""
    return _restore(_as_float(image) * multiplier.astype(np.float32), image.dtype)
