"""Transform base classes and the registry.

A transform splits randomness from work (as Kornia and torchvision v2 do):

* ``params = t.sample_params(rng, sample)`` draws every random number from ``rng``;
* ``out = t.apply(sample, params)`` is deterministic and calls pure kernels per target.

``apply`` works on the pipeline's working form of a :class:`Sample`: boxes are ``xyxy`` pixel
edges (float64) with ``box_visibility`` tracked, masks are a list of ``H x W`` arrays. A
:class:`~synthaug.augment.compose.Compose` converts to and from the user's formats; calling a
transform directly (``t(sample, seed=0)``) wraps it in a one-step Compose.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from synthaug.augment.functional import geometric as G
from synthaug.augment.params import NO_PARAMS, Choice, Declared, Int, Kind, Range, Real, Record
from synthaug.augment.sample import Sample

__all__ = [
    "REGISTRY",
    "ImageOnlyTransform",
    "MatrixTransform",
    "PROB",
    "Transform",
    "apply_matrix_to_annotations",
    "clip_moved_boxes",
    "check_choice",
    "check_positive_int",
    "check_prob",
    "check_range",
    "draw_int",
    "draw_seed",
    "draw_uniform",
    "register",
]

REGISTRY: dict[str, type[Transform]] = {}


def register(cls: type[Transform]) -> type[Transform]:
    """Class decorator adding a transform to the registry under its class name."""
    REGISTRY[cls.__name__] = cls
    return cls


# --------------------------------------------------------------------------- shared kinds
#: the probability every transform takes
PROB = Real(0.0, 1.0, doc="probability of applying the transform")


def check_prob(owner: str, p: Any) -> float:
    """Validate a probability in [0, 1] (:data:`PROB`)."""
    return PROB.check(owner, "p", p)


def check_range(
    owner: str,
    name: str,
    value: Any,
    *,
    symmetric: bool = False,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
) -> tuple[float, float]:
    """Turn a number or a pair of numbers into a ``(lo, hi)`` range (a :class:`Range`).

    A single number ``v`` gives ``(-v, v)`` when ``symmetric`` else ``(v, v)``. Kept for
    code outside the package; transforms declare their kinds instead.
    """
    kind = Range(
        -math.inf if low is None else low,
        math.inf if high is None else high,
        symmetric=symmetric,
        integer=integer,
    )
    return kind.check(owner, name, value)


def check_choice(owner: str, name: str, value: Any, choices: Sequence[str]) -> str:
    """Validate that ``value`` is one of ``choices``, suggesting a close match if not."""
    return Choice(choices).check(owner, name, value)


def check_positive_int(owner: str, name: str, value: Any, minimum: int = 1) -> int:
    """Validate an integer >= ``minimum``."""
    return Int(minimum, 2**63 - 1).check(owner, name, value)


def draw_uniform(rng: np.random.Generator, bounds: Sequence[float]) -> float:
    """``float(rng.uniform(*bounds))``: the same draw and the same bits, without numpy's
    argument handling (about 1 us per call, several per pipeline call)."""
    lo, hi = bounds
    return lo + (hi - lo) * rng.random()


def draw_int(rng: np.random.Generator, low: int, high: int) -> int:
    """A uniform integer in ``[low, high)`` from one ``rng.random()`` draw.

    A third of the cost of ``rng.integers(low, high)`` (0.3 vs 0.8 us); the bias of scaling a
    53-bit uniform is below ``(high - low) / 2**53``.
    """
    if high <= low:
        raise ValueError(f"draw_int: expected low < high, got [{low}, {high})")
    return low + int((high - low) * rng.random())


def draw_seed(rng: np.random.Generator) -> int:
    """A 63-bit seed for a kernel's own generator: one raw 64-bit draw of ``rng``'s stream
    (0.2 us, against 1 us for ``rng.integers(2**63)``)."""
    return int(rng.bit_generator.random_raw()) >> 1


# --------------------------------------------------------------------------- base classes
class Transform(Declared):
    """Base of every transform: declared parameters, drawn and applied params.

    Subclasses declare each constructor argument's kind in ``parameters`` (see
    :mod:`synthaug.augment.params`), call ``self.store_params(locals())`` in ``__init__``
    (which validates and stores them; :meth:`to_dict` reads them back), declare their drawn
    parameters as a nested ``class Drawn(Record)`` and implement :meth:`sample_params` and
    :meth:`apply`.
    """

    parameters: ClassVar[dict[str, Kind]] = {"p": PROB}
    #: targets the transform changes, for documentation and the catalogue
    targets: ClassVar[tuple[str, ...]] = ("image",)
    #: valid constructor arguments for examples, docs and the contract tests
    example_args: ClassVar[dict[str, Any]] = {}
    #: the record :meth:`sample_params` returns (a transform that draws nothing keeps this)
    Drawn: ClassVar[type[Record]] = Record

    def __init__(self, p: float = 1.0) -> None:
        self.store_params(locals())

    # -- the contract
    def sample_params(self, rng: np.random.Generator, sample: Sample) -> Record:
        """Draw this transform's random parameters for ``sample`` from ``rng``."""
        return NO_PARAMS

    def apply(self, sample: Sample, params: Record) -> Sample:
        """Apply with fixed ``params``; deterministic; never mutates ``sample``."""
        raise NotImplementedError

    # -- convenience
    def __call__(
        self, sample: Sample | None = None, /, *, seed: Any = None, **fields: Any
    ) -> Sample:
        """Run this transform alone (always applied, ``p`` ignored) on a sample or fields."""
        # the pipeline class is looked up by its registered name: compose.py builds on this
        # module, so importing it here would close an import circle
        return REGISTRY["Compose"]([self], always_apply=True)(sample, seed=seed, **fields)


