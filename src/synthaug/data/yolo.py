"""YOLO datasets: a ``.txt`` of normalised boxes (or polygons) per image, plus class names.

Layouts: Ultralytics (``images/<split>/a.jpg`` with ``labels/<split>/a.txt``) or darknet
(``a.jpg`` beside ``a.txt``). Class names come from ``classes.txt`` (one per line) or the
``names`` of ``data.yaml`` (read with :func:`synthaug.data.safe_load.parse_yaml`: size and
alias limits). When names are known, a class id beyond them is ``class_out_of_range``. A label line is
``class cx cy w h`` (all normalised to ``[0, 1]``) or, for segmentation,
``class x1 y1 x2 y2 ...`` (a normalised polygon). A missing or empty label file is an image
without objects, as in Ultralytics.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from synthaug.augment.sample import Sample
from synthaug.data.dataset import (
    Dataset,
    DatasetFormat,
    Item,
    ItemError,
    check_boxes_xyxy,
    read_inside,
)
from synthaug.data.dataset import scan_images as _scan_images
from synthaug.data.images import IMAGE_SUFFIXES, atomic_write_bytes
from synthaug.data.masks import mask_to_polygons, polygons_to_mask
from synthaug.data.safe_load import MAX_CONFIG_BYTES, parse_yaml
from synthaug.errors import DataError

__all__ = ["YoloFormat", "format_label_lines", "parse_label_lines"]

_TOL = 1e-3  # normalised overshoot clipped silently (rounding in exporters)
_MAX_LABEL_BYTES = 16 * 1024 * 1024


def label_key(key: str) -> str:
    """The label file of an image key: ``images/x/a.jpg`` -> ``labels/x/a.txt``."""
    stem = os.path.splitext(key)[0]
    parts = stem.split("/")
    if "images" in parts[:-1]:
        i = len(parts) - 2 - parts[:-1][::-1].index("images")
        parts[i] = "labels"
    return "/".join(parts) + ".txt"


def parse_label_lines(text: str, where: str) -> list[tuple[int, list[float]]]:
    """``(class id, values)`` per non-empty line; raises ``bad_annotation`` on malformed lines."""
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        try:
            if not parts[0].isdigit():
                raise ValueError(parts[0])
            cls = int(parts[0])
            vals = [float(v) for v in parts[1:]]
        except ValueError:
            raise ItemError(
                "bad_annotation",
                f"{where}:{n}: not numbers: {line[:60]!r}",
                field=f"line {n}",
                file=where,
            ) from None
        if cls < 0 or not (len(vals) == 4 or (len(vals) >= 6 and len(vals) % 2 == 0)):
            raise ItemError(
                "bad_annotation",
                f"{where}:{n}: expected 'class cx cy w h' or 'class x1 y1 x2 y2 ...', got "
                f"{line[:60]!r}",
                field=f"line {n}",
                file=where,
            )
        if not all(np.isfinite(vals)):
            raise ItemError(
                "bad_annotation", f"{where}:{n}: non-finite value", field=f"line {n}", file=where
            )
        out.append((cls, vals))
    return out


def _dataset_file(root: Path, rel: str) -> bytes:
    """A dataset-wide file (``classes.txt``, ``data.yaml``): inside ``root``, small, UTF-8."""
    try:
        data = read_inside(root, rel, "class names file", MAX_CONFIG_BYTES)
        data.decode("utf-8")
    except ItemError as exc:
        raise DataError(str(exc)) from None
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{root / rel}: not UTF-8 text (byte offset {exc.start}); save it as UTF-8"
        ) from None
    return data


def _names(names: Any, path: Path) -> list[str]:
    """Class names from ``data.yaml``: a list, or a mapping ``{0: name, 1: name, ...}``."""
    if isinstance(names, dict):
        if not all(isinstance(k, int) and not isinstance(k, bool) for k in names):
            raise DataError(
                f"{path}: names: expected integer keys 0, 1, ..., got {list(names)!r:.60}"
            )
        if sorted(names) != list(range(len(names))):
            raise DataError(f"{path}: names: keys must be 0..{len(names) - 1}, got {sorted(names)}")
        names = [names[k] for k in sorted(names)]
    if not isinstance(names, list) or not all(isinstance(n, (str, int, float)) for n in names):
        raise DataError(f"{path}: names: expected a list of class names, got {names!r:.60}")
    return [str(n) for n in names]


def format_label_lines(record: dict[str, Any]) -> str:
    """Label file text of a record ``{"objects": [[class, v1, v2, ...], ...]}``."""
    lines = []
    for obj in record["objects"]:
        lines.append(" ".join([str(int(obj[0]))] + [f"{v:.6f}" for v in obj[1:]]))
    return "\n".join(lines) + ("\n" if lines else "")


class YoloFormat(DatasetFormat):
    """YOLO detection (``class cx cy w h``) and segmentation (``class x1 y1 ...``) labels."""

    name = "yolo"

    def detect(self, root: Path) -> bool:
        """A ``labels/`` folder, a ``classes.txt`` or a ``data.yaml``."""
        return (
            (root / "labels").is_dir()
            or (root / "classes.txt").is_file()
            or (root / "data.yaml").is_file()
        )

    def scan(self, root: Path) -> Dataset:
        """Images under ``images/`` (or the root), and label files that have no image."""
        folder = root / "images" if (root / "images").is_dir() else root
        keys = _scan_images(folder, root)
        items = [Item(k, {"label": label_key(k)}) for k in keys]
        known = {label_key(k) for k in keys}
        label_root = root / "labels" if (root / "labels").is_dir() else root
        for dirpath, dirnames, filenames in os.walk(label_root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for f in sorted(filenames):
                rel = Path(dirpath, f).relative_to(root).as_posix()
                if f.endswith(".txt") and rel not in known and rel != "classes.txt":
                    msg = f"{rel}: label file without an image ({'/'.join(IMAGE_SUFFIXES)})"
                    items.append(Item(rel, {"label": rel}, error=("missing_image", msg)))
        info: dict[str, Any] = {"names": [], "names_file": None}
        if (root / "classes.txt").is_file():
            text = _dataset_file(root, "classes.txt").decode("utf-8", errors="strict")
            info["names"] = [ln.strip() for ln in text.splitlines() if ln.strip()]
            info["names_file"] = "classes.txt"
        elif (root / "data.yaml").is_file():
            data = parse_yaml(_dataset_file(root, "data.yaml"), str(root / "data.yaml"), DataError)
            data = data if data is not None else {}
            if not isinstance(data, dict):
                raise DataError(f"{root / 'data.yaml'}: expected a mapping with 'names'")
            info["names"] = _names(data.get("names", []), root / "data.yaml")
            info["names_file"] = "data.yaml"
            info["data_yaml"] = {k: v for k, v in data.items() if k != "path"}
        return Dataset(root, self.name, sorted(items, key=lambda it: it.key), info)

    def annotation_file(self, info: dict, item: Item) -> str:
        """The item's label file."""
        return item.ann["label"]

    def to_sample(self, root: Path, info: dict, item: Item, image: np.ndarray) -> Sample:
        """Boxes in ``yolo`` format (or masks for polygons), labelled by object index."""
        where = item.ann["label"]
        try:
            text = read_inside(root, where, "label file", _MAX_LABEL_BYTES).decode("utf-8")
        except FileNotFoundError:
            text = ""
        except ItemError:
            raise
        except OSError as exc:
            raise ItemError(
                "bad_annotation", f"{where}: cannot read: {exc.strerror}", file=where
            ) from None
        except UnicodeDecodeError as exc:
            raise ItemError(
                "bad_annotation", f"{where}: not UTF-8 text (byte offset {exc.start})", file=where
            ) from None
        objects = parse_label_lines(text, where)
        names = info.get("names") or []
        for n, (cls, _) in enumerate(objects, start=1):
            if names and cls >= len(names):
                raise ItemError(
                    "class_out_of_range",
                    f"{where}: object {n}: class {cls} is not one of the {len(names)} classes of "
                    f"{info.get('names_file')} (0..{len(names) - 1})",
                    field="class",
                    file=where,
                )
        h, w = image.shape[:2]
        polygons = [len(v) > 4 for _, v in objects]
        if any(polygons) and not all(polygons):
            raise ItemError("bad_annotation", f"{where}: mixes box and polygon lines")
        for cls, vals in objects:
            arr = np.asarray(vals)
            if np.any(arr < -_TOL) or np.any(arr > 1 + _TOL):
                raise ItemError(
                    "box_out_of_range", f"{where}: class {cls} values {vals} outside [0, 1]"
                )
        masks = None
        if objects and all(polygons):
            masks = [
                polygons_to_mask([(np.asarray(v).reshape(-1, 2) * [w, h]).ravel()], (h, w))
                for _, v in objects
            ]
            xyxy = []
            for _, v in objects:
                xy = np.clip(np.asarray(v).reshape(-1, 2), 0, 1) * [w, h]
                xyxy.append([*xy.min(axis=0), *xy.max(axis=0)])
            boxes = np.asarray(xyxy, np.float64)
        else:
            b = np.asarray([v for _, v in objects], np.float64).reshape(-1, 4)
            boxes = np.stack(
                [
                    (b[:, 0] - b[:, 2] / 2) * w,
                    (b[:, 1] - b[:, 3] / 2) * h,
                    (b[:, 0] + b[:, 2] / 2) * w,
                    (b[:, 1] + b[:, 3] / 2) * h,
                ],
                axis=1,
            )
        boxes = check_boxes_xyxy(boxes, (h, w), where, tolerance_px=_TOL * max(h, w) + 1e-9)
        return Sample(
            image,
            masks=masks,
            boxes=boxes,
            box_labels=list(range(len(objects))),
            box_format="xyxy",
            meta={"key": item.key, "objects": [c for c, _ in objects]},
        )

    def record(self, sample: Sample, info: dict, item: Item) -> dict[str, Any]:
        """``{"objects": [[class, cx, cy, w, h] or [class, x1, y1, ...], ...]}`` (normalised)."""
        h, w = sample.height, sample.width
        classes = sample.meta["objects"]
        objs: list[list[float]] = []
        idx = list(sample.box_labels or [])
        if sample.masks is not None:
            masks = list(sample.masks)
            for j in idx:
                polys = mask_to_polygons(masks[j])
                if not polys:
                    continue
                biggest = max(polys, key=len)
                xy = np.asarray(biggest).reshape(-1, 2) / [w, h]
                objs.append([classes[j], *np.clip(xy, 0, 1).ravel().tolist()])
            return {"objects": objs}
        boxes = np.asarray(sample.boxes, np.float64).reshape(-1, 4)
        for j, (x0, y0, x1, y1) in zip(idx, boxes, strict=True):
            cx, cy, bw, bh = (x0 + x1) / (2 * w), (y0 + y1) / (2 * h), (x1 - x0) / w, (y1 - y0) / h
            objs.append([classes[j], *np.clip([cx, cy, bw, bh], 0, 1).tolist()])
        return {"objects": objs}

    def n_objects(self, record: dict) -> int:
        """Objects in a record."""
        return len(record["objects"])

    def write_annotation(
        self, dst: Path, out_key: str, record: dict, info: dict, durable: bool = True
    ) -> list[str]:
        """The label ``.txt`` of one output image."""
        rel = label_key(out_key)
        atomic_write_bytes(dst / rel, format_label_lines(record).encode("utf-8"), durable)
        return [rel]

    def finish(
        self, dst: Path, records: list[tuple[str, dict]], info: dict, durable: bool = True
    ) -> list[str]:
        """``classes.txt`` or ``data.yaml`` (without its ``path``, which named the source)."""
        if info.get("names_file") == "classes.txt":
            text = "".join(f"{n}\n" for n in info["names"])
            atomic_write_bytes(dst / "classes.txt", text.encode("utf-8"), durable)
            return ["classes.txt"]
        if info.get("names_file") == "data.yaml":
            text = yaml.safe_dump(info.get("data_yaml", {}), sort_keys=False)
            atomic_write_bytes(dst / "data.yaml", text.encode("utf-8"), durable)
            return ["data.yaml"]
        return []
