"""Pixel-level transforms: colour, tone, blur, noise, compression, normalisation, dropout.

They change the image only (CoarseDropout may also fill masks). Masks, boxes and keypoints
pass through untouched.
"""

from __future__ import annotations

from typing import Any, ClassVar

import cv2
import numpy as np

from synthaug.augment.functional import pixel as F
from synthaug.augment.params import (
    MAX_COUNT,
    MAX_FILL,
    MAX_KERNEL,
    Fill,
    Flag,
    Int,
    Numbers,
    Optional,
    Range,
    Real,
)
from synthaug.augment.params import Record as _Record
from synthaug.augment.sample import Sample
from synthaug.augment.transforms.base import (
    ImageOnlyTransform,
    Transform,
    draw_int,
    draw_seed,
    draw_uniform,
    register,
)
from synthaug.errors import ConfigError

__all__ = [
    "BrightnessContrast",
    "CoarseDropout",
    "ColorJitter",
    "Gamma",
    "GaussianBlur",
    "GaussianNoise",
    "HueSaturationValue",
    "JPEGCompression",
    "MedianBlur",
    "Normalize",
    "ToGray",
]


#: an odd kernel size or a range of them, in pixels
KSIZE = Range(3, MAX_KERNEL, integer=True, odd=True, doc="odd kernel size range in pixels")


