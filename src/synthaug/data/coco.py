"""COCO: one JSON file of images, annotations and categories.

Layout: ``root/annotations/<name>.json`` (or a single ``root/<name>.json``) and images under
``root/images/`` (or the root); ``file_name`` is relative to that image folder and may not
leave it (``../../x`` is reported as ``unsafe_path``). Each annotation gives a ``bbox``
``[x, y, w, h]`` in pixels, optionally a ``segmentation`` (polygons, or RLE with ``counts`` a
list or pycocotools' compressed string) and ``keypoints`` ``[x, y, v] * K`` (``v = 0`` not
labelled, 1 labelled but hidden, 2 visible; coordinates are pixel indices, as OpenCV centres).

Augmented outputs keep each annotation's category, ``iscrowd``, segmentation kind (polygons
stay polygons, simplified to an IoU of at least 0.98 with the transformed mask; RLE stays RLE in
the same counts form) and every field synthaug does not recompute; ``bbox`` is the tight box of
the transformed segmentation when there is one. Keypoints that leave the image become
``[0, 0, 0]`` and ``num_keypoints`` counts the rest; each mirroring step of the pipeline swaps
left/right partners (from a category's ``flip_pairs`` ``[[a, b], ...]``, else from its
``keypoints`` names ``left_*``/``right_*``, handed to the engine as ``keypoint_flip_pairs``), so
``left_eye`` stays on the subject's left; an annotation with keypoints is an instance of the
engine (box, mask and keypoints kept or dropped together). A
pipeline that moves no pixel writes every annotation unchanged. ``categories`` (with their
``keypoints`` and ``skeleton``), ``info`` and ``licenses`` are copied. Image and annotation ids
are renumbered 1..n in output-key order.
"""

from __future__ import annotations

import json
import math
import os
import posixpath
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from synthaug.augment.sample import Sample
from synthaug.data.dataset import (
    Dataset,
    DatasetFormat,
    Item,
    ItemError,
    check_boxes_xyxy,
    safe_relpath,
)
from synthaug.data.images import atomic_write_bytes
from synthaug.data.labels import (
    RichLabels,
    flip_perm_from_names,
    flip_perm_from_pairs,
    geometry_unchanged,
    keypoints_from_sample,
    sample_targets,
)
from synthaug.data.masks import (
    MIN_POLYGON_IOU,
    mask_to_polygons,
    mask_to_rle,
    polygons_to_mask,
    rle_encode_string,
    rle_to_mask,
)
from synthaug.data.safe_load import MAX_JSON_BYTES, parse_json, read_limited
from synthaug.errors import DataError, InvalidInputError

__all__ = ["CocoFormat", "find_coco_json"]


def find_coco_json(root: Path) -> Path | None:
    """The single COCO JSON of ``root`` (in ``annotations/`` or at the root), else None."""
    for folder in (root / "annotations", root):
        found = sorted(p for p in folder.glob("*.json") if not p.name.startswith("."))
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(p.name for p in found)
            raise DataError(f"{folder}: several JSON files ({names}); expected one COCO file")
    return None


def _finite(v: Any) -> bool:
    """A JSON number that is a finite float (bools and strings are not numbers here)."""
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return abs(v) < 1e15
    return isinstance(v, float) and math.isfinite(v)


def _numbers(v: Any, field: str, where: str, expected: str) -> list[float]:
    if not isinstance(v, list) or not all(_finite(x) for x in v):
        shown = repr(v)[:60]
        raise ItemError(
            "bad_annotation", f"{where}.{field} = {shown}: expected {expected}", field=field
        )
    return [float(x) for x in v]


def _size_problem(img: dict, where: str) -> tuple[str, str] | None:
    """``(message, field)`` when an image's ``width``/``height`` is present but not a size."""
    for field in ("width", "height"):
        v = img.get(field)
        if v is not None and not (
            isinstance(v, int) and not isinstance(v, bool) and 0 < v < 1 << 31
        ):
            return f"{where}.{field} = {v!r:.40}: expected a positive integer", field
    return None