class ImageOnlyTransform(Transform):
    """A pixel-level transform: changes the image only; masks, boxes and keypoints untouched.

    Subclasses implement :meth:`apply_image`. A uint8 lookup-table transform also implements
    :meth:`lut`, which lets a pipeline fuse a run of them into one ``cv2.LUT``.
    """

    targets = ("image",)

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Return the transformed image."""
        raise NotImplementedError

    def lut(self, params: dict[str, Any], n_channels: int) -> np.ndarray | None:
        """A ``(256,)`` or ``(256, C)`` uint8 table equal to this transform, or ``None``."""
        return None

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        """Transform the image; every other target is carried unchanged."""
        return sample.copy(image=self.apply_image(sample.image, params))


class MatrixTransform(Transform):
    """A geometric transform given by a 3x3 matrix and an output size.

    The default :meth:`apply_image` resamples once with OpenCV; exact transforms (flips,
    quarter turns, crops, pads) override it with array indexing. Masks use nearest-neighbour
    sampling; boxes take the tight box of their transformed corners; keypoints map exactly.
    """

    targets = ("image", "masks", "boxes", "keypoints")
    #: True when the image result is an exact permutation/copy of pixels (no interpolation)
    exact: ClassVar[bool] = False
    interpolation: str = "linear"
    border_mode: str = "constant"
    fill: float | tuple[float, ...] = 0
    fill_mask: int = 0

    def matrix(
        self, params: dict[str, Any], hw: tuple[int, int]
    ) -> tuple[np.ndarray, tuple[int, int]]:
        """The 3x3 matrix (input to output pixel centres) and the output (height, width)."""
        raise NotImplementedError

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Resample the image through :meth:`matrix`."""
        m, out_hw = self.matrix(params, image.shape[:2])
        return G.warp_image(image, m, out_hw, self.interpolation, self.border_mode, self.fill)

    def apply_mask(self, mask: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Resample a mask (nearest neighbour; exact transforms reuse :meth:`apply_image`)."""
        if self.exact:
            return self.apply_image(mask, params)
        m, out_hw = self.matrix(params, mask.shape[:2])
        return G.warp_mask(mask, m, out_hw, self.border_mode, self.fill_mask)

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        """Apply to every target with the same matrix."""
        m, out_hw = self.matrix(params, sample.image.shape[:2])
        image = self.apply_image(sample.image, params)
        masks = None if sample.masks is None else [self.apply_mask(k, params) for k in sample.masks]
        return apply_matrix_to_annotations(sample.copy(image=image, masks=masks), m, out_hw)


def clip_moved_boxes(
    sample: Sample, moved: np.ndarray, out_hw: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Clip moved ``xyxy`` boxes to the output canvas and update their visible fraction.

    The visibility of a box is multiplied by the share of its moved area that stays inside.
    """
    h, w = out_hw
    clipped = np.clip(moved, 0.0, [w, h, w, h])
    full = np.prod(np.maximum(moved[:, 2:] - moved[:, :2], 0.0), axis=1)
    kept = np.prod(np.maximum(clipped[:, 2:] - clipped[:, :2], 0.0), axis=1)
    ratio = np.where(full > 0, kept / np.where(full > 0, full, 1.0), 0.0)
    vis = sample.box_visibility if sample.box_visibility is not None else np.ones(len(moved))
    return clipped, vis * ratio


def apply_matrix_to_annotations(
    sample: Sample, matrix: np.ndarray, out_hw: tuple[int, int], box_method: str = "corners"
) -> Sample:
    """Move boxes (clipped, visibility tracked) and keypoints through ``matrix``."""
    changes: dict[str, Any] = {}
    if sample.boxes is not None and len(sample.boxes):
        method = sample.meta.get("_box_method", box_method)
        moved = G.warp_boxes(sample.boxes, matrix, method)
        changes["boxes"], changes["box_visibility"] = clip_moved_boxes(sample, moved, out_hw)
    if sample.keypoints is not None and len(sample.keypoints):
        changes["keypoints"] = G.warp_keypoints(sample.keypoints, matrix)
    return sample.copy(**changes) if changes else sample
