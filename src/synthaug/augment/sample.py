"""The :class:`Sample`: an image together with everything that labels it.

Coordinate conventions (shared by every kernel in :mod:`synthaug.augment.functional`)
-----------------------------------------------------------------------------------
* Keypoints follow OpenCV: ``(x, y)`` in pixels, the centre of pixel ``(row r, column c)`` is
  ``(c, r)``. Optional third and fourth columns are an angle in degrees and a scale.
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

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np

from synthaug.augment.params import plain
from synthaug.errors import InvalidInputError

__all__ = [
    "BOX_FORMATS",
    "Applied",
    "BoxOutlines",
    "Sample",
    "boxes_from_xyxy",
    "boxes_to_xyxy",
    "validate_sample",
]

BOX_FORMATS = ("xyxy", "xywh", "yolo")


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
        ``N x 2`` (x, y) or ``N x 4`` (x, y, angle_deg, scale) in pixels.
    keypoint_labels : sequence, optional
        One label per keypoint; removed together with its keypoint.
    label : any
        Class id or name of the whole image, carried unchanged.
    meta : dict
        Free-form information, carried unchanged.

    Attributes set by a pipeline: ``applied`` (the transforms that ran, replayable),
    ``n_boxes_dropped`` and ``n_keypoints_dropped`` (removed by the pipeline),
    ``box_visibility`` (the fraction of each kept box's area still inside the image) and
    ``keypoint_visibility`` (False for a keypoint that left the frame at some step: it stays
    invisible even if a later pad or turn brings its coordinates back inside; such keypoints
    are only kept with ``remove_invisible_keypoints=False``). ``box_outlines`` is working
    state of a running pipeline (None on its output).

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


def _check_finite(name: str, arr: np.ndarray) -> None:
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
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
