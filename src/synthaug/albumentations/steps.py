"""Engine transforms that only the Albumentations layer needs.

They subclass synthaug's public transform bases (:class:`~synthaug.augment.Transform`,
:class:`~synthaug.augment.ImageOnlyTransform`, :class:`~synthaug.augment.MatrixTransform`), so
they run, fuse and replay in a synthaug pipeline like any other step. They are not added to
synthaug's registry: files name them by their Albumentations names, and only this layer reads
those.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from synthaug.augment import (
    Affine,
    CoarseDropout,
    ImageOnlyTransform,
    MatrixTransform,
    RandomScale,
    RandomSunFlare,
    Sample,
    Transform,
)
from synthaug.augment.params import MAX_COUNT, MAX_SIDE, Choice, Int, Kind, Optional, Range, Real
from synthaug.augment.transforms.geometric import RESAMPLING
from synthaug.errors import ConfigError, InvalidInputError

__all__ = [
    "BrightnessContrastByMeanStep",
    "BrightnessContrastStep",
    "FromFloatStep",
    "GammaStep",
    "HueSaturationValueStep",
    "LambdaStep",
    "NoOpStep",
    "PixelHolesStep",
    "SafeRotateStep",
    "SunFlareStep",
    "ToFloatStep",
    "TruncatedRandomScaleStep",
    "WholePixelAffineStep",
]

_DTYPE_MAX = {"uint8": 255.0, "uint16": 65535.0, "float32": 1.0}


class _Function(Kind):
    """A Python callable or None (``Lambda`` only; never part of a saved pipeline)."""

    def expected(self) -> str:
        """In words."""
        return "a function or None"

    def normalise(self, value: Any) -> Any:
        """The callable itself."""
        if value is not None and not callable(value):
            raise ValueError(value)
        return value


class _Label(Kind):
    """A free-text name or None (``Lambda.name``)."""

    def expected(self) -> str:
        """In words."""
        return "a string or None"

    def normalise(self, value: Any) -> Any:
        """The string itself."""
        if value is not None and not isinstance(value, str):
            raise ValueError(value)
        return value


_MAX_VALUE = Optional(Real(1e-6, 1e12, doc="the value that maps to 1.0; None: the dtype's maximum"))
_LIMIT = Range(-1e6, 1e6, doc="a range of values, as the Albumentations layer checked it")
_PX_RANGE = Range(0, MAX_SIDE, doc="a range of pixels")


class NoOpStep(ImageOnlyTransform):
    """Leaves every target unchanged (Albumentations' ``NoOp``)."""

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """The image itself."""
        return image


class ToFloatStep(ImageOnlyTransform):
    """``image / max_value`` as float32; ``max_value=None`` uses the dtype's maximum."""

    parameters = {"max_value": _MAX_VALUE}

    def __init__(self, max_value: float | None = None, p: float = 1.0) -> None:
        super().__init__(p)
        self.max_value = max_value

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Divide by the maximum value; float32 input is returned as it is."""
        if image.dtype == np.float32:
            return image
        top = self.max_value if self.max_value is not None else _DTYPE_MAX[image.dtype.name]
        return (image.astype(np.float32) / np.float32(top)).astype(np.float32)


class FromFloatStep(ImageOnlyTransform):
    """``rint(image * max_value)`` clipped into ``dtype``; the inverse of :class:`ToFloatStep`."""

    parameters = {"dtype": Choice(("uint8",), doc="output dtype"), "max_value": _MAX_VALUE}

    def __init__(self, dtype: str = "uint8", max_value: float | None = None, p: float = 1.0):
        super().__init__(p)
        if dtype not in ("uint8",):
            raise ConfigError(
                f"FromFloat.dtype: {dtype!r} is not supported (synthaug images are uint8 or "
                "float32); use dtype='uint8'"
            )
        self.dtype = dtype
        self.max_value = max_value

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Scale, round to nearest and clip into the target dtype."""
        if image.dtype == np.uint8:
            return image
        top = self.max_value if self.max_value is not None else _DTYPE_MAX[self.dtype]
        return np.clip(np.rint(image * top), 0, 255).astype(np.uint8)


class LambdaStep(Transform):
    """User functions per target (``image``, ``mask``); Python only, never read from a file.

    Each function is called as ``fn(array, **params)`` with no parameters, as Albumentations
    does for a ``Lambda`` whose functions take ``**kwargs``.
    """

    targets = ("image", "masks")
    parameters = {
        "image": _Function(saved=False),
        "mask": _Function(saved=False),
        "name": _Label(),
    }

    def __init__(
        self,
        image: Callable[..., np.ndarray] | None = None,
        mask: Callable[..., np.ndarray] | None = None,
        name: str | None = None,
        p: float = 1.0,
    ) -> None:
        super().__init__(p)
        for key, fn in (("image", image), ("mask", mask)):
            if fn is not None and not callable(fn):
                raise ConfigError(f"Lambda.{key}: expected a function, got {fn!r}")
        self.image, self.mask, self.name = image, mask, name

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        """Call the functions on the image and each mask."""
        changes: dict[str, Any] = {}
        if self.image is not None:
            changes["image"] = self.image(sample.image)
        if self.mask is not None and sample.masks is not None:
            changes["masks"] = [self.mask(m) for m in sample.masks]
        return sample.copy(**changes) if changes else sample


class SafeRotateStep(MatrixTransform):
    """Rotate by an angle from ``limit`` and scale the result so the whole image stays visible.

    The rotated frame (``w' = h|sin| + w|cos|``, ``h' = h|cos| + w|sin|``, truncated to whole
    pixels) is squeezed back into ``w x h`` with separate x and y factors ``w / w'`` and
    ``h / h'``, as Albumentations' ``SafeRotate`` does, so no corner is cut.
    """

    fusable = True
    parameters = {**RESAMPLING, "limit": Range(-360, 360, doc="angle range in degrees")}

    def __init__(
        self,
        limit: tuple[float, float] = (-90.0, 90.0),
        interpolation: str = "linear",
        border_mode: str = "constant",
        fill: Any = 0,
        fill_mask: int = 0,
        p: float = 0.5,
    ) -> None:
        super().__init__(p)
        lo, hi = limit
        if lo > hi:
            raise ConfigError(f"SafeRotate.limit: expected low <= high, got {limit!r}")
        self.limit = (float(lo), float(hi))
        self.interpolation, self.border_mode = interpolation, border_mode
        self.fill = tuple(fill) if isinstance(fill, list) else fill
        self.fill_mask = int(fill_mask)

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        """``{"angle_deg": uniform(limit)}``."""
        lo, hi = self.limit
        return {"angle_deg": lo + (hi - lo) * rng.random()}

    def matrix(self, params, hw):
        """Rotation about the pixel-centre middle, then the per-axis fit; same output size."""
        h, w = hw
        a = math.radians(params["angle_deg"])
        cos, sin = math.cos(a), math.sin(a)
        new_w = int(h * abs(sin) + w * abs(cos))
        new_h = int(h * abs(cos) + w * abs(sin))
        sx, sy = w / max(new_w, 1), h / max(new_h, 1)
        cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
        # counter-clockwise as displayed: y points down, so the image rotation uses -sin
        rot = np.array([[cos, sin, 0.0], [-sin, cos, 0.0], [0.0, 0.0, 1.0]])
        to_origin = np.array([[1.0, 0.0, -cx], [0.0, 1.0, -cy], [0.0, 0.0, 1.0]])
        fit = np.array([[sx, 0.0, w / 2.0], [0.0, sy, h / 2.0], [0.0, 0.0, 1.0]])
        return fit @ rot @ to_origin, (h, w)


class PixelHolesStep(Transform):
    """CoarseDropout with hole sizes in pixels: turned into fractions of each image's size.

    Albumentations reads integer hole sizes as pixels and floats in ``(0, 1]`` as fractions;
    synthaug's :class:`~synthaug.augment.CoarseDropout` takes fractions, so the fraction is
    taken per image when the parameters are drawn.
    """

    targets = ("image", "masks")
    parameters = {
        "n_holes": Range(0, MAX_COUNT, doc="number of holes"),
        "hole_height_px": _PX_RANGE,
        "hole_width_px": _PX_RANGE,
        "fill": RESAMPLING["fill"],
        "fill_mask": Optional(Int(0, 65535, doc="mask value in holes; None leaves masks")),
    }

    def __init__(
        self,
        n_holes: tuple[int, int],
        hole_height_px: tuple[int, int],
        hole_width_px: tuple[int, int],
        fill: Any = 0,
        fill_mask: int | None = None,
        p: float = 0.5,
    ) -> None:
        super().__init__(p)
        self.n_holes, self.hole_height_px, self.hole_width_px = (
            n_holes,
            hole_height_px,
            hole_width_px,
        )
        self.fill, self.fill_mask = fill, fill_mask

    def _inner(self, hw: tuple[int, int]) -> CoarseDropout:
        h, w = hw
        hh = tuple(min(1.0, v / h) for v in self.hole_height_px)
        ww = tuple(min(1.0, v / w) for v in self.hole_width_px)
        return CoarseDropout(self.n_holes, hh, ww, self.fill, self.fill_mask, p=1.0)

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        """The inner CoarseDropout's parameters, drawn at this image's size."""
        hw = (sample.height, sample.width)
        return {"hw": hw, **self._inner(hw).sample_params(rng, sample)}

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        """Apply the inner CoarseDropout with the drawn holes."""
        inner = {k: v for k, v in params.items() if k != "hw"}
        if tuple(params["hw"]) != (sample.height, sample.width):
            raise InvalidInputError(
                f"CoarseDropout replay: drawn for a {params['hw']} image, got "
                f"{(sample.height, sample.width)}"
            )
        return self._inner(tuple(params["hw"])).apply(sample, inner)


class HueSaturationValueStep(ImageOnlyTransform):
    """Albumentations' uint8 HSV shift: OpenCV HSV, hue in half-degrees modulo 180.

    The hue shift goes through a 256-entry table (``(h + shift) mod 180``, truncated); the
    saturation and value shifts are truncated to whole levels and added with saturation, and
    pixels with no saturation keep none. Float images are shifted at 8 bits and scaled back, and
    a grayscale image takes the value shift only, as in Albumentations 2.0.8.
    """

    parameters = {"hue_shift_limit": _LIMIT, "sat_shift_limit": _LIMIT, "val_shift_limit": _LIMIT}

    def __init__(
        self,
        hue_shift_limit: tuple[float, float] = (-20.0, 20.0),
        sat_shift_limit: tuple[float, float] = (-30.0, 30.0),
        val_shift_limit: tuple[float, float] = (-20.0, 20.0),
        p: float = 0.5,
    ) -> None:
        super().__init__(p)
        for name, rng in (
            ("hue_shift_limit", hue_shift_limit),
            ("sat_shift_limit", sat_shift_limit),
            ("val_shift_limit", val_shift_limit),
        ):
            if rng[0] > rng[1]:
                raise ConfigError(f"HueSaturationValue.{name}: expected low <= high, got {rng!r}")
        self.hue_shift_limit = tuple(map(float, hue_shift_limit))
        self.sat_shift_limit = tuple(map(float, sat_shift_limit))
        self.val_shift_limit = tuple(map(float, val_shift_limit))

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        """One shift per channel, uniform in its range (0-255 levels, hue in half-degrees)."""
        return {
            key: lo + (hi - lo) * rng.random()
            for key, (lo, hi) in (
                ("hue", self.hue_shift_limit),
                ("sat", self.sat_shift_limit),
                ("val", self.val_shift_limit),
            )
        }

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Shift in OpenCV's 8-bit HSV; float images round-trip through 8 bits."""
        if image.dtype != np.uint8:
            work = np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)
            return (self.apply_image(work, params).astype(np.float32) / 255.0).astype(np.float32)
        hue, sat, val = params["hue"], params["sat"], params["val"]
        if hue == 0 and sat == 0 and val == 0:
            return image
        if image.ndim == 2 or image.shape[2] == 1:
            return _add_levels(image, val)
        if image.shape[2] != 3:
            raise InvalidInputError(
                f"HueSaturationValue: expected an RGB or grayscale image, got {image.shape[2]} "
                "channels"
            )
        hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
        h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
        if hue != 0:
            table = np.mod(np.arange(256) + hue, 180).astype(np.uint8)
            h = table[h]
        if sat != 0:
            s = np.where(s == 0, s, _add_levels(s, sat))
        if val != 0:
            v = _add_levels(v, val)
        return cv2.cvtColor(np.stack([h, s, v], axis=-1), cv2.COLOR_HSV2RGB)


