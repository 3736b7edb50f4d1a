"""Pixel-level kernels: colour, tone, blur, noise, compression and erasing.

They change only the image. ``uint8`` and ``uint16`` images keep their type (saturated at 0
and 255 or 65535); ``float32`` images stay ``float32`` in their own range: no kernel here clips
them unless its docstring says it needs ``[0, 1]``. Parameters given as "a fraction of full
range" scale by :func:`full_range` (255, 65535 or 1.0). Colour operations on RGB images assume
RGB channel order.
"""

from __future__ import annotations

import math
from functools import lru_cache

import cv2
import numpy as np

__all__ = [
    "apply_lut",
    "brightness_contrast_lut",
    "brightness_contrast_image",
    "compose_luts",
    "erase_rectangles_image",
    "full_range",
    "gamma_lut",
    "gamma_lut16",
    "gamma_image",
    "gaussian_blur_image",
    "gaussian_noise_image",
    "gaussian_noise_quantized_image",
    "gaussian_noise_uint8_image",
    "hue_saturation_value_image",
    "hue_shift_image",
    "normal_bin_means",
    "normal_quantiles",
    "jpeg_image",
    "median_blur_image",
    "normalize_image",
    "saturation_image",
    "unit_range",
    "to_gray_image",
]


_FULL_RANGE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


def full_range(dtype: np.dtype | type) -> float:
    """The value a pixel type calls "full range": 255 (uint8), 65535 (uint16), 1.0 (float)."""
    return _FULL_RANGE.get(np.dtype(dtype), 1.0)


def _as_float(image: np.ndarray) -> np.ndarray:
    """The image as float32 in units of full range (integers divided by 255 or 65535;
    a float image is returned as it is, in its own range)."""
    scale = _FULL_RANGE.get(image.dtype)
    if scale is None:
        return image
    result: np.ndarray = image.astype(np.float32) / np.float32(scale)
    return result


