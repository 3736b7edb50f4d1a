"""Small generated datasets in every supported format (for tests, benchmarks and trying out).

Each image shows one to three filled shapes (``circle``, ``square``) on a noisy background;
their boxes, instance masks and two keypoints per object (centre and top-left corner) are
exact by construction.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import numpy as np

from synthaug.data.images import encode_image
from synthaug.data.masks import mask_to_polygons, mask_to_rle, rle_encode_string
from synthaug.data.voc import voc_xml
from synthaug.errors import ConfigError
from synthaug.seeding import as_rng

__all__ = ["CLASSES", "toy_scene", "write_toy_dataset"]

CLASSES = ("circle", "square")


def toy_scene(
    rng: np.random.Generator, size: int = 48, max_objects: int = 3
) -> tuple[np.ndarray, list[tuple[int, np.ndarray]]]:
    """An RGB uint8 image and its objects as ``(class id, H x W mask)``."""
    image = rng.integers(0, 60, (size, size, 3), dtype=np.uint8)
    objects = []
    for _ in range(int(rng.integers(1, max_objects + 1))):
        cls = int(rng.integers(0, len(CLASSES)))
        r = int(rng.integers(max(3, size // 10), max(4, size // 4)))
        cx, cy = (int(v) for v in rng.integers(r, size - r, 2))
        mask = np.zeros((size, size), np.uint8)
        if cls == 0:
            cv2.circle(mask, (cx, cy), r, 1, -1)
        else:
            mask[cy - r : cy + r, cx - r : cx + r] = 1
        colour = rng.integers(120, 256, 3)
        image[mask > 0] = colour
        objects.append((cls, mask))
    return image, objects


def _box(mask: np.ndarray) -> list[float]:
    ys, xs = np.nonzero(mask)
    return [float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)]


def write_toy_dataset(
    root: str | os.PathLike[str],
    format: str,
    n: int = 20,
    size: int = 48,
    seed: int = 0,
    suffix: str = ".jpg",
) -> Path:
    """Write ``n`` toy images with annotations in ``format`` under ``root``; return ``root``.

    Layouts: ``folder`` (``<class>/<i>.jpg``), ``coco`` (``images/`` and
    ``annotations/instances.json`` with polygon, RLE and compressed-RLE segmentations and two
    keypoints per object), ``yolo`` (``images/``, ``labels/``, ``classes.txt``) and ``voc``
    (``JPEGImages/``, ``Annotations/``).
    """
    if format not in ("folder", "coco", "yolo", "voc"):
        raise ConfigError(f"format: expected folder, coco, yolo or voc, got {format!r}")
    rng, out = as_rng(seed), Path(root)
    images, annotations = [], []
    for i in range(n):
        image, objects = toy_scene(rng, size)
        name = f"{i:04d}{suffix}"
        if format == "folder":
            key = f"{CLASSES[objects[0][0]]}/{name}"
        elif format == "voc":
            key = f"JPEGImages/{name}"
        else:
            key = f"images/{name}"
        (out / key).parent.mkdir(parents=True, exist_ok=True)
        (out / key).write_bytes(encode_image(image, suffix))
        if format == "yolo":
            lines = []
            for cls, m in objects:
                x0, y0, x1, y1 = _box(m)
                vals = [
                    (x0 + x1) / 2 / size,
                    (y0 + y1) / 2 / size,
                    (x1 - x0) / size,
                    (y1 - y0) / size,
                ]
                lines.append(" ".join([str(cls)] + [f"{v:.6f}" for v in vals]))
            (out / "labels").mkdir(exist_ok=True)
            (out / "labels" / f"{i:04d}.txt").write_text("\n".join(lines) + "\n")
        elif format == "voc":
            objs = []
            for cls, m in objects:
                x0, y0, x1, y1 = _box(m)
                objs.append(
                    {"name": CLASSES[cls], "difficult": "0", "bbox": [x0 + 1, y0 + 1, x1, y1]}
                )
            record = {"filename": name, "size": [size, size, 3], "objects": objs}
            (out / "Annotations").mkdir(exist_ok=True)
            (out / "Annotations" / f"{i:04d}.xml").write_bytes(voc_xml(record))
        elif format == "coco":
            images.append({"id": i + 1, "file_name": name, "width": size, "height": size})
            for j, (cls, m) in enumerate(objects):
                x0, y0, x1, y1 = _box(m)
                kind = (i + j) % 3
                if kind == 0:
                    seg = mask_to_polygons(m)
                else:
                    seg = mask_to_rle(m)
                    if kind == 2:
                        seg["counts"] = rle_encode_string(seg["counts"])
                cx, cy = (x0 + x1 - 1) / 2, (y0 + y1 - 1) / 2
                annotations.append(
                    {
                        "id": len(annotations) + 1,
                        "image_id": i + 1,
                        "category_id": cls + 1,
                        "bbox": [x0, y0, x1 - x0, y1 - y0],
                        "area": int(m.sum()),
                        "iscrowd": 0,
                        "segmentation": seg,
                        "keypoints": [round(cx, 1), round(cy, 1), 2, x0, y0, 1],
                        "num_keypoints": 2,
                    }
                )
    if format == "yolo":
        (out / "classes.txt").write_text("".join(f"{c}\n" for c in CLASSES))
    if format == "coco":
        cats = [
            {"id": k + 1, "name": c, "keypoints": ["centre", "corner"], "skeleton": []}
            for k, c in enumerate(CLASSES)
        ]
        doc = {"images": images, "annotations": annotations, "categories": cats}
        (out / "annotations").mkdir(exist_ok=True)
        (out / "annotations" / "instances.json").write_text(json.dumps(doc))
    return out
