"""The common model of an annotated image dataset on disk.

A dataset is a root folder, a format (``folder``, ``coco``, ``yolo``, ``voc``), a list of
:class:`Item` and some format-wide ``info`` (class names, COCO categories, where the
annotation file lives). Every item is identified by a stable **key**: the path of its image
relative to the root, with forward slashes (``images/train/0001.jpg``). Items and info hold
only plain Python values, so they travel to worker processes (or Ray tasks) as they are.

Each format implements :class:`DatasetFormat`: ``scan`` a root into a :class:`Dataset`,
``to_sample`` one item (image already decoded) into a :class:`synthaug.augment.Sample`,
``record`` an augmented sample back into an annotation record (plain JSON values), then
``write_annotation`` per output image and ``finish`` for dataset-wide files.

Conventions for the samples: boxes carry ``box_labels`` equal to the index of the object in
``sample.meta["objects"]`` (the item's parsed annotations), so whatever survives a pipeline is
mapped back to its full annotation (class, COCO ``iscrowd``, VOC ``difficult``, ...).
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from synthaug.augment.sample import Sample
from synthaug.data.images import IMAGE_SUFFIXES, ImageError, decode_image
from synthaug.errors import DataError

__all__ = [
    "Dataset",
    "DatasetFormat",
    "Item",
    "ItemError",
    "augmented_key",
    "check_boxes_xyxy",
    "read_inside",
    "safe_relpath",
    "scan_images",
]


class ItemError(DataError):
    """One item cannot be used; ``reason`` is a short code listed in ``errors.jsonl``.

    Reasons: ``missing_image``, ``corrupt_image``, ``truncated_image``, ``too_many_pixels``,
    ``unsupported_image``, ``bad_annotation``, ``missing_annotation``, ``box_out_of_range``,
    ``unknown_category``, ``duplicate_id``, ``same_stem``, ``unsafe_path``, ``pipeline_error``,
    ``write_error``. ``file`` is the file at fault relative to the root (the label file, the XML,
    the COCO JSON; the image when empty) and ``field`` the annotation field where one is known
    (``keypoints``, ``size.width``).
    """

    def __init__(self, reason: str, message: str, field: str = "", file: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field
        self.file = file

    def __reduce__(self):  # keep every attribute through pickling (worker processes)
        return (type(self), (self.reason, str(self), self.field, self.file))


@dataclass(frozen=True)
class Item:
    """One image of a dataset and where its annotation is.

    Parameters
    ----------
    key : str
        The image path relative to the dataset root, ``/``-separated; stable across runs.
    ann : dict
        Format-specific plain values (label file path, COCO image and annotation dicts...).
    error : tuple of (reason, message[, field[, file]]), optional
        Set when scanning already found the item unusable (e.g. a COCO ``file_name`` that
        escapes the root); such items are reported and skipped.
    """

    key: str
    ann: dict[str, Any] = field(default_factory=dict)
    error: tuple[str, ...] | None = None


@dataclass
class Dataset:
    """A scanned dataset: ``root``, ``format`` name, ``items`` and format-wide ``info``."""

    root: Path
    format: str
    items: list[Item]
    info: dict[str, Any] = field(default_factory=dict)


class DatasetFormat:
    """Reader and writer of one on-disk annotation format (subclasses implement the verbs)."""

    name: str = ""

    def detect(self, root: Path) -> bool:
        """Whether ``root`` looks like a dataset in this format."""
        raise NotImplementedError

    def scan(self, root: Path) -> Dataset:
        """List the items under ``root`` (annotations are parsed later, per item)."""
        raise NotImplementedError

    def read_image(
        self, root: Path, info: dict, item: Item, max_pixels: int
    ) -> tuple[np.ndarray, bytes]:
        """The item's decoded image and its raw bytes; raises :class:`ItemError`.

        Nothing outside ``root`` is read (``unsafe_path``), and the pixel count in the header
        is checked against ``max_pixels`` before decoding (``too_many_pixels``).
        """
        try:
            data = read_inside(root, item.key, "image")
        except FileNotFoundError:
            raise ItemError("missing_image", f"{item.key}: image file not found") from None
        except ItemError:
            raise
        except OSError as exc:
            raise ItemError("missing_image", f"{item.key}: cannot read: {exc.strerror}") from None
        try:
            image = decode_image(data, item.key, max_pixels)
        except ImageError as exc:
            raise ItemError(exc.reason, str(exc)) from None
        return image, data

    def to_sample(self, root: Path, info: dict, item: Item, image: np.ndarray) -> Sample:
        """The item's annotations on its decoded ``image``; raises :class:`ItemError`."""
        raise NotImplementedError

    def annotation_file(self, info: dict, item: Item) -> str:
        """The file holding the item's annotation, relative to the root (named in errors)."""
        return item.key

    def record(self, sample: Sample, info: dict, item: Item) -> dict[str, Any]:
        """An output annotation record (plain JSON values) for an augmented ``sample``."""
        raise NotImplementedError

    def n_objects(self, record: dict) -> int:
        """How many objects (boxes, instances) a record holds."""
        return 0

    def write_annotation(
        self, dst: Path, out_key: str, record: dict, info: dict, durable: bool = True
    ) -> list[str]:
        """Write the per-image annotation files of one output; return their relative paths."""
        return []

    def finish(
        self, dst: Path, records: list[tuple[str, dict]], info: dict, durable: bool = True
    ) -> list[str]:
        """Write dataset-wide files from every ``(out_key, record)``; return relative paths."""
        return []


