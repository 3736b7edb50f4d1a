"""The :class:`Sample`: an image together with everything that labels it.

Coordinate conventions (shared by every kernel in :mod:`synthaug.augment.functional`)
-----------------------------------------------------------------------------------
* Keypoints follow OpenCV: ``(x, y)`` in pixels, the centre of pixel ``(row r, column c)`` is
  ``(c, r)``. Optional third and fourth columns are an angle in degrees and a scale.
* Oriented boxes are four corners in the same pixel-edge coordinates as boxes, running
  clockwise as displayed (DOTA / YOLO-OBB order), or ``(cx, cy, w, h, angle_deg)`` with the
  angle of the first edge counter-clockwise as displayed
  (:mod:`synthaug.augment.functional.oriented`).
* Keypoint visibility follows COCO: ``0`` not visible (not labelled, or left the frame),
  ``1`` labelled but occluded, ``2`` visible; a boolean array is read as ``0`` / ``2``.
* Boxes describe pixel *edges*: an ``xyxy`` box ``[x_min, y_min, x_max, y_max]`` covers the
  columns ``x_min .. x_max - 1``; the whole image is ``[0, 0, W, H]``. ``xywh`` is COCO's
  ``[x_min, y_min, width, height]`` in pixels; ``yolo`` is ``[cx, cy, w, h]`` normalised by the
  image width and height.
* A positive rotation angle turns the image counter-clockwise as displayed (OpenCV,
  torchvision, Albumentations).
* Images are ``H x W`` or ``H x W x C`` arrays (any number of channels), ``uint8``,
  ``uint16`` or ``float32``. "Full range" is 255, 65535 and 1.0 respectively: parameters given
  as a fraction of full range scale by it. Float images keep their own range (depth in
  metres, reflectance above 1): no transform clips them unless it declares that it needs
  ``[0, 1]`` (``float_range = "unit"``).
  Masks are ``H x W`` integer arrays (one per instance or one semantic map).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np

from synthaug.augment.functional import oriented as O
from synthaug.augment.params import plain
from synthaug.errors import InvalidInputError

__all__ = [
    "BOX_FORMATS",
    "ORIENTED_BOX_FORMATS",
    "Applied",
    "BoxOutlines",
    "Sample",
    "boxes_from_xyxy",
    "boxes_to_xyxy",
    "oriented_from_corners",
    "oriented_to_corners",
    "validate_sample",
]

BOX_FORMATS = ("xyxy", "xywh", "yolo")
ORIENTED_BOX_FORMATS = ("corners", "xywha")


class Applied(NamedTuple):
    """One transform that ran: where it sits in the pipeline, its name and its parameters.

    An immutable named tuple (one is made per step of every pipeline call, and a tuple is
    the cheapest record Python builds).
    """

    path: str
    name: str
    params: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (for logs and JSON)."""
        return {"path": self.path, "name": self.name, "params": plain(self.params)}


class BoxOutlines(NamedTuple):
    """The outlines of a pipeline's boxes while a chain runs (working form only).

    ``polygons`` (``N x K x 2``, pixel edges) is each box's outline (its corners, or its
    inscribed ellipse) moved through every geometric step and clipped to every frame, of which
    ``boxes`` is the ``xyxy`` bounding box. The outlines belong to ``boxes`` only while
    ``sample.boxes is outlines.boxes``: a transform that replaces the boxes starts new ones.
    """

    boxes: np.ndarray
    polygons: np.ndarray


