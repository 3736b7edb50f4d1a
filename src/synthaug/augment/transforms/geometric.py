"""Geometric transforms: flips, quarter turns, rotation, affine, perspective.

Each exposes the 3x3 matrix of its parameters (:meth:`MatrixTransform.matrix`), so a pipeline
can fuse consecutive ones into a single warp.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from synthaug.augment.functional import geometric as G
from synthaug.augment.params import (
    MAX_COUNT,
    MAX_FILL,
    MAX_SIDE,
    Choice,
    Fill,
    Flag,
    Int,
    Ints,
    Optional,
    Range,
)
from synthaug.augment.params import Record as _Record
from synthaug.augment.sample import Sample
from synthaug.augment.transforms.base import MatrixTransform, draw_int, draw_uniform, register

__all__ = [
    "Affine",
    "HorizontalFlip",
    "Perspective",
    "Rotate",
    "Rotate90",
    "Transpose",
    "VerticalFlip",
]


#: the kinds of the resampling arguments every warping transform shares
RESAMPLING = {
    "interpolation": Choice(tuple(G.INTERPOLATIONS), doc="image resampling"),
    "border_mode": Choice(tuple(G.BORDER_MODES), doc="how pixels outside the input are made"),
    "fill": Fill(doc="value of constant borders, in image units"),
    "fill_mask": Int(0, MAX_FILL, doc="value of constant borders in masks"),
}
#: a translation or displacement in pixels is at most one image side
SHIFT_PX = float(MAX_SIDE)


class _Resampling(MatrixTransform):
    """Shared declaration of interpolation, border mode and fill values."""

    parameters = RESAMPLING

    def _init_resampling(
        self, interpolation: str, border_mode: str, fill: Any, fill_mask: Any
    ) -> None:
        """Validate and store the resampling arguments (for transforms whose constructor
        takes only some of them and fixes the others)."""
        self.store_params(
            {
                "interpolation": interpolation,
                "border_mode": border_mode,
                "fill": fill,
                "fill_mask": fill_mask,
            }
        )


@register
class HorizontalFlip(MatrixTransform):
    """Mirror left-right. Exact for every target.

    Examples
    --------
    >>> import numpy as np
    >>> out = HorizontalFlip(p=1.0)(image=np.zeros((4, 10), np.uint8), boxes=[[0, 0, 2, 2]])
    >>> out.boxes.tolist()
    [[8.0, 0.0, 10.0, 2.0]]
    """

    exact = True
    mirrors = True

    def __init__(self, p: float = 0.5) -> None:
        super().__init__(p)

    def matrix(
        self, params: dict[str, Any], hw: tuple[int, int]
    ) -> tuple[np.ndarray, tuple[int, int]]:
        """Mirror matrix; same size."""
        return G.hflip_matrix(hw[1]), (hw[0], hw[1])

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Array reversal (no resampling)."""
        return G.hflip_image(image)


@register
class VerticalFlip(MatrixTransform):
    """Mirror top-bottom. Exact for every target."""

    exact = True
    mirrors = True

    def __init__(self, p: float = 0.5) -> None:
        super().__init__(p)

    def matrix(
        self, params: dict[str, Any], hw: tuple[int, int]
    ) -> tuple[np.ndarray, tuple[int, int]]:
        """Mirror matrix; same size."""
        return G.vflip_matrix(hw[0]), (hw[0], hw[1])

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Array reversal (no resampling)."""
        return G.vflip_image(image)


@register
class Transpose(MatrixTransform):
    """Swap rows and columns (a reflection about the main diagonal). Exact."""

    exact = True
    mirrors = True

    def __init__(self, p: float = 0.5) -> None:
        super().__init__(p)

    def matrix(
        self, params: dict[str, Any], hw: tuple[int, int]
    ) -> tuple[np.ndarray, tuple[int, int]]:
        """Transposition; output is W x H."""
        return G.transpose_matrix(), (hw[1], hw[0])

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Array transposition."""
        return G.transpose_image(image)


@register
class Rotate90(MatrixTransform):
    """Rotate by a random number of quarter turns counter-clockwise, chosen from ``k``.

    Parameters
    ----------
    k : int or sequence of int
        The quarter turns to choose from (default: 0, 1, 2 or 3, as Albumentations'
        RandomRotate90).
    """

    exact = True
    parameters = {
        "k": Ints(
            -MAX_COUNT,
            MAX_COUNT,
            lengths=range(1, 9),
            what="an integer or a list of 1 to 8 integers",
            doc="quarter turns to choose from",
        )
    }

    class Drawn(_Record):
        k: int

    def __init__(self, k: int | list[int] | tuple[int, ...] = (0, 1, 2, 3), p: float = 0.5) -> None:
        self.store_params(locals())
        self._ks = [v % 4 for v in ([self.k] if isinstance(self.k, int) else self.k)]

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Pick the number of quarter turns."""
        return self.Drawn(k=self._ks[draw_int(rng, 0, len(self._ks))])

    def matrix(
        self, params: dict[str, Any], hw: tuple[int, int]
    ) -> tuple[np.ndarray, tuple[int, int]]:
        """Quarter-turn matrix; odd turns swap height and width."""
        k = params["k"] % 4
        return G.rot90_matrix(k, hw), (hw[1], hw[0]) if k % 2 else (hw[0], hw[1])

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """``numpy.rot90``."""
        return G.rot90_image(image, params["k"])


@register
class Rotate(_Resampling):
    """Rotate about the image centre by an angle drawn uniformly from ``limit`` (degrees).

    Positive angles turn counter-clockwise as displayed. The canvas keeps its size; corners
    are filled according to ``border_mode``.
    """

    parameters = {"limit": Range(-360, 360, symmetric=True, doc="angle range in degrees")}

    class Drawn(_Record):
        angle_deg: float

    def __init__(
        self,
        limit: float | tuple[float, float] = 30.0,
        interpolation: str = "linear",
        border_mode: str = "constant",
        fill: float | tuple[float, ...] = 0,
        fill_mask: int = 0,
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw ``angle_deg``."""
        return self.Drawn(angle_deg=draw_uniform(rng, self.limit))

    def matrix(
        self, params: dict[str, Any], hw: tuple[int, int]
    ) -> tuple[np.ndarray, tuple[int, int]]:
        """Rotation about ((W - 1) / 2, (H - 1) / 2)."""
        h, w = hw
        return G.rotate_matrix(params["angle_deg"], ((w - 1) / 2.0, (h - 1) / 2.0)), (hw[0], hw[1])