def _add_levels(channel: np.ndarray, shift: float) -> np.ndarray:
    """``channel + trunc(shift)`` saturated to 0-255."""
    return np.clip(channel.astype(np.int16) + int(shift), 0, 255).astype(np.uint8)


class WholePixelAffineStep(Affine):
    """synthaug's Affine with Albumentations' whole-pixel translations.

    Albumentations 2.0.8 truncates a ``translate_percent`` shift to whole pixels (toward zero),
    draws ``translate_px`` shifts as integers in ``[low, high]``, shears by minus the drawn
    angle and composes shear after rotation and scale (``T S_h R S``, about the pixel-centre
    middle); this step does the same, so fixed settings land on the same pixels.
    """

    def matrix(self, params, hw):
        """``translate @ shear @ rotate @ scale`` about the image centre; same size."""
        keys = ("angle_deg", "scale", "translate_px", "shear_deg")
        if not all(k in params for k in keys):
            return super().matrix(params, hw)
        h, w = hw
        cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
        a = math.radians(params["angle_deg"])
        shx, shy = (math.tan(math.radians(v)) for v in params["shear_deg"])
        tx, ty = params["translate_px"]
        to_origin = np.array([[1.0, 0.0, -cx], [0.0, 1.0, -cy], [0.0, 0.0, 1.0]])
        scale = np.diag([params["scale"][0], params["scale"][1], 1.0])
        rot = np.array(
            [[math.cos(a), math.sin(a), 0.0], [-math.sin(a), math.cos(a), 0.0], [0, 0, 1]]
        )
        shear = np.array([[1.0, shx, 0.0], [shy, 1.0, 0.0], [0.0, 0.0, 1.0]])
        back = np.array([[1.0, 0.0, cx + tx], [0.0, 1.0, cy + ty], [0.0, 0.0, 1.0]])
        return back @ shear @ rot @ scale @ to_origin, (h, w)

    #: per-axis ranges ``{"scale": (x, y), "translate_percent": (x, y), "translate_px":
    #: (x, y), "shear": (x, y)}`` (Albumentations lets the axes differ); set by the mapper
    ranges_xy: dict[str, Any] | None = None

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        """Albumentations' draw: per-axis ranges, whole-pixel shifts, negated shear."""
        r = self.ranges_xy or {}

        def pair(key: str, default: tuple[float, float]) -> tuple[tuple[float, float], ...]:
            v = r.get(key)
            return (default, default) if v is None else v

        def uni(bounds: tuple[float, float]) -> float:
            lo, hi = bounds
            return lo + (hi - lo) * rng.random()

        h, w = sample.image.shape[:2]
        angle = uni(self.rotate)
        sx_r, sy_r = pair("scale", self.scale)
        sx = uni(sx_r)
        sy = sx if self.keep_ratio else uni(sy_r)
        if r.get("translate_px") is not None:
            tx, ty = (
                float(min(math.floor(lo + (hi + 1 - lo) * rng.random()), hi))
                for lo, hi in r["translate_px"]
            )
        elif r.get("translate_percent") is not None:
            px, py = r["translate_percent"]
            tx, ty = float(int(uni(px) * w)), float(int(uni(py) * h))
        else:
            tx = ty = 0.0
        hx, hy = pair("shear", self.shear)
        return {
            "angle_deg": angle,
            "scale": (sx, sy),
            "translate_px": (tx, ty),
            "shear_deg": (-uni(hx), -uni(hy)),
        }


