"""Showing any image on screen: a band triplet, stretched per band to 8 bits.

A 13-band ``uint16`` tile or a float depth map has no natural colour picture. As GIS and
microscopy viewers do, :class:`BandView` picks up to three bands (1-based, ``3,2,1`` shows
band 3 as red) and maps each band's 1st..99th percentile range linearly onto 0..255, with
values outside it saturated. The limits are computed once, on the original image, and reused
for its augmented versions, so brightness or contrast changes stay visible in a preview.

``uint8`` images are shown as stored (no stretch); their bands are still selectable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from synthaug.errors import ConfigError

__all__ = ["BandView", "parse_bands"]


def parse_bands(text: str) -> tuple[int, ...]:
    """``"3,2,1"`` -> ``(3, 2, 1)``: one or three 1-based band numbers.

    Raises :class:`~synthaug.errors.ConfigError` naming the value otherwise.
    """
    try:
        bands = tuple(int(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        raise ConfigError(
            f"--bands {text!r}: expected one or three band numbers such as 3,2,1"
        ) from None
    if len(bands) not in (1, 3) or min(bands) < 1:
        raise ConfigError(
            f"--bands {text!r}: expected one or three band numbers (from 1) such as 3,2,1"
        )
    return bands


@dataclass(frozen=True)
class BandView:
    """Which bands to show and the per-band range mapped to 0..255.

    Parameters
    ----------
    bands : tuple of int
        1-based band numbers: one (grey) or three (red, green, blue).
    limits : ndarray or None
        ``len(bands) x 2`` array of (low, high) pixel values, or ``None`` to show ``uint8``
        values as stored.
    """

    bands: tuple[int, ...]
    limits: np.ndarray | None

    @classmethod
    def fit(
        cls,
        image: np.ndarray,
        bands: Sequence[int] | None = None,
        percentiles: tuple[float, float] = (1.0, 99.0),
    ) -> BandView:
        """The view of ``image``: its chosen (or default) bands and their percentile limits.

        Default bands: the image itself for 1, 3 or 4 ``uint8`` channels (RGB(A) stays RGB);
        otherwise ``1,2,3`` for three or more bands and ``1`` for fewer.

        Examples
        --------
        >>> img = np.stack([np.arange(100, dtype=np.uint16) * k for k in (1, 2, 3)], -1)
        >>> view = BandView.fit(img.reshape(10, 10, 3), bands=(3, 2, 1), percentiles=(0, 100))
        >>> view.limits.tolist()
        [[0.0, 297.0], [0.0, 198.0], [0.0, 99.0]]
        """
        n = 1 if image.ndim == 2 else image.shape[2]
        if bands is None:
            if image.dtype == np.uint8 and n in (1, 3, 4):
                bands = tuple(range(1, min(n, 3) + 1))
            else:
                bands = (1, 2, 3) if n >= 3 else (1,)
        bands = tuple(int(b) for b in bands)
        if max(bands) > n:
            raise ConfigError(
                f"--bands {','.join(map(str, bands))}: the image has {n} band(s) (numbered from 1)"
            )
        if image.dtype == np.uint8:
            return cls(bands, None)
        chosen = _select(image, bands).reshape(-1, len(bands)).astype(np.float64)
        limits = np.empty((len(bands), 2))
        for i in range(len(bands)):
            col = chosen[:, i]
            col = col[np.isfinite(col)]
            lo, hi = np.percentile(col, percentiles) if col.size else (0.0, 1.0)
            limits[i] = (lo, hi if hi > lo else lo + 1.0)
        return cls(bands, limits)

    def render(self, image: np.ndarray) -> np.ndarray:
        """``image`` as ``uint8``: ``H x W`` for one band, ``H x W x 3`` for three."""
        chosen = _select(image, self.bands)
        if self.limits is None and chosen.dtype != np.uint8:  # e.g. a pipeline's float output
            out = np.rint(np.clip(np.nan_to_num(chosen.astype(np.float64)), 0.0, 1.0) * 255.0)
            out = out.astype(np.uint8)
        elif self.limits is None:
            out = chosen
        else:
            lo, hi = self.limits[:, 0], self.limits[:, 1]
            scaled = (chosen.astype(np.float64) - lo) / (hi - lo) * 255.0
            out = np.clip(np.rint(np.nan_to_num(scaled, nan=0.0)), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(out[:, :, 0] if out.shape[2] == 1 else out)


def _select(image: np.ndarray, bands: tuple[int, ...]) -> np.ndarray:
    cube = image[:, :, None] if image.ndim == 2 else image
    return cube[:, :, [b - 1 for b in bands]]
