"""Transform base classes and the registry.

A transform splits randomness from work (as Kornia and torchvision v2 do):

* ``params = t.sample_params(rng, sample)`` draws every random number from ``rng``;
* ``out = t.apply(sample, params)`` is deterministic and calls pure kernels per target.

Each transform also declares which images it takes (:attr:`Transform.dtypes`,
:attr:`Transform.channels`) and whether it keeps float images in their own range
(:attr:`Transform.float_range`); a pipeline refuses an image outside them before running
(:func:`check_pixels`), and the catalogue lists them.

``apply`` works on the pipeline's working form of a :class:`Sample`: boxes are ``xyxy`` pixel
edges (float64) with ``box_visibility`` tracked, masks are a list of ``H x W`` arrays. A
:class:`~synthaug.augment.compose.Compose` converts to and from the user's formats; calling a
transform directly (``t(sample, seed=0)``) wraps it in a one-step Compose.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from synthaug.augment.functional import geometric as G
from synthaug.augment.functional import oriented as O
from synthaug.augment.params import NO_PARAMS, Choice, Declared, Int, Kind, Range, Real, Record
from synthaug.augment.sample import BoxOutlines, Sample
from synthaug.errors import InvalidInputError

__all__ = [
    "REGISTRY",
    "ImageOnlyTransform",
    "MatrixTransform",
    "PROB",
    "Transform",
    "PIXEL_TYPES",
    "apply_matrix_to_annotations",
    "check_pixels",
    "pixel_refusal",
    "box_outlines",
    "clip_moved_boxes",
    "check_choice",
    "check_positive_int",
    "check_prob",
    "check_range",
    "draw_int",
    "draw_seed",
    "draw_uniform",
    "KEYPOINT_FLIP",
    "keypoints_in_frame",
    "mirror_labels",
    "move_box_outlines",
    "move_keypoints",
    "move_oriented_boxes",
    "oriented_outlines",
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
    result: float = PROB.check(owner, "p", p)
    return result


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
    result: tuple[float, float] = kind.check(owner, name, value)
    return result


def check_choice(owner: str, name: str, value: Any, choices: Sequence[str]) -> str:
    """Validate that ``value`` is one of ``choices``, suggesting a close match if not."""
    result: str = Choice(choices).check(owner, name, value)
    return result


def check_positive_int(owner: str, name: str, value: Any, minimum: int = 1) -> int:
    """Validate an integer >= ``minimum``."""
    result: int = Int(minimum, 2**63 - 1).check(owner, name, value)
    return result


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
#: the pixel types of the engine (a transform's :attr:`Transform.dtypes` lists some of them)
PIXEL_TYPES: tuple[str, ...] = ("uint8", "uint16", "float32")


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
    #: True when every application mirrors the image (swaps keypoint flip pairs and
    #: reorders oriented-box corners); for the catalogue: the executor tests each matrix
    mirrors: ClassVar[bool] = False
    #: valid constructor arguments for examples, docs and the contract tests
    example_args: ClassVar[dict[str, Any]] = {}
    #: the record :meth:`sample_params` returns (a transform that draws nothing keeps this)
    Drawn: ClassVar[type[Record]] = Record
    #: pixel types the transform takes (a pipeline refuses others before running)
    dtypes: ClassVar[tuple[str, ...]] = PIXEL_TYPES
    #: channel counts it takes: ``None`` for any (per band), ``(1, 3)`` for RGB colour
    #: operations (a single band passes: it has no colour to change)
    channels: ClassVar[tuple[int, ...] | None] = None
    #: ``"any"``: float32 images keep their own range (nothing clipped); ``"unit"``: the
    #: operation is defined on ``[0, 1]`` only, so float32 input is clipped to it first
    float_range: ClassVar[str] = "any"

    def __init__(self, p: float = 1.0) -> None:
        self.store_params(locals())

    # -- the contract
    def sample_params(self, rng: np.random.Generator, sample: Sample) -> Record:
        """Draw this transform's random parameters for ``sample`` from ``rng``."""
        return NO_PARAMS

    def apply(self, sample: Sample, params: Record) -> Sample:
        """Apply with fixed ``params``; deterministic; never mutates ``sample``."""
        raise NotImplementedError

    def children_image(self, image: np.ndarray, path: str = "") -> np.ndarray:
        """The image (or a stand-in with its dtype and band count) that this container's
        children see: ``image`` itself, except in a container that runs its children on
        chosen bands (:class:`~synthaug.augment.bands.OnBands`), which also refuses a
        selection the image does not have (``path`` names the container)."""
        return image

    # -- convenience
    def __call__(
        self, sample: Sample | None = None, /, *, seed: Any = None, **fields: Any
    ) -> Sample:
        """Run this transform alone (always applied, ``p`` ignored) on a sample or fields."""
        # the pipeline class is looked up by its registered name: compose.py builds on this
        # module, so importing it here would close an import circle
        compose: Callable[..., Transform] = REGISTRY["Compose"]
        return compose([self], always_apply=True)(sample, seed=seed, **fields)


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
    """A geometric transform given by a 3x3 matrix and an output frame (height, width).

    The default :meth:`apply_image` resamples once with OpenCV; exact transforms (flips,
    quarter turns, crops, pads) override it with array indexing. Masks use pixel-centre exact
    nearest-neighbour sampling; box outlines (corners) and keypoints move through the matrix
    and are clipped to the output frame (:func:`apply_matrix_to_annotations`).

    A pipeline may fuse consecutive matrix transforms into one resampling
    (:mod:`synthaug.augment.executor`). While the pixels of such a run are pending,
    :meth:`~Transform.sample_params` sees a sample of the right size whose boxes and keypoints
    have already moved, but whose pixels and masks are not there (a stand-in image); a
    transform that reads pixel values or masks when drawing sets ``reads_pixels = True`` and
    the pending run is applied first.
    """

    targets = ("image", "masks", "boxes", "oriented_boxes", "keypoints")
    #: True when the image result is an exact permutation/copy of pixels (no interpolation)
    exact: bool = False
    #: True when ``sample_params`` reads pixel values or masks (it breaks a fused run)
    reads_pixels: ClassVar[bool] = False
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

    def apply_pixels(self, sample: Sample, params: dict[str, Any]) -> Sample:
        """The image and masks only (boxes and keypoints are left where they are)."""
        masks = None if sample.masks is None else [self.apply_mask(k, params) for k in sample.masks]
        return sample.copy(image=self.apply_image(sample.image, params), masks=masks)

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        """Apply to every target with the same matrix."""
        m, out_hw = self.matrix(params, sample.image.shape[:2])
        return apply_matrix_to_annotations(self.apply_pixels(sample, params), m, out_hw)


