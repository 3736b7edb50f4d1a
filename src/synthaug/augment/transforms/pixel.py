"""Pixel-level transforms: colour, tone, blur, noise, compression, normalisation, dropout.

They change the image only (CoarseDropout may also fill masks). Masks, boxes and keypoints
pass through untouched.
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import cv2
import numpy as np

from synthaug.augment.functional import pixel as F
from synthaug.augment.sample import Sample
from synthaug.augment.transforms.base import (
    ImageOnlyTransform,
    Transform,
    check_range,
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


def _odd_range(owner: str, name: str, value: Any, low: int = 3) -> tuple[int, int]:
    lo, hi = check_range(owner, name, value, low=low, integer=True)
    if int(lo) % 2 == 0 or int(hi) % 2 == 0:
        raise ConfigError(f"{owner}.{name}: expected odd kernel sizes, got {value!r}")
    return int(lo), int(hi)


def _draw_odd(rng: np.random.Generator, lo: int, hi: int) -> int:
    return lo + 2 * draw_int(rng, 0, (hi - lo) // 2 + 1)


@register
class BrightnessContrast(ImageOnlyTransform):
    """``out = in * c + b``: contrast factor ``c = 1 + U(contrast)``, shift ``b = U(brightness)``.

    ``brightness`` is a fraction of the full range (0.2 means up to 51 grey levels on uint8).
    Fuses with other lookup-table transforms on uint8 images.
    """

    def __init__(
        self,
        brightness: float | tuple[float, float] = 0.2,
        contrast: float | tuple[float, float] = 0.2,
        p: float = 0.5,
    ) -> None:
        super().__init__(p)
        self.brightness = check_range(
            "BrightnessContrast", "brightness", brightness, symmetric=True, low=-1, high=1
        )
        self.contrast = check_range(
            "BrightnessContrast", "contrast", contrast, symmetric=True, low=-1
        )

    def sample_params(self, rng, sample):
        """Draw the shift and the factor."""
        return {
            "brightness": draw_uniform(rng, self.brightness),
            "contrast": 1.0 + draw_uniform(rng, self.contrast),
        }

    def lut(self, params, n_channels):
        """The uint8 table."""
        return F.brightness_contrast_lut(params["brightness"], params["contrast"])

    def apply_image(self, image, params):
        """Table on uint8, arithmetic on float."""
        return F.brightness_contrast_image(image, params["brightness"], params["contrast"])


@register
class Gamma(ImageOnlyTransform):
    """``out = in ** gamma`` with ``gamma`` drawn from the range (values in [0, 1])."""

    def __init__(self, gamma: float | tuple[float, float] = (0.8, 1.2), p: float = 0.5) -> None:
        super().__init__(p)
        self.gamma = check_range("Gamma", "gamma", gamma, low=1e-3)

    def sample_params(self, rng, sample):
        """Draw gamma."""
        return {"gamma": draw_uniform(rng, self.gamma)}

    def lut(self, params, n_channels):
        """The uint8 table."""
        return F.gamma_lut(params["gamma"])

    def apply_image(self, image, params):
        """Power law."""
        if image.dtype == np.uint8:
            return F.apply_lut(image, F.gamma_lut(params["gamma"]))
        return np.power(image, np.float32(params["gamma"])).astype(np.float32)


def _mean_luma(image: np.ndarray) -> float:
    """Mean luma in [0, 1]; for RGB the luma weights applied to the channel means (one pass,
    no gray image)."""
    unit = 255.0 if image.dtype == np.uint8 else 1.0
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

    def __init__(
        self,
        brightness: float | tuple[float, float] = 0.2,
        contrast: float | tuple[float, float] = 0.2,
        saturation: float | tuple[float, float] = 0.2,
        hue: float | tuple[float, float] = 0.0,
        p: float = 0.5,
    ) -> None:
        super().__init__(p)

        def factor(name, v):
            if isinstance(v, numbers.Real) and not isinstance(v, bool):
                if v < 0:
                    raise ConfigError(
                        f"ColorJitter.{name}: expected a non-negative number, got {v!r}"
                    )
                return (max(0.0, 1.0 - float(v)), 1.0 + float(v))
            return check_range("ColorJitter", name, v, low=0.0)

        self.brightness = factor("brightness", brightness)
        self.contrast = factor("contrast", contrast)
        self.saturation = factor("saturation", saturation)
        self.hue = check_range("ColorJitter", "hue", hue, symmetric=True, low=-0.5, high=0.5)

    def sample_params(self, rng, sample):
        """Draw the four factors and their order."""
        return {
            "order": rng.permutation(4).tolist(),
            "brightness": draw_uniform(rng, self.brightness),
            "contrast": draw_uniform(rng, self.contrast),
            "saturation": draw_uniform(rng, self.saturation),
            "hue": draw_uniform(rng, self.hue),
        }

    def apply_image(self, image, params):
        """Apply the four adjustments in the drawn order."""
        out = image
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

    def __init__(
        self,
        hue_shift_deg: float | tuple[float, float] = 20.0,
        sat_shift: float | tuple[float, float] = 0.12,
        val_shift: float | tuple[float, float] = 0.08,
        p: float = 0.5,
    ) -> None:
        super().__init__(p)
        self.hue_shift_deg = check_range(
            "HueSaturationValue", "hue_shift_deg", hue_shift_deg, symmetric=True, low=-180, high=180
        )
        self.sat_shift = check_range(
            "HueSaturationValue", "sat_shift", sat_shift, symmetric=True, low=-1, high=1
        )
        self.val_shift = check_range(
            "HueSaturationValue", "val_shift", val_shift, symmetric=True, low=-1, high=1
        )

    def sample_params(self, rng, sample):
        """Draw the three shifts."""
        return {
            "hue_shift_deg": draw_uniform(rng, self.hue_shift_deg),
            "sat_shift": draw_uniform(rng, self.sat_shift),
            "val_shift": draw_uniform(rng, self.val_shift),
        }

    def apply_image(self, image, params):
        """Shift in HSV space."""
        return F.hue_saturation_value_image(
            image, params["hue_shift_deg"], params["sat_shift"], params["val_shift"]
        )


@register
class ToGray(ImageOnlyTransform):
    """Convert to grayscale, keeping the number of channels (luma for RGB)."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__(p)

    def apply_image(self, image, params):
        """Luma replicated across channels."""
        return F.to_gray_image(image)


