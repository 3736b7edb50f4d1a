"""YOLO datasets: a ``.txt`` of normalised labels per image, plus class names.

Layouts: Ultralytics (``images/<split>/a.jpg`` with ``labels/<split>/a.txt``) or darknet
(``a.jpg`` beside ``a.txt``). Class names come from ``classes.txt`` (one per line) or the
``names`` of ``data.yaml`` (read with :func:`synthaug.data.safe_load.parse_yaml`: size and
alias limits). When names are known, a class id beyond them is ``class_out_of_range``. A missing
or empty label file is an image without objects, as in Ultralytics. Label lines, all values
normalised to ``[0, 1]`` by the image width and height (continuous pixel edges):

* detect: ``class cx cy w h``;
* segment: ``class x1 y1 x2 y2 ...`` (a polygon of at least 3 points);
* pose (``kpt_shape: [K, D]`` in ``data.yaml``): ``class cx cy w h`` then K keypoints of D
  values ``x y`` or ``x y v`` (``v`` 0 not labelled, 1 hidden, 2 visible; with ``D = 2`` a
  point ``0 0`` is not labelled); ``flip_idx`` (a permutation pairing left and right
  keypoints) becomes the engine's ``keypoint_flip_pairs``, swapped by each mirroring step;
* oriented boxes (YOLO-OBB: ``--format yolo-obb``, or ``task: obb`` in ``data.yaml``):
  ``class x1 y1 x2 y2 x3 y3 x4 y4``, the four corners.

Outputs keep the task of their source: polygons are simplified to an IoU of at least 0.98 with
the transformed mask (the largest part of a mask the pipeline split is written), keypoints that
left the image are written unlabelled (``0 0 0``) and an object is kept or dropped with its
keypoints; oriented boxes are the engine's ``oriented_boxes`` (re-fitted as the minimum-area
rectangle of what is left of them, corners clamped to ``[0, 1]``; see ``docs/formats.md``). A
pipeline that moves no pixel writes the source values unchanged. ``data.yaml`` is written for every output (``names``, ``nc``, and ``kpt_shape``,
``flip_idx`` and the other keys of the source's ``data.yaml`` except ``path``), beside
``classes.txt`` when the source had one.
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
from synthaug.data.labels import (
    RichLabels,
    clockwise_corners,
    flip_idx_problem,
    geometry_unchanged,
    keypoints_from_sample,
    sample_targets,
)
from synthaug.data.masks import MIN_POLYGON_IOU, mask_to_polygons, polygons_to_mask
from synthaug.data.safe_load import MAX_CONFIG_BYTES, parse_yaml
from synthaug.errors import DataError

__all__ = ["YoloFormat", "YoloObbFormat", "format_label_lines", "parse_label_lines"]

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


def parse_label_lines(
    text: str, where: str, n_values: int | None = None, what: str = ""
) -> list[tuple[int, list[float]]]:
    """``(class id, values)`` per non-empty line; raises ``bad_annotation`` on malformed lines.

    Without ``n_values`` a line is a box (4 values) or a polygon (an even number >= 6);
    with it, every line has exactly ``n_values`` values after the class (``what`` names the
    expected line in messages, e.g. ``'class cx cy w h' + 17 x (x y v)``).
    """
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
        if n_values is not None and len(vals) != n_values:
            raise ItemError(
                "bad_annotation",
                f"{where}:{n}: expected {what} ({n_values} numbers after the class), got "
                f"{len(vals)}: {line[:60]!r}",
                field=f"line {n}",
                file=where,
            )
        if cls < 0 or not (
            n_values is not None or len(vals) == 4 or (len(vals) >= 6 and len(vals) % 2 == 0)
        ):
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


def _pose_shape(data: dict, path: Path) -> tuple[int, int] | None:
    """``kpt_shape`` of ``data.yaml`` as ``(K, D)``; DataError naming the field otherwise."""
    shape = data.get("kpt_shape")
    if shape is None:
        return None
    if not (
        isinstance(shape, list)
        and len(shape) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in shape)
        and 1 <= shape[0] <= 1000
        and shape[1] in (2, 3)
    ):
        raise DataError(
            f"{path}: kpt_shape = {shape!r:.60}: expected [K, D] with K keypoints (1..1000) of "
            "D = 2 (x y) or 3 (x y visibility) values"
        )
    return shape[0], shape[1]


def _flip_idx(data: dict, path: Path, shape: tuple[int, int] | None) -> list[int] | None:
    """``flip_idx`` of ``data.yaml`` checked against ``kpt_shape``."""
    flip = data.get("flip_idx")
    if flip is None:
        return None
    if shape is None:
        raise DataError(f"{path}: flip_idx is given without kpt_shape; add kpt_shape: [K, D]")
    problem = flip_idx_problem(flip, shape[0])
    if problem is not None:
        raise DataError(f"{path}: flip_idx: {problem}")
    return list(flip)


def format_label_lines(record: dict[str, Any]) -> str:
    """Label file text of a record ``{"objects": [[class, v1, v2, ...], ...]}``."""
    lines = []
    for obj in record["objects"]:
        lines.append(" ".join([str(int(obj[0]))] + [_number(v) for v in obj[1:]]))
    return "\n".join(lines) + ("\n" if lines else "")


def _number(v: float) -> str:
    """A normalised value with 6 decimals; visibility flags stay integers."""
    return str(v) if isinstance(v, int) else f"{v:.6f}"


class YoloFormat(DatasetFormat):
    """YOLO detection, segmentation, pose (``kpt_shape`` in ``data.yaml``) and, as
    :class:`YoloObbFormat`, oriented-box labels."""

    name = "yolo"
    #: the task every label line has, whatever ``data.yaml`` says (None: from the files)
    task: str | None = None

    def detect(self, root: Path) -> bool:
        """A ``labels/`` folder, a ``classes.txt`` or a ``data.yaml``."""
        return (
            (root / "labels").is_dir()
            or (root / "classes.txt").is_file()
            or (root / "data.yaml").is_file()
        )

    def scan(self, root: Path) -> Dataset:
        """Images under ``images/`` (or the root), and label files that have no image.

        ``data.yaml`` defects that concern every item (``kpt_shape``, ``flip_idx`` that is
        not a permutation pairing) are one :class:`DataError` naming the file and field.
        """
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
        info: dict[str, Any] = {"names": [], "names_file": None, "task": self.task}
        data: dict[str, Any] = {}
        if (root / "data.yaml").is_file():
            path = root / "data.yaml"
            loaded = parse_yaml(_dataset_file(root, "data.yaml"), str(path), DataError)
            data = loaded if loaded is not None else {}
            if not isinstance(data, dict):
                raise DataError(f"{path}: expected a mapping with 'names'")
            info["data_yaml"] = {k: v for k, v in data.items() if k != "path"}
            shape = _pose_shape(data, path)
            info["kpt_shape"] = shape
            info["flip_idx"] = _flip_idx(data, path, shape)
            task = data.get("task", self.task)
            if shape is not None and task not in (None, "pose"):
                raise DataError(f"{path}: kpt_shape is given, but task = {task!r:.30}")
            info["task"] = "pose" if shape is not None else task if task == "obb" else self.task
        if (root / "classes.txt").is_file():
            text = _dataset_file(root, "classes.txt").decode("utf-8", errors="strict")
            info["names"] = [ln.strip() for ln in text.splitlines() if ln.strip()]
            info["names_file"] = "classes.txt"
        elif data:
            info["names"] = _names(data.get("names", []), root / "data.yaml")
            info["names_file"] = "data.yaml"
        return Dataset(root, self.name, sorted(items, key=lambda it: it.key), info)

    def annotation_file(self, info: dict, item: Item) -> str:
        """The item's label file."""
        return item.ann["label"]

    def _read_lines(self, root: Path, info: dict, where: str) -> list[tuple[int, list[float]]]:
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
        task, shape = info.get("task"), info.get("kpt_shape")
        if task == "pose" and shape is not None:
            k, d = shape
            what = f"'class cx cy w h' and {k} keypoints of {'x y v' if d == 3 else 'x y'}"
            objects = parse_label_lines(text, where, 4 + k * d, what)
        elif task == "obb":
            objects = parse_label_lines(text, where, 8, "'class x1 y1 x2 y2 x3 y3 x4 y4'")
        else:
            objects = parse_label_lines(text, where)
        names = info.get("names") or []
        for n, (cls, vals) in enumerate(objects, start=1):
            if names and cls >= len(names):
                raise ItemError(
                    "class_out_of_range",
                    f"{where}: object {n}: class {cls} is not one of the {len(names)} classes of "
                    f"{info.get('names_file')} (0..{len(names) - 1})",
                    field="class",
                    file=where,
                )
            coords = _coordinates(vals, task, shape, f"{where}:{n}")
            if np.any(coords < -_TOL) or np.any(coords > 1 + _TOL):
                raise ItemError(
                    "box_out_of_range",
                    f"{where}: object {n} (class {cls}): values {vals[:8]} outside [0, 1]",
                    field="coordinates",
                    file=where,
                )
        return objects

    def to_sample(self, root: Path, info: dict, item: Item, image: np.ndarray) -> Sample:
        """The engine's targets, labelled by object index: boxes (``xyxy`` pixels) and masks
        for detect/segment; boxes and keypoints with visibility, instances and ``flip_idx``
        pairs for pose; ``oriented_boxes`` (corners, pixel edges, clockwise) for YOLO-OBB
        (see :mod:`synthaug.data.labels`)."""
        where = item.ann["label"]
        objects = self._read_lines(root, info, where)
        task = info.get("task")
        h, w = image.shape[:2]
        meta = {
            "key": item.key,
            "objects": [c for c, _ in objects],
            "source": [v for _, v in objects],
            "source_hw": (h, w),
        }
        if task == "obb":
            corners = np.asarray([v for _, v in objects], np.float64).reshape(-1, 4, 2) * [w, h]
            rich = RichLabels(obb=clockwise_corners(corners))
            return Sample(image, **sample_targets(rich), meta={**meta, "rich": rich})
        polygons = [len(v) > 4 for _, v in objects] if task != "pose" else []
        if any(polygons) and not all(polygons):
            raise ItemError("bad_annotation", f"{where}: mixes box and polygon lines")
        masks, rich = None, RichLabels()
        if polygons and all(polygons):
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
            b = np.asarray([v[:4] for _, v in objects], np.float64).reshape(-1, 4)
            boxes = np.stack(
                [
                    (b[:, 0] - b[:, 2] / 2) * w,
                    (b[:, 1] - b[:, 3] / 2) * h,
                    (b[:, 0] + b[:, 2] / 2) * w,
                    (b[:, 1] + b[:, 3] / 2) * h,
                ],
                axis=1,
            )
        if task == "pose":
            k, d = info["kpt_shape"]
            pts = np.asarray([v[4:] for _, v in objects], np.float64).reshape(-1, k, d)
            xyv = np.zeros((len(objects), k, 3))
            xyv[..., :2] = pts[..., :2] * [w, h] - 0.5  # normalised edges -> OpenCV centres
            # without a visibility column, "0 0" is an unlabelled point, any other is visible
            xyv[..., 2] = pts[..., 2] if d == 3 else np.where(pts.any(axis=-1), 2, 0)
            rich = RichLabels(keypoints=list(xyv), flips=[info.get("flip_idx")] * len(objects))
        boxes = check_boxes_xyxy(boxes, (h, w), where, tolerance_px=_TOL * max(h, w) + 1e-9)
        return Sample(
            image,
            masks=masks,
            boxes=boxes,
            box_labels=list(range(len(objects))),
            box_format="xyxy",
            **sample_targets(rich),
            meta={**meta, "rich": rich},
        )

    def record(self, sample: Sample, info: dict, item: Item) -> dict[str, Any]:
        """``{"objects": [[class, values...], ...]}`` (normalised), in the source's task.

        Oriented boxes are the engine's (``oriented_box_fit="rect"`` in a job: the
        minimum-area rectangle of what is left of each box), their corners clipped to
        ``[0, 1]``; pose keypoints with ``v = 0`` are written ``0 0 0``."""
        h, w = sample.height, sample.width
        classes = sample.meta["objects"]
        task = info.get("task")
        idx = list((sample.oriented_box_labels if task == "obb" else sample.box_labels) or [])
        if geometry_unchanged(sample, sample.meta.get("source_hw", (-1, -1))):
            source = sample.meta["source"]
            return {"objects": [[classes[j], *_plain(source[j], task, info)] for j in idx]}
        objs: list[list[Any]] = []
        if task == "obb":
            corners = np.asarray(sample.oriented_boxes, np.float64).reshape(-1, 4, 2)
            for j, quad in zip(idx, corners, strict=True):
                xy = np.clip(quad / [w, h], 0, 1)
                objs.append([classes[j], *xy.ravel().tolist()])
            return {"objects": objs}
        boxes = np.asarray(sample.boxes, np.float64).reshape(-1, 4)
        if sample.masks is not None:
            masks = list(sample.masks)
            for j in idx:
                polys = mask_to_polygons(masks[j], MIN_POLYGON_IOU)
                if not polys:
                    continue
                biggest = max(polys, key=lambda p: _polygon_area(np.asarray(p).reshape(-1, 2)))
                xy = np.asarray(biggest).reshape(-1, 2) / [w, h]
                objs.append([classes[j], *np.clip(xy, 0, 1).ravel().tolist()])
            return {"objects": objs}
        kps = None
        if task == "pose":
            kps = keypoints_from_sample(sample, sample.meta["rich"].n_keypoints())
        for j, (x0, y0, x1, y1) in zip(idx, boxes, strict=True):
            cx, cy, bw, bh = (x0 + x1) / (2 * w), (y0 + y1) / (2 * h), (x1 - x0) / w, (y1 - y0) / h
            obj: list[Any] = [classes[j], *np.clip([cx, cy, bw, bh], 0, 1).tolist()]
            if kps is not None:
                obj += _pose_values(kps[j], info["kpt_shape"][1], (h, w))
            objs.append(obj)
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
        """``data.yaml`` (``names``, ``nc``, ``kpt_shape``, ``flip_idx`` and the source's other
        keys except ``path``, which named the source), and ``classes.txt`` when the source
        had one."""
        written = []
        if info.get("names_file") == "classes.txt":
            text = "".join(f"{n}\n" for n in info["names"])
            atomic_write_bytes(dst / "classes.txt", text.encode("utf-8"), durable)
            written.append("classes.txt")
        doc = dict(info.get("data_yaml", {}))
        header = ""
        names = list(info.get("names") or [])
        if not names:
            n = 1 + max((int(o[0]) for _, r in records for o in r["objects"]), default=-1)
            names = [str(c) for c in range(n)]
            header = "# SRC named no classes (no classes.txt or data.yaml names): numbered\n"
        if not isinstance(doc.get("names"), dict) or len(doc["names"]) != len(names):
            doc["names"] = names
        doc["nc"] = len(names)
        if info.get("task") == "obb":
            doc.setdefault("task", "obb")
        text = header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        atomic_write_bytes(dst / "data.yaml", text.encode("utf-8"), durable)
        return [*written, "data.yaml"]


