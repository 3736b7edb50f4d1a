"""Size-changing transforms: crops, resizes and padding."""

from __future__ import annotations

import math
from typing import Any, ClassVar

from synthaug.augment.functional import geometric as G
from synthaug.augment.params import MAX_SIDE, Choice, Int, Range, Size
from synthaug.augment.params import Record as _Record
from synthaug.augment.transforms.base import MatrixTransform, draw_int, draw_uniform, register
from synthaug.augment.transforms.geometric import _Resampling
from synthaug.errors import InvalidInputError

__all__ = [
    "CenterCrop",
    "LongestMaxSize",
    "PadIfNeeded",
    "RandomCrop",
    "RandomResizedCrop",
    "Resize",
    "SmallestMaxSize",
]


class _Crop(MatrixTransform):
    """A crop given by a rectangle ``(x_min, y_min, x_max, y_max)`` in the params."""

    exact = True

    def matrix(self, params, hw):
        """Translation by the crop corner; output is the crop size."""
        x0, y0, x1, y1 = params["rect"]
        return G.crop_matrix(x0, y0), (y1 - y0, x1 - x0)

    def apply_image(self, image, params):
        """Array slicing."""
        return G.crop_image(image, *params["rect"])


def _fits(owner: str, hw: tuple[int, int], size: tuple[int, int]) -> None:
    if size[0] > hw[0] or size[1] > hw[1]:
        raise InvalidInputError(
            f"{owner}: crop size {size[0]}x{size[1]} is larger than the image {hw[0]}x{hw[1]} "
            "(put PadIfNeeded before it)"
        )


@register
class RandomCrop(_Crop):
    """Crop a ``height x width`` window at a uniformly random position."""

    example_args: ClassVar[dict[str, Any]] = {"height": 32, "width": 40}

    parameters = {
        "height": Int(1, MAX_SIDE, doc="crop height in pixels"),
        "width": Int(1, MAX_SIDE, doc="crop width in pixels"),
    }

    class Drawn(_Record):
        rect: tuple[int, int, int, int]

    def __init__(self, height: int, width: int, p: float = 1.0) -> None:
        self.store_params(locals())

    def sample_params(self, rng, sample):
        """Draw the top-left corner."""
        h, w = sample.image.shape[:2]
        if self.height > h or self.width > w:  # checked inline: a call costs more than a crop
            _fits("RandomCrop", (h, w), (self.height, self.width))
        y0 = draw_int(rng, 0, h - self.height + 1)
        x0 = draw_int(rng, 0, w - self.width + 1)
        return self.Drawn(rect=(x0, y0, x0 + self.width, y0 + self.height))


@register
class CenterCrop(_Crop):
    """Crop the central ``height x width`` window (offsets rounded down, as Albumentations)."""

    example_args: ClassVar[dict[str, Any]] = {"height": 32, "width": 40}

    parameters = {
        "height": Int(1, MAX_SIDE, doc="crop height in pixels"),
        "width": Int(1, MAX_SIDE, doc="crop width in pixels"),
    }

    class Drawn(_Record):
        rect: tuple[int, int, int, int]

    def __init__(self, height: int, width: int, p: float = 1.0) -> None:
        self.store_params(locals())

    def sample_params(self, rng, sample):
        """The central rectangle (no randomness)."""
        h, w = sample.image.shape[:2]
        if self.height > h or self.width > w:
            _fits("CenterCrop", (h, w), (self.height, self.width))
        y0, x0 = (h - self.height) // 2, (w - self.width) // 2
        return self.Drawn(rect=(x0, y0, x0 + self.width, y0 + self.height))