@register
class Normalize(ImageOnlyTransform):
    """``(image / max_pixel_value - mean) / std`` per channel; output is float32.

    ``max_pixel_value=None`` uses 255 for uint8 and 1 for float32 input. Put it last: the
    output leaves the [0, 1] range. Defaults are the ImageNet statistics.
    """

    example_args: ClassVar[dict[str, Any]] = {"mean": 0.5, "std": 0.25}

    def __init__(
        self,
        mean: float | tuple[float, ...] = (0.485, 0.456, 0.406),
        std: float | tuple[float, ...] = (0.229, 0.224, 0.225),
        max_pixel_value: float | None = None,
        p: float = 1.0,
    ) -> None:
        super().__init__(p)
        for name, v in (("mean", mean), ("std", std)):
            vals = (
                [v]
                if isinstance(v, numbers.Real)
                else list(v)
                if isinstance(v, (list, tuple))
                else None
            )
            if not vals or not all(isinstance(x, numbers.Real) for x in vals):
                raise ConfigError(
                    f"Normalize.{name}: expected a number or one number per channel, got {v!r}"
                )
        if (
            isinstance(std, (list, tuple))
            and any(float(s) <= 0 for s in std)
            or (isinstance(std, numbers.Real) and std <= 0)
        ):
            raise ConfigError(f"Normalize.std: expected positive values, got {std!r}")
        self.mean = tuple(mean) if isinstance(mean, list) else mean
        self.std = tuple(std) if isinstance(std, list) else std
        self.max_pixel_value = max_pixel_value
        self._coeffs: dict[tuple, tuple[np.ndarray, ...]] = {}

    def apply_image(self, image, params):
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
                f"Normalize: mean/std have {np.size(self.mean)}/{np.size(self.std)} values for an image with {c} channels"
            )
        mpv = self.max_pixel_value or (255.0 if image.dtype == np.uint8 else 1.0)
        return F.normalize_coefficients(mean, std, mpv, c)


@register
class GaussianBlur(ImageOnlyTransform):
    """Gaussian blur; odd kernel size from ``ksize`` and ``sigma_px`` from its range."""

    def __init__(
        self,
        ksize: int | tuple[int, int] = (3, 7),
        sigma_px: float | tuple[float, float] = (0.1, 2.0),
        p: float = 0.5,
    ) -> None:
        super().__init__(p)
        self.ksize = _odd_range("GaussianBlur", "ksize", ksize)
        self.sigma_px = check_range("GaussianBlur", "sigma_px", sigma_px, low=0.0)

    def sample_params(self, rng, sample):
        """Draw kernel size and sigma."""
        return {
            "ksize": _draw_odd(rng, *self.ksize),
            "sigma_px": draw_uniform(rng, self.sigma_px),
        }

    def apply_image(self, image, params):
        """``cv2.GaussianBlur``."""
        return F.gaussian_blur_image(image, params["ksize"], params["sigma_px"])


