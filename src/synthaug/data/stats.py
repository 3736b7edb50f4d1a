"""Per-band statistics of a dataset's images, in one streaming pass, for ``Normalize``.

:func:`dataset_stats` reads every image of a dataset once (any format :func:`open_dataset`
knows; ``uint8``, ``uint16`` or ``float32``; any number of bands) and keeps only running
sums, so memory does not grow with the dataset:

* mean and standard deviation per band: float64 partial results per chunk of rows, merged
  with Chan et al.'s pairwise update (the parallel form of Welford's algorithm), so a dataset
  of millions of pixels loses no precision to one large sum of squares. The standard deviation
  is the population one (``ddof=0``, as ``numpy.std`` and torchvision's statistics).
* minimum, maximum and the 1st and 99th percentiles: **exact** for ``uint8`` and ``uint16``
  (a full histogram per band: 256 or 65536 counts), with numpy's default (linear) percentile
  definition; for ``float32`` the percentiles come from an evenly strided subsample of every
  image (about :data:`FLOAT_SAMPLE_SIZE` values per band in all) and are marked approximate.
  Non-finite float values (NaN as "no data", inf) are counted and left out of every statistic.

Images whose dtype or band count differs from the first readable image are skipped (their
statistics could not be pooled) and listed, as are unreadable items.

The result converts to the arguments of :class:`synthaug.augment.Normalize`, which computes
``(image / max_pixel_value - mean) / std`` per channel: :meth:`DatasetStats.normalize_args`
divides the raw mean and std by ``max_pixel_value`` (255 for ``uint8``, 65535 for ``uint16``,
1 for ``float32``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from synthaug.data.dataset import ItemError
from synthaug.data.formats import FORMATS, open_dataset
from synthaug.data.images import DEFAULT_MAX_PIXELS
from synthaug.errors import ConfigError

__all__ = [
    "FLOAT_SAMPLE_SIZE",
    "MAX_PIXEL_VALUE",
    "PERCENTILES",
    "BandAccumulator",
    "DatasetStats",
    "dataset_stats",
]

#: The lower and upper percentiles reported (and used by ``synthaug preview``'s stretch).
PERCENTILES = (1.0, 99.0)
#: Values per band kept (over the whole dataset) to estimate float32 percentiles.
FLOAT_SAMPLE_SIZE = 200_000
#: Values (pixels x bands) converted to float64 at a time.
_CHUNK_VALUES = 1 << 22
#: ``max_pixel_value`` that Normalize should use for each pixel type.
MAX_PIXEL_VALUE = {"uint8": 255.0, "uint16": 65535.0, "float32": 1.0}


@dataclass
class DatasetStats:
    """Per-band statistics of a dataset (lists have one entry per band, in raw pixel units).

    Attributes
    ----------
    source, format : str
        What was read.
    n_images : int
        Images that entered the statistics.
    n_skipped : int
        Items left out; ``skipped`` lists ``{"key", "reason", "message"}`` for each.
    dtype : str
        ``uint8``, ``uint16`` or ``float32``.
    n_bands : int
        Bands per image (1 for grey).
    n_values : list of int
        Finite values counted per band; ``n_nonfinite`` the NaN/inf left out.
    mean, std, min, max : list of float
        Per band; ``std`` is the population standard deviation.
    p_low, p_high : list of float
        The :data:`PERCENTILES` per band; ``percentiles_exact`` says whether they are exact.
    max_pixel_value : float
        255, 65535 or 1: the ``max_pixel_value`` of Normalize for this pixel type.
    notes : list of str
        Things a user should know (a constant band, approximate percentiles).
    """

    source: str
    format: str
    n_images: int
    n_skipped: int
    dtype: str
    n_bands: int
    n_values: list[int]
    n_nonfinite: list[int]
    mean: list[float]
    std: list[float]
    min: list[float]
    max: list[float]
    p_low: list[float]
    p_high: list[float]
    percentiles: tuple[float, float] = PERCENTILES
    percentiles_exact: bool = True
    max_pixel_value: float = 255.0
    skipped: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def normalize_args(self) -> dict[str, Any]:
        """``{"mean", "std", "max_pixel_value"}`` for :class:`synthaug.augment.Normalize`.

        Mean and std are divided by ``max_pixel_value`` (Normalize divides the image by it
        first). A constant band (std 0, which Normalize refuses) gets std 1: it is only shifted.
        """
        m = self.max_pixel_value
        return {
            "mean": [float(v) / m for v in self.mean],
            "std": [float(v) / m if v > 0 else 1.0 for v in self.std],
            "max_pixel_value": m,
        }

    def normalize_yaml(self, digits: int = 6) -> str:
        """The Normalize step as a pipeline YAML list entry (values to ``digits`` digits).

        Examples
        --------
        >>> s = DatasetStats("d", "folder", 1, 0, "uint8", 1, [4], [0], [127.5], [51.0],
        ...                  [0.0], [255.0], [0.0], [255.0])
        >>> print(s.normalize_yaml())
        - name: Normalize
          mean: [0.5]
          std: [0.2]
          max_pixel_value: 255
        """
        args = self.normalize_args()

        def fmt(values: list[float]) -> str:
            return "[" + ", ".join(f"{v:.{digits}g}" for v in values) + "]"

        return (
            "- name: Normalize\n"
            f"  mean: {fmt(args['mean'])}\n"
            f"  std: {fmt(args['std'])}\n"
            f"  max_pixel_value: {args['max_pixel_value']:g}"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain values (JSON-ready), with the Normalize arguments under ``normalize``."""
        out = asdict(self)
        out["percentiles"] = list(self.percentiles)
        out["normalize"] = self.normalize_args()
        return out