class _Resize(_Resampling):
    """Resize to a size computed from the input size."""

    class Drawn(_Record):
        size: tuple[int, int]

    def out_size(self, hw: tuple[int, int]) -> tuple[int, int]:
        """Output (height, width) for an input of size ``hw``."""
        raise NotImplementedError

    def sample_params(self, rng, sample):
        """The output size (no randomness)."""
        return self.Drawn(size=self.out_size(sample.image.shape[:2]))

    def matrix(self, params, hw):
        """Edge-aligned scaling."""
        size = tuple(params["size"])
        return G.resize_matrix(tuple(hw), size), size

    def apply_image(self, image, params):
        """``cv2.resize``."""
        return G.resize_image(image, tuple(params["size"]), self.interpolation)

    def apply_mask(self, mask, params):
        """Nearest-neighbour resize."""
        return G.resize_image(mask, tuple(params["size"]), "nearest")


@register
class Resize(_Resize):
    """Resize to ``height x width`` pixels."""

    example_args: ClassVar[dict[str, Any]] = {"height": 40, "width": 60}

    parameters = {
        "height": Int(1, MAX_SIDE, doc="output height in pixels"),
        "width": Int(1, MAX_SIDE, doc="output width in pixels"),
    }

    def __init__(
        self, height: int, width: int, interpolation: str = "linear", p: float = 1.0
    ) -> None:
        self.store_params(locals())

    def out_size(self, hw):
        """Always ``(height, width)``."""
        return (self.height, self.width)


@register
class LongestMaxSize(_Resize):
    """Resize so that the longer side equals ``max_size``, keeping the aspect ratio."""

    example_args: ClassVar[dict[str, Any]] = {"max_size": 40}

    parameters = {
        "max_size": Int(1, MAX_SIDE, doc="longer side of the output in pixels"),
    }

    def __init__(self, max_size: int = 1024, interpolation: str = "linear", p: float = 1.0) -> None:
        self.store_params(locals())

    def out_size(self, hw):
        """Scale by ``max_size / max(H, W)``."""
        s = self.max_size / max(hw)
        return (max(1, round(hw[0] * s)), max(1, round(hw[1] * s)))


@register
class SmallestMaxSize(_Resize):
    """Resize so that the shorter side equals ``max_size``, keeping the aspect ratio."""

    example_args: ClassVar[dict[str, Any]] = {"max_size": 40}

    parameters = {
        "max_size": Int(1, MAX_SIDE, doc="shorter side of the output in pixels"),
    }

    def __init__(self, max_size: int = 1024, interpolation: str = "linear", p: float = 1.0) -> None:
        self.store_params(locals())

    def out_size(self, hw):
        """Scale by ``max_size / min(H, W)``."""
        s = self.max_size / min(hw)
        return (max(1, round(hw[0] * s)), max(1, round(hw[1] * s)))


