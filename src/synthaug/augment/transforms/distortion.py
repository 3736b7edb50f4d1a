"""Non-matrix geometric transforms: elastic, grid and lens distortion.

Each builds a displacement field (a ``cv2.remap`` map) from its parameters. Images resample
through it (masks with nearest neighbour); keypoints and box outlines move through the
numerically inverted field (:func:`synthaug.augment.functional.distortion.remap_points`), so
every target stays aligned. Box outlines are densified, moved point by point and clipped to
the frame like those of matrix transforms; keypoints that land outside become invisible.

The default border is ``constant``: reflected borders would show copies of objects that have
no mask or box.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthaug.augment.functional import distortion as D
from synthaug.augment.params import MAX_COUNT, Int, Range, Real
from synthaug.augment.params import Record as _Record
from synthaug.augment.sample import Sample
from synthaug.augment.transforms.base import (
    Transform,
    box_outlines,
    draw_seed,
    draw_uniform,
    move_box_outlines,
    move_keypoints,
    move_oriented_boxes,
    oriented_outlines,
    register,
)
from synthaug.augment.transforms.geometric import RESAMPLING, SHIFT_PX, _Resampling

__all__ = ["ElasticTransform", "GridDistortion", "OpticalDistortion"]


def _densified(
    polygons: np.ndarray, spacing_px: float = 4.0, max_vertices: int = 256
) -> np.ndarray:
    """Each polygon with every edge cut into equal pieces of at most ``spacing_px`` (one
    count for all edges, so that at most ``max_vertices`` vertices result): a field bends
    edges, and the moved outline must follow the bends."""
    n, k = polygons.shape[:2]
    nxt = np.roll(polygons, -1, axis=1)
    longest = float(np.max(np.hypot(*(nxt - polygons).transpose(2, 0, 1)), initial=0.0))
    pieces = int(np.clip(np.ceil(longest / spacing_px), 1, max(1, max_vertices // k)))
    if pieces == 1:
        return polygons
    t = np.arange(pieces, dtype=np.float64) / pieces
    pts = polygons[:, :, None, :] + t[None, None, :, None] * (nxt - polygons)[:, :, None, :]
    result: np.ndarray = pts.reshape(n, k * pieces, 2)
    return result


def move_annotations(sample: Sample, maps: D.Map) -> Sample:
    """Move box outlines and keypoints through a remap field, clipped to its frame.

    A box's outline is densified and each point moved through the numerically inverted field
    (so the box follows the bends); the outline is then clipped to the output frame like
    any other geometric step's (:func:`~synthaug.augment.transforms.base.move_box_outlines`).
    Keypoints that land outside become invisible.
    """
    changes: dict[str, Any] = {}
    hw = maps[0].shape
    if sample.boxes is not None and len(sample.boxes):
        outline = _densified(box_outlines(sample))
        n, k = outline.shape[:2]
        moved = D.remap_points(outline.reshape(-1, 2) - 0.5, maps).reshape(n, k, 2) + 0.5
        changes.update(move_box_outlines(sample, moved, hw))
    if sample.oriented_boxes is not None and len(sample.oriented_boxes):
        corners = np.asarray(sample.oriented_boxes, dtype=np.float64)
        n = len(corners)
        moved_corners = D.remap_points(corners.reshape(-1, 2) - 0.5, maps).reshape(n, 4, 2) + 0.5
        outline = _densified(oriented_outlines(sample))
        k = outline.shape[1]
        moved = D.remap_points(outline.reshape(-1, 2) - 0.5, maps).reshape(n, k, 2) + 0.5
        changes.update(move_oriented_boxes(sample, moved_corners, moved, hw))
    if sample.keypoints is not None and len(sample.keypoints):
        changes.update(move_keypoints(sample, D.remap_keypoints(sample.keypoints, maps), hw))
    return sample.copy(**changes) if changes else sample


class _Remap(Transform):
    """A transform given by a remap field built from its parameters.

    It shares the resampling options of the matrix transforms but is not one: it never
    fuses, and it implements every target itself.
    """

    targets = ("image", "masks", "boxes", "oriented_boxes", "keypoints")
    exact = False
    parameters = RESAMPLING
    _init_resampling = _Resampling._init_resampling

    def maps(self, params: dict[str, Any], hw: tuple[int, int]) -> D.Map:
        """The ``(map_x, map_y)`` field for an image of size ``hw``."""
        raise NotImplementedError

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Resample the image through the field."""
        maps = self.maps(params, image.shape[:2])
        return D.remap_image(image, maps, self.interpolation, self.border_mode, self.fill)

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        """Apply the same field to every target."""
        maps = self.maps(params, sample.image.shape[:2])
        image = D.remap_image(sample.image, maps, self.interpolation, self.border_mode, self.fill)
        masks = (
            None
            if sample.masks is None
            else [D.remap_mask(m, maps, self.border_mode, self.fill_mask) for m in sample.masks]
        )
        return move_annotations(sample.copy(image=image, masks=masks), maps)


