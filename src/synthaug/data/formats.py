"""Dataset formats by name, auto-detection and :func:`open_dataset`.

Detection order: COCO (a JSON with ``images``), Pascal VOC (``Annotations/`` or XML files),
YOLO (``labels/``, ``classes.txt`` or ``data.yaml``), and the class-per-subfolder image folder
otherwise; a ``.json`` file given as SRC is COCO, an ``.npz`` file is labelled arrays.
"""

from __future__ import annotations

import os
from pathlib import Path

from synthaug.augment.sample import Sample
from synthaug.data.coco import CocoFormat
from synthaug.data.dataset import Dataset, DatasetFormat, Item, ItemError
from synthaug.data.folder import FolderFormat
from synthaug.data.images import DEFAULT_MAX_PIXELS
from synthaug.data.npz_format import NpzFormat
from synthaug.data.voc import VocFormat
from synthaug.data.yolo import YoloFormat, YoloObbFormat
from synthaug.errors import ConfigError, DataError

__all__ = ["FORMATS", "detect_format", "get_format", "load_item", "object_names", "open_dataset"]

#: Formats by the name given to ``--format``, in detection order.
FORMATS: dict[str, DatasetFormat] = {
    f.name: f
    for f in (
        CocoFormat(),
        VocFormat(),
        YoloFormat(),
        YoloObbFormat(),
        FolderFormat(),
        NpzFormat(),
    )
}


def get_format(name: str) -> DatasetFormat:
    """The format called ``name``; ConfigError naming the choices otherwise."""
    if name not in FORMATS:
        raise ConfigError(f"format: expected one of {['auto', *FORMATS]}, got {name!r}")
    return FORMATS[name]


def detect_format(root: str | os.PathLike[str]) -> str:
    """The name of the first format whose layout ``root`` matches (``folder`` as fallback)."""
    p = Path(root)
    if p.is_file() and p.suffix.lower() == ".json":
        return "coco"
    if p.is_file() and p.suffix.lower() == ".npz":
        return "npz"
    for name, fmt in FORMATS.items():
        if fmt.detect(p):
            return name
    return "folder"


def open_dataset(source: str | os.PathLike[str], format: str = "auto") -> Dataset:
    """Scan a dataset folder (or a COCO ``.json`` file) into a :class:`Dataset`.

    Examples
    --------
    >>> ds = open_dataset("my_coco_folder")  # doctest: +SKIP
    >>> ds.format, len(ds.items)  # doctest: +SKIP
    ('coco', 200)
    """
    p = Path(source)
    if not p.exists():
        raise DataError(f"{p}: dataset not found")
    name = detect_format(p) if format == "auto" else get_format(format).name
    if p.is_file():
        if name == "npz" and p.suffix.lower() == ".npz":
            return NpzFormat().scan(p.parent.resolve(), p.resolve())
        if name != "coco" or p.suffix.lower() != ".json":
            raise DataError(
                f"{p}: expected a dataset folder, a COCO .json file or an .npz of X and y"
            )
        root = p.parent.parent if p.parent.name == "annotations" else p.parent
        return CocoFormat().scan(root.resolve(), p.resolve())
    if name == "npz":
        raise DataError(f"{p}: --format npz reads an .npz file: give the file itself as SRC")
    return FORMATS[name].scan(p.resolve())


def load_item(
    dataset: Dataset, item: Item, max_pixels: int = DEFAULT_MAX_PIXELS
) -> tuple[Sample, bytes]:
    """Decode one item into a Sample and its raw image bytes; raises :class:`ItemError`."""
    if item.error is not None:
        raise ItemError(*item.error)
    fmt = FORMATS[dataset.format]
    image, data = fmt.read_image(dataset.root, dataset.info, item, max_pixels)
    ann_file = fmt.annotation_file(dataset.info, item)
    try:
        sample = fmt.to_sample(dataset.root, dataset.info, item, image)
    except ItemError as exc:
        if not exc.file:
            exc.file = ann_file
        raise
    except Exception as exc:
        # One odd annotation must not stop a job: it becomes this item's skip reason.
        detail = f"{type(exc).__name__}: {exc}"
        raise ItemError(
            "bad_annotation", f"{item.key}: malformed annotation ({detail[:200]})", file=ann_file
        ) from None
    return sample, data


def object_names(dataset: Dataset, sample: Sample) -> list[str]:
    """Display names of a sample's boxes (class names where the format knows them)."""
    objects = sample.meta.get("objects", [])
    if dataset.format == "coco":
        cats = {c.get("id"): c.get("name") for c in dataset.info["header"].get("categories", [])}
        names = [str(cats.get(o["category_id"], o["category_id"])) for o in objects]
    elif dataset.format == "voc":
        names = [o["name"] for o in objects]
    elif dataset.format in ("yolo", "yolo-obb"):
        known = dataset.info.get("names", [])
        names = [known[c] if c < len(known) else str(c) for c in objects]
    else:
        return []
    return [names[j] for j in (sample.box_labels or [])]
