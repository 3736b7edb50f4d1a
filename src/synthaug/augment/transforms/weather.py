"""Weather and lighting transforms: RandomShadow, RandomFog, RandomRain, RandomSunFlare.

Image-only, any channel count (the effects are grey). Regions of interest are fractions
``(x_min, y_min, x_max, y_max)`` of the image width and height.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from synthaug.augment.functional import weather as W
from synthaug.augment.transforms.base import (
    ImageOnlyTransform,
    check_positive_int,
    check_range,
    draw_int,
    draw_seed,
    draw_uniform,
    register,
)
from synthaug.errors import ConfigError

__all__ = ["RandomFog", "RandomRain", "RandomShadow", "RandomSunFlare"]


def _check_roi(owner: str, name: str, roi: Any) -> tuple[float, float, float, float]:
    ok = (
        isinstance(roi, (list, tuple))
        and len(roi) == 4
        and all(isinstance(v, (int, float)) and 0.0 <= v <= 1.0 for v in roi)
    )
    if not ok or not (roi[0] < roi[2] and roi[1] < roi[3]):
        raise ConfigError(
            f"{owner}.{name}: expected (x_min, y_min, x_max, y_max) fractions in [0, 1] with "
            f"min < max, got {roi!r}"
        )
    return tuple(float(v) for v in roi)  # type: ignore[return-value]


@register
class RandomShadow(ImageOnlyTransform):
    """Darken random polygons inside ``shadow_roi`` (like shadows cast across a scene).

    Parameters
    ----------
    shadow_roi : (x_min, y_min, x_max, y_max)
        Region, as fractions of the image, where polygon vertices fall.
    num_shadows : int or (min, max)
        Number of polygons.
    shadow_dimension : int
        Vertices per polygon.
    shadow_intensity : float or (min, max)
        Darkening of each polygon (0 none, 1 black).
    """

    def __init__(
        self,
        shadow_roi: tuple[float, float, float, float] = (0.0, 0.5, 1.0, 1.0),
        num_shadows: int | tuple[int, int] = (1, 2),
        shadow_dimension: int = 5,
        shadow_intensity: float | tuple[float, float] = (0.3, 0.7),
        p: float = 0.5,
    ) -> None:
        super().__init__(p)
        self.shadow_roi = _check_roi("RandomShadow", "shadow_roi", shadow_roi)
        self.num_shadows = tuple(
            int(v)
            for v in check_range("RandomShadow", "num_shadows", num_shadows, low=1, integer=True)
        )
        self.shadow_dimension = check_positive_int(
            "RandomShadow", "shadow_dimension", shadow_dimension, minimum=3
        )
        self.shadow_intensity = check_range(
            "RandomShadow", "shadow_intensity", shadow_intensity, low=0.0, high=1.0
        )

    def sample_params(self, rng, sample):
        """Draw the polygons (pixel vertices) and their intensities."""
        h, w = sample.image.shape[:2]
        x0, y0, x1, y1 = self.shadow_roi
        n = draw_int(rng, self.num_shadows[0], self.num_shadows[1] + 1)
        polys, strengths = [], []
        for _ in range(n):
            xs = rng.uniform(x0 * w, x1 * w, self.shadow_dimension)
            ys = rng.uniform(y0 * h, y1 * h, self.shadow_dimension)
            # order the vertices by angle about their centroid: a simple (non-crossing) polygon
            order = np.argsort(np.arctan2(ys - ys.mean(), xs - xs.mean()))
            polys.append(np.stack([xs[order], ys[order]], 1).tolist())
            strengths.append(draw_uniform(rng, self.shadow_intensity))
        return {"polygons": polys, "intensities": strengths}

    def apply_image(self, image, params):
        """Multiply each polygon by ``1 - intensity``."""
        return W.shadow_image(
            image, [np.asarray(p) for p in params["polygons"]], params["intensities"]
        )


@register
class RandomFog(ImageOnlyTransform):
    """Patchy haze: blend toward white by a smooth random field of mean ``fog_coef``."""

    def __init__(
        self,
        fog_coef: float | tuple[float, float] = (0.3, 0.6),
        patchiness: float = 0.5,
        p: float = 0.5,
    ) -> None:
        super().__init__(p)
        self.fog_coef = check_range("RandomFog", "fog_coef", fog_coef, low=0.0, high=1.0)
        self.patchiness = check_range("RandomFog", "patchiness", patchiness, low=0.0, high=1.0)[0]

    def sample_params(self, rng, sample):
        """Draw the density and a seed for the haze field."""
        return {
            "fog_coef": draw_uniform(rng, self.fog_coef),
            "field_seed": draw_seed(rng),
        }

    def apply_image(self, image, params):
        """Haze field from a 4x4 noise grid, plus a blur that grows with the density."""
        h, w = image.shape[:2]
        noise = np.random.default_rng(params["field_seed"]).random((4, 4))
        f = params["fog_coef"]
        field = W.smooth_field(noise, (h, w))
        haze = np.clip(f * (1.0 - self.patchiness + self.patchiness * 2.0 * field), 0.0, 1.0)
        return W.fog_image(image, haze, blur_sigma=f * 0.01 * max(h, w))


@register
class RandomRain(ImageOnlyTransform):
    """Slanted rain streaks over a slightly dimmed and blurred image.

    Parameters
    ----------
    slant_deg : float or (min, max)
        Streak angle from vertical, degrees.
    drop_length : float or (min, max)
        Streak length as a fraction of the image height.
    density : float or (min, max)
        Drops per 1000 pixels.
    drop_width : int
        Line width in pixels.
    drop_value : float
        Grey level of the drops (fraction of full range).
    brightness : float
        Factor applied to the background (rainy days are darker).
    blur_ksize : int
        Box blur of the background (1 disables it).
    """

    def __init__(
        self,
        slant_deg: float | tuple[float, float] = (-10.0, 10.0),
        drop_length: float | tuple[float, float] = (0.05, 0.12),
        density: float | tuple[float, float] = (1.0, 3.0),
        drop_width: int = 1,
        drop_value: float = 0.8,
        brightness: float = 0.8,
        blur_ksize: int = 3,
        p: float = 0.5,
    ) -> None:
        super().__init__(p)
        self.slant_deg = check_range("RandomRain", "slant_deg", slant_deg, low=-60, high=60)
        self.drop_length = check_range("RandomRain", "drop_length", drop_length, low=0.0, high=1.0)
        self.density = check_range("RandomRain", "density", density, low=0.0, high=100.0)
        self.drop_width = check_positive_int("RandomRain", "drop_width", drop_width)
        self.drop_value = check_range("RandomRain", "drop_value", drop_value, low=0.0, high=1.0)[0]
        self.brightness = check_range("RandomRain", "brightness", brightness, low=0.0, high=1.0)[0]
        self.blur_ksize = check_positive_int("RandomRain", "blur_ksize", blur_ksize)

    def sample_params(self, rng, sample):
        """Draw the slant, the length, and every drop's start point."""
        h, w = sample.image.shape[:2]
        slant = math.radians(draw_uniform(rng, self.slant_deg))
        length = draw_uniform(rng, self.drop_length) * h
        n = int(round(draw_uniform(rng, self.density) * h * w / 1000.0))
        x0 = rng.uniform(0, w, n)
        y0 = rng.uniform(-length, h, n)
        dx, dy = math.sin(slant) * length, math.cos(slant) * length
        drops = np.stack([x0, y0, x0 + dx, y0 + dy], 1)
        return {"drops": drops.round(2).tolist()}

    def apply_image(self, image, params):
        """Dim, blur, draw the streaks."""
        drops = np.asarray(params["drops"], np.float64).reshape(-1, 4)
        return W.rain_image(
            image, drops, self.drop_width, self.drop_value, self.brightness, self.blur_ksize
        )


