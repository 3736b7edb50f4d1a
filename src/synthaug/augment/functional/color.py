"""Colour and tone kernels beyond the core: channel ops, tables, histograms, sharpening.

``uint8`` and ``uint16`` images keep their type (saturated), ``float32`` stay ``float32`` in
their own range. Per-pixel operations come with a ``*_lut`` form (a 256-entry table, or
``256 x C`` for per-channel tables) so a pipeline can fuse them on uint8 images. Histogram
operations (equalize, CLAHE) work on integer levels: 256 for uint8, 65536 for uint16, and
float images are clipped to ``[0, 1]`` and quantised to 65536 levels for them.
"""

from __future__ import annotations

import cv2
import numpy as np

from synthaug.augment.functional.geometric import ImageFn, all_channels
from synthaug.augment.functional.pixel import _as_float, _restore, apply_lut, full_range

__all__ = [
    "autocontrast_image",
    "channel_dropout_lut",
    "channel_shuffle_image",
    "clahe_image",
    "convolve_image",
    "emboss_kernel",
    "equalize_image",
    "invert_lut",
    "posterize_lut",
    "sepia_image",
    "shift_channels_lut",
    "sharpen_kernel",
    "sharpness_image",
    "solarize_lut",
    "table_image",
]


def table_image(image: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """Apply a uint8 table to a uint8 or float32 image (float32 images are clipped to
    ``[0, 1]`` and look up their nearest of 256 levels).

    For float images with a table that is an exact function of the level this quantises to
    256 levels; callers with a closed form for floats (or uint16) use it instead.
    """
    if image.dtype == np.uint8:
        return apply_lut(image, lut)
    if image.dtype != np.float32:
        raise TypeError(f"table_image: expected uint8 or float32, got {image.dtype}")
    levels = np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)
    result: np.ndarray = apply_lut(levels, lut).astype(np.float32) / np.float32(255.0)
    return result


# --------------------------------------------------------------------------- tables
def invert_lut() -> np.ndarray:
    """``255 - x``."""
    return (255 - np.arange(256)).astype(np.uint8)


def posterize_lut(bits: int) -> np.ndarray:
    """Keep the ``bits`` most significant bits (PIL's posterize)."""
    mask = (0xFF << (8 - int(bits))) & 0xFF
    return (np.arange(256) & mask).astype(np.uint8)


def solarize_lut(threshold: float) -> np.ndarray:
    """Invert levels at or above ``threshold`` (a fraction of full range, as torchvision)."""
    x = np.arange(256)
    return np.where(x >= threshold * 255.0, 255 - x, x).astype(np.uint8)


def shift_channels_lut(shifts: np.ndarray) -> np.ndarray:
    """``256 x C`` table adding ``shifts[c]`` (fractions of full range) to channel ``c``."""
    x = np.arange(256, dtype=np.float64)[:, None]
    return np.clip(np.rint(x + np.asarray(shifts, np.float64)[None, :] * 255.0), 0, 255).astype(
        np.uint8
    )


def channel_dropout_lut(n_channels: int, dropped: list[int], fill: int) -> np.ndarray:
    """``256 x C`` table sending the ``dropped`` channels to ``fill`` and others unchanged."""
    table = np.repeat(np.arange(256, dtype=np.uint8)[:, None], n_channels, axis=1)
    table[:, list(dropped)] = np.uint8(fill)
    return table


# --------------------------------------------------------------------------- channels
def channel_shuffle_image(image: np.ndarray, order: list[int]) -> np.ndarray:
    """Reorder the channels (``order[i]`` is the input channel written to output ``i``)."""
    if image.ndim == 2:
        result: np.ndarray = image.copy()
        return result
    return np.ascontiguousarray(image[:, :, list(order)])


def sepia_image(image: np.ndarray) -> np.ndarray:
    """The classic sepia matrix on RGB images; other channel counts are returned unchanged."""
    if image.ndim == 2 or image.shape[2] != 3:
        result: np.ndarray = image.copy()
        return result
    m = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]], np.float32)
    out = cv2.transform(_as_float(image), m)
    return _restore(out, image.dtype)


# --------------------------------------------------------------------------- histograms
def _levels(image: np.ndarray) -> np.ndarray:
    """Integer levels for a histogram: uint8 and uint16 as they are, float32 clipped to
    ``[0, 1]`` and quantised to 65536 levels."""
    if image.dtype != np.float32:
        return image
    levels: np.ndarray = np.rint(np.clip(image, 0.0, 1.0) * 65535.0).astype(np.uint16)
    return levels


