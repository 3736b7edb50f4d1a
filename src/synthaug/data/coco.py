"""COCO: one JSON file of images, annotations and categories.

Layout: ``root/annotations/<name>.json`` (or a single ``root/<name>.json``) and images under
``root/images/`` (or the root); ``file_name`` is relative to that image folder and may not
leave it (``../../x`` is reported as ``unsafe_path``). Each annotation gives a ``bbox``
``[x, y, w, h]`` in pixels, optionally a ``segmentation`` (polygons, or RLE with ``counts`` a
list or pycocotools' compressed string) and ``keypoints`` ``[x, y, v] * K`` (``v = 0`` not
labelled, 1 labelled but hidden, 2 visible; coordinates are pixel indices, as OpenCV centres).

Augmented outputs keep each annotation's category, ``iscrowd`` and segmentation kind
(polygons stay polygons, RLE stays RLE in the same counts form); keypoints that leave the image
become ``[0, 0, 0]``. Image and annotation ids are renumbered 1..n in output-key order.
"""

from __future__ import annotations

import json
import posixpath
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
from synthaug.data.masks import (
    mask_to_polygons,
    mask_to_rle,
    polygons_to_mask,
    rle_encode_string,
    rle_to_mask,
)
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


def _segmentation_to_mask(seg: Any, hw: tuple[int, int], where: str) -> tuple[np.ndarray, str]:
    try:
        if isinstance(seg, list):
            return polygons_to_mask(seg, hw), "polygon"
        if isinstance(seg, dict):
            if tuple(int(v) for v in seg.get("size", ())) != hw:
                raise InvalidInputError(
                    f"RLE size {seg.get('size')} differs from the image {list(hw)}"
                )
            kind = "rle_string" if isinstance(seg.get("counts"), str) else "rle"
            return rle_to_mask(seg), kind
    except InvalidInputError as exc:
        raise ItemError("bad_annotation", f"{where}.segmentation: {exc}") from None
    raise ItemError("bad_annotation", f"{where}.segmentation: expected polygons or RLE")


def _mask_to_segmentation(mask: np.ndarray, kind: str) -> Any:
    if kind == "polygon":
        return mask_to_polygons(mask)
    rle = mask_to_rle(mask)
    if kind == "rle_string":
        rle["counts"] = rle_encode_string(rle["counts"])
    return rle