def _valid_id(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, str) and v != "")


def _segmentation_to_mask(seg: Any, hw: tuple[int, int], where: str) -> tuple[np.ndarray, str]:
    field = "segmentation"
    if isinstance(seg, list):
        polys = []
        for i, poly in enumerate(seg):
            xy = _numbers(poly, f"{field}[{i}]", where, "a flat list of numbers x0, y0, x1, ...")
            if len(xy) < 6 or len(xy) % 2:
                raise ItemError(
                    "bad_annotation",
                    f"{where}.{field}[{i}]: expected at least 3 (x, y) pairs, got {len(xy)} values",
                    field=field,
                )
            polys.append(xy)
        return polygons_to_mask(polys, hw), "polygon"
    if isinstance(seg, dict):
        size = seg.get("size")
        if not (
            isinstance(size, list)
            and len(size) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in size)
        ):
            raise ItemError(
                "bad_annotation",
                f"{where}.{field}.size = {size!r:.40}: expected [height, width] as integers",
                field=f"{field}.size",
            )
        if tuple(size) != hw:
            raise ItemError(
                "bad_annotation",
                f"{where}.{field}.size = {size} differs from the image's [height, width] "
                f"{list(hw)}",
                field=f"{field}.size",
            )
        counts = seg.get("counts")
        if isinstance(counts, str):
            kind = "rle_string"
        elif isinstance(counts, list) and all(
            isinstance(c, int) and not isinstance(c, bool) for c in counts
        ):
            kind = "rle"
        else:
            raise ItemError(
                "bad_annotation",
                f"{where}.{field}.counts = {counts!r:.40}: expected a list of integers or a "
                "compressed RLE string",
                field=f"{field}.counts",
            )
        try:
            return rle_to_mask(seg), kind
        except InvalidInputError as exc:
            raise ItemError("bad_annotation", f"{where}.{field}: {exc}", field=field) from None
    raise ItemError(
        "bad_annotation",
        f"{where}.{field} = {seg!r:.40}: expected a list of polygons or an RLE object",
        field=field,
    )


def _mask_to_segmentation(mask: np.ndarray, kind: str) -> Any:
    if kind == "polygon":
        return mask_to_polygons(mask, MIN_POLYGON_IOU)
    rle = mask_to_rle(mask)
    if kind == "rle_string":
        rle["counts"] = rle_encode_string(rle["counts"])
    return rle


#: annotation fields synthaug recomputes for an augmented output (the others are carried as-is)
_RECOMPUTED = (
    "id",
    "image_id",
    "category_id",
    "iscrowd",
    "bbox",
    "area",
    "segmentation",
    "keypoints",
    "num_keypoints",
)


def _category_flips(cats: list[Any]) -> tuple[dict[Any, list[int]], dict[Any, tuple[str, str]]]:
    """Mirror partners of each keypoint category (``flip_pairs`` if given, else ``left_*`` /
    ``right_*`` names), and ``(message, field)`` for categories whose keypoint fields are
    malformed (the images using them are skipped, not the dataset)."""
    flips: dict[Any, list[int]] = {}
    problems: dict[Any, tuple[str, str]] = {}
    for i, c in enumerate(cats):
        if not isinstance(c, dict) or not _valid_id(c.get("id")):
            continue
        names, pairs = c.get("keypoints"), c.get("flip_pairs")
        if names is None and pairs is None:
            continue
        where = f"categories[{i}]"
        if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
            problems[c["id"]] = (
                f"{where}.keypoints = {names!r:.40}: expected a list of keypoint names",
                "categories.keypoints",
            )
            continue
        if pairs is None:
            flips[c["id"]] = flip_perm_from_names(names)
            continue
        perm, why = flip_perm_from_pairs(pairs, len(names))
        if perm is None:
            problems[c["id"]] = (f"{where}.flip_pairs: {why}", "categories.flip_pairs")
        else:
            flips[c["id"]] = perm
    return flips, problems


