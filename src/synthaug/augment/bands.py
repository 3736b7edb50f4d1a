"""OnBands: run pixel-value transforms on chosen bands of a many-band image.

RGB colour transforms (HueSaturationValue, ColorJitter, ToGray, ...) take images with 1 or 3
bands. On a 13-band Sentinel-2 tile, ``OnBands([HueSaturationValue()], bands=[3, 2, 1])``
runs them on an RGB view of bands B4, B3, B2 (0-based indices 3, 2, 1, in that order) and
writes the result back into those bands; every other band passes unchanged, and the
geometric steps of the pipeline around it still move all bands and the labels.

The children run on a runner of their own (:class:`~synthaug.augment.executor.BandExecutor`):
the pipeline's pending fused runs are applied before the first child step (a barrier for
fusion), and only when a child runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from synthaug.augment.compose import BaseCompose
from synthaug.augment.executor import BandExecutor, Executor
from synthaug.augment.params import Children, Ints
from synthaug.augment.transforms.base import Transform, register
from synthaug.augment.transforms.pixel import HueSaturationValue
from synthaug.errors import ConfigError, InvalidInputError

__all__ = ["OnBands", "band_index"]

#: most bands an image may have (the catalogue's "1 to 512")
_MAX_BANDS = 512


def band_index(bands: Sequence[int], n_bands: int) -> list[int]:
    """``bands`` (0-based band indices) checked against an image with ``n_bands`` bands.

    Raises :class:`InvalidInputError` naming ``bands`` and its value when it is empty, lists
    a band twice or names a band the image does not have.

    Examples
    --------
    >>> band_index([3, 2, 1], 13)
    [3, 2, 1]
    """
    index = [int(b) for b in bands]
    if not index:
        raise InvalidInputError("bands = []: expected at least one 0-based band index")
    for b in index:
        if not 0 <= b < n_bands:
            raise InvalidInputError(
                f"bands = {index}: band {b} is not in the image, which has {n_bands} band(s) "
                f"(0-based indices 0 to {n_bands - 1})"
            )
    seen: set[int] = set()
    for b in index:
        if b in seen:
            raise InvalidInputError(f"bands = {index}: band {b} is listed twice")
        seen.add(b)
    return index


def _pixel_only_refusal(t: Transform, path: str) -> str | None:
    """Why ``t`` (at ``path``) cannot run on some bands only, or None when it can: it must
    change pixel values only (a geometric or label-changing step would move some bands and
    not others); a container is judged by its children."""
    where = f"{path} ({type(t).__name__})"
    if isinstance(t, BaseCompose):
        for i, child in enumerate(t.transforms):
            reason = _pixel_only_refusal(child, f"{path}.transforms[{i}]")
            if reason is not None:
                return reason
        return None
    if tuple(type(t).targets) != ("image",):
        changed = ", ".join(type(t).targets)
        return (
            f"{where}: changes {changed}; OnBands takes pixel-value transforms only (a "
            "geometric or label-changing step would move some bands and not the others); "
            "put it outside OnBands"
        )
    return None


@register
class OnBands(BaseCompose):
    """Run pixel-value transforms on chosen bands; every other band passes unchanged.

    The children run, in order and each with its own probability ``p``, on
    ``image[..., bands]`` (``bands`` are 0-based and taken in the order given, so
    ``[3, 2, 1]`` is an RGB view of Sentinel-2's B4, B3, B2), and their result is written
    back into those bands. The dtype is kept. Children must change pixel values only
    (HueSaturationValue, ColorJitter, ToGray, ISONoise, ...; containers of them too): a
    geometric or label-changing child is refused when the OnBands is built. A pipeline
    checks its children's image declarations (``dtypes``, ``channels``) against the selected
    bands, and refuses before running an image that lacks one of the bands.

    Parameters
    ----------
    transforms : list of Transform
        Pixel-value transforms run on the selected bands.
    bands : list of int
        0-based indices of the bands the children see, in that order; each at most once.
    p : float
        Probability of running the children at all.

    Examples
    --------
    >>> import numpy as np
    >>> from synthaug.augment import Compose, HorizontalFlip, HueSaturationValue, OnBands
    >>> tile = np.full((8, 8, 13), 1000, np.uint16)
    >>> pipe = Compose([HorizontalFlip(), OnBands([HueSaturationValue(p=1.0)], bands=[3, 2, 1])])
    >>> out = pipe(tile, seed=0)
    >>> out.image.shape, out.image.dtype.name, bool((out.image[..., 4:] == 1000).all())
    ((8, 8, 13), 'uint16', True)
    """

    targets = ("image",)
    parameters = {
        "transforms": Children(doc="pixel-value transforms run on the selected bands"),
        "bands": Ints(
            0,
            _MAX_BANDS - 1,
            scalar=False,
            what="a list of 0-based band indices",
            doc="0-based indices of the bands the children see, in that order",
        ),
    }
    example_args = {"transforms": [HueSaturationValue(p=1.0)], "bands": [2, 1, 0]}

    def __init__(
        self, transforms: Sequence[Transform], bands: Sequence[int], p: float = 1.0
    ) -> None:
        self.store_params(locals())
        if len(set(self.bands)) != len(self.bands):
            expected = f"{type(self)._kinds['bands'].expected()}, each at most once"
            raise self.refuse("bands", expected, list(bands))
        for i, child in enumerate(self.transforms):
            reason = _pixel_only_refusal(child, f"transforms[{i}]")
            if reason is not None:
                raise ConfigError(f"OnBands.{reason}")

    def children_image(self, image: np.ndarray, path: str = "") -> np.ndarray:
        """A stand-in of the selected bands (their dtype and count; one band is ``H x W``),
        refusing a selection the image does not have."""
        n = 1 if image.ndim == 2 else int(image.shape[2])
        try:
            index = band_index(self.bands, n)
        except InvalidInputError as exc:
            raise InvalidInputError(f"{path or 'OnBands'}: {exc}") from None
        shape = (1, 1) if len(index) == 1 else (1, 1, len(index))
        return np.zeros(shape, image.dtype)

    def child_runner(self, runner: Executor, path: str) -> Executor:
        """A runner on the selected bands that writes them back when closed."""
        where = f"{path} (OnBands)" if path else "OnBands"

        def select(image: np.ndarray) -> list[int]:
            try:
                return band_index(self.bands, 1 if image.ndim == 2 else int(image.shape[2]))
            except InvalidInputError as exc:
                raise InvalidInputError(f"{where}: {exc}") from None

        return BandExecutor(runner, select, where)

    def walk(self, rng: np.random.Generator, runner: Executor, path: str) -> None:
        """Every child in order, each with its own ``p``, on the selected bands."""
        sub = self.child_runner(runner, path.rstrip("."))
        self._walk_children(rng, sub, path, range(len(self.transforms)))
        sub.close()
