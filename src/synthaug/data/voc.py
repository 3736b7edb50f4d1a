"""Pascal VOC: one XML file per image (``Annotations/a.xml`` beside ``JPEGImages/a.jpg``).

Outputs keep every tag synthaug does not interpret (``<source>``, ``<owner>``, custom tags in
objects; ``<path>``, which names the source image, is dropped), set ``truncated`` to 1 for an
object that did not reach the border of its source image but reaches the border of the output
(the pipeline cut it), or lost part of its outline at any frame of the pipeline, and list the outputs in ``ImageSets/Main`` by the source's split lists.

Box coordinates in VOC are 1-based inclusive pixel indices: ``xmin = 1`` is the first column
and ``xmax = W`` the last. In synthaug's ``xyxy`` pixel edges that is ``[xmin - 1, ymin - 1,
xmax, ymax]``. XML is parsed with the standard library after refusing any ``<!DOCTYPE`` or
``<!ENTITY`` (no entity expansion, no external references).
"""

from __future__ import annotations

import math
import os
import posixpath
import xml.etree.ElementTree as ET
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
    read_inside,
)
from synthaug.data.images import IMAGE_SUFFIXES, atomic_write_bytes

__all__ = ["VocFormat", "parse_voc_xml", "voc_xml"]

_MAX_XML_BYTES = 8 * 1024 * 1024
_OBJECT_FLAGS = ("pose", "truncated", "difficult", "occluded")
# <path> names the source image, which an output is not: it is dropped, not carried over
_KNOWN_TOP = {"folder", "filename", "path", "size", "segmented", "object"}


def parse_voc_xml(data: bytes, where: str) -> dict[str, Any]:
    """``{"filename", "size": (w, h, depth), "objects": [{"name", "bbox", ...}]}`` of a VOC XML."""
    if len(data) > _MAX_XML_BYTES:
        raise ItemError("bad_annotation", f"{where}: XML larger than {_MAX_XML_BYTES} bytes")
    head = data.upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise ItemError("bad_annotation", f"{where}: DTDs and entities are not accepted in VOC XML")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ItemError("bad_annotation", f"{where}: malformed XML: {exc}", file=where) from None
    if root.tag != "annotation":
        raise ItemError(
            "bad_annotation", f"{where}: root element is <{root.tag}>, not <annotation>"
        )

    def num(node: ET.Element | None, tag: str, obj: str) -> float:
        text = None if node is None else node.findtext(tag)
        try:
            value = float(text)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            value = math.nan
        if not math.isfinite(value):
            raise ItemError(
                "bad_annotation",
                f"{where}: {obj}<{tag}> = {text!r:.30} is not a finite number",
                field=f"{obj}{tag}",
                file=where,
            ) from None
        return value

    objects = []
    for i, obj in enumerate(root.findall("object")):
        bnd = obj.find("bndbox")
        label = f"object[{i}]."
        box = [num(bnd, t, label) for t in ("xmin", "ymin", "xmax", "ymax")]
        entry: dict[str, Any] = {"name": (obj.findtext("name") or "").strip(), "bbox": box}
        for tag in _OBJECT_FLAGS:
            if obj.find(tag) is not None:
                entry[tag] = (obj.findtext(tag) or "").strip()
        extra = _extra_elements(obj, {"name", "bndbox", *_OBJECT_FLAGS})
        if extra:
            entry["extra"] = extra
        objects.append(entry)
    size = root.find("size")
    dims = None
    if size is not None and size.find("width") is not None:
        dims = (num(size, "width", "size."), num(size, "height", "size."))
        for tag, v in zip(("width", "height"), dims, strict=True):
            if not (math.isfinite(v) and v == int(v) and 0 < v < 1 << 31):
                raise ItemError(
                    "bad_annotation",
                    f"{where}: size<{tag}> = {size.findtext(tag)!r:.30}: expected a positive "
                    "integer",
                    field=f"size.{tag}",
                    file=where,
                )
    return {
        "filename": (root.findtext("filename") or "").strip(),
        "folder": (root.findtext("folder") or "").strip(),
        "size": dims,
        "objects": objects,
        "extra": _extra_elements(root, _KNOWN_TOP),
    }


def _touches_edge(box: list[float], w: int, h: int) -> bool:
    """Whether a VOC box (1-based inclusive indices) reaches the image border."""
    xmin, ymin, xmax, ymax = box
    return xmin <= 1 or ymin <= 1 or xmax >= w or ymax >= h


def _extra_elements(node: ET.Element, known: set[str]) -> list[str]:
    """Children of ``node`` that synthaug does not interpret (``<source>``, ``<owner>``, custom
    tags), as XML text, so that outputs carry them unchanged."""
    out = []
    for child in node:
        if child.tag not in known:
            child.tail = None
            out.append(ET.tostring(child, encoding="unicode"))
    return out