@register
class RandomSunFlare(ImageOnlyTransform):
    """A bright glow inside ``flare_roi`` with ghost circles along a random line."""

    def __init__(
        self,
        flare_roi: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 0.5),
        src_radius: float | tuple[float, float] = (0.15, 0.3),
        num_circles: int | tuple[int, int] = (4, 8),
        p: float = 0.5,
    ) -> None:
        super().__init__(p)
        self.flare_roi = _check_roi("RandomSunFlare", "flare_roi", flare_roi)
        self.src_radius = check_range("RandomSunFlare", "src_radius", src_radius, low=0.0, high=1.0)
        self.num_circles = tuple(
            int(v)
            for v in check_range("RandomSunFlare", "num_circles", num_circles, low=0, integer=True)
        )

    def sample_params(self, rng, sample):
        """Draw the source position and radius (pixels) and the ghost circles."""
        h, w = sample.image.shape[:2]
        x0, y0, x1, y1 = self.flare_roi
        cx, cy = float(rng.uniform(x0 * w, x1 * w)), float(rng.uniform(y0 * h, y1 * h))
        radius = draw_uniform(rng, self.src_radius) * max(h, w)
        angle = float(rng.uniform(0, 2 * math.pi))
        n = draw_int(rng, self.num_circles[0], self.num_circles[1] + 1)
        t = rng.uniform(0.2, 1.2, n) * max(h, w)
        circles = np.stack(
            [
                cx + t * math.cos(angle),
                cy + t * math.sin(angle),
                rng.uniform(0.02, 0.06, n) * max(h, w),
                rng.uniform(0.1, 0.3, n),
            ],
            1,
        )
        return {"center": (cx, cy), "radius": radius, "circles": circles.tolist()}

    def apply_image(self, image, params):
        """Screen-like blend of the glow toward white."""
        circles = np.asarray(params["circles"], np.float64).reshape(-1, 4)
        return W.sun_flare_image(image, tuple(params["center"]), params["radius"], circles)
