"""Albumentations' target formats to and from the engine's.

Boxes in the four Albumentations formats to ``xyxy`` pixels and back, rows with extra columns
split into coordinates and carried extras, masks given as ``mask``/``masks`` to the engine's
list of ``H x W`` masks, and outputs in the container type of the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthaug.errors import InvalidInputError

__all__ = [
    "boxes_from_xyxy",
    "boxes_to_xyxy",
    "like",
    "mask_items",
    "rows_out",
    "split_rows",
]


def boxes_to_xyxy(b: np.ndarray, fmt: str, h: int, w: int) -> np.ndarray:
    """``N x 4`` boxes in an Albumentations format to ``xyxy`` pixels of an ``h x w`` image.

    ``pascal_voc`` is already ``xyxy`` pixels; ``coco`` is ``x, y, width, height`` pixels;
    ``yolo`` is the normalised centre and size; ``albumentations`` the normalised corners.

    Examples
    --------
    >>> boxes_to_xyxy(np.array([[0.5, 0.5, 0.5, 0.5]]), "yolo", 20, 40).tolist()
    [[10.0, 5.0, 30.0, 15.0]]
    """
    if fmt == "pascal_voc":
        return b.copy()
    if fmt == "coco":
        return np.stack([b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]], axis=1)
    if fmt == "yolo":
        cx, cy, bw, bh = b[:, 0] * w, b[:, 1] * h, b[:, 2] * w, b[:, 3] * h
        return np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1)
    return b * np.array([w, h, w, h], dtype=np.float64)


def boxes_from_xyxy(b: np.ndarray, fmt: str, h: int, w: int) -> np.ndarray:
    """``xyxy`` pixel boxes of an ``h x w`` image to an Albumentations format (see
    :func:`boxes_to_xyxy`)."""
    if fmt == "pascal_voc":
        return b
    if fmt == "coco":
        return np.stack([b[:, 0], b[:, 1], b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], axis=1)
    if fmt == "yolo":
        return np.stack(
            [
                (b[:, 0] + b[:, 2]) / (2 * w),
                (b[:, 1] + b[:, 3]) / (2 * h),
                (b[:, 2] - b[:, 0]) / w,
                (b[:, 3] - b[:, 1]) / h,
            ],
            axis=1,
        )
    return b / np.array([w, h, w, h], dtype=np.float64)


def split_rows(value: Any, width: int, what: str) -> tuple[np.ndarray, list[tuple[Any, ...]]]:
    """Split rows into an ``N x width`` float array and the extra columns of each row."""
    rows = list(value)
    coords, extras = [], []
    for i, row in enumerate(rows):
        row = list(row)
        if len(row) < width:
            raise InvalidInputError(f"{what}[{i}] = {row}: expected at least {width} values")
        coords.append([float(v) for v in row[:width]])
        extras.append(tuple(row[width:]))
    arr = np.asarray(coords, dtype=np.float64).reshape(-1, width)
    return arr, extras


def like(template: Any, items: list[Any]) -> Any:
    """``items`` in the container type of ``template`` (ndarray, tuple or list)."""
    if isinstance(template, np.ndarray):
        return np.asarray(items, dtype=template.dtype) if items else template[:0]
    return list(items)


def rows_out(template: Any, coords: np.ndarray, extras: list[tuple[Any, ...]]) -> Any:
    """Rows of ``coords`` with their extra columns appended, as the input gave them.

    A list in gives a list of lists (Python floats, extras kept as they were); an array in
    gives a float32 array of the same width, as Albumentations 2.0.8 returns.
    """
    rows = [list(map(float, c)) + list(e) for c, e in zip(coords, extras, strict=True)]
    if isinstance(template, np.ndarray):
        width = template.shape[1] if template.ndim == 2 else coords.shape[1]
        return np.asarray(rows, dtype=np.float32).reshape(-1, width)
    return rows


def mask_items(value: Any, kind: str) -> list[np.ndarray]:
    """The ``H x W`` masks in a ``mask`` (``H x W`` or ``H x W x C``) or a ``masks`` target
    (a list, or an ``N x H x W`` array)."""
    if kind == "mask":
        if not isinstance(value, np.ndarray) or value.ndim not in (2, 3):
            raise InvalidInputError(f"mask: expected an H x W or H x W x C array, got {value!r}")
        return [value] if value.ndim == 2 else [value[..., c] for c in range(value.shape[2])]
    if isinstance(value, np.ndarray):
        if value.ndim != 3:
            raise InvalidInputError(f"masks: expected N x H x W, got shape {value.shape}")
        return [value[i] for i in range(value.shape[0])]
    return [np.asarray(m) for m in value]
