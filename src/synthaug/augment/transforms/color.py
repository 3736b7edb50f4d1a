"""Colour and tone transforms: channel shuffles and drops, shifts, tables, histograms, filters.

Image-only. Per-pixel ones (RGBShift, ChannelDropout, Invert, Posterize, Solarize) expose a
lookup table and fuse with other table transforms on uint8 images; on uint16 and float32 they
use their closed form. Channel operations are no-ops on single-channel images; ToSepia
declares RGB (or gray) only; CLAHE and Equalize work per band (RGB through the luma).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthaug.augment.functional import color as C
from synthaug.augment.functional.pixel import _as_float, _restore, full_range, unit_range
from synthaug.augment.params import MAX_CHANNELS, Flag, Ints, Range, Real
from synthaug.augment.params import Record as _Record
from synthaug.augment.sample import Sample
from synthaug.augment.transforms.base import (
    ImageOnlyTransform,
    draw_int,
    draw_uniform,
    register,
)

__all__ = [
    "CLAHE",
    "AdjustSharpness",
    "AutoContrast",
    "ChannelDropout",
    "ChannelShuffle",
    "Emboss",
    "Equalize",
    "Invert",
    "Posterize",
    "RGBShift",
    "Sharpen",
    "Solarize",
    "ToSepia",
]


def _n_channels(image: np.ndarray) -> int:
    return 1 if image.ndim == 2 else int(image.shape[2])


class _Table(ImageOnlyTransform):
    """A per-pixel transform given by a uint8 table; floats use their closed form."""

    def table(self, params: dict[str, Any], n_channels: int) -> np.ndarray:
        """The uint8 table for these params."""
        raise NotImplementedError

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """The same operation on a uint16 or float32 image (default: the table on 256
        levels of a float image clipped to ``[0, 1]``)."""
        return C.table_image(image, self.table(params, _n_channels(image)))

    def lut(self, params: dict[str, Any], n_channels: int) -> np.ndarray | None:
        """The table (fusable on uint8 images)."""
        return self.table(params, n_channels)

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """``cv2.LUT`` on uint8, the closed form on uint16 and float32."""
        if image.dtype == np.uint8:
            return C.table_image(image, self.table(params, _n_channels(image)))
        return self.apply_float(image, params)


@register
class ChannelShuffle(ImageOnlyTransform):
    """Randomly permute the channels (no-op on single-channel images)."""

    class Drawn(_Record):
        order: list[int]

    def __init__(self, p: float = 0.5) -> None:
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the permutation."""
        return self.Drawn(order=[int(i) for i in rng.permutation(sample.n_channels)])

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Reorder the channels."""
        return C.channel_shuffle_image(image, params["order"])


@register
class ChannelDropout(_Table):
    """Set a random number of channels (from ``channel_drop_range``) to ``fill``.

    At least one channel always survives; single-channel images are unchanged. ``fill`` is on
    the 0-255 scale (uint16 receives ``fill * 257``, floats ``fill / 255``).
    """

    parameters = {
        "channel_drop_range": Range(
            1, MAX_CHANNELS, integer=True, doc="range of the number of channels dropped"
        ),
        "fill": Real(0, 255, doc="value written into dropped channels"),
    }

    class Drawn(_Record):
        dropped: list[int]

    def __init__(
        self, channel_drop_range: int | tuple[int, int] = (1, 1), fill: int = 0, p: float = 0.5
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw which channels to drop."""
        c = sample.n_channels
        if c < 2:
            return self.Drawn(dropped=[])
        n = min(c - 1, draw_int(rng, self.channel_drop_range[0], self.channel_drop_range[1] + 1))
        return self.Drawn(dropped=sorted(int(i) for i in rng.choice(c, size=n, replace=False)))

    def table(self, params: dict[str, Any], n_channels: int) -> np.ndarray:
        """Constant columns for the dropped channels."""
        return C.channel_dropout_lut(n_channels, params["dropped"], round(self.fill))

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Write ``fill`` (scaled from 0-255 to the image's full range) into the dropped
        channels."""
        out: np.ndarray = image.copy()
        if params["dropped"]:
            value = self.fill / 255.0 * full_range(image.dtype)
            out[:, :, params["dropped"]] = np.asarray(
                round(value) if image.dtype != np.float32 else value, image.dtype
            )
        return out


@register
class RGBShift(_Table):
    """Add a random shift per channel (fractions of full range; any channel count).

    The first three channels draw from ``r_shift``, ``g_shift`` and ``b_shift``; any further
    channels from ``b_shift``; a single-channel image from ``r_shift``.
    """

    parameters = {
        "r_shift": Range(-1, 1, symmetric=True, doc="red shift range, a fraction"),
        "g_shift": Range(-1, 1, symmetric=True, doc="green shift range, a fraction"),
        "b_shift": Range(-1, 1, symmetric=True, doc="blue shift range, a fraction"),
    }

    class Drawn(_Record):
        shifts: list[float]

    def __init__(
        self,
        r_shift: float | tuple[float, float] = 0.08,
        g_shift: float | tuple[float, float] = 0.08,
        b_shift: float | tuple[float, float] = 0.08,
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """One shift per channel."""
        ranges = [self.r_shift, self.g_shift, self.b_shift]
        c = sample.n_channels
        return self.Drawn(shifts=[draw_uniform(rng, ranges[min(i, 2)]) for i in range(c)])

    def table(self, params: dict[str, Any], n_channels: int) -> np.ndarray:
        """``256 x C`` shifting table."""
        return C.shift_channels_lut(np.asarray(params["shifts"][:n_channels]))

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Add (uint16 saturates; float32 keeps its range)."""
        shifts = np.asarray(params["shifts"], np.float32)
        add = shifts[0] if image.ndim == 2 else shifts[: image.shape[2]]
        return _restore(_as_float(image) + add, image.dtype)


@register
class Invert(_Table):
    """Negative image: ``255 - x`` (``65535 - x`` for uint16, ``1 - x`` for floats)."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__(p)

    def table(self, params: dict[str, Any], n_channels: int) -> np.ndarray:
        """Reversed levels."""
        return C.invert_lut()

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """``full_range - x``."""
        out: np.ndarray = (np.asarray(full_range(image.dtype), image.dtype) - image).astype(
            image.dtype
        )
        return out


@register
class Posterize(_Table):
    """Keep the ``bits`` most significant bits of each level (``bits`` drawn from a range)."""

    float_range = "unit"  # levels of [0, 1]: float32 clipped and quantised to 256 levels

    parameters = {
        "bits": Range(1, 8, integer=True, doc="range of the bits kept"),
    }

    class Drawn(_Record):
        bits: int

    def __init__(self, bits: int | tuple[int, int] = (4, 8), p: float = 0.5) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the number of bits."""
        return self.Drawn(bits=draw_int(rng, self.bits[0], self.bits[1] + 1))

    def table(self, params: dict[str, Any], n_channels: int) -> np.ndarray:
        """Masking table."""
        return C.posterize_lut(params["bits"])

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """uint16: keep the ``bits`` most significant of 16 bits (the same 2**bits levels);
        float32: the table on 256 levels of the image clipped to ``[0, 1]``."""
        if image.dtype == np.uint16:
            mask = np.uint16((0xFFFF << (16 - int(params["bits"]))) & 0xFFFF)
            result: np.ndarray = np.bitwise_and(image, mask)
            return result
        return super().apply_float(image, params)


@register
class Solarize(_Table):
    """Invert every level at or above ``threshold`` (a fraction of full range)."""

    float_range = "unit"  # the threshold is a fraction: float32 clipped to [0, 1]

    parameters = {
        "threshold": Range(0, 1, doc="threshold range, a fraction of full range"),
    }

    class Drawn(_Record):
        threshold: float

    def __init__(self, threshold: float | tuple[float, float] = 0.5, p: float = 0.5) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the threshold."""
        return self.Drawn(threshold=draw_uniform(rng, self.threshold))

    def table(self, params: dict[str, Any], n_channels: int) -> np.ndarray:
        """Solarising table."""
        return C.solarize_lut(params["threshold"])

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """``where(x >= t, full_range - x, x)`` with ``t`` the threshold times full range."""
        image = unit_range(image)
        unit = full_range(image.dtype)
        top = np.asarray(unit, image.dtype)
        return np.where(image >= params["threshold"] * unit, top - image, image).astype(image.dtype)


@register
class Equalize(ImageOnlyTransform):
    """Histogram equalisation, per channel or (RGB, ``by_channels=False``) of the luma only."""

    float_range = "unit"  # a histogram of levels: float32 clipped to [0, 1], 65536 levels

    parameters = {
        "by_channels": Flag(doc="equalise each channel (else the luma)"),
    }

    def __init__(self, by_channels: bool = True, p: float = 0.5) -> None:
        self.store_params(locals())

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """``cv2.equalizeHist`` (floats are quantised to 256 levels)."""
        return C.equalize_image(image, self.by_channels)


@register
class CLAHE(ImageOnlyTransform):
    """Contrast-limited adaptive histogram equalisation (on L of Lab for RGB images)."""

    float_range = "unit"  # a histogram of levels: float32 clipped to [0, 1], 65536 levels

    parameters = {
        "clip_limit": Range(0, 1000, doc="range of the contrast clip limit"),
        "tile_grid_size": Ints(1, 256, lengths=(2,), scalar=False, doc="tiles (rows, cols)"),
    }

    class Drawn(_Record):
        clip_limit: float

    def __init__(
        self,
        clip_limit: float | tuple[float, float] = (1.0, 4.0),
        tile_grid_size: tuple[int, int] = (8, 8),
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the clip limit."""
        return self.Drawn(clip_limit=draw_uniform(rng, self.clip_limit))

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """``cv2.createCLAHE`` (floats are quantised to 256 levels)."""
        return C.clahe_image(image, params["clip_limit"], self.tile_grid_size)


@register
class Sharpen(ImageOnlyTransform):
    """Sharpen with a Laplacian kernel blended with identity by ``alpha``.

    ``lightness`` 1 keeps the mean brightness; higher values brighten.
    """

    parameters = {
        "alpha": Range(0, 1, doc="blend range with the sharpened image"),
        "lightness": Range(0, 100, doc="lightness range"),
    }

    class Drawn(_Record):
        alpha: float
        lightness: float

    def __init__(
        self,
        alpha: float | tuple[float, float] = (0.2, 0.5),
        lightness: float | tuple[float, float] = (0.5, 1.0),
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the blend and the lightness."""
        return self.Drawn(
            alpha=draw_uniform(rng, self.alpha),
            lightness=draw_uniform(rng, self.lightness),
        )

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """3x3 convolution."""
        return C.convolve_image(image, C.sharpen_kernel(params["alpha"], params["lightness"]))


@register
class Emboss(ImageOnlyTransform):
    """Emboss (relief) filter blended with identity by ``alpha``."""

    parameters = {
        "alpha": Range(0, 1, doc="blend range with the embossed image"),
        "strength": Range(0, 100, doc="strength range"),
    }

    class Drawn(_Record):
        alpha: float
        strength: float

    def __init__(
        self,
        alpha: float | tuple[float, float] = (0.2, 0.5),
        strength: float | tuple[float, float] = (0.2, 0.7),
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the blend and the strength."""
        return self.Drawn(
            alpha=draw_uniform(rng, self.alpha),
            strength=draw_uniform(rng, self.strength),
        )

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """3x3 convolution."""
        return C.convolve_image(image, C.emboss_kernel(params["alpha"], params["strength"]))


@register
class AdjustSharpness(ImageOnlyTransform):
    """PIL/torchvision sharpness: ``factor`` 0 blurs, 1 keeps, 2 sharpens (drawn from a range)."""

    parameters = {
        "factor": Range(0, 100, doc="sharpness factor range (1 keeps the image)"),
    }

    class Drawn(_Record):
        factor: float

    def __init__(self, factor: float | tuple[float, float] = (0.5, 2.0), p: float = 0.5) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the factor."""
        return self.Drawn(factor=draw_uniform(rng, self.factor))

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Blend with the smoothed image."""
        return C.sharpness_image(image, params["factor"])


@register
class AutoContrast(ImageOnlyTransform):
    """Stretch each channel to the full range (PIL's autocontrast with no cutoff)."""

    float_range = "unit"  # stretches each band onto full range: float32 clipped to [0, 1] first

    def __init__(self, p: float = 0.5) -> None:
        super().__init__(p)

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Per-channel min-max stretch."""
        return C.autocontrast_image(unit_range(image))


@register
class ToSepia(ImageOnlyTransform):
    """Sepia tone (RGB images; other channel counts are returned unchanged)."""

    channels = (1, 3)  # RGB colour (a single band has no colour to change)

    def __init__(self, p: float = 0.5) -> None:
        super().__init__(p)

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """The sepia colour matrix."""
        return C.sepia_image(image)
