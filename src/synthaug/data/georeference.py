"""GeoTIFF georeference carried through geometric transforms.

A GeoTIFF ties raster coordinates to map coordinates with either a pixel scale (tag 33550)
and one tie point (33922), or a 4 x 4 model transformation (34264). After a flip, crop,
resize, rotation or any other affine move of the pixel grid, the output's georeference is
the source's composed with the inverse of that move; this module finds the move (by
replaying the recorded steps on a few probe keypoints, :func:`raster_map`) and rewrites the
tags (:func:`moved_georeference_tags`). What it cannot express exactly (perspective,
distortion fields, ground control points) it refuses with ``None``, and the caller drops the
tags.

Conventions: raster coordinates are GeoTIFF's PixelIsArea ones, ``(0, 0)`` at the outer
corner of the top-left pixel and ``(0.5, 0.5)`` at its centre. Keypoints of
:mod:`synthaug.augment` sit at pixel centres (``(0, 0)`` is the centre of the top-left pixel),
so raster = keypoint + 0.5. A map is a 3 x 3 matrix acting on column vectors ``(i, j, 1)``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "Georeference",
    "georeference_from_tags",
    "moved_georeference_tags",
    "raster_map",
    "read_georeference",
]

#: Largest deviation (in output pixels) of a probe point from the fitted affine map for the
#: map to count as affine.
AFFINE_TOLERANCE_PX = 1e-6
#: GTRasterTypeGeoKey values.
PIXEL_IS_AREA, PIXEL_IS_POINT = 1, 2

_DOUBLE = 12


@dataclass(frozen=True)
class Georeference:
    """A source's georeference: ``matrix`` (4 x 4) takes raster ``(i, j, k, 1)`` to model
    ``(x, y, z, 1)``; ``form`` is how it was stored, ``"tiepoint"`` (pixel scale + one tie
    point, whose raster ``k`` and model ``z`` are ``tie_kz``) or ``"transformation"``;
    ``raster_type`` is PixelIsArea (1) or PixelIsPoint (2)."""

    matrix: np.ndarray
    form: str
    raster_type: int
    tie_kz: tuple[float, float]


def read_georeference(source: bytes) -> Georeference | None:
    """The georeference of a TIFF file's first page, or None when it has none or one this
    module does not understand exactly (several tie points, i.e. ground control points; a
    tie point without a pixel scale; a transformation whose last row is not ``0 0 0 1``; a
    raster type other than PixelIsArea or PixelIsPoint)."""
    import tifffile

    try:
        with tifffile.TiffFile(io.BytesIO(source)) as tif:
            return georeference_from_tags(tif.pages[0].tags)
    except Exception:
        return None


def georeference_from_tags(tags: Any) -> Georeference | None:
    """:func:`read_georeference` from a page's tags already open (tifffile's ``TiffTags``,
    or any mapping of tag code to an object with ``.value``)."""
    values = {c: tags[c].value for c in (33550, 33922, 34264, 34735) if c in tags}
    raster_type = _raster_type(values.get(34735))
    if raster_type is None:
        return None
    if 34264 in values:
        if 33550 in values or 33922 in values:
            return None  # the spec forbids the mix; which one would a reader believe?
        m = np.asarray(values[34264], dtype=np.float64)
        if m.shape != (16,) or not np.all(np.isfinite(m)):
            return None
        m = m.reshape(4, 4)
        if not np.array_equal(m[3], [0.0, 0.0, 0.0, 1.0]):
            return None
        return Georeference(m, "transformation", raster_type, (0.0, 0.0))
    if 33550 not in values or 33922 not in values:
        return None
    scale = np.asarray(values[33550], dtype=np.float64)
    tie = np.asarray(values[33922], dtype=np.float64)
    if scale.shape != (3,) or tie.shape != (6,) or not np.all(np.isfinite([*scale, *tie])):
        return None  # several tie points are ground control points: no single affine
    sx, sy, sz = scale
    i, j, k, x, y, z = tie
    m = np.array(
        [
            [sx, 0.0, 0.0, x - i * sx],
            [0.0, -sy, 0.0, y + j * sy],
            [0.0, 0.0, sz, z - k * sz],
            [0.0, 0.0, 0.0, 1.0],
        ]
    )
    return Georeference(m, "tiepoint", raster_type, (k, z))


def _raster_type(keys: Any) -> int | None:
    """GTRasterTypeGeoKey (1025) from a GeoKeyDirectory (34735); PixelIsArea when absent."""
    if keys is None:
        return PIXEL_IS_AREA
    k = [int(v) for v in np.asarray(keys).ravel()]
    if len(k) < 4:
        return None
    for n in range(min(k[3], (len(k) - 4) // 4)):
        key_id, location, _count, value = k[4 + 4 * n : 8 + 4 * n]
        if key_id == 1025:
            if location != 0 or value not in (PIXEL_IS_AREA, PIXEL_IS_POINT):
                return None
            return value
    return PIXEL_IS_AREA


def raster_map(pipe: Any, applied: list[Any], image: np.ndarray) -> np.ndarray | None:
    """The 3 x 3 affine map of raster coordinates (PixelIsArea) from ``image`` to the output
    of the recorded steps ``applied`` of the pipeline ``pipe``, or None when that move is
    not affine (perspective, distortion fields) or cannot be probed.

    The steps are replayed (``Compose.replay``, keeping keypoints that leave the frame) on a
    blank image of the same size and pixel type (one band, or the bands of ``image`` if a
    transform refuses one) carrying keypoints at three raster corners, which fix the affine
    map, and at five more points that must land where the map says (within
    :data:`AFFINE_TOLERANCE_PX`). Steps that only change pixel values are skipped.
    """
    from synthaug.augment.compose import Compose
    from synthaug.data.labels import moves_pixels

    moving = [a for a in applied if moves_pixels(a)]
    if not moving:
        return np.eye(3)
    h, w = image.shape[:2]
    # three corners fix the map; the fourth corner and four inner points check it
    fractions = [[0, 0], [1, 0], [0, 1], [1, 1], [1 / 3, 1 / 7], [5 / 7, 3 / 5], [1 / 2, 1 / 2]]
    raster = np.array([*fractions, [3 / 10, 9 / 10]], dtype=np.float64) * [w, h]
    probe = Compose(pipe.transforms, remove_invisible_keypoints=False, fuse=pipe.fuse)
    out = None
    # one blank band is enough to move the points (and cheaper); the source's own bands
    # where a transform of the pipeline refuses a single one
    for blank in (np.zeros(image.shape[:2], image.dtype), np.zeros_like(image)):
        try:
            out = probe.replay(blank, moving, keypoints=raster - 0.5)
            break
        except Exception:
            continue
    if out is None or out.keypoints is None or len(out.keypoints) != len(raster):
        return None
    moved = np.asarray(out.keypoints, dtype=np.float64)[:, :2] + 0.5
    if not np.all(np.isfinite(moved)):
        return None
    origin = moved[0]
    m = np.eye(3)
    m[:2, 0] = (moved[1] - origin) / w
    m[:2, 1] = (moved[2] - origin) / h
    m[:2, 2] = origin
    predicted = raster @ m[:2, :2].T + m[:2, 2]
    if np.max(np.abs(predicted - moved)) > AFFINE_TOLERANCE_PX:
        return None
    if abs(np.linalg.det(m)) < 1e-12:
        return None
    # a flip or quarter turn leaves rounding dust where an exact zero belongs; an upright
    # result must come out upright
    m[:2, :2][np.abs(m[:2, :2]) < 1e-12] = 0.0
    return m


def moved_georeference_tags(geo: Georeference, m: np.ndarray) -> list[tuple[Any, ...]] | None:
    """``extratags`` entries (tifffile form) for the georeference of an image whose raster
    coordinates are ``m`` (3 x 3, PixelIsArea) applied to the source's, or None when ``m``
    is not an invertible affine map.

    An upright result (positive x scale, y pointing down the map, no rotation or shear) is
    written as pixel scale + one tie point at raster ``(0, 0)``, the form most readers
    expect; anything else as a 4 x 4 model transformation (34264) alone.
    """
    if m.shape != (3, 3) or not np.array_equal(m[2], [0.0, 0.0, 1.0]):
        return None
    if geo.raster_type == PIXEL_IS_POINT:  # raster = PixelIsArea raster - 0.5
        shift = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
        m = np.linalg.inv(shift) @ m @ shift
    try:
        inverse = np.linalg.inv(m)
    except np.linalg.LinAlgError:
        return None
    inv4 = np.eye(4)  # acts on (i, j, k, 1): k (the raster's depth) does not move
    inv4[:2, :2] = inverse[:2, :2]
    inv4[:2, 3] = inverse[:2, 2]
    t = geo.matrix @ inv4
    upright = (
        t[0, 1] == 0.0
        and t[1, 0] == 0.0
        and t[0, 0] > 0.0
        and t[1, 1] < 0.0
        and t[0, 2] == 0.0
        and t[1, 2] == 0.0
        and t[2, 0] == 0.0
        and t[2, 1] == 0.0
    )
    if upright and (geo.form == "tiepoint" or t[2, 2] == 0.0 and t[2, 3] == 0.0):
        k, z = geo.tie_kz
        scale = (float(t[0, 0]), float(-t[1, 1]), float(t[2, 2]))
        tie = (0.0, 0.0, k, float(t[0, 3]), float(t[1, 3]), z)
        return [(33550, _DOUBLE, 3, scale, True), (33922, _DOUBLE, 6, tie, True)]
    values = tuple(float(v) for v in t.ravel())
    return [(34264, _DOUBLE, 16, values, True)]