@register
class RandomResizedCrop(_Resampling):
    """Crop a random area and aspect ratio, then resize to ``size`` (torchvision's algorithm).

    Parameters
    ----------
    size : int or (height, width)
        Output size.
    scale : (min, max)
        Fraction of the image area to crop.
    ratio : (min, max)
        Aspect ratio (width / height) range, sampled log-uniformly.
    """

    example_args: ClassVar[dict[str, Any]] = {"size": (32, 40), "scale": (0.3, 1.0)}

    parameters = {
        "size": Size(doc="output (height, width) in pixels"),
        "scale": Range(1e-6, 1, doc="range of the cropped area, a fraction of the image"),
        "ratio": Range(1e-6, 1e6, doc="range of the aspect ratio (width / height), log-uniform"),
    }

    class Drawn(_Record):
        rect: tuple[int, int, int, int]

    def __init__(
        self,
        size: int | tuple[int, int],
        scale: tuple[float, float] = (0.08, 1.0),
        ratio: tuple[float, float] = (3 / 4, 4 / 3),
        interpolation: str = "linear",
        p: float = 1.0,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng, sample):
        """Up to 10 tries for a crop inside the image, then a central crop of clamped ratio."""
        h, w = sample.image.shape[:2]
        area = h * w
        log_r = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            target = area * draw_uniform(rng, self.scale)
            ar = math.exp(draw_uniform(rng, log_r))
            cw = round(math.sqrt(target * ar))
            ch = round(math.sqrt(target / ar))
            if 0 < cw <= w and 0 < ch <= h:
                y0 = draw_int(rng, 0, h - ch + 1)
                x0 = draw_int(rng, 0, w - cw + 1)
                return self.Drawn(rect=(x0, y0, x0 + cw, y0 + ch))
        in_ratio = w / h
        if in_ratio < self.ratio[0]:
            cw, ch = w, round(w / self.ratio[0])
        elif in_ratio > self.ratio[1]:
            ch, cw = h, round(h * self.ratio[1])
        else:
            cw, ch = w, h
        y0, x0 = (h - ch) // 2, (w - cw) // 2
        return self.Drawn(rect=(x0, y0, x0 + cw, y0 + ch))

    def matrix(self, params, hw):
        """Crop translation followed by edge-aligned scaling."""
        x0, y0, x1, y1 = params["rect"]
        return G.resize_matrix((y1 - y0, x1 - x0), self.size) @ G.crop_matrix(x0, y0), self.size

    def apply_image(self, image, params):
        """One ``cv2.resize`` of a view of the crop (no intermediate copy)."""
        return G.resized_crop_image(image, *params["rect"], None, self.size, self.interpolation)

    def apply_mask(self, mask, params):
        """Nearest-neighbour resize of a view of the crop."""
        return G.resized_crop_image(mask, *params["rect"], None, self.size, "nearest")


_POSITIONS = ("center", "top_left", "top_right", "bottom_left", "bottom_right", "random")


@register
class PadIfNeeded(_Resampling):
    """Pad to at least ``min_height x min_width``; ``position`` says where the image sits."""

    example_args: ClassVar[dict[str, Any]] = {
        "min_height": 60,
        "min_width": 80,
        "position": "random",
    }

    exact = True

    parameters = {
        "min_height": Int(1, MAX_SIDE, doc="smallest output height in pixels"),
        "min_width": Int(1, MAX_SIDE, doc="smallest output width in pixels"),
        "position": Choice(_POSITIONS, doc="where the image sits in the padded canvas"),
    }

    class Drawn(_Record):
        pad: tuple[int, int, int, int]

    def __init__(
        self,
        min_height: int = 1024,
        min_width: int = 1024,
        position: str = "center",
        border_mode: str = "constant",
        fill: float | tuple[float, ...] = 0,
        fill_mask: int = 0,
        p: float = 1.0,
    ) -> None:
        self.store_params(locals())
        self.interpolation = "nearest"

    def sample_params(self, rng, sample):
        """Padding (top, bottom, left, right) in pixels."""
        h, w = sample.image.shape[:2]
        ph, pw = max(0, self.min_height - h), max(0, self.min_width - w)
        if self.position == "center":
            top, left = ph // 2, pw // 2
        elif self.position == "random":
            top, left = draw_int(rng, 0, ph + 1), draw_int(rng, 0, pw + 1)
        else:
            top = 0 if self.position.startswith("top") else ph
            left = 0 if self.position.endswith("left") else pw
        return self.Drawn(pad=(top, ph - top, left, pw - left))

    def matrix(self, params, hw):
        """Translation by (left, top); output grows by the padding."""
        top, bottom, left, right = params["pad"]
        return G.pad_matrix(left, top), (hw[0] + top + bottom, hw[1] + left + right)

    def apply_image(self, image, params):
        """``cv2.copyMakeBorder``."""
        if not any(params["pad"]):
            return image.copy()
        return G.pad_image(image, *params["pad"], self.border_mode, self.fill)

    def apply_mask(self, mask, params):
        """Pad with ``fill_mask`` (or the border mode's rule)."""
        if not any(params["pad"]):
            return mask.copy()
        return G.pad_image(mask, *params["pad"], self.border_mode, self.fill_mask)