@dataclass
class Sample:
    """An image and its targets, transformed together by a pipeline.

    Parameters
    ----------
    image : ndarray
        ``H x W`` or ``H x W x C`` (any number of channels); ``uint8``, ``uint16`` or
        ``float32`` (in its own range).
    masks : list of ndarray or ndarray, optional
        A list of ``H x W`` masks, or one ``H x W x K`` array (kept in that form on output).
    boxes : ndarray, optional
        ``N x 4`` float boxes in ``box_format``.
    box_labels : sequence, optional
        One label of any type per box; dropped together with its box.
    box_format : {"xyxy", "xywh", "yolo"}
    keypoints : ndarray, optional
        ``N x 2`` (x, y), ``N x 3`` (x, y, angle_deg) or ``N x 4`` (x, y, angle_deg, scale)
        in pixels.
    keypoint_labels : sequence, optional
        One label per keypoint; removed together with its keypoint. With
        ``keypoint_flip_pairs="names"`` they are names such as ``"left_eye"``.
    keypoint_visibility : ndarray, optional
        One visibility per keypoint: COCO integers ``0`` (not labelled / not visible),
        ``1`` (labelled, occluded), ``2`` (visible), or booleans. Output in the same kind.
        A keypoint with ``0`` is invisible from the start (removed by a pipeline with
        ``remove_invisible_keypoints=True``).
    keypoint_flip_pairs : sequence of pairs, or "names", optional
        Left/right pairs swapped by every mirroring step (flips, transposes, any matrix
        with a negative determinant): index pairs ``[(i, j), ...]`` (positions within each
        instance's keypoints when ``keypoint_instances`` is given), pairs of keypoint
        names, or ``"names"`` to pair ``left_X`` with ``right_X`` among the keypoint labels.
        Overrides the pipeline's ``keypoint_flip_pairs`` (a dataset reader can set it).
    keypoint_instances : sequence of int, optional
        For each keypoint, the row of the instance (box / oriented box / mask) it belongs
        to, or ``-1`` for none; keypoints of a dropped instance are dropped with it.
    oriented_boxes : ndarray, optional
        ``N x 4 x 2`` (or ``N x 8``) corners in pixels, or ``N x 5`` ``(cx, cy, w, h,
        angle_deg)``, as ``oriented_box_format`` says.
    oriented_box_labels : sequence, optional
        One label per oriented box; dropped together with it.
    oriented_box_format : {"corners", "xywha"}
    label : any
        Class id or name of the whole image, carried unchanged.
    meta : dict
        Free-form information, carried unchanged.

    Attributes set by a pipeline: ``applied`` (the transforms that ran, replayable),
    ``n_boxes_dropped`` and ``n_keypoints_dropped`` (removed by the pipeline),
    ``box_visibility`` (the fraction of each kept box's area still inside the image),
    ``keypoint_visibility`` (0 or False for a keypoint that left the frame at some step: it stays
    invisible even if a later pad or turn brings its coordinates back inside; such keypoints
    are only kept with ``remove_invisible_keypoints=False``), ``oriented_box_visibility``
    (the share of each kept oriented box's area still inside the image) and ``dropped``
    (what the pipeline removed, counted by ``"<target>.<reason>"``, e.g.
    ``{"boxes.outside": 1, "keypoints.instance": 3}``). ``box_outlines`` and
    ``oriented_box_outlines`` are working state of a running pipeline (None on its output).

    Examples
    --------
    >>> import numpy as np
    >>> s = Sample(np.zeros((4, 6, 3), np.uint8), boxes=np.array([[1, 1, 3, 2]]), box_labels=["cat"])
    >>> s.height, s.width, s.n_channels
    (4, 6, 3)
    """

    image: np.ndarray
    masks: list[np.ndarray] | np.ndarray | None = None
    boxes: np.ndarray | None = None
    box_labels: Sequence[Any] | None = None
    box_format: str = "xyxy"
    keypoints: np.ndarray | None = None
    keypoint_labels: Sequence[Any] | None = None
    label: Any = None
    meta: dict[str, Any] = field(default_factory=dict)
    applied: list[Applied] = field(default_factory=list)
    n_boxes_dropped: int = 0
    n_keypoints_dropped: int = 0
    box_visibility: np.ndarray | None = None
    keypoint_visibility: np.ndarray | None = None
    box_outlines: BoxOutlines | None = None
    keypoint_flip_pairs: Sequence[tuple[Any, Any]] | str | None = None
    keypoint_instances: Sequence[int] | np.ndarray | None = None
    oriented_boxes: np.ndarray | None = None
    oriented_box_labels: Sequence[Any] | None = None
    oriented_box_format: str = "corners"
    oriented_box_visibility: np.ndarray | None = None
    oriented_box_outlines: np.ndarray | None = None
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def height(self) -> int:
        """Image height in pixels."""
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        """Image width in pixels."""
        return int(self.image.shape[1])

    @property
    def n_channels(self) -> int:
        """Number of channels (1 for an ``H x W`` image)."""
        return 1 if self.image.ndim == 2 else int(self.image.shape[2])

    def copy(self, **changes: Any) -> Sample:
        """A shallow copy with some fields replaced (arrays are shared, never mutated)."""
        return replace(self, **changes)


