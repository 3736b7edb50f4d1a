"""Weather and lighting transforms: RandomShadow, RandomFog, RandomRain, RandomSunFlare.

Image-only, any channel count (the effects are grey). Regions of interest are fractions
``(x_min, y_min, x_max, y_max)`` of the image width and height.
"""

from __future__ import annotations

import math

import numpy as np

from synthaug.augment.functional import weather as W
from synthaug.augment.params import MAX_COUNT, MAX_KERNEL, Int, Numbers, Range, Real
from synthaug.augment.params import Record as _Record
from synthaug.augment.transforms.base import (
    ImageOnlyTransform,
    draw_int,
    draw_seed,
    draw_uniform,
    register,
)

__all__ = ["RandomFog", "RandomRain", "RandomShadow", "RandomSunFlare"]


#: a region of interest: (x_min, y_min, x_max, y_max) fractions of the image, min < max
ROI = Numbers(
    0,
    1,
    lengths=(4,),
    scalar=False,
    what="(x_min, y_min, x_max, y_max) fractions",
    doc="region (x_min, y_min, x_max, y_max) as fractions of the image, min < max",
)


class _RegionTransform(ImageOnlyTransform):
    """An image-only transform drawing inside a region of interest."""

    def _check_roi(self, name: str) -> None:
        roi = getattr(self, name)
        if not (roi[0] < roi[2] and roi[1] < roi[3]):
            raise self.refuse(name, f"{ROI.expected()} with min < max", roi)


@register
class RandomShadow(_RegionTransform):
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

    parameters = {
        "shadow_roi": ROI,
        "num_shadows": Range(1, MAX_COUNT, integer=True, doc="range of the number of shadows"),
        "shadow_dimension": Int(3, MAX_COUNT, doc="vertices per shadow polygon"),
        "shadow_intensity": Range(0, 1, doc="range of the darkening"),
    }

    class Drawn(_Record):
        polygons: list[list[list[float]]]
        intensities: list[float]

    def __init__(
        self,
        shadow_roi: tuple[float, float, float, float] = (0.0, 0.5, 1.0, 1.0),
        num_shadows: int | tuple[int, int] = (1, 2),
        shadow_dimension: int = 5,
        shadow_intensity: float | tuple[float, float] = (0.3, 0.7),
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())
        self._check_roi("shadow_roi")

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
        return self.Drawn(polygons=polys, intensities=strengths)

    def apply_image(self, image, params):
        """Multiply each polygon by ``1 - intensity``."""
        return W.shadow_image(
            image, [np.asarray(p) for p in params["polygons"]], params["intensities"]
        )


@register
class RandomFog(ImageOnlyTransform):
    """Patchy haze: blend toward white by a smooth random field of mean ``fog_coef``."""

    parameters = {
        "fog_coef": Range(0, 1, doc="range of the haze density"),
        "patchiness": Real(0, 1, doc="how uneven the haze is"),
    }

    class Drawn(_Record):
        fog_coef: float
        field_seed: int

    def __init__(
        self,
        fog_coef: float | tuple[float, float] = (0.3, 0.6),
        patchiness: float = 0.5,
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng, sample):
        """Draw the density and a seed for the haze field."""
        return self.Drawn(
            fog_coef=draw_uniform(rng, self.fog_coef),
            field_seed=draw_seed(rng),
        )

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

    parameters = {
        "slant_deg": Range(-60, 60, doc="range of the slant in degrees"),
        "drop_length": Range(0, 1, doc="range of the drop length, a fraction of the height"),
        "density": Range(0, 100, doc="range of drops per 1000 pixels"),
        "drop_width": Int(1, MAX_KERNEL, doc="drop width in pixels"),
        "drop_value": Real(0, 1, doc="drop brightness, a fraction of full range"),
        "brightness": Real(0, 1, doc="factor applied to the image under rain"),
        "blur_ksize": Int(1, MAX_KERNEL, doc="box blur size in pixels"),
    }

    class Drawn(_Record):
        drops: list[list[float]]

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
        self.store_params(locals())

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
        return self.Drawn(drops=drops.round(2).tolist())

    def apply_image(self, image, params):
        """Dim, blur, draw the streaks."""
        drops = np.asarray(params["drops"], np.float64).reshape(-1, 4)
        return W.rain_image(
            image, drops, self.drop_width, self.drop_value, self.brightness, self.blur_ksize
        )


@register
class RandomSunFlare(_RegionTransform):
    """A bright glow inside ``flare_roi`` with ghost circles along a random line."""

    parameters = {
        "flare_roi": ROI,
        "src_radius": Range(0, 1, doc="range of the source radius, a fraction of the longer side"),
        "num_circles": Range(
            0, MAX_COUNT, integer=True, doc="range of the number of ghost circles"
        ),
    }

    class Drawn(_Record):
        center: tuple[float, float]
        radius: float
        circles: list[list[float]]

    def __init__(
        self,
        flare_roi: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 0.5),
        src_radius: float | tuple[float, float] = (0.15, 0.3),
        num_circles: int | tuple[int, int] = (4, 8),
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())
        self._check_roi("flare_roi")

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
        return self.Drawn(center=(cx, cy), radius=radius, circles=circles.tolist())

    def apply_image(self, image, params):
        """Screen-like blend of the glow toward white."""
        circles = np.asarray(params["circles"], np.float64).reshape(-1, 4)
        return W.sun_flare_image(image, tuple(params["center"]), params["radius"], circles)