def _tight_bbox(mask: np.ndarray, box: tuple[float, float, float, float]) -> list[float]:
    """COCO ``[x, y, w, h]`` of the mask's pixels inside ``box`` (the object's moved outline,
    which leaves out copies a reflecting border made); ``box`` itself if none is inside."""
    x0, y0, x1, y1 = box
    c0, r0 = max(int(np.floor(x0)), 0), max(int(np.floor(y0)), 0)
    part = np.asarray(mask)[r0 : int(np.ceil(y1)), c0 : int(np.ceil(x1))] > 0
    ys, xs = np.nonzero(part)
    if not len(xs):
        return [round(float(v), 2) for v in (x0, y0, x1 - x0, y1 - y0)]
    return [
        float(c0 + xs.min()),
        float(r0 + ys.min()),
        float(xs.max() - xs.min() + 1),
        float(ys.max() - ys.min() + 1),
    ]


class CocoFormat(DatasetFormat):
    """COCO detection, instance segmentation and keypoints."""

    name = "coco"

    def detect(self, root: Path) -> bool:
        """A JSON with ``images`` at the root or in ``annotations/``."""
        try:
            return find_coco_json(root) is not None
        except DataError:
            return True

    def annotation_file(self, info: dict, item: Item) -> str:
        """The one COCO JSON."""
        return info["ann_rel"]

    def scan(self, root: Path, ann_path: Path | None = None) -> Dataset:
        """Read the JSON; one item per image, carrying its own annotations.

        Dataset-level defects (an unreadable or non-COCO JSON) raise :class:`DataError`;
        defects of one image or annotation become that item's error, so the rest of the
        dataset is still usable: an image entry that is not an object, a bad ``id``,
        ``file_name``, ``width`` or ``height``; two images sharing an ``id`` (both are skipped:
        their annotations cannot be told apart); an annotation whose ``id`` repeats an earlier
        one or whose ``category_id`` is not in ``categories`` (its image is skipped); and an
        annotation naming no image (listed as ``annotations[i]``).
        """
        found = ann_path is None
        ann_path = ann_path or find_coco_json(root)
        if ann_path is None:
            raise DataError(f"{root}: no COCO JSON in annotations/ or at the root")
        if found:
            real, base = os.path.realpath(ann_path), os.path.realpath(root)
            if not real.startswith(base.rstrip(os.sep) + os.sep):
                raise DataError(
                    f"{ann_path}: resolves outside the dataset folder (a symlink); synthaug "
                    "reads nothing outside SRC: copy the file into SRC"
                )
        raw = read_limited(ann_path, MAX_JSON_BYTES, "COCO annotation file", DataError)
        data = parse_json(raw, str(ann_path), DataError)
        if not isinstance(data, dict) or not isinstance(data.get("images"), list):
            raise DataError(f"{ann_path}: expected a JSON object with an 'images' list")
        anns = data.get("annotations") or []
        cats = data.get("categories")
        if not isinstance(anns, list):
            raise DataError(f"{ann_path}: 'annotations' must be a list, got {type(anns).__name__}")
        if cats is not None and not isinstance(cats, list):
            raise DataError(f"{ann_path}: 'categories' must be a list, got {type(cats).__name__}")
        image_dir = "images" if (root / "images").is_dir() else ""
        ann_rel = ann_path.relative_to(root).as_posix()
        items: list[Item] = []

        def bad(key: str, ann: dict, reason: str, message: str, field: str = "") -> None:
            items.append(Item(key, ann, (reason, message, field, ann_rel)))

        cat_ids = None
        if cats is not None:
            cat_ids = {c.get("id") for c in cats if isinstance(c, dict) and _valid_id(c.get("id"))}
        image_ids = Counter(
            img.get("id")
            for img in data["images"]
            if isinstance(img, dict) and _valid_id(img.get("id"))
        )
        by_image: dict[Any, list[dict]] = {}
        problems: dict[Any, tuple[str, str, str]] = {}  # image id -> first annotation defect
        seen_ann_ids: set[Any] = set()
        for j, a in enumerate(anns):
            where = f"annotations[{j}]"
            if not isinstance(a, dict):
                bad(where, {}, "bad_annotation", f"{where}: expected an object, got {a!r:.40}")
                continue
            image_id = a.get("image_id")
            if not _valid_id(image_id) or image_id not in image_ids:
                bad(
                    where,
                    {},
                    "bad_annotation",
                    f"{where}.image_id = {image_id!r:.40} names no image of 'images'",
                    "image_id",
                )
                continue
            by_image.setdefault(image_id, []).append(a)
            ann_id = a.get("id")
            if ann_id is not None and not _valid_id(ann_id):
                problem = (
                    "bad_annotation",
                    f"{where}.id = {ann_id!r:.40}: expected an integer",
                    "id",
                )
            elif ann_id is not None and ann_id in seen_ann_ids:
                problem = (
                    "duplicate_id",
                    f"{where}.id = {ann_id!r} repeats an earlier annotation id",
                    "id",
                )
            elif cat_ids is not None and a.get("category_id") not in cat_ids:
                cat = a.get("category_id")
                problem = (
                    "unknown_category",
                    f"{where}.category_id = {cat!r:.40} is not an id of 'categories'",
                    "category_id",
                )
            else:
                problem = None
            if ann_id is not None and _valid_id(ann_id):
                seen_ann_ids.add(ann_id)
            if problem is not None:
                problems.setdefault(image_id, problem)
        seen: set[str] = set()
        for i, img in enumerate(data["images"]):
            where = f"images[{i}]"
            if not isinstance(img, dict):
                bad(where, {}, "bad_annotation", f"{where}: expected an object, got {img!r:.40}")
                continue
            image_id, name = img.get("id"), img.get("file_name")
            rel = safe_relpath(name) if isinstance(name, str) else None
            ann = {
                "image": img,
                "annotations": by_image.get(image_id, []) if _valid_id(image_id) else [],
            }
            if not isinstance(name, str):
                bad(
                    where,
                    ann,
                    "bad_annotation",
                    f"{where}.file_name = {name!r:.40}: expected a string",
                    "file_name",
                )
                continue
            if rel is None:
                bad(
                    f"{where}:{name!r}",
                    ann,
                    "unsafe_path",
                    f"{where}.file_name = {name!r} leaves the image folder",
                    "file_name",
                )
                continue
            key = posixpath.join(image_dir, rel) if image_dir else rel
            if not _valid_id(image_id):
                bad(
                    key,
                    ann,
                    "bad_annotation",
                    f"{where}.id = {image_id!r:.40}: expected an integer",
                    "id",
                )
                continue
            if image_ids[image_id] > 1:
                bad(
                    key,
                    ann,
                    "duplicate_id",
                    f"{where}.id = {image_id!r} is shared by {image_ids[image_id]} images; their "
                    "annotations cannot be told apart",
                    "id",
                )
                continue
            size_problem = _size_problem(img, where)
            if size_problem is not None:
                bad(key, ann, "bad_annotation", *size_problem)
                continue
            if key in seen:
                bad(
                    f"{where}:{key}",
                    ann,
                    "bad_annotation",
                    f"{where}.file_name = {name!r} is listed twice",
                    "file_name",
                )
                continue
            seen.add(key)
            if image_id in problems:
                reason, message, field = problems[image_id]
                bad(key, ann, reason, f"{key}: {message}", field)
                continue
            items.append(Item(key, ann))
        header = {k: data[k] for k in ("info", "licenses", "categories") if k in data}
        flips, flip_problems = _category_flips(cats or [])
        info = {
            "image_dir": image_dir,
            "ann_rel": ann_rel,
            "header": header,
            "flip": flips,
            "flip_problems": flip_problems,
        }
        return Dataset(root, self.name, sorted(items, key=lambda it: it.key), info)

    def to_sample(self, root: Path, info: dict, item: Item, image: np.ndarray) -> Sample:
        """``xywh`` boxes labelled by annotation index; masks and keypoints when present."""
        img, anns = item.ann["image"], item.ann["annotations"]
        h, w = image.shape[:2]
        if (img.get("width"), img.get("height")) not in ((w, h), (None, None)):
            raise ItemError(
                "bad_annotation",
                f"{item.key}: the JSON says {img.get('width')} x {img.get('height')}, the image is "
                f"{w} x {h}",
                field="width",
            )
        boxes, masks, kinds, objects = [], [], [], []
        keypoints: list[np.ndarray | None] = []
        warnings: list[tuple[str, str, str]] = []
        for a in anns:
            where = f"{item.key}: annotations[id={a.get('id')!r:.20}]"
            bbox = _numbers(a.get("bbox"), "bbox", where, "[x, y, width, height] as numbers")
            if len(bbox) != 4 or bbox[2] < 0 or bbox[3] < 0:
                raise ItemError(
                    "bad_annotation",
                    f"{where}.bbox = {bbox}: expected [x, y, width, height] with width, "
                    "height >= 0",
                    field="bbox",
                )
            x, y, bw, bh = bbox
            boxes.append([x, y, x + bw, y + bh])
            iscrowd = a.get("iscrowd", 0)
            if iscrowd not in (0, 1) or isinstance(iscrowd, float):
                raise ItemError(
                    "bad_annotation",
                    f"{where}.iscrowd = {iscrowd!r:.20}: expected 0 or 1",
                    field="iscrowd",
                )
            seg = a.get("segmentation")
            if seg:
                mask, kind = _segmentation_to_mask(seg, (h, w), where)
                if not mask.any():
                    warnings.append(
                        ("empty_mask", "segmentation", f"{where}.segmentation covers no pixel")
                    )
                masks.append(mask)
                kinds.append(kind)
            else:
                masks.append(None)
                kinds.append(None)
            raw_kp = a.get("keypoints")
            n_kp = 0
            keypoints.append(None)
            if raw_kp:
                flat = _numbers(raw_kp, "keypoints", where, "a flat list x0, y0, v0, x1, ...")
                if len(flat) % 3 or any(v not in (0.0, 1.0, 2.0) for v in flat[2::3]):
                    raise ItemError(
                        "bad_annotation",
                        f"{where}.keypoints: expected [x, y, v] * K with v in 0, 1, 2, got "
                        f"{len(flat)} values",
                        field="keypoints",
                    )
                arr = np.asarray(flat, np.float64).reshape(-1, 3)
                n_kp = len(arr)
                cat = a.get("category_id")
                if cat in info.get("flip_problems", {}):
                    message, field = info["flip_problems"][cat]
                    raise ItemError("bad_annotation", f"{where}: {message}", field=field)
                flip = info.get("flip", {}).get(cat)
                if flip is not None and len(flip) != n_kp:
                    raise ItemError(
                        "bad_annotation",
                        f"{where}.keypoints: {n_kp} keypoints, but category {cat!r:.20} names "
                        f"{len(flip)}",
                        field="keypoints",
                    )
                keypoints[-1] = arr
            objects.append(
                {
                    "category_id": a.get("category_id"),
                    "iscrowd": iscrowd,
                    "kind": kinds[-1],
                    "n_keypoints": n_kp,
                    "flip": info.get("flip", {}).get(a.get("category_id")) if n_kp else None,
                    "extra": {k: v for k, v in a.items() if k not in _RECOMPUTED},
                    "source": {k: v for k, v in a.items() if k not in ("id", "image_id")},
                }
            )
        xyxy = check_boxes_xyxy(np.asarray(boxes, np.float64).reshape(-1, 4), (h, w), item.key)
        has_masks = any(m is not None for m in masks)
        rich = RichLabels(keypoints=keypoints, flips=[o["flip"] for o in objects])
        return Sample(
            image,
            masks=[m if m is not None else np.zeros((h, w), np.uint8) for m in masks]
            if has_masks
            else None,
            boxes=xyxy,
            box_labels=list(range(len(objects))),
            **sample_targets(rich),
            meta={
                "key": item.key,
                "rich": rich,
                "objects": objects,
                "warnings": warnings,
                "source_hw": (h, w),
                # segmented and box-only annotations mixed: the masks do not decide the boxes
                "instance_masks": not has_masks or all(m is not None for m in masks),
            },
        )

    def record(self, sample: Sample, info: dict, item: Item) -> dict[str, Any]:
        """``{"width", "height", "annotations": [...]}`` without ids (assigned in ``finish``).

        When the pipeline moved no pixel (identity, colour and noise transforms), each kept
        annotation is written as it was read, every field unchanged. Otherwise ``bbox``,
        ``area``, ``segmentation`` (same kind: polygons simplified to an IoU of at least
        :data:`~synthaug.data.masks.MIN_POLYGON_IOU` with the mask, RLE exact), ``keypoints``
        (as the engine left them: partners swapped by each mirroring step) and
        ``num_keypoints`` are recomputed, and every other field of the annotation is carried
        as it was.
        """
        objects = sample.meta["objects"]
        kept = list(sample.box_labels or [])
        boxes = np.asarray(sample.boxes, np.float64).reshape(-1, 4)
        unchanged = geometry_unchanged(sample, sample.meta.get("source_hw", (-1, -1)))
        tight_here = not sample.meta.get("instance_masks", True)
        kps = keypoints_from_sample(sample, [o["n_keypoints"] for o in objects])
        masks = None if sample.masks is None else list(sample.masks)
        # the engine drops the masks of dropped instances (objects with keypoints) with them;
        # masks that are not one per object are never dropped: index them by object
        by_row = masks is not None and len(masks) == len(kept)
        anns = []
        for row, (j, (x0, y0, x1, y1)) in enumerate(zip(kept, boxes, strict=True)):
            obj = objects[j]
            if unchanged and "source" in obj:
                anns.append(dict(obj["source"]))
                continue
            out: dict[str, Any] = {
                **obj.get("extra", {}),
                "category_id": obj["category_id"],
                "iscrowd": obj["iscrowd"],
                "bbox": [
                    round(float(x0), 2),
                    round(float(y0), 2),
                    round(float(x1 - x0), 2),
                    round(float(y1 - y0), 2),
                ],
                "area": round(float((x1 - x0) * (y1 - y0)), 2),
            }
            if obj["kind"] is not None and masks is not None:
                m = masks[row] if by_row else masks[j]
                if not m.any():
                    continue
                out["segmentation"] = _mask_to_segmentation(m, obj["kind"])
                out["area"] = int((m > 0).sum())
                if tight_here:
                    out["bbox"] = _tight_bbox(m, (x0, y0, x1, y1))
            if obj["n_keypoints"]:
                flat: list[float] = []
                for kx, ky, v in kps[j]:
                    flat += [round(float(kx), 2), round(float(ky), 2), int(v)]
                out["keypoints"] = flat
                out["num_keypoints"] = int(np.count_nonzero(kps[j][:, 2] > 0))
            anns.append(out)
        return {"width": sample.width, "height": sample.height, "annotations": anns}

    def n_objects(self, record: dict) -> int:
        """Annotations in a record."""
        return len(record["annotations"])

    def finish(
        self, dst: Path, records: list[tuple[str, dict]], info: dict, durable: bool = True
    ) -> list[str]:
        """The one JSON of the whole output, images and annotations renumbered by key."""
        images, annotations = [], []
        prefix = info["image_dir"] + "/" if info["image_dir"] else ""
        for image_id, (key, rec) in enumerate(sorted(records, key=lambda r: r[0]), start=1):
            name = key[len(prefix) :] if prefix and key.startswith(prefix) else key
            images.append(
                {"id": image_id, "file_name": name, "width": rec["width"], "height": rec["height"]}
            )
            for a in rec["annotations"]:
                annotations.append({"id": len(annotations) + 1, "image_id": image_id, **a})
        doc = {**info["header"], "images": images, "annotations": annotations}
        order = ("info", "licenses", "images", "annotations", "categories")
        doc = {k: doc[k] for k in order if k in doc}
        atomic_write_bytes(
            dst / info["ann_rel"], json.dumps(doc, separators=(",", ":")).encode("utf-8"), durable
        )
        return [info["ann_rel"]]