def pixel_refusal(t: Transform, dtype: np.dtype, n_channels: int) -> str | None:
    """Why ``t`` does not take images of ``dtype`` with ``n_channels`` (its declarations),
    or ``None`` when it does."""
    cls = type(t)
    if dtype.name not in cls.dtypes:
        return f"takes {' or '.join(cls.dtypes)} images, got {dtype.name}"
    if cls.channels is not None and n_channels not in cls.channels:
        allowed = " or ".join(map(str, cls.channels))
        rgb = (
            " (RGB; colour operations have no meaning on other bands)" if 3 in cls.channels else ""
        )
        return (
            f"takes images with {allowed} channel(s){rgb}, got {n_channels}: select the "
            "bands first (OnBands([...], bands=[...]), 0-based), or use per-band transforms"
        )
    return None


def check_pixels(t: Transform, image: np.ndarray, path: str = "") -> None:
    """Raise :class:`InvalidInputError` naming the first transform in ``t`` (a leaf or a
    container, whose children are checked too, as ``path``) that does not take ``image``."""
    c = 1 if image.ndim == 2 else int(image.shape[2])
    reason = pixel_refusal(t, image.dtype, c)
    where = f"{path} ({type(t).__name__})" if path else type(t).__name__
    if reason is not None:
        raise InvalidInputError(f"{where}: {reason}")
    children = getattr(t, "transforms", None) or ()
    if children:
        image = t.children_image(image, where)
    for i, child in enumerate(children):
        if isinstance(child, Transform):
            check_pixels(child, image, f"{path}.transforms[{i}]" if path else f"transforms[{i}]")


