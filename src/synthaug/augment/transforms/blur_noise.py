"""Blur, noise and resolution transforms (image only; any channel count).

Noise fields are regenerated in :meth:`apply_image` from a seed stored in the params, so the
recorded params stay small and replay reproduces the same field.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthaug.augment.functional import blur_noise as B
from synthaug.augment.functional.geometric import INTERPOLATIONS
from synthaug.augment.functional.pixel import _as_float, unit_range
from synthaug.augment.params import MAX_KERNEL, Choice, Flag, Range
from synthaug.augment.params import Record as _Record
from synthaug.augment.sample import Sample
from synthaug.augment.transforms.base import (
    ImageOnlyTransform,
    draw_int,
    draw_seed,
    draw_uniform,
    register,
)
from synthaug.augment.transforms.pixel import KSIZE, _draw_odd

__all__ = [
    "Blur",
    "Defocus",
    "Downscale",
    "ISONoise",
    "MotionBlur",
    "MultiplicativeNoise",
    "SaltAndPepper",
    "ZoomBlur",
]


def _field_rng(params: dict[str, Any]) -> np.random.Generator:
    return np.random.default_rng(params["noise_seed"])


@register
class Blur(ImageOnlyTransform):
    """Box (mean) filter with an odd kernel size drawn from ``ksize``."""

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
        """Mean over a ``ksize x ksize`` window."""
        k = params["ksize"]
        return B.filter_image(image, np.full((k, k), 1.0 / (k * k), np.float32))


@register
class MotionBlur(ImageOnlyTransform):
    """Streak blur along a random direction, as from camera or object motion.

    Parameters
    ----------
    ksize : int or (min, max)
        Odd streak length in pixels.
    angle_deg : float or (min, max)
        Streak direction, counter-clockwise from the x axis.
    direction : float or (min, max)
        -1 .. 1: weight toward one end of the streak (0 symmetric).
    """

    parameters = {
        "ksize": KSIZE,
        "angle_deg": Range(-360, 360, doc="angle range of the motion in degrees"),
        "direction": Range(-1, 1, doc="range of the forward/backward bias"),
    }

    class Drawn(_Record):
        ksize: int
        angle_deg: float
        direction: float

    def __init__(
        self,
        ksize: int | tuple[int, int] = (3, 9),
        angle_deg: float | tuple[float, float] = (0.0, 360.0),
        direction: float | tuple[float, float] = (-0.5, 0.5),
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw length, angle and direction."""
        return self.Drawn(
            ksize=_draw_odd(rng, *self.ksize),
            angle_deg=draw_uniform(rng, self.angle_deg),
            direction=draw_uniform(rng, self.direction),
        )

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Convolve with the line kernel."""
        k = B.motion_blur_kernel(params["ksize"], params["angle_deg"], params["direction"])
        return B.filter_image(image, k)


@register
class Defocus(ImageOnlyTransform):
    """Out-of-focus blur: a disc kernel of random radius, softened by ``alias_blur``."""

    parameters = {
        "radius": Range(1, MAX_KERNEL, integer=True, doc="disc radius range in pixels"),
        "alias_blur": Range(0, MAX_KERNEL, doc="range of the softening sigma in pixels"),
    }

    class Drawn(_Record):
        radius: int
        alias_blur: float

    def __init__(
        self,
        radius: int | tuple[int, int] = (2, 5),
        alias_blur: float | tuple[float, float] = (0.1, 0.5),
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the radius and the softening."""
        return self.Drawn(
            radius=draw_int(rng, self.radius[0], self.radius[1] + 1),
            alias_blur=draw_uniform(rng, self.alias_blur),
        )

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Convolve with the disc."""
        return B.filter_image(image, B.defocus_kernel(params["radius"], params["alias_blur"]))


@register
class ZoomBlur(ImageOnlyTransform):
    """Radial blur: the average of copies zoomed by 1 .. ``max_factor`` in ``step_factor`` steps."""

    parameters = {
        "max_factor": Range(1, 10, doc="range of the largest zoom factor"),
        "step_factor": Range(1e-3, 10, doc="range of the zoom step"),
    }

    class Drawn(_Record):
        zoom_factors: list[float]

    def __init__(
        self,
        max_factor: float | tuple[float, float] = (1.0, 1.2),
        step_factor: float | tuple[float, float] = (0.01, 0.03),
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the zoom factors (at most 32 copies)."""
        top = draw_uniform(rng, self.max_factor)
        step = draw_uniform(rng, self.step_factor)
        factors = np.arange(1.0 + step, top + 1e-9, step)[:32]
        return self.Drawn(zoom_factors=[float(z) for z in factors])

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Average the zoomed copies."""
        if not params["zoom_factors"]:
            result: np.ndarray = image.copy()
            return result
        return B.zoom_blur_image(image, params["zoom_factors"])


@register
class SaltAndPepper(ImageOnlyTransform):
    """Set a random ``amount`` of pixels to white (salt) or black (pepper), all channels."""

    parameters = {
        "amount": Range(0, 1, doc="range of the fraction of pixels changed"),
        "salt_vs_pepper": Range(0, 1, doc="range of the fraction of white among them"),
    }

    class Drawn(_Record):
        amount: float
        salt_vs_pepper: float
        noise_seed: int

    def __init__(
        self,
        amount: float | tuple[float, float] = (0.01, 0.06),
        salt_vs_pepper: float | tuple[float, float] = (0.4, 0.6),
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the amount, the salt fraction and a seed for the pixel choice."""
        return self.Drawn(
            amount=draw_uniform(rng, self.amount),
            salt_vs_pepper=draw_uniform(rng, self.salt_vs_pepper),
            noise_seed=draw_seed(rng),
        )

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Regenerate the salt and pepper masks from the seed."""
        u = _field_rng(params).random(image.shape[:2])
        salt_cut = params["amount"] * params["salt_vs_pepper"]
        salt = u < salt_cut
        pepper = (u >= salt_cut) & (u < params["amount"])
        return B.salt_and_pepper_image(image, salt, pepper)


@register
class ISONoise(ImageOnlyTransform):
    """Camera sensor noise: Poisson-like lightness noise plus hue jitter (hue on RGB only).

    Parameters
    ----------
    color_shift : float or (min, max)
        Hue noise standard deviation as a fraction of the colour wheel (times ``intensity``).
    intensity : float or (min, max)
        Overall strength; lightness noise scales with the image's lightness spread.
    """

    channels = (1, 3)  # RGB colour (a single band has no colour to change)
    float_range = "unit"  # HLS lightness: float32 clipped to [0, 1]

    parameters = {
        "color_shift": Range(0, 1, doc="range of the hue noise strength"),
        "intensity": Range(0, 100, doc="range of the luminance noise strength"),
    }

    class Drawn(_Record):
        color_shift: float
        intensity: float
        noise_seed: int

    def __init__(
        self,
        color_shift: float | tuple[float, float] = (0.01, 0.05),
        intensity: float | tuple[float, float] = (0.1, 0.5),
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the strengths and a seed for the noise fields."""
        return self.Drawn(
            color_shift=draw_uniform(rng, self.color_shift),
            intensity=draw_uniform(rng, self.intensity),
            noise_seed=draw_seed(rng),
        )

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Regenerate both fields and apply them in HLS space."""
        gen = _field_rng(params)
        image = unit_range(image)
        spread = float(_as_float(image).std())
        hw = image.shape[:2]
        lum = gen.poisson(spread * params["intensity"] * 255.0, size=hw).astype(np.float32) / 255.0
        hue = gen.normal(0.0, params["color_shift"] * 360.0 * params["intensity"], size=hw)
        return B.iso_noise_image(image, lum, hue.astype(np.float32))


@register
class Downscale(ImageOnlyTransform):
    """Lose detail: shrink by a factor from ``scale`` and enlarge back to the original size."""

    parameters = {
        "scale": Range(0.01, 1, doc="range of the downscale factor"),
        "interpolation_down": Choice(tuple(INTERPOLATIONS), doc="resampling going down"),
        "interpolation_up": Choice(tuple(INTERPOLATIONS), doc="resampling going back up"),
    }

    class Drawn(_Record):
        scale: float

    def __init__(
        self,
        scale: float | tuple[float, float] = (0.25, 0.5),
        interpolation_down: str = "nearest",
        interpolation_up: str = "linear",
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the factor."""
        return self.Drawn(scale=draw_uniform(rng, self.scale))

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Two ``cv2.resize`` calls."""
        return B.downscale_image(
            image, params["scale"], self.interpolation_down, self.interpolation_up
        )


@register
class MultiplicativeNoise(ImageOnlyTransform):
    """Multiply by random factors from ``multiplier``: one per image, channel or pixel."""

    parameters = {
        "multiplier": Range(0, 100, doc="range of the factors"),
        "per_channel": Flag(doc="an independent factor per channel"),
        "elementwise": Flag(doc="an independent factor per pixel"),
    }

    class Drawn(_Record):
        noise_seed: int

    def __init__(
        self,
        multiplier: float | tuple[float, float] = (0.9, 1.1),
        per_channel: bool = False,
        elementwise: bool = False,
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """A seed for the factors."""
        return self.Drawn(noise_seed=draw_seed(rng))

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Regenerate the factors and multiply."""
        gen = _field_rng(params)
        c = 1 if image.ndim == 2 else image.shape[2]
        shape: tuple[int, ...] = image.shape[:2] if self.elementwise else (1, 1)
        if image.ndim == 3:
            shape = shape + ((c,) if self.per_channel else (1,))
        lo, hi = self.multiplier
        m = gen.uniform(lo, hi, size=shape).astype(np.float32)
        return B.multiply_image(image, m)