@register
class ElasticTransform(_Remap):
    """Elastic deformation (Simard et al. 2003): a smoothed random displacement field.

    Parameters
    ----------
    alpha : float or (min, max)
        Strength: the uniform ``[-1, 1]`` noise is scaled by ``alpha`` pixels before smoothing.
    sigma_px : float
        Standard deviation of the Gaussian that smooths the field, in pixels (larger is
        smoother; displacements shrink roughly as ``alpha / (sigma_px * 3.5)``).
    interpolation, border_mode, fill, fill_mask
        Resampling options, as for :class:`~synthaug.augment.Rotate`.
    """

    parameters = {
        "alpha": Range(0, SHIFT_PX, doc="range of the displacement scale in pixels"),
        "sigma_px": Real(0.1, SHIFT_PX, doc="smoothness of the field in pixels"),
    }

    class Drawn(_Record):
        alpha: float
        field_seed: int

    def __init__(
        self,
        alpha: float | tuple[float, float] = 34.0,
        sigma_px: float = 4.0,
        interpolation: str = "linear",
        border_mode: str = "constant",
        fill: float | tuple[float, ...] = 0,
        fill_mask: int = 0,
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw ``alpha`` and a seed for the noise field."""
        return self.Drawn(alpha=draw_uniform(rng, self.alpha), field_seed=draw_seed(rng))

    def maps(self, params: dict[str, Any], hw: tuple[int, int]) -> D.Map:
        """Regenerate the noise from its seed, scale and smooth it.

        The noise is drawn on a grid ``floor(sigma_px / 2)`` times coarser than the image and
        the smoothed field upsampled (:func:`~synthaug.augment.functional.distortion.
        elastic_map_coarse`): the same field statistics as full-resolution noise, about 4x
        cheaper to build.
        """
        hw = (int(hw[0]), int(hw[1]))
        gen = np.random.default_rng(params["field_seed"])
        shape = D.elastic_coarse_shape(hw, self.sigma_px)
        # uniform 16-bit integers from raw bits: 3x cheaper than float draws, and 1/65535
        # resolution is far below what the smoothing keeps
        n = shape[0] * shape[1] * 2
        bits = gen.bit_generator.random_raw((n + 3) // 4).astype("<u8", copy=False)
        noise = bits.view("<u2")[:n].reshape(*shape, 2).astype(np.float32)
        return D.elastic_map_coarse(hw, noise, params["alpha"], self.sigma_px, 65535.0)


@register
class GridDistortion(_Remap):
    """Cut the image into a ``num_steps x num_steps`` grid and stretch each row and column.

    Each cell's width (height) is multiplied by ``1 + U(distort_limit)``; the cells are
    rescaled to fill the image again, so nothing leaves the canvas.
    """

    parameters = {
        "num_steps": Int(1, MAX_COUNT, doc="grid cells per side"),
        "distort_limit": Range(-0.99, 1, symmetric=True, doc="range of each cell's stretch"),
    }

    class Drawn(_Record):
        x_steps: list[float]
        y_steps: list[float]

    def __init__(
        self,
        num_steps: int = 5,
        distort_limit: float | tuple[float, float] = 0.3,
        interpolation: str = "linear",
        border_mode: str = "constant",
        fill: float | tuple[float, ...] = 0,
        fill_mask: int = 0,
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw one stretch factor per column and per row of cells."""
        n = self.num_steps
        lo, hi = self.distort_limit
        return self.Drawn(
            x_steps=(1.0 + rng.uniform(lo, hi, size=n)).tolist(),
            y_steps=(1.0 + rng.uniform(lo, hi, size=n)).tolist(),
        )

    def maps(self, params: dict[str, Any], hw: tuple[int, int]) -> D.Map:
        """Separable piecewise-linear field."""
        return D.grid_distortion_map((hw[0], hw[1]), params["x_steps"], params["y_steps"])


@register
class OpticalDistortion(_Remap):
    """Radial lens distortion: barrel for ``k > 0``, pincushion for ``k < 0``.

    Output radius ``r`` (1 at the image corners) samples the input at ``r (1 + k r^2)``;
    ``k`` is drawn from ``distort_limit`` and the optical centre moves by up to
    ``shift_limit`` of the image size.
    """

    parameters = {
        "distort_limit": Range(-0.5, 1, symmetric=True, doc="range of the coefficient k"),
        "shift_limit": Range(
            -0.5, 0.5, symmetric=True, doc="range of the centre shift, a fraction"
        ),
    }

    class Drawn(_Record):
        k: float
        center_shift: tuple[float, float]

    def __init__(
        self,
        distort_limit: float | tuple[float, float] = 0.2,
        shift_limit: float | tuple[float, float] = 0.0,
        interpolation: str = "linear",
        border_mode: str = "constant",
        fill: float | tuple[float, ...] = 0,
        fill_mask: int = 0,
        p: float = 0.5,
    ) -> None:
        self.store_params(locals())

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the distortion coefficient ``k`` and the centre shift (fractions)."""
        return self.Drawn(
            k=draw_uniform(rng, self.distort_limit),
            center_shift=(
                draw_uniform(rng, self.shift_limit),
                draw_uniform(rng, self.shift_limit),
            ),
        )

    def maps(self, params: dict[str, Any], hw: tuple[int, int]) -> D.Map:
        """Radial field about the (shifted) centre."""
        return D.optical_distortion_map((hw[0], hw[1]), params["k"], tuple(params["center_shift"]))
