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

import numpy as np

from synthaug.augment import CoarseDropout, ImageOnlyTransform, MatrixTransform, Sample, Transform
from synthaug.errors import ConfigError, InvalidInputError

__all__ = ["FromFloatStep", "LambdaStep", "NoOpStep", "PixelHolesStep", "SafeRotateStep"]

_DTYPE_MAX = {"uint8": 255.0, "uint16": 65535.0, "float32": 1.0}


class NoOpStep(ImageOnlyTransform):
    """Leaves every target unchanged (Albumentations' ``NoOp``)."""

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """The image itself."""
        return image


class ToFloatStep(ImageOnlyTransform):
    """``image / max_value`` as float32; ``max_value=None`` uses the dtype's maximum."""

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