class YoloObbFormat(YoloFormat):
    """YOLO-OBB: ``class x1 y1 x2 y2 x3 y3 x4 y4`` (normalised corners) per line.

    Chosen with ``--format yolo-obb`` (an OBB line is also a valid 4-point polygon, so the
    files alone cannot tell), or found from ``task: obb`` in ``data.yaml``.
    """

    name = "yolo-obb"
    task = "obb"

    def detect(self, root: Path) -> bool:
        """Never guessed from the layout (``yolo`` reads ``task: obb`` in ``data.yaml``)."""
        return False


def _coordinates(
    vals: list[float], task: str | None, shape: tuple[int, int] | None, where: str
) -> np.ndarray:
    """The values of a label line that are normalised coordinates (not visibility flags;
    not unlabelled keypoints)."""
    arr = np.asarray(vals, np.float64)
    if task != "pose" or shape is None:
        return arr
    k, d = shape
    pts = arr[4:].reshape(k, d)
    if d == 3:
        bad = [int(i) for i, v in enumerate(pts[:, 2]) if v not in (0.0, 1.0, 2.0)]
        if bad:
            raise ItemError(
                "bad_annotation",
                f"{where}: keypoint {bad[0]}: visibility {pts[bad[0], 2]:g}, expected 0, 1 or 2",
                field="keypoints",
                file=where.rsplit(":", 1)[0],
            )
        labelled = pts[pts[:, 2] > 0, :2]
    else:
        labelled = pts[(pts[:, 0] != 0) | (pts[:, 1] != 0)]
    return np.concatenate([arr[:4], labelled.ravel()])


def _plain(vals: list[float], task: str | None, info: dict) -> list[Any]:
    """Source values as written back (visibility flags as integers)."""
    if task != "pose" or info.get("kpt_shape") is None or info["kpt_shape"][1] != 3:
        return list(vals)
    out: list[Any] = list(vals[:4])
    for i, v in enumerate(vals[4:]):
        out.append(int(v) if i % 3 == 2 else v)
    return out


def _pose_values(kp: np.ndarray, d: int, hw: tuple[int, int]) -> list[Any]:
    """``x y [v]`` per keypoint, normalised; unlabelled points are ``0 0 [0]``."""
    h, w = hw
    out: list[Any] = []
    for x, y, v in kp:
        if v > 0:
            nx, ny = min(max((x + 0.5) / w, 0.0), 1.0), min(max((y + 0.5) / h, 0.0), 1.0)
        else:
            nx = ny = 0.0
        out += [float(nx), float(ny)] + ([int(v)] if d == 3 else [])
    return out


def _polygon_area(xy: np.ndarray) -> float:
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))