class BandAccumulator:
    """Running per-band statistics of images of one dtype and band count.

    ``add(image)`` any number of images, then ``result()``. Mean and variance merge chunk
    results with Chan et al.'s update; integer images also fill exact histograms.

    Parameters
    ----------
    dtype : numpy dtype
        ``uint8``, ``uint16`` or ``float32``.
    n_bands : int
        Bands per image.
    sample_per_image : int
        Values per band kept from each float image for the percentiles.
    """

    def __init__(self, dtype: np.dtype, n_bands: int, sample_per_image: int = 1000) -> None:
        self.dtype = np.dtype(dtype)
        self.n_bands = n_bands
        self.sample_per_image = sample_per_image
        self.count = np.zeros(n_bands, np.int64)
        self.nonfinite = np.zeros(n_bands, np.int64)
        self.mean = np.zeros(n_bands, np.float64)
        self.m2 = np.zeros(n_bands, np.float64)
        self.lo = np.full(n_bands, np.inf)
        self.hi = np.full(n_bands, -np.inf)
        self.hist = (
            np.zeros((n_bands, np.iinfo(self.dtype).max + 1), np.int64)
            if self.dtype.kind == "u"
            else None
        )
        self.samples: list[list[np.ndarray]] = [[] for _ in range(n_bands)]
        self.subsampled = False  # whether float percentiles saw only part of the values

    def add(self, image: np.ndarray) -> None:
        """Fold one ``H x W`` or ``H x W x C`` image into the statistics."""
        flat = image.reshape(image.shape[0], image.shape[1], -1)
        rows = max(1, _CHUNK_VALUES // max(1, flat.shape[1] * flat.shape[2]))
        for r in range(0, flat.shape[0], rows):
            self._add_values(flat[r : r + rows].reshape(-1, self.n_bands))
        if self.hist is None:
            values = flat.reshape(-1, self.n_bands)
            step = max(1, values.shape[0] // self.sample_per_image)
            self.subsampled = self.subsampled or step > 1
            for b in range(self.n_bands):
                picked = values[::step, b]
                self.samples[b].append(picked[np.isfinite(picked)].astype(np.float64))

    def _add_values(self, values: np.ndarray) -> None:
        if self.hist is not None:
            for b in range(self.n_bands):
                self.hist[b] += np.bincount(values[:, b], minlength=self.hist.shape[1])
            self._merge_columns(values.astype(np.float64), None)
            return
        finite = np.isfinite(values)
        self.nonfinite += (~finite).sum(axis=0)
        self._merge_columns(values.astype(np.float64), finite)

    def _merge_columns(self, x: np.ndarray, finite: np.ndarray | None) -> None:
        for b in range(self.n_bands):
            col = x[:, b] if finite is None else x[finite[:, b], b]
            n_b = col.size
            if n_b == 0:
                continue
            mean_b = float(col.mean())
            m2_b = float(((col - mean_b) ** 2).sum())
            n_a = int(self.count[b])
            n = n_a + n_b
            delta = mean_b - self.mean[b]
            self.mean[b] += delta * n_b / n
            self.m2[b] += m2_b + delta * delta * n_a * n_b / n
            self.count[b] = n
            self.lo[b] = min(self.lo[b], float(col.min()))
            self.hi[b] = max(self.hi[b], float(col.max()))

    def percentiles(self, qs: tuple[float, ...]) -> tuple[np.ndarray, bool]:
        """``(bands x len(qs) array, exact)``: numpy's linear percentiles per band."""
        out = np.full((self.n_bands, len(qs)), np.nan)
        for b in range(self.n_bands):
            if self.hist is not None:
                out[b] = _hist_percentiles(self.hist[b], qs)
            elif self.samples[b]:
                pooled = np.concatenate(self.samples[b])
                if pooled.size:
                    out[b] = np.percentile(pooled, qs)
        return out, self.hist is not None or not self.subsampled

    def std(self) -> np.ndarray:
        """Population standard deviation per band (``ddof=0``)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sqrt(np.where(self.count > 0, self.m2 / np.maximum(self.count, 1), np.nan))


def _hist_percentiles(hist: np.ndarray, qs: tuple[float, ...]) -> np.ndarray:
    """numpy's ``percentile`` (linear method) of the values a histogram counts, exactly."""
    n = int(hist.sum())
    if n == 0:
        return np.full(len(qs), np.nan)
    cum = np.cumsum(hist)
    out = []
    for q in qs:
        pos = q / 100.0 * (n - 1)
        i = int(np.floor(pos))
        frac = pos - i
        lo = int(np.searchsorted(cum, i + 1))  # the value at sorted index i
        hi = int(np.searchsorted(cum, min(i + 2, n)))
        out.append(lo + (hi - lo) * frac)
    return np.asarray(out, np.float64)


def dataset_stats(
    source: str | os.PathLike[str],
    format: str = "auto",
    max_items: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    callback: Callable[[dict[str, int]], None] | None = None,
    sample_size: int = FLOAT_SAMPLE_SIZE,
) -> DatasetStats:
    """Per-band statistics of the images of a dataset, in one streaming pass.

    Parameters
    ----------
    source : path
        A dataset folder (any format :func:`synthaug.data.open_dataset` reads) or COCO JSON.
    format : str
        ``auto`` or a format name.
    max_items : int, optional
        Read only the first ``max_items`` items (in key order).
    max_pixels : int
        Images above this many pixels are skipped before decoding (``too_many_pixels``).
    callback : callable, optional
        Called after each item with ``{"done", "total", "skipped"}``.
    sample_size : int
        Values per band kept (over the dataset) for the percentiles of float32 images.

    Returns
    -------
    DatasetStats
        Raises :class:`~synthaug.errors.DataError` if no image could be read.

    Examples
    --------
    >>> stats = dataset_stats("tiles/")  # doctest: +SKIP
    >>> stats.n_bands, stats.dtype  # doctest: +SKIP
    (13, 'uint16')
    >>> Normalize(**stats.normalize_args())  # doctest: +SKIP
    """
    from synthaug.errors import DataError

    if max_items is not None and max_items < 1:
        raise ConfigError(f"max_items: expected a positive number of items, got {max_items}")
    ds = open_dataset(source, format)
    items = ds.items if max_items is None else ds.items[:max_items]
    fmt = FORMATS[ds.format]
    acc: BandAccumulator | None = None
    skipped: list[dict[str, str]] = []
    n_images = 0
    per_image = max(100, sample_size // max(1, len(items)))
    for i, item in enumerate(items):
        try:
            if item.error is not None:
                raise ItemError(*item.error)
            image, _ = fmt.read_image(ds.root, ds.info, item, max_pixels)
        except ItemError as exc:
            skipped.append({"key": item.key, "reason": exc.reason, "message": str(exc)})
        else:
            n_bands = 1 if image.ndim == 2 else image.shape[2]
            if acc is None:
                acc = BandAccumulator(image.dtype, n_bands, per_image)
            if image.dtype != acc.dtype or n_bands != acc.n_bands:
                skipped.append(
                    {
                        "key": item.key,
                        "reason": "mixed_images",
                        "message": f"{item.key}: {image.dtype} with {n_bands} band(s), unlike "
                        f"the first image ({acc.dtype} with {acc.n_bands}): left out",
                    }
                )
            else:
                acc.add(image)
                n_images += 1
        if callback is not None:
            callback({"done": i + 1, "total": len(items), "skipped": len(skipped)})
    if acc is None:
        raise DataError(f"{source}: no readable image among {len(items)} item(s)")
    pct, exact = acc.percentiles(PERCENTILES)
    notes = [
        f"band {b + 1} is constant ({acc.lo[b]:g}): std 0; the Normalize snippet uses std 1"
        for b in range(acc.n_bands)
        if acc.count[b] and acc.m2[b] == 0
    ]
    if not exact:
        n_kept = sum(len(v) for v in acc.samples[0])
        notes.append(
            f"float32 percentiles are estimated from {n_kept} evenly strided values of band 1 "
            f"(of {int(acc.count[0])})"
        )
    if acc.nonfinite.any():
        notes.append(f"{int(acc.nonfinite.sum())} NaN/inf values left out of every statistic")
    return DatasetStats(
        source=str(source),
        format=ds.format,
        n_images=n_images,
        n_skipped=len(skipped),
        dtype=acc.dtype.name,
        n_bands=acc.n_bands,
        n_values=[int(v) for v in acc.count],
        n_nonfinite=[int(v) for v in acc.nonfinite],
        mean=[float(v) for v in acc.mean],
        std=[float(v) for v in acc.std()],
        min=[float(v) for v in acc.lo],
        max=[float(v) for v in acc.hi],
        p_low=[float(v) for v in pct[:, 0]],
        p_high=[float(v) for v in pct[:, 1]],
        percentiles_exact=exact,
        max_pixel_value=MAX_PIXEL_VALUE[acc.dtype.name],
        skipped=skipped,
        notes=notes,
    )