def voc_xml(record: dict[str, Any]) -> bytes:
    """VOC XML bytes of a record (see :meth:`VocFormat.record`)."""
    root = ET.Element("annotation")
    ET.SubElement(root, "folder").text = record.get("folder", "")
    ET.SubElement(root, "filename").text = record["filename"]
    size = ET.SubElement(root, "size")
    for tag, v in zip(("width", "height", "depth"), record["size"], strict=True):
        ET.SubElement(size, tag).text = str(int(v))
    for text in record.get("extra", []):
        root.append(ET.fromstring(text))  # our own serialisation of a DTD-free document
    ET.SubElement(root, "segmented").text = "0"
    for obj in record["objects"]:
        o = ET.SubElement(root, "object")
        ET.SubElement(o, "name").text = obj["name"]
        for tag in _OBJECT_FLAGS:
            if tag in obj:
                ET.SubElement(o, tag).text = obj[tag]
        b = ET.SubElement(o, "bndbox")
        for tag, v in zip(("xmin", "ymin", "xmax", "ymax"), obj["bbox"], strict=True):
            ET.SubElement(b, tag).text = str(int(v))
        for text in obj.get("extra", []):
            o.append(ET.fromstring(text))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=False) + b"\n"


def _xml_key(out_key: str, info: dict) -> str:
    stem = posixpath.splitext(out_key)[0]
    img_dir, ann_dir = info.get("image_dir", ""), info.get("ann_dir", "")
    if img_dir and stem.startswith(img_dir + "/"):
        stem = (ann_dir + "/" if ann_dir else "") + stem[len(img_dir) + 1 :]
    return stem + ".xml"