def _back(levels: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if dtype != np.float32:
        return levels
    result: np.ndarray = levels.astype(np.float32) * np.float32(1.0 / 65535.0)
    return result


def _equalize_plane(plane: np.ndarray) -> np.ndarray:
    """``cv2.equalizeHist`` for one uint8 or uint16 plane (its formula on 65536 levels)."""
    if plane.dtype == np.uint8:
        result: np.ndarray = cv2.equalizeHist(plane)
        return result
    hist = np.bincount(plane.ravel(), minlength=65536)
    cdf = np.cumsum(hist)
    first = int(cdf[np.flatnonzero(hist)[0]])
    total = int(cdf[-1])
    if total == first:  # one level only: equalisation leaves it
        same: np.ndarray = plane.copy()
        return same
    table = np.rint((cdf - first) * (65535.0 / (total - first)))
    return np.take(np.clip(table, 0, 65535).astype(np.uint16), plane)


def _per_channel(image: np.ndarray, fn: ImageFn) -> np.ndarray:
    if image.ndim == 2:
        result: np.ndarray = fn(image)
        return result
    return np.stack([fn(np.ascontiguousarray(image[:, :, c])) for c in range(image.shape[2])], 2)


def equalize_image(image: np.ndarray, by_channels: bool = True) -> np.ndarray:
    """Histogram equalisation per channel, or of the luma only (RGB, ``by_channels=False``)."""
    work = _levels(image)
    if not by_channels and work.ndim == 3 and work.shape[2] == 3:
        ycc = cv2.cvtColor(work, cv2.COLOR_RGB2YCrCb)
        ycc[:, :, 0] = _equalize_plane(np.ascontiguousarray(ycc[:, :, 0]))
        out = cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB)
    else:
        out = _per_channel(work, _equalize_plane)
    return _back(out, image.dtype)


def clahe_image(image: np.ndarray, clip_limit: float, tile_grid: tuple[int, int]) -> np.ndarray:
    """Contrast-limited adaptive equalisation: on L of Lab for RGB, per channel otherwise."""
    clahe = cv2.createCLAHE(
        clipLimit=float(clip_limit), tileGridSize=tuple(int(v) for v in tile_grid)
    )
    work = _levels(image)
    if work.ndim == 3 and work.shape[2] == 3 and work.dtype == np.uint8:
        lab = cv2.cvtColor(work, cv2.COLOR_RGB2LAB)
        # contiguous plane out and back (cheaper than OpenCV copying a strided view)
        cv2.insertChannel(clahe.apply(cv2.extractChannel(lab, 0)), lab, 0)
        out = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)
    elif work.ndim == 3 and work.shape[2] == 3:
        # OpenCV's Lab takes 8-bit or float: float Lab, L (0-100) as 16-bit levels for CLAHE
        lab = cv2.cvtColor(work.astype(np.float32) * np.float32(1.0 / 65535.0), cv2.COLOR_RGB2LAB)
        lum = np.rint(lab[:, :, 0] * 655.35).astype(np.uint16)
        lab[:, :, 0] = clahe.apply(lum).astype(np.float32) / np.float32(655.35)
        rgb = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)
        out = np.rint(np.clip(rgb, 0.0, 1.0) * 65535.0).astype(np.uint16)
    else:
        out = _per_channel(work, clahe.apply)
    return _back(out, image.dtype)


def autocontrast_image(image: np.ndarray) -> np.ndarray:
    """Stretch each channel so its darkest value becomes 0 and its brightest full range."""
    x = _as_float(image)
    axes = (0, 1)
    lo = x.min(axis=axes, keepdims=True)
    hi = x.max(axis=axes, keepdims=True)
    scale = np.where(hi > lo, 1.0 / np.where(hi > lo, hi - lo, 1.0), 1.0).astype(np.float32)
    out = np.where(hi > lo, (x - lo) * scale, x)
    return _restore(out, image.dtype)


# --------------------------------------------------------------------------- convolution
def sharpen_kernel(alpha: float, lightness: float) -> np.ndarray:
    """Blend of identity and a Laplacian sharpening kernel (weights sum to ``1 + alpha (L - 1)``)."""
    ident = np.zeros((3, 3), np.float32)
    ident[1, 1] = 1.0
    effect = np.array([[-1, -1, -1], [-1, 8 + lightness, -1], [-1, -1, -1]], np.float32)
    return (1 - alpha) * ident + alpha * effect


def emboss_kernel(alpha: float, strength: float) -> np.ndarray:
    """Blend of identity and an emboss kernel of the given ``strength`` (sums to 1)."""
    ident = np.zeros((3, 3), np.float32)
    ident[1, 1] = 1.0
    s = strength
    effect = np.array([[-1 - s, -s, 0], [-s, 1, s], [0, s, 1 + s]], np.float32)
    return (1 - alpha) * ident + alpha * effect


def convolve_image(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``cv2.filter2D`` with reflected borders, saturating to the image's range."""
    work = _as_float(image)
    out = all_channels(
        work, lambda im: cv2.filter2D(im, -1, kernel, borderType=cv2.BORDER_REFLECT_101)
    )
    return _restore(out.reshape(image.shape), image.dtype)


def sharpness_image(image: np.ndarray, factor: float) -> np.ndarray:
    """PIL's ImageEnhance.Sharpness: blend with a smoothed copy (0 blurs, 1 keeps, 2 sharpens).

    As PIL and torchvision, the one-pixel border keeps its original values.
    """
    smooth_k = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], np.float32) / 13.0
    x = _as_float(image)
    smooth = all_channels(x, lambda im: cv2.filter2D(im, -1, smooth_k)).reshape(x.shape)
    if image.dtype != np.float32:  # PIL rounds the degenerate image to whole levels
        unit = full_range(image.dtype)
        smooth = np.rint(smooth * unit) / unit
    smooth[0, :], smooth[-1, :], smooth[:, 0], smooth[:, -1] = x[0, :], x[-1, :], x[:, 0], x[:, -1]
    return _restore(smooth + np.float32(factor) * (x - smooth), image.dtype)