#: float types whose sum of squares is one BLAS dot (see :func:`_check_finite`)
_DOT_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
#: below this many values the element-wise test is as fast as the dot and its error state
_DOT_MIN_SIZE = 4096


def _check_finite(name: str, arr: np.ndarray) -> None:
    """Refuse a float array that holds NaN or inf, naming the first such index.

    Every float image is checked on every call, so the common all-finite case costs one
    read of the pixels: the sum of squares of a contiguous array (one BLAS dot) is finite
    exactly when every value is, unless finite values overflow it. Only then (or for a
    strided or small array) the element-wise test decides: it is slower, as it also writes a
    boolean array.
    """
    if arr.dtype.kind != "f":
        return
    if arr.size >= _DOT_MIN_SIZE and arr.dtype in _DOT_FLOATS and arr.flags.c_contiguous:
        flat = arr.reshape(-1)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow: decided below
            total = float(np.dot(flat, flat))
        if math.isfinite(total):
            return
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0].tolist()
        raise InvalidInputError(f"{name} contains NaN or inf (first at index {bad})")


#: Pixel types the engine takes; :data:`FULL_RANGE` gives the value each calls "full range"
IMAGE_DTYPES = (np.dtype(np.uint8), np.dtype(np.uint16), np.dtype(np.float32))


def validate_image(image: Any, name: str = "image") -> np.ndarray:
    """Check an image's type, shape and dtype (uint8, uint16 or finite float32 in any range);
    return it as an ndarray."""
    if not isinstance(image, np.ndarray):
        raise InvalidInputError(f"{name}: expected a numpy array, got {type(image).__name__}")
    if image.ndim not in (2, 3) or image.shape[0] == 0 or image.shape[1] == 0:
        raise InvalidInputError(
            f"{name}: expected shape H x W or H x W x C with H, W > 0, got {image.shape}"
        )
    if image.ndim == 3 and image.shape[2] == 0:
        raise InvalidInputError(f"{name}: has 0 channels (shape {image.shape})")
    if image.dtype == np.uint8 or image.dtype == np.uint16:
        return image
    if image.dtype == np.float32:
        _check_finite(name, image)
        return image
    raise InvalidInputError(
        f"{name}: expected dtype uint8, uint16 or float32, got {image.dtype}"
        + (" (convert with image.astype(np.float32))" if image.dtype == np.float64 else "")
    )


def _validate_masks(masks: Any, hw: tuple[int, int]) -> None:
    items = (
        [masks[..., k] for k in range(masks.shape[2])]
        if isinstance(masks, np.ndarray) and masks.ndim == 3
        else ([masks] if isinstance(masks, np.ndarray) else list(masks))
    )
    for i, m in enumerate(items):
        if not isinstance(m, np.ndarray) or m.ndim != 2:
            shape = getattr(m, "shape", type(m).__name__)
            raise InvalidInputError(f"masks[{i}]: expected an H x W array, got {shape}")
        if m.shape != hw:
            raise InvalidInputError(
                f"masks[{i}]: size {m.shape[0]}x{m.shape[1]} differs from the image's "
                f"{hw[0]}x{hw[1]}"
            )
        _check_finite(f"masks[{i}]", m)