@register
class Affine(_Resampling):
    """Random affine map about the centre: rotate, scale, translate and shear.

    Parameters
    ----------
    scale : number or (min, max)
        Zoom factor (1 keeps size). With ``keep_ratio`` one factor for both axes.
    translate_percent : number or (min, max), optional
        Shift as a fraction of width and height, drawn per axis.
    translate_px : number or (min, max), optional
        Shift in pixels, drawn per axis (used when ``translate_percent`` is None).
    rotate : number or (min, max)
        Angle in degrees, counter-clockwise as displayed; a number ``a`` means ``(-a, a)``.
    shear : number or (min, max)
        Shear angle in degrees, drawn per axis; a number ``s`` means ``(-s, s)``.
    """

    parameters = {
        "scale": Range(1e-3, 100.0, doc="zoom factor range (1 keeps the size)"),
        "translate_percent": Optional(
            Range(-1, 1, symmetric=True), doc="shift range as a fraction of width and height"
        ),
        "translate_px": Optional(
            Range(-SHIFT_PX, SHIFT_PX, symmetric=True), doc="shift range in pixels"
        ),
        "rotate": Range(-360, 360, symmetric=True, doc="angle range in degrees"),
        "shear": Range(-89, 89, symmetric=True, doc="shear angle range in degrees"),
        "keep_ratio": Flag(doc="one scale factor for both axes"),
    }

    class Drawn(_Record):
        angle_deg: float
        scale: tuple[float, float]
        translate_px: tuple[float, float]
        shear_deg: tuple[float, float]

    def __init__(
        self,
        scale: float | tuple[float, float] = 1.0,
        translate_percent: float | tuple[float, float] | None = None,
        translate_px: float | tuple[float, float] | None = None,
        rotate: float | tuple[float, float] = 0.0,
        shear: float | tuple[float, float] = 0.0,
        keep_ratio: bool = True,
        interpolation: str = "linear",
        border_mode: str = "constant",
        fill: float | tuple[float, ...] = 0,
        fill_mask: int = 0,
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw angle, scale (x, y), translation in pixels (x, y) and shear (x, y)."""
        h, w = sample.image.shape[:2]
        sx = draw_uniform(rng, self.scale)
        sy = sx if self.keep_ratio else draw_uniform(rng, self.scale)
        if self.translate_percent is not None:
            tx = draw_uniform(rng, self.translate_percent) * w
            ty = draw_uniform(rng, self.translate_percent) * h
        elif self.translate_px is not None:
            tx, ty = (draw_uniform(rng, self.translate_px) for _ in range(2))
        else:
            tx = ty = 0.0
        return self.Drawn(
            angle_deg=draw_uniform(rng, self.rotate),
            scale=(sx, sy),
            translate_px=(tx, ty),
            shear_deg=(draw_uniform(rng, self.shear), draw_uniform(rng, self.shear)),
        )

    def matrix(
        self, params: dict[str, Any], hw: tuple[int, int]
    ) -> tuple[np.ndarray, tuple[int, int]]:
        """Centre-anchored affine matrix; same size."""
        m = G.affine_matrix(
            (hw[0], hw[1]),
            params["angle_deg"],
            params["scale"],
            params["translate_px"],
            params["shear_deg"],
        )
        return m, (hw[0], hw[1])


@register
class Perspective(_Resampling):
    """Random four-point perspective: each corner moves inward by a random fraction.

    The offsets are ``|N(0, sigma)|`` of the image size with ``sigma`` drawn from ``scale``.
    With ``keep_size`` the distorted quadrilateral is mapped back onto the full canvas.
    """

    parameters = {"scale": Range(0.0, 0.5, doc="range of sigma, a fraction of the image size")}

    class Drawn(_Record):
        offsets: list[list[float]]

    def __init__(
        self,
        scale: float | tuple[float, float] = (0.05, 0.1),
        interpolation: str = "linear",
        border_mode: str = "constant",
        fill: float | tuple[float, ...] = 0,
        fill_mask: int = 0,
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the four corner offsets as fractions of (width, height)."""
        sigma = draw_uniform(rng, self.scale)
        offsets = np.clip(np.abs(rng.normal(0.0, sigma, size=(4, 2))), 0.0, 0.45)
        return self.Drawn(offsets=offsets.tolist())

    def matrix(
        self, params: dict[str, Any], hw: tuple[int, int]
    ) -> tuple[np.ndarray, tuple[int, int]]:
        """Homography taking the inner quadrilateral to the full canvas."""
        h, w = hw
        off = np.asarray(params["offsets"], dtype=np.float64) * [w - 1, h - 1]
        corners = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float64)
        sign = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], dtype=np.float64)
        src = corners + sign * off
        m = cv2.getPerspectiveTransform(src.astype(np.float32), corners.astype(np.float32))
        return m.astype(np.float64), (hw[0], hw[1])