def _restore(work: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Back from :func:`_as_float` units: integers rounded and saturated, floats unclipped."""
    scale = _FULL_RANGE.get(np.dtype(dtype))
    if scale is None:
        result: np.ndarray = work.astype(np.float32, copy=False)
        return result
    out = np.rint(work * np.float32(scale))
    restored: np.ndarray = np.clip(out, 0, scale, out=out).astype(dtype)
    return restored


def unit_range(image: np.ndarray) -> np.ndarray:
    """A float image clipped to ``[0, 1]`` (a copy only when needed); other images as they are.

    For the transforms that declare ``float_range = "unit"``: their operation is defined on
    fractions of full range only (gamma, HSV, histograms, 8-bit codecs).
    """
    if image.dtype != np.float32:
        return image
    lo, hi = float(image.min()), float(image.max())
    if lo >= 0.0 and hi <= 1.0:
        return image
    result: np.ndarray = np.clip(image, 0.0, 1.0)
    return result


# --------------------------------------------------------------------------- lookup tables
try:  # SIMD byte translation, ~6 us per 256x256x3 image against cv2.LUT's ~45 us
    import stringzilla as _stringzilla
except ImportError:  # pragma: no cover - a dependency; an install without it falls back
    _stringzilla = None

#: True when single-table lookups run through stringzilla (a dependency since 0.2)
SIMD_LUT = _stringzilla is not None


def _translate_bytes(image: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``table[image]`` for a uint8 image and a ``(256,)`` table with stringzilla's translate."""
    src = np.ascontiguousarray(image)
    out = np.empty_like(src)
    _stringzilla.translate(
        # ndarray.data is the array's memoryview (typeshed gives ndarray the buffer protocol
        # only from Python 3.12 on, so memoryview(array) does not type-check for 3.10)
        src.reshape(-1).data,
        np.ascontiguousarray(table, dtype=np.uint8).data,
        out=out.reshape(-1).data,
    )
    return out


def apply_lut(image: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """Apply a ``(256,)`` or per-channel ``(256, C)`` uint8 lookup table to a uint8 image.

    A single table goes through ``stringzilla.translate`` (Albumentations' own path, several
    times faster than ``cv2.LUT``); without that package, ``cv2.LUT``, with the same bytes.
    """
    lut = np.asarray(lut, dtype=np.uint8)
    if lut.ndim == 1 or image.ndim == 2:
        table = lut if lut.ndim == 1 else lut[:, 0]
        if _stringzilla is not None and image.size:
            return _translate_bytes(image, table)
        if image.ndim == 3 and image.shape[2] > 4:
            result: np.ndarray = table[image]
            return result
        out = cv2.LUT(image, table)
        return out.reshape(image.shape)
    if image.shape[2] <= 4:
        table = np.ascontiguousarray(lut[:, : image.shape[2]]).reshape(256, 1, image.shape[2])
        return cv2.LUT(image, table)
    return np.stack([lut[image[:, :, c], c] for c in range(image.shape[2])], axis=2)


def compose_luts(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The table equal to applying ``first`` then ``second`` (per channel when 2-D)."""
    if first.ndim == 1 and second.ndim == 1:
        result: np.ndarray = second[first]
        return result
    c = max(first.shape[1] if first.ndim == 2 else 1, second.shape[1] if second.ndim == 2 else 1)
    f = first if first.ndim == 2 else np.repeat(first[:, None], c, axis=1)
    s = second if second.ndim == 2 else np.repeat(second[:, None], c, axis=1)
    return np.stack([s[f[:, i], i] for i in range(c)], axis=1)


_RAMP = np.arange(256, dtype=np.uint8).reshape(1, 256)
_UNIT_RAMP = (np.arange(256, dtype=np.float64) / 255.0).reshape(1, 256)


def _scale_shift_u8(image: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """``saturate(round(image * alpha + beta))`` on uint8 in one vectorised OpenCV pass."""
    if alpha >= 0.0 and beta >= 0.0:  # result is >= 0, so the "abs" of convertScaleAbs is moot
        out = cv2.convertScaleAbs(image, alpha=float(alpha), beta=float(beta))
    else:
        out = cv2.addWeighted(image, float(alpha), image, 0.0, float(beta))
    return out.reshape(image.shape)


def brightness_contrast_lut(brightness: float, contrast: float) -> np.ndarray:
    """``out = in * contrast + brightness * 255`` for uint8, as a table (saturating).

    The table is computed by the same OpenCV arithmetic as :func:`brightness_contrast_image`,
    so the fused (table) and direct paths give identical bytes.
    """
    return _scale_shift_u8(_RAMP, contrast, brightness * 255.0).reshape(256)


def brightness_contrast_image(image: np.ndarray, brightness: float, contrast: float) -> np.ndarray:
    """Scale by ``contrast`` and shift by ``brightness`` (fraction of full range), per band."""
    if image.dtype == np.uint8:
        if _stringzilla is not None and image.size >= 4096:  # table + SIMD translate: same bytes
            return _translate_bytes(image, brightness_contrast_lut(brightness, contrast))
        return _scale_shift_u8(image, contrast, brightness * 255.0)
    if image.dtype == np.uint16:
        out = image.astype(np.float32)
        out *= np.float32(contrast)
        out += np.float32(brightness * 65535.0)
        return np.clip(np.rint(out, out=out), 0, 65535, out=out).astype(np.uint16)
    result: np.ndarray = image * np.float32(contrast) + np.float32(brightness)
    return result.astype(np.float32, copy=False)


def gamma_lut(gamma: float) -> np.ndarray:
    """``out = in ** gamma`` on the [0, 1] range, as a uint8 table."""
    # one saturating scale-round-cast call instead of four numpy passes over 256 values (the
    # table is rebuilt on every call); within one level of rint(255 x^gamma) at rounding ties
    return cv2.convertScaleAbs(np.power(_UNIT_RAMP, gamma), alpha=255.0).reshape(256)


@lru_cache(maxsize=1)
def _unit_ramp16() -> np.ndarray:
    ramp = np.arange(65536, dtype=np.float64) / 65535.0
    ramp.flags.writeable = False
    return ramp


def gamma_lut16(gamma: float) -> np.ndarray:
    """``out = in ** gamma`` on the [0, 1] range, as a 65536-entry uint16 table."""
    # in place: each 512 kB float64 temporary is fresh memory to fault in, which took
    # longer than the arithmetic (same operations, same bytes)
    table = np.power(_unit_ramp16(), gamma)
    table *= 65535.0
    result: np.ndarray = np.rint(table, out=table).astype(np.uint16)
    return result


def gamma_image(image: np.ndarray, gamma: float) -> np.ndarray:
    """``out = in ** gamma`` per band on fractions of full range (a table for integer
    images); float images are clipped to ``[0, 1]`` first (a power law needs it)."""
    if image.dtype == np.uint8:
        return apply_lut(image, gamma_lut(gamma))
    if image.dtype == np.uint16:
        result: np.ndarray = np.take(gamma_lut16(gamma), image)
        return result
    work = np.ascontiguousarray(unit_range(image))
    # OpenCV's SIMD power: 3x numpy's, within 1 ulp; on a 2-D view (it takes 4 channels)
    powered: np.ndarray = cv2.pow(work.reshape(work.shape[0], -1), float(gamma))
    return powered.reshape(image.shape)


# --------------------------------------------------------------------------- colour
LUMA_601 = (0.299, 0.587, 0.114)  # cv2.COLOR_RGB2GRAY weights
_EYE3 = np.eye(3, dtype=np.float32)
_LUMA_ROWS = np.array([LUMA_601] * 3, dtype=np.float32)


def to_gray_image(image: np.ndarray, keep_channels: bool = True) -> np.ndarray:
    """Luma (ITU-R 601) of an RGB image; grayscale and other channel counts use the mean."""
    if image.ndim == 2:
        result: np.ndarray = image.copy()
        return result
    c = image.shape[2]
    if c == 3:
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        if keep_channels:
            return cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)
    else:
        gray = _restore(_as_float(image).mean(axis=2), image.dtype)
    if not keep_channels:
        return gray[:, :, None]
    return np.ascontiguousarray(np.repeat(gray[:, :, None], c, axis=2))


def saturation_image(image: np.ndarray, factor: float) -> np.ndarray:
    """Blend with the grayscale image: 0 gives gray, 1 the input, >1 more saturated."""
    if image.ndim == 2 or image.shape[2] != 3:
        result: np.ndarray = image.copy()
        return result
    # one 3x3 colour matrix, factor * I + (1 - factor) * (luma weights in every row):
    # the blend with the (unrounded) luma in one pass instead of gray, gray->RGB, blend
    m = factor * _EYE3 + (1.0 - factor) * _LUMA_ROWS
    return cv2.transform(image, m).reshape(image.shape)  # saturates integers, keeps floats


def hue_saturation_value_image(
    image: np.ndarray, hue_shift_deg: float, sat_shift: float, val_shift: float
) -> np.ndarray:
    """Shift hue (degrees on the colour wheel), saturation and value (fractions of full range).

    uint8 RGB goes through OpenCV's full-range HSV (hue 0-255 for the whole wheel, so a shift
    is a wrapping byte addition): 1.4-degree hue steps instead of the 2-degree steps of the
    0-179 form, closer to the float result (mean error 0.13-0.32 levels against 0.37-0.40 on
    the benchmark photos) and faster (its HSV->RGB is 25 % cheaper). Single-band images get
    only the value shift. uint16 goes through float HSV; float images are clipped to
    ``[0, 1]`` (saturation and value are fractions).
    """
    image = unit_range(image)
    if image.ndim == 2 or image.shape[2] != 3:
        out = brightness_contrast_image(image, val_shift, 1.0)
        return np.clip(out, 0.0, 1.0) if out.dtype == np.float32 else out
    if image.dtype == np.uint16:
        work = hue_saturation_value_image(_as_float(image), hue_shift_deg, sat_shift, val_shift)
        return _restore(work, image.dtype)
    if image.dtype == np.uint8:
        hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV_FULL)
        _shift_hsv_u8(
            hsv, _hue_units(hue_shift_deg), round(sat_shift * 255), round(val_shift * 255)
        )
        return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL)
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)  # float: H in [0, 360), S, V in [0, 1]
    hsv[:, :, 0] = (hsv[:, :, 0] + hue_shift_deg) % 360.0
    hsv[:, :, 1] = np.clip(hsv[:, :, 1] + sat_shift, 0.0, 1.0)
    hsv[:, :, 2] = np.clip(hsv[:, :, 2] + val_shift, 0.0, 1.0)
    return np.clip(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB), 0.0, 1.0).astype(np.float32)


def _hue_units(hue_shift_deg: float) -> int:
    """A hue shift in OpenCV's full-range uint8 hue units (256 for the whole wheel)."""
    return int(round(hue_shift_deg * 256.0 / 360.0)) % 256


def _pixel_row(values: tuple[int, int, int], w: int) -> np.ndarray:
    """A ``1 x 3w`` uint8 row repeating ``values`` per pixel."""
    row = np.empty((1, w, 3), np.uint8)
    row[...] = values
    return row.reshape(1, 3 * w)


@lru_cache(maxsize=512)
def _hue_row(dh: int, w: int) -> np.ndarray:
    """``_pixel_row((dh, 0, 0), w)``, read-only and cached: building it costs as much as the
    addition it serves on a small image, and a hue range gives few distinct shifts (the
    saturation and value shifts are drawn from continuous ranges: not worth caching)."""
    row = _pixel_row((dh, 0, 0), w)
    row.flags.writeable = False
    return row


def _pixel_pattern(values: tuple[int, int, int], h: int, w: int) -> np.ndarray:
    """An ``h x 3w`` uint8 array repeating ``values`` per pixel (OpenCV's saturating add and
    subtract need operands of equal size)."""
    return cv2.repeat(_pixel_row(values, w), h, 1)


def _shift_hsv_u8(hsv: np.ndarray, dh: int, ds: int, dv: int) -> None:
    """In place on a full-range uint8 HSV image: H += dh modulo 256, S += ds and V += dv
    saturating at 0 and 255 (three SIMD passes over the interleaved bytes at most)."""
    h, w = hsv.shape[:2]
    flat = hsv.reshape(h, w * 3)
    if dh % 256:
        np.add(flat, _hue_row(dh % 256, w), out=flat)  # uint8 wraps; row broadcast
    if ds > 0 or dv > 0:
        cv2.add(flat, _pixel_pattern((0, max(ds, 0), max(dv, 0)), h, w), dst=flat)
    if ds < 0 or dv < 0:
        cv2.subtract(flat, _pixel_pattern((0, max(-ds, 0), max(-dv, 0)), h, w), dst=flat)


def hue_shift_image(image: np.ndarray, hue_shift_deg: float) -> np.ndarray:
    """Rotate the hue of an RGB image by ``hue_shift_deg`` degrees (saturation, value kept)."""
    if image.ndim == 2 or image.shape[2] != 3:
        result: np.ndarray = image.copy()
        return result
    if image.dtype != np.uint8:
        return hue_saturation_value_image(image, hue_shift_deg, 0.0, 0.0)
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV_FULL)
    _shift_hsv_u8(hsv, _hue_units(hue_shift_deg), 0, 0)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL)