class CocoFormat(DatasetFormat):
    """COCO detection, instance segmentation and keypoints."""

    name = "coco"

    def detect(self, root: Path) -> bool:
        """A JSON with ``images`` at the root or in ``annotations/``."""
        try:
            return find_coco_json(root) is not None
        except DataError:
            return True

    def scan(self, root: Path, ann_path: Path | None = None) -> Dataset:
        """Read the JSON; one item per image, carrying its own annotations."""
        ann_path = ann_path or find_coco_json(root)
        if ann_path is None:
            raise DataError(f"{root}: no COCO JSON in annotations/ or at the root")
        try:
            data = json.loads(ann_path.read_bytes())
        except (OSError, ValueError) as exc:
            raise DataError(f"{ann_path}: not a readable COCO JSON: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("images"), list):
            raise DataError(f"{ann_path}: expected an object with an 'images' list")
        anns = data.get("annotations") or []
        image_dir = "images" if (root / "images").is_dir() else ""
        by_image: dict[Any, list[dict]] = {}
        for a in anns:
            if isinstance(a, dict):
                by_image.setdefault(a.get("image_id"), []).append(a)
        items, seen = [], set()
        for i, img in enumerate(data["images"]):
            name = img.get("file_name") if isinstance(img, dict) else None
            rel = safe_relpath(name) if isinstance(name, str) else None
            ann = {
                "image": img,
                "annotations": by_image.get(img.get("id"), []) if isinstance(img, dict) else [],
            }
            if rel is None:
                key = f"images[{i}]:{name!r}"
                items.append(
                    Item(
                        key,
                        ann,
                        (
                            "unsafe_path",
                            f"images[{i}].file_name = {name!r} leaves the image folder",
                        ),
                    )
                )
                continue
            key = posixpath.join(image_dir, rel) if image_dir else rel
            if key in seen:
                items.append(
                    Item(
                        f"images[{i}]:{key}",
                        ann,
                        ("bad_annotation", f"images[{i}].file_name = {name!r} is listed twice"),
                    )
                )
                continue
            seen.add(key)
            items.append(Item(key, ann))
        header = {k: data[k] for k in ("info", "licenses", "categories") if k in data}
        info = {
            "image_dir": image_dir,
            "ann_rel": ann_path.relative_to(root).as_posix(),
            "header": header,
        }
        return Dataset(root, self.name, sorted(items, key=lambda it: it.key), info)

    def to_sample(self, root: Path, info: dict, item: Item, image: np.ndarray) -> Sample:
        """``xywh`` boxes labelled by annotation index; masks and keypoints when present."""
        img, anns = item.ann["image"], item.ann["annotations"]
        h, w = image.shape[:2]
        if (img.get("width"), img.get("height")) not in ((w, h), (None, None)):
            raise ItemError(
                "bad_annotation",
                f"{item.key}: the JSON says {img.get('width')} x {img.get('height')}, the image is {w} x {h}",
            )
        boxes, masks, kinds, kps, kp_labels, objects = [], [], [], [], [], []
        for j, a in enumerate(anns):
            where = f"{item.key}: annotation id {a.get('id')}"
            bbox = a.get("bbox")
            if not (
                isinstance(bbox, list)
                and len(bbox) == 4
                and all(isinstance(v, (int, float)) for v in bbox)
            ):
                raise ItemError(
                    "bad_annotation", f"{where}: bbox = {bbox!r:.60}, expected [x, y, w, h]"
                )
            x, y, bw, bh = (float(v) for v in bbox)
            boxes.append([x, y, x + bw, y + bh])
            seg = a.get("segmentation")
            if seg:
                mask, kind = _segmentation_to_mask(seg, (h, w), where)
                masks.append(mask)
                kinds.append(kind)
            else:
                masks.append(None)
                kinds.append(None)
            raw_kp = a.get("keypoints")
            n_kp = 0
            if raw_kp:
                arr = np.asarray(raw_kp, dtype=np.float64)
                if arr.ndim != 1 or len(arr) % 3 or not np.all(np.isfinite(arr)):
                    raise ItemError("bad_annotation", f"{where}: keypoints must be [x, y, v] * K")
                arr = arr.reshape(-1, 3)
                n_kp = len(arr)
                for k, (kx, ky, v) in enumerate(arr):
                    if v > 0:
                        kps.append([kx, ky])
                        kp_labels.append([j, k, int(v)])
            objects.append(
                {
                    "category_id": a.get("category_id"),
                    "iscrowd": a.get("iscrowd", 0),
                    "kind": kinds[-1],
                    "n_keypoints": n_kp,
                }
            )
        xyxy = check_boxes_xyxy(np.asarray(boxes, np.float64).reshape(-1, 4), (h, w), item.key)
        has_masks = any(m is not None for m in masks)
        return Sample(
            image,
            masks=[m if m is not None else np.zeros((h, w), np.uint8) for m in masks]
            if has_masks
            else None,
            boxes=xyxy,
            box_labels=list(range(len(objects))),
            keypoints=np.asarray(kps, np.float64).reshape(-1, 2) if kp_labels else None,
            keypoint_labels=kp_labels if kp_labels else None,
            meta={"key": item.key, "objects": objects},
        )

    def record(self, sample: Sample, info: dict, item: Item) -> dict[str, Any]:
        """``{"width", "height", "annotations": [...]}`` without ids (assigned in ``finish``)."""
        objects = sample.meta["objects"]
        kept = list(sample.box_labels or [])
        boxes = np.asarray(sample.boxes, np.float64).reshape(-1, 4)
        kp_by_obj: dict[int, dict[int, tuple[float, float, int]]] = {}
        if sample.keypoints is not None and sample.keypoint_labels is not None:
            for (kx, ky), (j, k, v) in zip(
                np.asarray(sample.keypoints)[:, :2], sample.keypoint_labels, strict=True
            ):
                kp_by_obj.setdefault(j, {})[k] = (float(kx), float(ky), int(v))
        masks = None if sample.masks is None else list(sample.masks)
        anns = []
        for j, (x0, y0, x1, y1) in zip(kept, boxes, strict=True):
            obj = objects[j]
            out: dict[str, Any] = {
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
                m = masks[j]
                if not m.any():
                    continue
                out["segmentation"] = _mask_to_segmentation(m, obj["kind"])
                out["area"] = int((m > 0).sum())
            if obj["n_keypoints"]:
                flat: list[float] = []
                pts = kp_by_obj.get(j, {})
                for k in range(obj["n_keypoints"]):
                    kx, ky, v = pts.get(k, (0.0, 0.0, 0))
                    flat += [round(kx, 2), round(ky, 2), v]
                out["keypoints"] = flat
                out["num_keypoints"] = sum(1 for k in range(obj["n_keypoints"]) if k in pts)
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