def clip_moved_boxes(
    sample: Sample, moved: np.ndarray, out_hw: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Clip moved ``xyxy`` boxes to the output canvas and update their visible fraction.

    The visibility of a box is multiplied by the share of its moved area that stays inside.
    (Pipelines move box outlines with :func:`move_box_outlines`; this is the axis-aligned
    special case, kept for code that moves boxes itself.)
    """
    h, w = out_hw
    clipped = np.clip(moved, 0.0, [w, h, w, h])
    full = np.prod(np.maximum(moved[:, 2:] - moved[:, :2], 0.0), axis=1)
    kept = np.prod(np.maximum(clipped[:, 2:] - clipped[:, :2], 0.0), axis=1)
    ratio = np.where(full > 0, kept / np.where(full > 0, full, 1.0), 0.0)
    vis = sample.box_visibility if sample.box_visibility is not None else np.ones(len(moved))
    return clipped, vis * ratio


def box_outlines(sample: Sample, box_method: str = "corners") -> np.ndarray:
    """The polygons of ``sample``'s boxes (``N x K x 2`` pixel edges) as they stand now.

    The outlines a pipeline has carried so far when they still belong to ``sample.boxes``,
    else new ones from the boxes (``box_method``: corners, or the inscribed ellipse; the
    pipeline's choice in ``meta["_box_method"]`` wins).
    """
    outlines = sample.box_outlines
    if outlines is not None and outlines.boxes is sample.boxes:
        return outlines.polygons
    method = sample.meta.get("_box_method", box_method)
    return G.box_polygons(np.asarray(sample.boxes, dtype=np.float64), method)


def move_box_outlines(sample: Sample, moved: np.ndarray, out_hw: tuple[int, int]) -> dict[str, Any]:
    """The box fields after a geometric step moved the outlines to ``moved``.

    The outlines are clipped to the new frame ``out_hw`` (what left the frame never comes
    back), each box is the bounding box of its clipped outline, and its visibility is
    multiplied by the share of the moved outline's area that stays inside the frame.
    """
    clipped, ratio = G.clipped_share(moved, out_hw)
    vis = sample.box_visibility
    if vis is None or len(vis) != len(moved):
        vis = np.ones(len(moved))
    boxes = G.polygon_bounds(clipped)
    return {
        "boxes": boxes,
        "box_visibility": vis * ratio,
        "box_outlines": BoxOutlines(boxes, clipped),
    }


def keypoints_in_frame(keypoints: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """True for each keypoint whose position falls on a pixel of an ``hw`` frame."""
    h, w = hw
    x, y = keypoints[:, 0], keypoints[:, 1]
    return (x >= -0.5) & (x < w - 0.5) & (y >= -0.5) & (y < h - 0.5)


def move_keypoints(sample: Sample, moved: np.ndarray, out_hw: tuple[int, int]) -> dict[str, Any]:
    """The keypoint fields after a geometric step moved them to ``moved``: a keypoint that
    falls outside the new frame ``out_hw`` becomes invisible (False, or COCO 0), for good."""
    vis = sample.keypoint_visibility
    if vis is None or len(vis) != len(moved):
        vis = np.ones(len(moved), dtype=bool)
    # a product keeps the kind: bool & bool, or COCO 0/1/2 times 0/1
    return {"keypoint_visibility": vis * keypoints_in_frame(moved, out_hw), "keypoints": moved}


#: ``sample.meta`` key of a running pipeline's keypoint permutation under a mirroring
#: (``perm[i]``: the keypoint whose moved position becomes keypoint ``i``'s)
KEYPOINT_FLIP = "_keypoint_flip"


def move_oriented_boxes(
    sample: Sample, corners: np.ndarray, outlines: np.ndarray, out_hw: tuple[int, int]
) -> dict[str, Any]:
    """The oriented-box fields after a geometric step moved their ``corners`` (unclipped,
    NaN where a homography's horizon swallowed one) and visible ``outlines``.

    As for boxes (:func:`move_box_outlines`), the outlines are clipped to the new frame and
    each box's visibility is multiplied by the share of its outline's area that stays inside.
    """
    clipped, ratio = G.clipped_share(outlines, out_hw)
    vis = sample.oriented_box_visibility
    if vis is None or len(vis) != len(corners):
        vis = np.ones(len(corners))
    return {
        "oriented_boxes": corners,
        "oriented_box_outlines": clipped,
        "oriented_box_visibility": vis * ratio,
    }


def oriented_outlines(sample: Sample) -> np.ndarray:
    """The visible outlines of ``sample``'s oriented boxes (their corners at first)."""
    outlines = sample.oriented_box_outlines
    corners = np.asarray(sample.oriented_boxes, dtype=np.float64)
    if outlines is None or len(outlines) != len(corners):
        return np.nan_to_num(corners)
    return outlines


def mirror_labels(sample: Sample, changes: dict[str, Any]) -> None:
    """After a mirroring step: swap the keypoint flip pairs (positions, angles, scales and
    visibility; labels stay by index) and reorder oriented-box corners to run clockwise."""
    perm = sample.meta.get(KEYPOINT_FLIP)
    if perm is not None and "keypoints" in changes:
        changes["keypoints"] = changes["keypoints"][perm]
        changes["keypoint_visibility"] = changes["keypoint_visibility"][perm]
    if "oriented_boxes" in changes:
        changes["oriented_boxes"] = O.mirror_corners(changes["oriented_boxes"])


def apply_matrix_to_annotations(
    sample: Sample, matrix: np.ndarray, out_hw: tuple[int, int], box_method: str = "corners"
) -> Sample:
    """Move box outlines (clipped to ``out_hw``, visibility tracked), oriented boxes
    (corners, and outlines clipped to ``out_hw``) and keypoints (marked invisible once
    outside ``out_hw``) through ``matrix``; a mirroring matrix swaps keypoint flip pairs and
    reorders oriented-box corners (:func:`mirror_labels`)."""
    changes: dict[str, Any] = {}
    if sample.boxes is not None and len(sample.boxes):
        moved = G.warp_polygons(box_outlines(sample, box_method), matrix, out_hw)
        changes.update(move_box_outlines(sample, moved, out_hw))
    if sample.oriented_boxes is not None and len(sample.oriented_boxes):
        corners = np.asarray(sample.oriented_boxes, dtype=np.float64)
        moved_corners = G.warp_polygons(corners, matrix)
        if not G.is_affine(matrix):  # a corner behind the horizon has no image
            front = G.in_front(corners.reshape(-1, 2) - 0.5, matrix, out_hw).reshape(-1, 4)
            moved_corners[~front.all(axis=1)] = np.nan
        outlines = G.warp_polygons(oriented_outlines(sample), matrix, out_hw)
        changes.update(move_oriented_boxes(sample, moved_corners, outlines, out_hw))
    if sample.keypoints is not None and len(sample.keypoints):
        kp = sample.keypoints
        changes.update(move_keypoints(sample, G.warp_keypoints(kp, matrix), out_hw))
        if not G.is_affine(matrix):  # behind a homography's horizon: no image at all
            changes["keypoint_visibility"] *= G.in_front(kp[:, :2], matrix, out_hw)
    if (
        changes
        and (sample.oriented_boxes is not None or KEYPOINT_FLIP in sample.meta)
        and O.reverses_orientation(matrix, out_hw)
    ):
        mirror_labels(sample, changes)
    return sample.copy(**changes) if changes else sample