def _validate_boxes(boxes: Any, fmt: str, labels: Any, hw: tuple[int, int]) -> None:
    if fmt not in BOX_FORMATS:
        raise InvalidInputError(f"box_format: expected one of {BOX_FORMATS}, got {fmt!r}")
    b = np.asarray(boxes)
    if b.ndim != 2 or b.shape[1] != 4:
        raise InvalidInputError(f"boxes: expected an N x 4 array in format {fmt!r}, got {b.shape}")
    if b.dtype.kind not in "iuf":
        raise InvalidInputError(f"boxes: expected numbers, got dtype {b.dtype}")
    b = b.astype(np.float64)
    for i, row in enumerate(b):
        shown = "[" + ", ".join(f"{v:g}" for v in row) + "]"
        if not np.all(np.isfinite(row)):
            raise InvalidInputError(f"boxes[{i}] = {shown}: contains NaN or inf")
        if fmt == "xyxy":
            if row[2] < row[0]:
                raise InvalidInputError(
                    f"boxes[{i}] = {shown}: x_max ({row[2]:g}) < x_min ({row[0]:g}) in format 'xyxy'"
                )
            if row[3] < row[1]:
                raise InvalidInputError(
                    f"boxes[{i}] = {shown}: y_max ({row[3]:g}) < y_min ({row[1]:g}) in format 'xyxy'"
                )
        elif fmt == "xywh":
            if row[2] < 0 or row[3] < 0:
                raise InvalidInputError(
                    f"boxes[{i}] = {shown}: negative width or height in format 'xywh'"
                )
        elif np.any(row < 0) or np.any(row > 1):
            raise InvalidInputError(
                f"boxes[{i}] = {shown}: 'yolo' values must be normalised to [0, 1] "
                "(did you pass pixels? use box_format='xywh' or 'xyxy')"
            )
    if labels is not None and len(labels) != len(b):
        raise InvalidInputError(f"box_labels: {len(labels)} labels for {len(b)} boxes")


def _validate_keypoints(kps: Any, labels: Any) -> None:
    k = np.asarray(kps)
    if k.ndim != 2 or k.shape[1] not in (2, 3, 4):
        raise InvalidInputError(
            f"keypoints: expected an N x 2 (x, y) or N x 4 (x, y, angle_deg, scale) array, "
            f"got shape {k.shape}"
        )
    if k.dtype.kind not in "iuf":
        raise InvalidInputError(f"keypoints: expected numbers, got dtype {k.dtype}")
    if not np.all(np.isfinite(k)):
        bad = int(np.argwhere(~np.isfinite(k))[0][0])
        raise InvalidInputError(f"keypoints[{bad}] contains NaN or inf")
    if labels is not None and len(labels) != len(k):
        raise InvalidInputError(f"keypoint_labels: {len(labels)} labels for {len(k)} keypoints")


def _validate_keypoint_extras(sample: Sample, n: int) -> None:
    vis = sample.keypoint_visibility
    if vis is not None:
        v = np.asarray(vis)
        if v.shape != (n,):
            raise InvalidInputError(
                f"keypoint_visibility: expected one value per keypoint ({n}), got shape {v.shape}"
            )
        if v.dtype != bool and (v.dtype.kind not in "iuf" or not np.isin(v, (0, 1, 2)).all()):
            bad = v[~np.isin(v, (0, 1, 2))][:1].tolist() if v.dtype.kind in "iuf" else v.dtype
            raise InvalidInputError(
                f"keypoint_visibility: expected booleans or COCO integers 0, 1, 2, got {bad}"
            )
    inst = sample.keypoint_instances
    if inst is not None:
        k = np.asarray(inst)
        if k.shape != (n,) or (n and (k.dtype.kind not in "iu" or k.min() < -1)):
            raise InvalidInputError(
                f"keypoint_instances: expected one integer >= -1 per keypoint ({n}), "
                f"got {k.tolist() if k.size <= 8 else k.shape}"
            )


def _validate_oriented(sample: Sample) -> None:
    fmt = sample.oriented_box_format
    if fmt not in ORIENTED_BOX_FORMATS:
        raise InvalidInputError(
            f"oriented_box_format: expected one of {ORIENTED_BOX_FORMATS}, got {fmt!r}"
        )
    b = np.asarray(sample.oriented_boxes)
    ok = (b.ndim == 3 and b.shape[1:] == (4, 2)) or (b.ndim == 2 and b.shape[1] == 8)
    if fmt == "xywha":
        ok = b.ndim == 2 and b.shape[1] == 5
    if not ok or b.dtype.kind not in "iuf":
        want = "N x 5 (cx, cy, w, h, angle_deg)" if fmt == "xywha" else "N x 4 x 2 or N x 8"
        raise InvalidInputError(
            f"oriented_boxes: expected an {want} array of numbers in format {fmt!r}, "
            f"got shape {b.shape} dtype {b.dtype}"
        )
    if not np.all(np.isfinite(b)):
        bad = int(np.argwhere(~np.isfinite(b))[0][0])
        raise InvalidInputError(f"oriented_boxes[{bad}] contains NaN or inf")
    if fmt == "xywha" and len(b) and (b[:, 2:4] < 0).any():
        bad = int(np.argwhere(b[:, 2:4] < 0)[0][0])
        raise InvalidInputError(f"oriented_boxes[{bad}]: negative width or height")
    labels = sample.oriented_box_labels
    if labels is not None and len(labels) != len(b):
        raise InvalidInputError(
            f"oriented_box_labels: {len(labels)} labels for {len(b)} oriented boxes"
        )