def normalize_coefficients(
    mean: np.ndarray, std: np.ndarray, max_pixel_value: float, channels: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(scale, shift, matrix)`` per channel with ``x * scale + shift`` the standardised value:
    ``scale = 1 / (max_pixel_value * std)``, ``shift = -mean / std``; ``matrix`` is the same
    as the ``channels x (channels + 1)`` float32 matrix ``cv2.transform`` takes."""
    std = np.broadcast_to(np.asarray(std, np.float64), (channels,))
    mean = np.broadcast_to(np.asarray(mean, np.float64), (channels,))
    scale, shift = 1.0 / (float(max_pixel_value) * std), -mean / std
    matrix = np.zeros((channels, channels + 1), np.float32)
    matrix[np.arange(channels), np.arange(channels)] = scale
    matrix[:, channels] = shift
    return scale.astype(np.float32), shift.astype(np.float32), matrix


def normalize_scaled(
    image: np.ndarray, scale: np.ndarray, shift: np.ndarray, matrix: np.ndarray
) -> np.ndarray:
    """``image * scale + shift`` per channel as float32 (see :func:`normalize_coefficients`).

    One multiply-add per channel through ``cv2.transform`` for 1-4 channel ``H x W x C``
    images. (A float32 ``cv2.LUT`` of the 256 levels looks 4x faster in a cold loop but is 2x
    slower in the benchmark: OpenCV's 8U->32F lookup is scalar; the cost is the float copy.)
    """
    x = image.astype(np.float32)
    if image.ndim == 3 and image.shape[2] <= 4:
        c = image.shape[2]
        return cv2.transform(x.reshape(-1, 1, c), matrix).reshape(image.shape)
    x *= scale if image.ndim == 3 else scale[0]
    x += shift if image.ndim == 3 else shift[0]
    return x


def normalize_image(
    image: np.ndarray, mean: np.ndarray, std: np.ndarray, max_pixel_value: float
) -> np.ndarray:
    """``(image / max_pixel_value - mean) / std`` as float32 (leaves the [0, 1] range)."""
    c = 1 if image.ndim == 2 else image.shape[2]
    return normalize_scaled(image, *normalize_coefficients(mean, std, max_pixel_value, c))


# --------------------------------------------------------------------------- blur and noise
def gaussian_kernel_size(sigma: float, dtype: np.dtype) -> int:
    """OpenCV's kernel size for ``ksize=0``: ``round(2 * 3 sigma + 1) | 1`` for uint8 (4 sigma
    for float), as ``cv2.GaussianBlur`` derives it."""
    return int(round(sigma * (3 if dtype == np.uint8 else 4) * 2 + 1)) | 1


@lru_cache(maxsize=256)
def _gaussian_taps(ksize: int, sigma: float) -> np.ndarray:
    """``cv2.getGaussianKernel(ksize, sigma)``, read-only and cached (a fixed sigma, as in
    most pipelines, then costs a dictionary lookup instead of a kernel build per call)."""
    taps = cv2.getGaussianKernel(ksize, sigma)
    taps.flags.writeable = False
    return taps


def gaussian_blur_image(image: np.ndarray, ksize: int, sigma: float) -> np.ndarray:
    """Gaussian blur with an odd kernel ``ksize`` (0: derived from sigma) and ``sigma`` in px.

    uint8 images go through ``cv2.sepFilter2D`` with the ``cv2.getGaussianKernel`` taps:
    5-40 % faster than ``cv2.GaussianBlur`` (whose bit-exact 8-bit path rounds its taps to
    fixed point), within one level of it (on 1-17 % of pixels); same border (reflect-101).
    """
    # OpenCV's filters take any number of channels in one call (up to 512)
    if image.dtype == np.uint8 and (ksize > 0 or sigma > 0):
        k = ksize if ksize > 0 else gaussian_kernel_size(sigma, image.dtype)
        taps = _gaussian_taps(k, sigma)
        out = cv2.sepFilter2D(image, -1, taps, taps)
    else:
        out = cv2.GaussianBlur(image, (ksize, ksize), sigmaX=sigma, sigmaY=sigma)
    return out.reshape(image.shape)


def median_blur_image(image: np.ndarray, ksize: int) -> np.ndarray:
    """Median filter with an odd ``ksize``, per band, exact for every pixel type.

    OpenCV takes any number of channels in one call, but 16-bit and float images only with
    ``ksize`` 3 or 5; larger kernels on those go through ``scipy.ndimage.median_filter``
    (replicated border, as OpenCV's), one band at a time, with no quantisation.
    """
    if image.dtype == np.uint8 or ksize <= 5:
        return cv2.medianBlur(np.ascontiguousarray(image), ksize).reshape(image.shape)
    from scipy.ndimage import median_filter

    size = (ksize, ksize) if image.ndim == 2 else (ksize, ksize, 1)
    result: np.ndarray = median_filter(image, size=size, mode="nearest")
    return result


def gaussian_noise_image(image: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Add a precomputed noise field (in units of full range, broadcastable to the image)."""
    if image.dtype == np.uint8:
        summed = cv2.add(
            image.astype(np.int16),
            np.rint(noise * 255).astype(np.int16).reshape(image.shape),
            dtype=cv2.CV_16S,
        )
        return np.clip(summed, 0, 255).astype(np.uint8)
    return _restore(_as_float(image) + noise.astype(np.float32), image.dtype)


_QUANTILES: list[np.ndarray] = []


def normal_quantiles() -> np.ndarray:
    """The 65,536 equiprobable quantiles ``Phi^-1((k + 0.5) / 65536)`` of N(0, 1), float64.

    Indexing them with uniform 16-bit integers draws standard normal values (inverse-CDF
    sampling at 16-bit resolution: tails are cut at 4.4 sigma, probability 1e-5).
    """
    if not _QUANTILES:
        from scipy.special import ndtri

        _QUANTILES.append(ndtri((np.arange(65536, dtype=np.float64) + 0.5) / 65536.0))
    return _QUANTILES[0]


_BIN_MEANS: list[np.ndarray] = []


def normal_bin_means() -> np.ndarray:
    """256 values that stand for N(0, 1) drawn with one uniform byte, float64.

    The real line is cut into 256 equiprobable bins; value ``k`` is the mean of N(0, 1) over
    bin ``k`` (``256 (phi(a_k) - phi(a_{k+1}))``), rescaled to unit variance (the raw means
    have 0.9996). Indexing them with uniform bytes gives a symmetric, zero-mean, unit-variance
    law whose central 99 % is N(0, 1) at 1/256 resolution; the tails stop at 2.97 sigma
    (a true normal puts 0.3 % of its mass beyond) and 4.69 % lies beyond 2 sigma (4.55 %).
    """
    if not _BIN_MEANS:
        from scipy.special import ndtri

        edges = ndtri(np.arange(257, dtype=np.float64) / 256.0)
        with np.errstate(over="ignore", invalid="ignore"):
            pdf = np.exp(-0.5 * edges**2) / math.sqrt(2.0 * math.pi)
        pdf[[0, -1]] = 0.0  # phi(+-inf)
        means = (pdf[:-1] - pdf[1:]) * 256.0
        _BIN_MEANS.append(means / means.std())
    return _BIN_MEANS[0]


def gaussian_noise_uint8_image(
    image: np.ndarray, uniform8: np.ndarray, std: float, mean: float = 0.0
) -> np.ndarray:
    """Add Gaussian noise ``N(mean, std)`` (fractions of full range) to a uint8 image.

    ``uniform8`` holds uniform uint8 draws shaped like the image (or ``H x W`` / ``H x W x 1``
    for one value per pixel); each byte picks one of :func:`normal_bin_means`, scaled and
    rounded to whole grey levels, through one ``cv2.LUT`` into int16, and one saturating
    ``cv2.add``. About 3x cheaper than the 16-bit inverse CDF of
    :func:`gaussian_noise_quantized_image`, with tails cut at 2.97 sigma instead of 4.4.
    """
    table = np.rint(normal_bin_means() * (std * 255.0) + mean * 255.0)
    table = np.clip(table, -32768, 32767).astype(np.int16)
    noise = cv2.LUT(np.ascontiguousarray(uniform8), table)
    if image.ndim == 3 and noise.shape[:2] == image.shape[:2] and noise.size != image.size:
        noise = cv2.merge([noise.reshape(image.shape[:2])] * image.shape[2])
    return cv2.add(image, noise.reshape(image.shape), dtype=cv2.CV_8U).reshape(image.shape)


def gaussian_noise_quantized_image(
    image: np.ndarray, uniform16: np.ndarray, std: float, mean: float = 0.0
) -> np.ndarray:
    """Add Gaussian noise ``N(mean, std)`` (fractions of full range) drawn by inverse CDF.

    ``uniform16`` holds uniform uint16 draws shaped like the image (or ``H x W x 1`` for one
    value per pixel). On uint8 the noise is rounded to whole grey levels, as
    :func:`gaussian_noise_image` does, and added with saturation.
    """
    q = normal_quantiles()
    if image.dtype == np.uint8:
        table = np.clip(np.rint(q * (std * 255.0) + mean * 255.0), -32768, 32767)
        noise = np.take(table.astype(np.int16), uniform16)
        if noise.shape != image.shape:
            noise = np.ascontiguousarray(np.broadcast_to(noise, image.shape))
        return cv2.add(image, noise, dtype=cv2.CV_8U).reshape(image.shape)
    unit = np.float32(full_range(image.dtype))
    noise = np.take((q * std + mean).astype(np.float32) * unit, uniform16)
    out = image + noise  # float32: no clip (a float image keeps its own range)
    if image.dtype == np.uint16:
        return np.clip(np.rint(out, out=out), 0, 65535, out=out).astype(np.uint16)
    return out


_IMREAD_COLOR_RGB = getattr(cv2, "IMREAD_COLOR_RGB", None)  # OpenCV >= 4.10


def jpeg_image(image: np.ndarray, quality: int) -> np.ndarray:
    """Encode and decode as JPEG at ``quality`` (1-100); 1 or 3 channels, uint8 (float32 is
    clipped to ``[0, 1]`` and quantised to 8 bits, as the codec is)."""
    work = (
        image if image.dtype == np.uint8 else np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)
    )
    squeeze = work.ndim == 3 and work.shape[2] == 1
    if squeeze:
        work = work[:, :, 0]
    bgr = work if work.ndim == 2 else cv2.cvtColor(work, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", bgr, [int(cv2.IMWRITE_JPEG_QUALITY), int(quality)])
    if not ok:  # pragma: no cover - OpenCV fails only on unsupported layouts
        raise ValueError("JPEG encoding failed")
    if work.ndim == 3 and _IMREAD_COLOR_RGB is not None:  # libjpeg writes RGB directly
        out = cv2.imdecode(buf, _IMREAD_COLOR_RGB)
        assert out is not None  # the bytes were just encoded
    else:
        dec = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
        assert dec is not None  # the bytes were just encoded
        out = dec if dec.ndim == 2 else cv2.cvtColor(dec, cv2.COLOR_BGR2RGB)
    if squeeze:
        out = out[:, :, None]
    if image.dtype != np.uint8:
        out = out.astype(np.float32) / 255.0
    return out


def erase_rectangles_image(
    image: np.ndarray, rects: np.ndarray, fill: float | tuple[float, ...] | np.ndarray
) -> np.ndarray:
    """Fill each ``[x_min, y_min, x_max, y_max]`` rectangle (pixel edges) with ``fill``.

    ``fill`` may be a scalar, one value per channel, or an array shaped like the image
    (random fill drawn by the caller).
    """
    out: np.ndarray = image.copy()
    for x0, y0, x1, y1 in np.asarray(rects, dtype=np.int64).reshape(-1, 4):
        if isinstance(fill, np.ndarray) and fill.shape[:2] == image.shape[:2]:
            out[y0:y1, x0:x1] = fill[y0:y1, x0:x1]
        else:
            out[y0:y1, x0:x1] = fill
    return out