class TruncatedRandomScaleStep(RandomScale):
    """synthaug's RandomScale with Albumentations' output size ``int(h * s), int(w * s)``.

    Albumentations 2.0.8 truncates the scaled size toward zero; synthaug rounds it.
    """

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        """Draw ``s = 1 + U(scale_limit)``; the size is truncated to whole pixels."""
        params = super().sample_params(rng, sample)
        if "size" not in params:
            return params
        lo, hi = self.scale_limit
        s = 1.0 + lo + (hi - lo) * rng.random()
        h, w = sample.image.shape[:2]
        return params.replace(size=(max(1, int(h * s)), max(1, int(w * s))))


class BrightnessContrastStep(ImageOnlyTransform):
    """Albumentations' ``RandomBrightnessContrast``: ``image * (1 + c) + b * max_value``.

    uint8 images go through one 256-entry table computed in float32 and truncated, as
    Albumentations 2.0.8 does (so fixed settings give the same pixels, and a run of these fuses
    into one lookup); float images are computed directly and clipped to [0, 1]. With
    ``brightness_by_max=False`` the brightness is scaled by the image mean instead (see
    :class:`BrightnessContrastByMeanStep`).
    """

    by_max = True
    parameters = {"brightness_limit": _LIMIT, "contrast_limit": _LIMIT}

    def __init__(
        self,
        brightness_limit: tuple[float, float] = (-0.2, 0.2),
        contrast_limit: tuple[float, float] = (-0.2, 0.2),
        p: float = 0.5,
    ) -> None:
        super().__init__(p)
        for name, rng in (
            ("brightness_limit", brightness_limit),
            ("contrast_limit", contrast_limit),
        ):
            if rng[0] > rng[1]:
                raise ConfigError(
                    f"RandomBrightnessContrast.{name}: expected low <= high, got {rng!r}"
                )
        self.brightness_limit = tuple(map(float, brightness_limit))
        self.contrast_limit = tuple(map(float, contrast_limit))

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        """``alpha = 1 + U(contrast_limit)``; ``beta = U(brightness_limit)`` times the scale."""
        lo, hi = self.contrast_limit
        alpha = 1.0 + lo + (hi - lo) * rng.random()
        lo, hi = self.brightness_limit
        beta = lo + (hi - lo) * rng.random()
        img = sample.image
        top = 255.0 if img.dtype == np.uint8 else 1.0
        scale = top if self.by_max else float(np.mean(img))
        return {"alpha": alpha, "beta": beta * scale}

    def lut(self, params: dict[str, Any], n_channels: int) -> np.ndarray | None:
        """The uint8 table: float32 ``arange * alpha + beta``, clipped and truncated."""
        f = np.arange(256, dtype=np.float32) * np.float32(params["alpha"]) + np.float32(
            params["beta"]
        )
        return np.clip(f, 0, 255).astype(np.uint8)

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Table lookup for uint8; direct arithmetic, clipped to [0, 1], for float."""
        if image.dtype == np.uint8:
            return self.lut(params, 1)[image]
        out = image * np.float32(params["alpha"]) + np.float32(params["beta"])
        return np.clip(out, 0.0, 1.0).astype(np.float32)


class BrightnessContrastByMeanStep(BrightnessContrastStep):
    """``brightness_by_max=False``: the brightness is a fraction of the image mean.

    It reads the pixels when drawing, so it never joins a pending run of fused steps.
    """

    by_max = False
    fusable = False


class GammaStep(ImageOnlyTransform):
    """Albumentations' ``RandomGamma``: ``image ** (gamma_limit / 100)``.

    uint8 images go through the 256-entry table ``((i / 255) ** g) * 255`` truncated to whole
    levels, as Albumentations 2.0.8 does; float images are raised to the power directly.
    """

    parameters = {"gamma_limit": Range(0, 1e6, doc="gamma range in percent")}

    def __init__(self, gamma_limit: tuple[float, float] = (80, 120), p: float = 0.5) -> None:
        super().__init__(p)
        lo, hi = gamma_limit
        if not 0 < lo <= hi:
            raise ConfigError(
                f"RandomGamma.gamma_limit: expected 0 < low <= high, got {gamma_limit!r}"
            )
        self.gamma_limit = (float(lo), float(hi))

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        """``gamma = U(gamma_limit) / 100``."""
        lo, hi = self.gamma_limit
        return {"gamma": (lo + (hi - lo) * rng.random()) / 100.0}

    def lut(self, params: dict[str, Any], n_channels: int) -> np.ndarray | None:
        """The uint8 table."""
        return ((np.arange(256) / 255.0) ** params["gamma"] * 255.0).astype(np.uint8)

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Table lookup for uint8; a power for float."""
        if image.dtype == np.uint8:
            return self.lut(params, 1)[image]
        return np.power(image, np.float32(params["gamma"])).astype(np.float32)


class SunFlareStep(RandomSunFlare):
    """synthaug's RandomSunFlare with Albumentations' source radius in pixels.

    Albumentations gives ``src_radius`` in pixels (400 by default); synthaug's takes a fraction
    of the longer side. The glow and its ghost circles are synthaug's (a visual effect drawn
    at random, not matched pixel for pixel).
    """

    src_radius_px: float = 400.0

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> dict[str, Any]:
        """synthaug's draw, with the source radius in pixels."""
        params = super().sample_params(rng, sample)
        if "radius" in params:
            return params.replace(radius=float(self.src_radius_px))
        return params