class VocFormat(DatasetFormat):
    """Pascal VOC XML boxes with names, pose, truncated, difficult and occluded flags."""

    name = "voc"

    def detect(self, root: Path) -> bool:
        """An ``Annotations/`` folder, or XML files at the root."""
        return (root / "Annotations").is_dir() or any(root.glob("*.xml"))

    def scan(self, root: Path) -> Dataset:
        """One item per XML file; its image has the same stem in ``JPEGImages/`` (or beside it)."""
        ann_dir = "Annotations" if (root / "Annotations").is_dir() else ""
        img_dir = "JPEGImages" if ann_dir and (root / "JPEGImages").is_dir() else ann_dir
        by_stem: dict[str, str] = {}
        twins: dict[str, list[str]] = {}
        for dirpath, dirnames, filenames in os.walk(root / img_dir):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for f in sorted(filenames):
                stem, ext = os.path.splitext(f)
                if ext.lower() in IMAGE_SUFFIXES and not f.startswith("."):
                    rel = Path(dirpath, f).relative_to(root / img_dir).as_posix()
                    stem_rel = posixpath.splitext(rel)[0]
                    if stem_rel in by_stem:
                        twins.setdefault(stem_rel, [by_stem[stem_rel]]).append(rel)
                    by_stem.setdefault(stem_rel, rel)
        items = []
        for dirpath, dirnames, filenames in os.walk(root / ann_dir):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for f in sorted(filenames):
                if not f.endswith(".xml") or f.startswith("."):
                    continue
                xml_rel = Path(dirpath, f).relative_to(root).as_posix()
                stem = posixpath.splitext(Path(dirpath, f).relative_to(root / ann_dir).as_posix())[
                    0
                ]
                img = by_stem.get(stem)
                if stem in twins:
                    names = " and ".join(twins[stem])
                    msg = (
                        f"{xml_rel}: images {names} share its stem, so which one it annotates is "
                        "ambiguous; rename or remove all but one"
                    )
                    items.append(Item(xml_rel, {"xml": xml_rel}, ("same_stem", msg, "", xml_rel)))
                    continue
                if img is None:
                    msg = f"{xml_rel}: no image named {stem}.* in {img_dir or 'the root'}/"
                    items.append(Item(xml_rel, {"xml": xml_rel}, error=("missing_image", msg)))
                    continue
                key = posixpath.join(img_dir, img) if img_dir else img
                items.append(Item(key, {"xml": xml_rel}))
        info = {"ann_dir": ann_dir, "image_dir": img_dir, "splits": _read_splits(root, ann_dir)}
        return Dataset(root, self.name, sorted(items, key=lambda it: it.key), info)

    def annotation_file(self, info: dict, item: Item) -> str:
        """The item's XML."""
        return item.ann["xml"]

    def to_sample(self, root: Path, info: dict, item: Item, image: np.ndarray) -> Sample:
        """``xyxy`` pixel-edge boxes labelled by object index; checks the XML's size."""
        where = item.ann["xml"]
        try:
            data = read_inside(root, where, "annotation XML", _MAX_XML_BYTES)
        except FileNotFoundError:
            raise ItemError("missing_annotation", f"{where}: file not found", file=where) from None
        except ItemError:
            raise
        except OSError as exc:
            raise ItemError(
                "bad_annotation", f"{where}: cannot read: {exc.strerror}", file=where
            ) from None
        ann = parse_voc_xml(data, where)
        h, w = image.shape[:2]
        if ann["size"] is not None and (int(ann["size"][0]), int(ann["size"][1])) != (w, h):
            raise ItemError(
                "bad_annotation",
                f"{where}: <size> says {int(ann['size'][0])} x {int(ann['size'][1])}, the image "
                f"is {w} x {h}",
            )
        raw = np.asarray([o["bbox"] for o in ann["objects"]], np.float64).reshape(-1, 4)
        boxes = check_boxes_xyxy(raw - [1, 1, 0, 0], (h, w), where)
        objects = [{k: v for k, v in o.items() if k != "bbox"} for o in ann["objects"]]
        at_edge = [_touches_edge(b, w, h) for b in raw.tolist()]
        return Sample(
            image,
            boxes=boxes,
            box_labels=list(range(len(objects))),
            meta={
                "key": item.key,
                "objects": objects,
                "folder": ann["folder"],
                "extra": ann["extra"],
                "at_edge": at_edge,
            },
        )

    def record(self, sample: Sample, info: dict, item: Item) -> dict[str, Any]:
        """``{"filename", "folder", "size": [w, h, depth], "objects": [...]}`` (VOC indices)."""
        objs = []
        boxes = np.asarray(sample.boxes, np.float64).reshape(-1, 4)
        vis = sample.box_visibility
        for i, (j, (x0, y0, x1, y1)) in enumerate(zip(sample.box_labels or [], boxes, strict=True)):
            xmin, ymin = int(np.floor(x0 + 0.5)) + 1, int(np.floor(y0 + 0.5)) + 1
            xmax, ymax = int(np.floor(x1 + 0.5)), int(np.floor(y1 + 0.5))
            if xmax < xmin or ymax < ymin:
                continue
            obj = {**sample.meta["objects"][j], "bbox": [xmin, ymin, xmax, ymax]}
            edge_before = sample.meta.get("at_edge", [True] * (j + 1))[j]
            cut = vis is not None and i < len(vis) and float(vis[i]) < 1.0 - 1e-6
            if cut or (not edge_before and _touches_edge(obj["bbox"], sample.width, sample.height)):
                obj["truncated"] = "1"  # the pipeline cut it at a frame's border
            objs.append(obj)
        stem = posixpath.splitext(item.ann["xml"])[0]
        ann_dir = info.get("ann_dir", "")
        return {
            "folder": sample.meta.get("folder", ""),
            "filename": "",
            "size": [sample.width, sample.height, sample.n_channels],
            "objects": objs,
            "extra": sample.meta.get("extra", []),
            "stem": stem[len(ann_dir) + 1 :] if ann_dir else stem,
        }

    def n_objects(self, record: dict) -> int:
        """Objects in a record."""
        return len(record["objects"])

    def write_annotation(
        self, dst: Path, out_key: str, record: dict, info: dict, durable: bool = True
    ) -> list[str]:
        """The XML of one output image, with ``filename`` set to the output's name."""
        rel = _xml_key(out_key, info)
        atomic_write_bytes(
            dst / rel, voc_xml({**record, "filename": posixpath.basename(out_key)}), durable
        )
        return [rel]

    def finish(
        self, dst: Path, records: list[tuple[str, dict]], info: dict, durable: bool = True
    ) -> list[str]:
        """``ImageSets/Main/<split>.txt`` for each split list of the source (``trainval`` with
        every output when the source has none), in the standard layout only."""
        if not info.get("ann_dir"):
            return []
        splits = info.get("splits") or {"trainval": None}
        img_dir = info.get("image_dir", "")
        written = []
        for split, members in sorted(splits.items()):
            keep = None if members is None else set(members)
            stems = []
            for key, rec in sorted(records, key=lambda r: r[0]):
                if keep is None or rec.get("stem") in keep:
                    stem = posixpath.splitext(key)[0]
                    stems.append(stem[len(img_dir) + 1 :] if img_dir else stem)
            rel = f"ImageSets/Main/{split}.txt"
            atomic_write_bytes(dst / rel, "".join(f"{s}\n" for s in stems).encode(), durable)
            written.append(rel)
        return written


def _read_splits(root: Path, ann_dir: str) -> dict[str, list[str]]:
    """Split lists of ``ImageSets/Main`` (files of one stem per line; per-class files with a
    second column are not splits and are left out), read inside the root only."""
    folder = root / "ImageSets" / "Main"
    if not ann_dir or not folder.is_dir():
        return {}
    splits = {}
    for path in sorted(folder.glob("*.txt")):
        if path.name.startswith("."):
            continue
        rel = path.relative_to(root).as_posix()
        try:
            text = read_inside(root, rel, "split list", _MAX_XML_BYTES).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # not a split list synthaug can use: the output simply lacks it
        rows = [line.split() for line in text.splitlines() if line.strip()]
        if all(len(r) == 1 for r in rows):
            splits[path.stem] = [r[0] for r in rows]
    return splits