@register
class MedianBlur(ImageOnlyTransform):
    """Median filter with an odd kernel size drawn from ``ksize``."""

    def __init__(self, ksize: int | tuple[int, int] = (3, 7), p: float = 0.5) -> None:
        super().__init__(p)
        self.ksize = _odd_range("MedianBlur", "ksize", ksize)

    def sample_params(self, rng, sample):
        """Draw the kernel size."""
        return {"ksize": _draw_odd(rng, *self.ksize)}

    def apply_image(self, image, params):
        """``cv2.medianBlur``."""
        return F.median_blur_image(image, params["ksize"])


@register
class GaussianNoise(ImageOnlyTransform):
    """Additive Gaussian noise, ``std`` as a fraction of full range (0.05 = 12.75 grey levels).

    The noise field is drawn from a seed recorded in the params, so replay reproduces it.
    """

    def __init__(
        self,
        std: float | tuple[float, float] = (0.02, 0.08),
        mean: float = 0.0,
        per_channel: bool = True,
        p: float = 0.5,
    ) -> None:
        super().__init__(p)
        self.std = check_range("GaussianNoise", "std", std, low=0.0, high=1.0)
        if not isinstance(mean, numbers.Real):
            raise ConfigError(f"GaussianNoise.mean: expected a number, got {mean!r}")
        self.mean = float(mean)
        self.per_channel = bool(per_channel)

    def sample_params(self, rng, sample):
        """Draw the standard deviation and a seed for the noise field."""
        return {"std": draw_uniform(rng, self.std), "noise_seed": draw_seed(rng)}

    def apply_image(self, image, params):
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

    def __init__(self, quality: int | tuple[int, int] = (50, 95), p: float = 0.5) -> None:
        super().__init__(p)
        self.quality = tuple(
            int(v)
            for v in check_range(
                "JPEGCompression", "quality", quality, low=1, high=100, integer=True
            )
        )

    def sample_params(self, rng, sample):
        """Draw the quality."""
        return {"quality": draw_int(rng, self.quality[0], self.quality[1] + 1)}

    def apply_image(self, image, params):
        """OpenCV's JPEG codec (1 or 3 channels)."""
        if image.ndim == 3 and image.shape[2] not in (1, 3):
            from synthaug.errors import InvalidInputError

            raise InvalidInputError(
                f"JPEGCompression: expected 1 or 3 channels, got {image.shape[2]}"
            )
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

    def __init__(
        self,
        n_holes: int | tuple[int, int] = (1, 8),
        hole_height: float | tuple[float, float] = (0.05, 0.2),
        hole_width: float | tuple[float, float] = (0.05, 0.2),
        fill: float | tuple[float, ...] | str = 0,
        fill_mask: int | None = None,
        p: float = 0.5,
    ) -> None:
        super().__init__(p)
        self.n_holes = tuple(
            int(v) for v in check_range("CoarseDropout", "n_holes", n_holes, low=0, integer=True)
        )
        self.hole_height = check_range(
            "CoarseDropout", "hole_height", hole_height, low=0.0, high=1.0
        )
        self.hole_width = check_range("CoarseDropout", "hole_width", hole_width, low=0.0, high=1.0)
        if not (isinstance(fill, (numbers.Real, tuple, list)) or fill == "random"):
            raise ConfigError(
                f"CoarseDropout.fill: expected a number, one per channel or 'random', got {fill!r}"
            )
        self.fill = tuple(fill) if isinstance(fill, list) else fill
        if fill_mask is not None and not isinstance(fill_mask, numbers.Integral):
            raise ConfigError(
                f"CoarseDropout.fill_mask: expected an integer or null, got {fill_mask!r}"
            )
        self.fill_mask = fill_mask

    def sample_params(self, rng, sample):
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
        return {"rects": rects, "fill_seed": draw_seed(rng)}

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        """Erase the rectangles from the image (and masks when ``fill_mask`` is set)."""
        img = sample.image
        fill: Any = self.fill
        if fill == "random":
            gen = np.random.default_rng(params["fill_seed"])
            if img.dtype == np.uint8:
                fill = gen.integers(0, 256, size=img.shape, dtype=np.uint8)
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