def validate_sample(sample: Sample) -> None:
    """Raise :class:`InvalidInputError` if any part of ``sample`` is malformed."""
    validate_image(sample.image)
    hw = (sample.height, sample.width)
    if sample.masks is not None:
        _validate_masks(sample.masks, hw)
    if sample.boxes is not None:
        _validate_boxes(sample.boxes, sample.box_format, sample.box_labels, hw)
    if sample.keypoints is not None:
        _validate_keypoints(sample.keypoints, sample.keypoint_labels)
        _validate_keypoint_extras(sample, len(sample.keypoints))
    if sample.oriented_boxes is not None:
        _validate_oriented(sample)


def oriented_to_corners(boxes: np.ndarray, fmt: str) -> np.ndarray:
    """Oriented boxes in ``fmt`` (``"corners"``: ``N x 4 x 2`` or ``N x 8``; ``"xywha"``:
    ``N x 5``) as ``N x 4 x 2`` float64 corners in pixels."""
    if fmt == "xywha":
        return O.corners_from_xywha(boxes)
    if fmt == "corners":
        result: np.ndarray = np.array(boxes, dtype=np.float64).reshape(-1, 4, 2)
        return result
    raise InvalidInputError(
        f"oriented_box_format: expected one of {ORIENTED_BOX_FORMATS}, got {fmt!r}"
    )


def oriented_from_corners(corners: np.ndarray, fmt: str) -> np.ndarray:
    """``N x 4 x 2`` corners in ``fmt``: ``"corners"`` keeps them, ``"xywha"`` gives
    ``(cx, cy, w, h, angle_deg)`` (see :mod:`synthaug.augment.functional.oriented`)."""
    if fmt == "xywha":
        return O.corners_to_xywha(corners)
    if fmt == "corners":
        result: np.ndarray = np.asarray(corners, dtype=np.float64).reshape(-1, 4, 2)
        return result
    raise InvalidInputError(
        f"oriented_box_format: expected one of {ORIENTED_BOX_FORMATS}, got {fmt!r}"
    )


def boxes_to_xyxy(boxes: np.ndarray, fmt: str, hw: tuple[int, int]) -> np.ndarray:
    """Convert ``N x 4`` boxes from ``fmt`` to ``xyxy`` pixels (float64)."""
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    h, w = hw
    if fmt == "xyxy":
        result: np.ndarray = b.copy()
        return result
    if fmt == "xywh":
        return np.stack([b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]], axis=1)
    if fmt == "yolo":
        cx, cy, bw, bh = b[:, 0] * w, b[:, 1] * h, b[:, 2] * w, b[:, 3] * h
        return np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1)
    raise InvalidInputError(f"box_format: expected one of {BOX_FORMATS}, got {fmt!r}")


def boxes_from_xyxy(boxes: np.ndarray, fmt: str, hw: tuple[int, int]) -> np.ndarray:
    """Convert ``N x 4`` ``xyxy`` pixel boxes to ``fmt``."""
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    h, w = hw
    if fmt == "xyxy":
        result: np.ndarray = b.copy()
        return result
    if fmt == "xywh":
        return np.stack([b[:, 0], b[:, 1], b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], axis=1)
    if fmt == "yolo":
        return np.clip(
            np.stack(
                [
                    (b[:, 0] + b[:, 2]) / (2 * w),
                    (b[:, 1] + b[:, 3]) / (2 * h),
                    (b[:, 2] - b[:, 0]) / w,
                    (b[:, 3] - b[:, 1]) / h,
                ],
                axis=1,
            ),
            0.0,
            1.0,
        )
    raise InvalidInputError(f"box_format: expected one of {BOX_FORMATS}, got {fmt!r}")