def _draw_odd(rng: np.random.Generator, lo: int, hi: int) -> int:
    return lo + 2 * draw_int(rng, 0, (hi - lo) // 2 + 1)


@register
class BrightnessContrast(ImageOnlyTransform):
    """``out = in * c + b``: contrast factor ``c = 1 + U(contrast)``, shift ``b = U(brightness)``.

    ``brightness`` is a fraction of the full range (0.2 means up to 51 grey levels on uint8).
    Fuses with other lookup-table transforms on uint8 images.
    """

    parameters = {
        "brightness": Range(-1, 1, symmetric=True, doc="shift range, a fraction of full range"),
        "contrast": Range(-1, 10, symmetric=True, doc="contrast factor range minus 1"),
    }

    class Drawn(_Record):
        brightness: float
        contrast: float

    def __init__(
        self,
        brightness: float | tuple[float, float] = 0.2,
        contrast: float | tuple[float, float] = 0.2,
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the shift and the factor."""
        return self.Drawn(
            brightness=draw_uniform(rng, self.brightness),
            contrast=1.0 + draw_uniform(rng, self.contrast),
        )

    def lut(self, params: dict[str, Any], n_channels: int) -> np.ndarray | None:
        """The uint8 table."""
        return F.brightness_contrast_lut(params["brightness"], params["contrast"])

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Table on uint8, arithmetic on float."""
        return F.brightness_contrast_image(image, params["brightness"], params["contrast"])


@register
class Gamma(ImageOnlyTransform):
    """``out = in ** gamma`` with ``gamma`` drawn from the range (values in [0, 1])."""

    float_range = "unit"  # a power law of fractions: float32 clipped to [0, 1]

    parameters = {
        "gamma": Range(1e-3, 100, doc="exponent range"),
    }

    class Drawn(_Record):
        gamma: float

    def __init__(self, gamma: float | tuple[float, float] = (0.8, 1.2), p: float = 0.5) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw gamma."""
        return self.Drawn(gamma=draw_uniform(rng, self.gamma))

    def lut(self, params: dict[str, Any], n_channels: int) -> np.ndarray | None:
        """The uint8 table."""
        return F.gamma_lut(params["gamma"])

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Power law per band (a table on uint8 and uint16; float32 clipped to [0, 1])."""
        return F.gamma_image(image, params["gamma"])


def _mean_luma(image: np.ndarray) -> float:
    """Mean luma in units of full range; for RGB the luma weights applied to the channel means
    (one pass, no gray image)."""
    unit = F.full_range(image.dtype)
    if image.ndim == 3 and image.shape[2] == 3:
        means = cv2.mean(image)[:3]
        return float(np.dot(F.LUMA_601, means)) / unit
    return cv2.mean(F.to_gray_image(image, keep_channels=False))[0] / unit


@register
class ColorJitter(ImageOnlyTransform):
    """torchvision's ColorJitter: brightness, contrast, saturation and hue in random order.

    Factors are drawn from ``[1 - v, 1 + v]`` for brightness, contrast and saturation (or the
    given pair), and the hue shift from ``[-hue, hue]`` as a fraction of the colour wheel
    (at most 0.5). Saturation and hue need RGB images; other images skip them.
    """

    channels = (1, 3)  # RGB colour (a single band has no colour to change)
    float_range = "unit"  # hue and saturation in HSV: float32 clipped to [0, 1]

    parameters = {
        "brightness": Range(0, 10, around_one=True, doc="brightness factor range"),
        "contrast": Range(0, 10, around_one=True, doc="contrast factor range"),
        "saturation": Range(0, 10, around_one=True, doc="saturation factor range"),
        "hue": Range(
            -0.5, 0.5, symmetric=True, doc="hue shift range, a fraction of the colour wheel"
        ),
    }

    class Drawn(_Record):
        order: list[int]
        brightness: float
        contrast: float
        saturation: float
        hue: float

    def __init__(
        self,
        brightness: float | tuple[float, float] = 0.2,
        contrast: float | tuple[float, float] = 0.2,
        saturation: float | tuple[float, float] = 0.2,
        hue: float | tuple[float, float] = 0.0,
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the four factors and their order."""
        return self.Drawn(
            order=rng.permutation(4).tolist(),
            brightness=draw_uniform(rng, self.brightness),
            contrast=draw_uniform(rng, self.contrast),
            saturation=draw_uniform(rng, self.saturation),
            hue=draw_uniform(rng, self.hue),
        )

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Apply the four adjustments in the drawn order."""
        out = F.unit_range(image)
        for op in params["order"]:
            if op == 0 and params["brightness"] != 1.0:
                out = F.brightness_contrast_image(out, 0.0, params["brightness"])
            elif op == 1 and params["contrast"] != 1.0:
                c = params["contrast"]
                mean = _mean_luma(out)
                out = F.brightness_contrast_image(out, mean * (1.0 - c), c)
            elif op == 2 and params["saturation"] != 1.0:
                out = F.saturation_image(out, params["saturation"])
            elif op == 3 and params["hue"] != 0.0:
                out = F.hue_shift_image(out, params["hue"] * 360.0)
        return out if out is not image else image.copy()


@register
class HueSaturationValue(ImageOnlyTransform):
    """Shift hue (degrees), saturation and value (fractions of full range) of RGB images."""

    channels = (1, 3)  # RGB colour (a single band has no colour to change)
    float_range = "unit"  # HSV fractions: float32 clipped to [0, 1]

    parameters = {
        "hue_shift_deg": Range(-180, 180, symmetric=True, doc="hue shift range in degrees"),
        "sat_shift": Range(-1, 1, symmetric=True, doc="saturation shift range, a fraction"),
        "val_shift": Range(-1, 1, symmetric=True, doc="value shift range, a fraction"),
    }

    class Drawn(_Record):
        hue_shift_deg: float
        sat_shift: float
        val_shift: float

    def __init__(
        self,
        hue_shift_deg: float | tuple[float, float] = 20.0,
        sat_shift: float | tuple[float, float] = 0.12,
        val_shift: float | tuple[float, float] = 0.08,
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the three shifts."""
        return self.Drawn(
            hue_shift_deg=draw_uniform(rng, self.hue_shift_deg),
            sat_shift=draw_uniform(rng, self.sat_shift),
            val_shift=draw_uniform(rng, self.val_shift),
        )

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Shift in HSV space."""
        return F.hue_saturation_value_image(
            image, params["hue_shift_deg"], params["sat_shift"], params["val_shift"]
        )


@register
class ToGray(ImageOnlyTransform):
    """Convert to grayscale, keeping the number of channels (luma for RGB)."""

    channels = (1, 3)  # RGB colour (a single band has no colour to change)

    def __init__(self, p: float = 0.5) -> None:
        super().__init__(p)

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Luma replicated across channels."""
        return F.to_gray_image(image)


@register
class Normalize(ImageOnlyTransform):
    """``(image / max_pixel_value - mean) / std`` per channel; output is float32.

    ``max_pixel_value=None`` uses 255 for uint8, 65535 for uint16 and 1 for float32 input.
    Put it last: the output leaves the [0, 1] range. Defaults are the ImageNet statistics
    (three values: give one per band for other images, e.g. from ``synthaug stats``).
    """

    example_args: ClassVar[dict[str, Any]] = {"mean": 0.5, "std": 0.25}

    parameters = {
        "mean": Numbers(-1e6, 1e6, doc="per-channel mean, in units of max_pixel_value"),
        "std": Numbers(0, 1e6, positive=True, doc="per-channel standard deviation"),
        "max_pixel_value": Optional(
            Real(1e-6, 2.0**32),
            doc="divisor of the input (None: 255 for uint8, 65535 for uint16, 1 for float)",
        ),
    }

    def __init__(
        self,
        mean: float | tuple[float, ...] = (0.485, 0.456, 0.406),
        std: float | tuple[float, ...] = (0.229, 0.224, 0.225),
        max_pixel_value: float | None = None,
        p: float = 1.0,
    ) -> None:
        self.store_params(locals())
        self._coeffs: dict[tuple[Any, ...], tuple[np.ndarray, ...]] = {}

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Per-channel standardisation."""
        c = 1 if image.ndim == 2 else image.shape[2]
        key = (c, image.ndim, image.dtype.char, self.mean, self.std, self.max_pixel_value)
        coeffs = self._coeffs.get(key)
        if coeffs is None:  # once per image layout: building the constants costs ~10 us
            coeffs = self._coeffs[key] = self._coefficients(image, c)
        return F.normalize_scaled(image, *coeffs)

    def _coefficients(self, image: np.ndarray, c: int) -> tuple[np.ndarray, ...]:
        mean = (
            np.broadcast_to(np.asarray(self.mean, np.float64), (c,))
            if np.ndim(self.mean) == 0 or len(self.mean) in (1, c)
            else None
        )
        std = (
            np.broadcast_to(np.asarray(self.std, np.float64), (c,))
            if np.ndim(self.std) == 0 or len(self.std) in (1, c)
            else None
        )
        if mean is None or std is None:
            raise ConfigError(
                f"Normalize: mean/std have {np.size(self.mean)}/{np.size(self.std)} values for "
                f"an image with {c} channels (expected 1 or {c} each)"
            )
        mpv = self.max_pixel_value or F.full_range(image.dtype)
        return F.normalize_coefficients(mean, std, mpv, c)


@register
class GaussianBlur(ImageOnlyTransform):
    """Gaussian blur; odd kernel size from ``ksize`` and ``sigma_px`` from its range."""

    parameters = {
        "ksize": KSIZE,
        "sigma_px": Range(0, MAX_KERNEL, doc="sigma range in pixels (0: from ksize)"),
    }

    class Drawn(_Record):
        ksize: int
        sigma_px: float

    def __init__(
        self,
        ksize: int | tuple[int, int] = (3, 7),
        sigma_px: float | tuple[float, float] = (0.1, 2.0),
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw kernel size and sigma."""
        return self.Drawn(
            ksize=_draw_odd(rng, *self.ksize),
            sigma_px=draw_uniform(rng, self.sigma_px),
        )

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """``cv2.GaussianBlur``."""
        return F.gaussian_blur_image(image, params["ksize"], params["sigma_px"])


@register
class MedianBlur(ImageOnlyTransform):
    """Median filter with an odd kernel size drawn from ``ksize``."""

    parameters = {
        "ksize": KSIZE,
    }

    class Drawn(_Record):
        ksize: int

    def __init__(self, ksize: int | tuple[int, int] = (3, 7), p: float = 0.5) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the kernel size."""
        return self.Drawn(ksize=_draw_odd(rng, *self.ksize))

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """``cv2.medianBlur``."""
        return F.median_blur_image(image, params["ksize"])


@register
class GaussianNoise(ImageOnlyTransform):
    """Additive Gaussian noise, ``std`` as a fraction of full range (0.05 = 12.75 grey levels).

    The noise field is drawn from a seed recorded in the params, so replay reproduces it.
    """

    parameters = {
        "std": Range(0, 1, doc="standard deviation range, a fraction of full range"),
        "mean": Real(-1, 1, doc="mean, a fraction of full range"),
        "per_channel": Flag(doc="an independent field per channel"),
    }

    class Drawn(_Record):
        std: float
        noise_seed: float

    def __init__(
        self,
        std: float | tuple[float, float] = (0.02, 0.08),
        mean: float = 0.0,
        per_channel: bool = True,
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the standard deviation and a seed for the noise field."""
        return self.Drawn(std=draw_uniform(rng, self.std), noise_seed=draw_seed(rng))

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Add the noise field, drawn from uniform bits by table lookup: several times faster
        than normal draws. uint8 images: one byte per value through 256 bin means of N(0, 1)
        (:func:`~synthaug.augment.functional.pixel.normal_bin_means`; tails cut at 2.97
        sigma), rounded to grey levels. Float images: 16-bit inverse CDF
        (:func:`~synthaug.augment.functional.pixel.normal_quantiles`; 4.4 sigma)."""
        gen = np.random.default_rng(params["noise_seed"])
        shape = image.shape if (self.per_channel or image.ndim == 2) else image.shape[:2] + (1,)
        n = int(np.prod(shape))
        if image.dtype == np.uint8:
            raw = gen.bit_generator.random_raw((n + 7) // 8)
            uniform8 = raw.astype("<u8", copy=False).view(np.uint8)[:n].reshape(shape)
            return F.gaussian_noise_uint8_image(image, uniform8, params["std"], self.mean)
        raw = gen.bit_generator.random_raw((n + 3) // 4)
        uniform16 = raw.astype("<u8", copy=False).view("<u2")[:n].reshape(shape)
        return F.gaussian_noise_quantized_image(image, uniform16, params["std"], self.mean)


@register
class JPEGCompression(ImageOnlyTransform):
    """Encode and decode as JPEG with quality drawn from ``quality`` (1-100)."""

    dtypes = ("uint8", "float32")  # an 8-bit codec: uint16 would lose 8 bits
    channels = (1, 3)  # what JPEG stores
    float_range = "unit"  # float32 clipped to [0, 1] and quantised to 8 bits

    parameters = {
        "quality": Range(1, 100, integer=True, doc="JPEG quality range"),
    }

    class Drawn(_Record):
        quality: int

    def __init__(self, quality: int | tuple[int, int] = (50, 95), p: float = 0.5) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the quality."""
        return self.Drawn(quality=draw_int(rng, self.quality[0], self.quality[1] + 1))

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """OpenCV's JPEG codec (1 or 3 channels, 8 bits: see the class declarations)."""
        return F.jpeg_image(image, params["quality"])


@register
class CoarseDropout(Transform):
    """Erase random rectangles ("cutout").

    Parameters
    ----------
    n_holes : int or (min, max)
        Number of rectangles.
    hole_height, hole_width : float or (min, max)
        Size as a fraction of the image height / width.
    fill : number, per-channel tuple, or "random"
        Value written into the image (in the image's units: 0-255 for uint8).
    fill_mask : int or None
        Value written into masks; ``None`` leaves masks untouched. Boxes and keypoints are
        never changed.
    """

    targets = ("image", "masks")

    parameters = {
        "n_holes": Range(0, MAX_COUNT, integer=True, doc="number of rectangles"),
        "hole_height": Range(0, 1, doc="height range, a fraction of the image height"),
        "hole_width": Range(0, 1, doc="width range, a fraction of the image width"),
        "fill": Fill(random=True, doc="image value (image units), per channel, or 'random'"),
        "fill_mask": Optional(Int(0, MAX_FILL), doc="mask value; None leaves masks untouched"),
    }

    class Drawn(_Record):
        rects: list[tuple[int, int, int, int]]
        fill_seed: float

    def __init__(
        self,
        n_holes: int | tuple[int, int] = (1, 8),
        hole_height: float | tuple[float, float] = (0.05, 0.2),
        hole_width: float | tuple[float, float] = (0.05, 0.2),
        fill: float | tuple[float, ...] | str = 0,
        fill_mask: int | None = None,
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the rectangles (pixel edges) and, for random fill, a seed."""
        h, w = sample.image.shape[:2]
        n = draw_int(rng, self.n_holes[0], self.n_holes[1] + 1)
        rects = []
        for _ in range(n):
            hh = max(1, round(draw_uniform(rng, self.hole_height) * h))
            ww = max(1, round(draw_uniform(rng, self.hole_width) * w))
            y0 = draw_int(rng, 0, h - hh + 1)
            x0 = draw_int(rng, 0, w - ww + 1)
            rects.append((x0, y0, x0 + ww, y0 + hh))
        return self.Drawn(rects=rects, fill_seed=draw_seed(rng))

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        """Erase the rectangles from the image (and masks when ``fill_mask`` is set)."""
        img = sample.image
        fill: Any = self.fill
        if fill == "random":
            gen = np.random.default_rng(params["fill_seed"])
            if img.dtype != np.float32:
                top = int(F.full_range(img.dtype)) + 1
                fill = gen.integers(0, top, size=img.shape, dtype=img.dtype)
            else:
                fill = gen.random(img.shape, dtype=np.float32)
        image = F.erase_rectangles_image(img, np.asarray(params["rects"]).reshape(-1, 4), fill)
        masks = sample.masks
        if masks is not None and self.fill_mask is not None:
            masks = [
                F.erase_rectangles_image(
                    m, np.asarray(params["rects"]).reshape(-1, 4), self.fill_mask
                )
                for m in masks
            ]
        return sample.copy(image=image, masks=masks)