def augmented_key(key: str, copy: int) -> str:
    """The output key of copy ``copy`` of ``key``: ``a/b.jpg`` -> ``a/b_aug{copy}.jpg``."""
    stem, ext = posixpath.splitext(key)
    return f"{stem}_aug{copy}{ext}"


def safe_relpath(name: str) -> str | None:
    """``name`` normalised to a relative ``/`` path inside its root, or ``None`` if it escapes.

    Absolute paths, drive letters, ``..`` that climbs above the root, NUL bytes and empty
    names are refused.
    """
    if not isinstance(name, str) or not name or "\x00" in name:
        return None
    s = name.replace("\\", "/")
    if s.startswith("/") or (len(s) > 1 and s[1] == ":"):
        return None
    norm = posixpath.normpath(s)
    if norm in (".", "..") or norm.startswith("../"):
        return None
    return norm


def read_inside(root: Path, rel: str, what: str, max_bytes: int | None = None) -> bytes:
    """The bytes of ``root/rel``, refusing anything that resolves outside ``root``.

    Symlinks and ``..`` are resolved first; a path that lands outside ``root`` raises
    ``unsafe_path`` *before* anything is read, and the message names the link, never the
    outside file's content. ``what`` names the file's role in messages (``image``, ``label
    file``). A missing file raises :class:`FileNotFoundError` (callers choose the reason);
    a file above ``max_bytes`` raises ``bad_annotation``.
    """
    path = root / rel
    real = Path(os.path.realpath(path))
    base = Path(os.path.realpath(root))
    if real != base and base not in real.parents:
        raise ItemError(
            "unsafe_path",
            f"{rel}: the {what} resolves outside the dataset folder (a symlink or '..'); "
            "synthaug reads nothing outside SRC: copy the file into SRC instead",
            field="path",
        )
    if max_bytes is not None:
        try:
            size = real.stat().st_size
        except FileNotFoundError:
            raise
        except OSError:
            size = 0
        if size > max_bytes:
            raise ItemError(
                "bad_annotation",
                f"{rel}: the {what} is {size} bytes, more than the limit of {max_bytes}",
                field="size",
            )
    if real.is_dir():
        raise ItemError("missing_image", f"{rel}: the {what} is a folder, not a file")
    return real.read_bytes()


def scan_images(folder: Path, root: Path) -> list[str]:
    """Keys (relative to ``root``) of image files under ``folder``, sorted; dot-files skipped.

    Symlinked folders are not followed; one that leads outside ``root`` is listed as a key of
    its own, so that reading it reports ``unsafe_path`` instead of dropping it silently.
    """
    keys: list[str] = []
    base = os.path.realpath(root)
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for d in dirnames:
            link = os.path.join(dirpath, d)
            real = os.path.realpath(link)
            if os.path.islink(link) and not (real + os.sep).startswith(base + os.sep):
                keys.append(Path(link).relative_to(root).as_posix())
        for f in filenames:
            if f.startswith(".") or os.path.splitext(f)[1].lower() not in IMAGE_SUFFIXES:
                continue
            keys.append(Path(dirpath, f).relative_to(root).as_posix())
    return sorted(keys)


def check_boxes_xyxy(
    boxes: np.ndarray, hw: tuple[int, int], where: str, tolerance_px: float = 1.0
) -> np.ndarray:
    """Validate ``xyxy`` pixel boxes against an image of size ``hw``; clip small overshoots.

    A coordinate more than ``tolerance_px`` outside the image raises ``box_out_of_range``;
    a box with ``x_max < x_min`` (or y) or a non-finite value raises ``bad_annotation``.
    """
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    h, w = hw
    for i, row in enumerate(b):
        shown = "[" + ", ".join(f"{v:g}" for v in row) + "]"
        if not np.all(np.isfinite(row)):
            raise ItemError(
                "bad_annotation", f"{where}: box {i} = {shown} is not finite", field="bbox"
            )
        if row[2] < row[0] or row[3] < row[1]:
            raise ItemError(
                "bad_annotation", f"{where}: box {i} = {shown} has max < min", field="bbox"
            )
        if (
            row[0] < -tolerance_px
            or row[1] < -tolerance_px
            or row[2] > w + tolerance_px
            or row[3] > h + tolerance_px
        ):
            raise ItemError(
                "box_out_of_range",
                f"{where}: box {i} = {shown} (xyxy pixels) lies outside the {w} x {h} image",
                field="bbox",
            )
    return np.clip(b, 0.0, [w, h, w, h])
