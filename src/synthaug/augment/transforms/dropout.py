"""Information-dropping transforms: random erasing, grid dropout, pixel dropout.

They erase parts of the image (and, when ``fill_mask`` is set, of the masks). Boxes and
keypoints are never changed: an erased object is still there, only hidden. Fill values are in
the image's units (0-255 for uint8, 0-1 for float32), as for ``CoarseDropout``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from synthaug.augment.functional import pixel as F
from synthaug.augment.params import MAX_FILL, Fill, Flag, Int, Optional, Range, Real
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

__all__ = ["GridDropout", "PixelDropout", "RandomErasing"]


def _fill_array(fill: Any, image: np.ndarray, seed: int) -> Any:
    if fill != "random":
        return fill
    gen = np.random.default_rng(seed)
    if image.dtype != np.float32:  # uniform over the integer type's levels
        top = 256 if image.dtype == np.uint8 else 65536
        return gen.integers(0, top, size=image.shape, dtype=image.dtype)
    return gen.random(image.shape, dtype=np.float32)


@register
class RandomErasing(ImageOnlyTransform):
    """torchvision's RandomErasing (Zhong et al. 2020): erase one rectangle of random area.

    Parameters
    ----------
    scale : (min, max)
        Erased area as a fraction of the image.
    ratio : (min, max)
        Aspect ratio (width / height) of the rectangle, drawn log-uniformly.
    fill : number, per-channel tuple or "random"
        Value written (image units); "random" writes uniform noise.
    """

    parameters = {
        "scale": Range(0, 1, doc="range of the erased area, a fraction of the image"),
        "ratio": Range(1e-3, 1e3, doc="range of the aspect ratio"),
        "fill": Fill(random=True, doc="image value (image units), per channel, or 'random'"),
    }

    class Drawn(_Record):
        rects: list[tuple[int, int, int, int]]
        fill_seed: int

    def __init__(
        self,
        scale: tuple[float, float] = (0.02, 0.33),
        ratio: tuple[float, float] = (0.3, 3.3),
        fill: float | tuple[float, ...] | str = 0,
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Up to 10 tries for a rectangle inside the image (none: nothing is erased)."""
        h, w = sample.image.shape[:2]
        log_r = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        rects: list[tuple[int, int, int, int]] = []
        for _ in range(10):
            area = h * w * draw_uniform(rng, self.scale)
            r = math.exp(draw_uniform(rng, log_r))
            eh, ew = round(math.sqrt(area / r)), round(math.sqrt(area * r))
            if 0 < eh < h and 0 < ew < w:
                y0, x0 = draw_int(rng, 0, h - eh + 1), draw_int(rng, 0, w - ew + 1)
                rects = [(x0, y0, x0 + ew, y0 + eh)]
                break
        return self.Drawn(rects=rects, fill_seed=draw_seed(rng))

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Fill the rectangle."""
        fill = _fill_array(self.fill, image, params["fill_seed"])
        return F.erase_rectangles_image(image, np.asarray(params["rects"]).reshape(-1, 4), fill)


@register
class GridDropout(Transform):
    """Erase a regular grid of square holes (Chen et al. 2020, GridMask).

    Parameters
    ----------
    ratio : float
        Hole side as a fraction of the grid unit (0.5 erases a quarter of the image).
    unit_size : (min, max)
        Grid period as a fraction of the shorter image side.
    random_offset : bool
        Shift the grid by a random offset (otherwise it starts at the top-left corner).
    fill, fill_mask
        Image fill (image units) and mask fill (``None`` leaves masks untouched).
    """

    targets = ("image", "masks")

    parameters = {
        "ratio": Real(0, 1, doc="hole side as a fraction of the grid period"),
        "unit_size": Range(1e-3, 1, doc="range of the grid period, a fraction of the shorter side"),
        "random_offset": Flag(doc="shift the grid randomly"),
        "fill": Fill(random=True, doc="image value (image units), per channel, or 'random'"),
        "fill_mask": Optional(Int(0, MAX_FILL), doc="mask value; None leaves masks untouched"),
    }

    class Drawn(_Record):
        rects: list[tuple[int, int, int, int]]
        fill_seed: int

    def __init__(
        self,
        ratio: float = 0.5,
        unit_size: tuple[float, float] = (0.1, 0.25),
        random_offset: bool = True,
        fill: float | tuple[float, ...] | str = 0,
        fill_mask: int | None = None,
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the grid period and offset; list the holes (pixel edges)."""
        h, w = sample.image.shape[:2]
        unit = max(2, round(draw_uniform(rng, self.unit_size) * min(h, w)))
        hole = min(unit - 1, max(1, round(unit * self.ratio))) if self.ratio > 0 else 0
        ox, oy = (draw_int(rng, 0, unit) for _ in range(2)) if self.random_offset else (0, 0)
        rects = []
        if hole:
            for y0 in range(oy - unit, h, unit):
                for x0 in range(ox - unit, w, unit):
                    x1, y1 = min(w, x0 + hole), min(h, y0 + hole)
                    x0c, y0c = max(0, x0), max(0, y0)
                    if x1 > x0c and y1 > y0c:
                        rects.append((x0c, y0c, x1, y1))
        return self.Drawn(rects=rects, fill_seed=draw_seed(rng))

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        """Erase the holes in the image (and masks when ``fill_mask`` is set)."""
        rects = np.asarray(params["rects"]).reshape(-1, 4)
        fill = _fill_array(self.fill, sample.image, params["fill_seed"])
        image = F.erase_rectangles_image(sample.image, rects, fill)
        masks = sample.masks
        if masks is not None and self.fill_mask is not None:
            masks = [F.erase_rectangles_image(m, rects, self.fill_mask) for m in masks]
        return sample.copy(image=image, masks=masks)


@register
class PixelDropout(ImageOnlyTransform):
    """Set each pixel (or each pixel value, ``per_channel``) to ``fill`` with ``dropout_prob``."""

    parameters = {
        "dropout_prob": Range(0, 1, doc="range of the dropped fraction"),
        "per_channel": Flag(doc="drop channels independently"),
        "fill": Real(-MAX_FILL, MAX_FILL, doc="value of dropped pixels (image units)"),
    }

    class Drawn(_Record):
        dropout_prob: float
        noise_seed: int

    def __init__(
        self,
        dropout_prob: float | tuple[float, float] = 0.01,
        per_channel: bool = False,
        fill: float = 0,
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the rate and a seed for the dropped positions."""
        return self.Drawn(
            dropout_prob=draw_uniform(rng, self.dropout_prob),
            noise_seed=draw_seed(rng),
        )

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Regenerate the dropped positions and write ``fill``."""
        gen = np.random.default_rng(params["noise_seed"])
        shape = image.shape if self.per_channel else image.shape[:2]
        drop = gen.random(shape) < params["dropout_prob"]
        out: np.ndarray = image.copy()
        out[drop] = np.asarray(self.fill).astype(image.dtype)
        return out
