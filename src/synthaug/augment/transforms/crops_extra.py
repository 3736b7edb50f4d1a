"""More size-changing transforms: fixed crops and pads, random scale, sized and box-safe crops.

The box-safe crops read the boxes to choose their window. They draw only fractions in
:meth:`sample_params` and turn them into a rectangle in :meth:`apply`, from the boxes as they
are at that point of the pipeline, so they stay correct after any earlier transform.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from synthaug.augment.functional import geometric as G
from synthaug.augment.params import MAX_SIDE, Flag, Int, Ints, Range, Real, Size
from synthaug.augment.params import Record as _Record
from synthaug.augment.sample import Sample
from synthaug.augment.transforms.base import (
    Transform,
    apply_matrix_to_annotations,
    draw_int,
    draw_uniform,
    register,
)
from synthaug.augment.transforms.crops import _Crop, _Resize
from synthaug.augment.transforms.geometric import RESAMPLING, _Resampling
from synthaug.errors import InvalidInputError

__all__ = [
    "BBoxSafeRandomCrop",
    "Crop",
    "CropAndPad",
    "Pad",
    "RandomScale",
    "RandomSizedBBoxSafeCrop",
    "RandomSizedCrop",
]


@register
class Crop(_Crop):
    """Crop the fixed region ``[x_min, x_max) x [y_min, y_max)`` (pixel edges)."""

    example_args: ClassVar[dict[str, Any]] = {"x_min": 4, "y_min": 6, "x_max": 44, "y_max": 40}

    parameters = {
        "x_min": Int(0, MAX_SIDE - 1, doc="left edge in pixels"),
        "y_min": Int(0, MAX_SIDE - 1, doc="top edge in pixels"),
        "x_max": Int(1, MAX_SIDE, doc="right edge in pixels (exclusive)"),
        "y_max": Int(1, MAX_SIDE, doc="bottom edge in pixels (exclusive)"),
    }

    class Drawn(_Record):
        rect: tuple[int, int, int, int]

    def __init__(
        self, x_min: int = 0, y_min: int = 0, x_max: int = 1024, y_max: int = 1024, p: float = 1.0
    ) -> None:
        self.store_params(locals())
        if self.x_max <= self.x_min:
            raise self.refuse("x_max", f"an integer > x_min ({self.x_min})", x_max)
        if self.y_max <= self.y_min:
            raise self.refuse("y_max", f"an integer > y_min ({self.y_min})", y_max)

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """The fixed rectangle, checked against the image size."""
        h, w = sample.image.shape[:2]
        if self.x_max > w or self.y_max > h:
            raise InvalidInputError(
                f"Crop: region x {self.x_min}..{self.x_max}, y {self.y_min}..{self.y_max} "
                f"exceeds the image {h}x{w} (put PadIfNeeded before it)"
            )
        return self.Drawn(rect=(self.x_min, self.y_min, self.x_max, self.y_max))


def _sides(padding: int | tuple[int, ...]) -> tuple[int, int, int, int]:
    """An int, (horizontal, vertical) or (left, top, right, bottom) -> (top, bottom, left, right)."""
    v = [padding] if isinstance(padding, int) else list(padding)
    if len(v) == 1:
        return v[0], v[0], v[0], v[0]
    if len(v) == 2:
        return v[1], v[1], v[0], v[0]
    return v[1], v[3], v[0], v[2]


@register
class Pad(_Resampling):
    """Pad every side by a fixed number of pixels (Albumentations' ``Pad`` convention).

    ``padding`` is an int (all sides), ``(horizontal, vertical)`` or
    ``(left, top, right, bottom)``.
    """

    exact = True

    parameters = {
        "padding": Ints(
            0,
            MAX_SIDE,
            lengths=(1, 2, 4),
            what="an integer, (horizontal, vertical) or (left, top, right, bottom) pixels",
            doc="pixels added on each side",
        ),
    }

    class Drawn(_Record):
        pad: tuple[int, int, int, int]

    def __init__(
        self,
        padding: int | tuple[int, ...] = 4,
        border_mode: str = "constant",
        fill: float | tuple[float, ...] = 0,
        fill_mask: int = 0,
        p: float = 1.0,
    ) -> None:
        self.store_params(locals())
        self._pad = _sides(self.padding)
        self.interpolation = "nearest"

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """(top, bottom, left, right)."""
        return self.Drawn(pad=self._pad)

    def matrix(
        self, params: dict[str, Any], hw: tuple[int, int]
    ) -> tuple[np.ndarray, tuple[int, int]]:
        """Translation by (left, top)."""
        top, bottom, left, right = params["pad"]
        return G.pad_matrix(left, top), (hw[0] + top + bottom, hw[1] + left + right)

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """``cv2.copyMakeBorder``."""
        top, bottom, left, right = params["pad"]
        return G.pad_image(image, top, bottom, left, right, self.border_mode, self.fill)

    def apply_mask(self, mask: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Pad with ``fill_mask``."""
        top, bottom, left, right = params["pad"]
        return G.pad_image(mask, top, bottom, left, right, self.border_mode, self.fill_mask)


@register
class RandomScale(_Resize):
    """Resize by a factor ``1 + U(scale_limit)`` (the output size changes)."""

    parameters = {
        "scale_limit": Range(-0.99, 10, symmetric=True, doc="range of the factor minus 1"),
    }

    class Drawn(_Record):
        size: tuple[int, int]

    def __init__(
        self,
        scale_limit: float | tuple[float, float] = 0.1,
        interpolation: str = "linear",
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the factor; the output size is rounded to whole pixels."""
        s = 1.0 + draw_uniform(rng, self.scale_limit)
        h, w = sample.image.shape[:2]
        return self.Drawn(size=(max(1, round(h * s)), max(1, round(w * s))))


@register
class RandomSizedCrop(_Resampling):
    """Crop a window of random height (``w2h_ratio`` sets its width), then resize to ``size``.

    Parameters
    ----------
    min_max_height : (min, max)
        Crop height range in pixels (clamped to the image).
    size : int or (height, width)
        Output size.
    w2h_ratio : float
        Crop width / height.
    """

    example_args: ClassVar[dict[str, Any]] = {"min_max_height": (20, 40), "size": (32, 32)}

    parameters = {
        "min_max_height": Range(1, MAX_SIDE, integer=True, doc="crop height range in pixels"),
        "size": Size(doc="output (height, width) in pixels"),
        "w2h_ratio": Real(1e-3, 1e3, doc="crop width / height"),
    }

    class Drawn(_Record):
        rect: tuple[int, int, int, int]

    def __init__(
        self,
        min_max_height: tuple[int, int],
        size: int | tuple[int, int],
        w2h_ratio: float = 1.0,
        interpolation: str = "linear",
        p: float = 1.0,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the crop height and position."""
        h, w = sample.image.shape[:2]
        ch = min(h, draw_int(rng, self.min_max_height[0], self.min_max_height[1] + 1))
        cw = max(1, min(w, round(ch * self.w2h_ratio)))
        y0 = draw_int(rng, 0, h - ch + 1)
        x0 = draw_int(rng, 0, w - cw + 1)
        return self.Drawn(rect=(x0, y0, x0 + cw, y0 + ch))

    def matrix(
        self, params: dict[str, Any], hw: tuple[int, int]
    ) -> tuple[np.ndarray, tuple[int, int]]:
        """Crop translation then edge-aligned scaling."""
        x0, y0, x1, y1 = params["rect"]
        return G.resize_matrix((y1 - y0, x1 - x0), self.size) @ G.crop_matrix(x0, y0), self.size

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Slice, then one ``cv2.resize``."""
        return G.resize_image(G.crop_image(image, *params["rect"]), self.size, self.interpolation)

    def apply_mask(self, mask: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Slice, then nearest-neighbour resize."""
        return G.resize_image(G.crop_image(mask, *params["rect"]), self.size, "nearest")


@register
class CropAndPad(_Resampling):
    """Crop (negative) or pad (positive) each side by a random fraction of the image size.

    Each side's amount is drawn from ``percent`` (fractions of the height for top/bottom and
    of the width for left/right). With ``keep_size`` the result is resized back to the input
    size; otherwise the output size changes and the transform is exact.
    """

    parameters = {
        "percent": Range(-0.45, 1, doc="range of each side's change, a fraction (< 0 crops)"),
        "keep_size": Flag(doc="resize back to the input size"),
    }

    class Drawn(_Record):
        pad: tuple[int, int, int, int]

    def __init__(
        self,
        percent: float | tuple[float, float] = (-0.1, 0.1),
        keep_size: bool = True,
        interpolation: str = "linear",
        border_mode: str = "constant",
        fill: float | tuple[float, ...] = 0,
        fill_mask: int = 0,
        p: float = 1.0,
    ) -> None:
        self.store_params(locals())
        self.exact = not self.keep_size

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw (top, bottom, left, right) in pixels; negative values crop."""
        h, w = sample.image.shape[:2]
        lo, hi = self.percent
        f = rng.uniform(lo, hi, size=4)
        top, bottom, left, right = (
            round(f[0] * h),
            round(f[1] * h),
            round(f[2] * w),
            round(f[3] * w),
        )
        bottom = max(bottom, 1 - h - top)  # keep at least one row and one column
        right = max(right, 1 - w - left)
        return self.Drawn(pad=(top, bottom, left, right))

    def _canvas(self, params: dict[str, Any], hw: tuple[int, int]) -> tuple[int, int]:
        top, bottom, left, right = params["pad"]
        return hw[0] + top + bottom, hw[1] + left + right

    def matrix(
        self, params: dict[str, Any], hw: tuple[int, int]
    ) -> tuple[np.ndarray, tuple[int, int]]:
        """Translation by (left, top), then a resize back when ``keep_size``."""
        top, _, left, _ = params["pad"]
        canvas = self._canvas(params, hw)
        m = G.pad_matrix(left, top)
        if self.keep_size:
            return G.resize_matrix(canvas, (hw[0], hw[1])) @ m, (hw[0], hw[1])
        return m, canvas

    def _image(
        self, image: np.ndarray, params: dict[str, Any], fill: Any, interpolation: str
    ) -> np.ndarray:
        top, bottom, left, right = params["pad"]
        h, w = image.shape[:2]
        out = G.crop_image(
            image, max(0, -left), max(0, -top), w - max(0, -right), h - max(0, -bottom)
        )
        if max(top, bottom, left, right) > 0:
            out = G.pad_image(
                out,
                max(0, top),
                max(0, bottom),
                max(0, left),
                max(0, right),
                self.border_mode,
                fill,
            )
        if self.keep_size:
            out = G.resize_image(out, (h, w), interpolation)
        return out

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Crop, pad, then resize back when ``keep_size``."""
        return self._image(image, params, self.fill, self.interpolation)

    def apply_mask(self, mask: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """The same with ``fill_mask`` and nearest neighbour."""
        return self._image(mask, params, self.fill_mask, "nearest")


# --------------------------------------------------------------------------- box-safe crops
def _safe_rect(sample: Sample, u: list[float], erosion_rate: float) -> tuple[int, int, int, int]:
    """A crop containing every box whole (box edges rounded outward), placed by fractions ``u``.

    Without boxes: a crop of ``(1 - erosion_rate * u[4])`` of each side, placed by ``u[:2]``.
    """
    h, w = sample.image.shape[:2]
    boxes = sample.boxes
    if boxes is None or len(boxes) == 0:
        s = 1.0 - erosion_rate * u[4]
        ch, cw = max(1, round(h * s)), max(1, round(w * s))
        y0, x0 = round(u[1] * (h - ch)), round(u[0] * (w - cw))
        return x0, y0, x0 + cw, y0 + ch
    b = np.asarray(boxes, dtype=np.float64)
    bx0 = int(np.clip(math.floor(b[:, 0].min()), 0, w - 1))
    by0 = int(np.clip(math.floor(b[:, 1].min()), 0, h - 1))
    bx1 = int(np.clip(math.ceil(b[:, 2].max()), bx0 + 1, w))
    by1 = int(np.clip(math.ceil(b[:, 3].max()), by0 + 1, h))
    x0 = math.floor(u[0] * (bx0 + 1))
    y0 = math.floor(u[1] * (by0 + 1))
    x1 = bx1 + math.floor(u[2] * (w - bx1 + 1))
    y1 = by1 + math.floor(u[3] * (h - by1 + 1))
    return min(x0, bx0), min(y0, by0), min(max(x1, bx1), w), min(max(y1, by1), h)


class _BoxSafe(Transform):
    """Shared parameter drawing of the box-safe crops (fractions, resolved in apply)."""

    targets = ("image", "masks", "boxes", "oriented_boxes", "keypoints")
    exact = True
    #: reads the boxes, so it never joins a fused run of matrix transforms
    fusable = False

    class Drawn(_Record):
        u: list[float]

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Five fractions: left, top, right and bottom slack, and the no-box erosion."""
        return self.Drawn(u=[float(v) for v in rng.random(5)])

    def _crop(self, sample: Sample, params: dict[str, Any]) -> tuple[Sample, tuple[int, ...]]:
        rect = _safe_rect(sample, params["u"], self.erosion_rate)
        masks = None if sample.masks is None else [G.crop_image(m, *rect) for m in sample.masks]
        out = sample.copy(image=G.crop_image(sample.image, *rect), masks=masks)
        hw = (rect[3] - rect[1], rect[2] - rect[0])
        return apply_matrix_to_annotations(out, G.crop_matrix(rect[0], rect[1]), hw), rect


@register
class BBoxSafeRandomCrop(_BoxSafe):
    """A random crop that contains every box whole: it never cuts a box.

    The window's edges are drawn uniformly between the image border and the union of the
    boxes. Without boxes, the crop keeps ``1 - U(0, erosion_rate)`` of each side.
    """

    parameters = {
        "erosion_rate": Real(0, 0.99, doc="largest share of each side cut when there are no boxes"),
    }

    def __init__(self, erosion_rate: float = 0.0, p: float = 1.0) -> None:
        self.store_params(locals())

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        """Crop every target with the same window."""
        return self._crop(sample, params)[0]


@register
class RandomSizedBBoxSafeCrop(_BoxSafe):
    """:class:`BBoxSafeRandomCrop` followed by a resize to ``height x width``."""

    example_args: ClassVar[dict[str, Any]] = {"height": 40, "width": 48}
    exact = False

    parameters = {
        "height": Int(1, MAX_SIDE, doc="output height in pixels"),
        "width": Int(1, MAX_SIDE, doc="output width in pixels"),
        "erosion_rate": Real(0, 0.99, doc="largest share of each side cut when there are no boxes"),
        "interpolation": RESAMPLING["interpolation"],
    }

    def __init__(
        self,
        height: int,
        width: int,
        erosion_rate: float = 0.0,
        interpolation: str = "linear",
        p: float = 1.0,
    ) -> None:
        self.store_params(locals())

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        """Crop, then resize every target (masks with nearest neighbour)."""
        cropped, _ = self._crop(sample, params)
        size = (self.height, self.width)
        m = G.resize_matrix(cropped.image.shape[:2], size)
        masks = (
            None
            if cropped.masks is None
            else [G.resize_image(k, size, "nearest") for k in cropped.masks]
        )
        image = G.resize_image(cropped.image, size, self.interpolation)
        return apply_matrix_to_annotations(cropped.copy(image=image, masks=masks), m, size)
