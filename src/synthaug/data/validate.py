"""Check a dataset before using it: every item read and parsed exactly as a job would.

:func:`validate_dataset` runs the checks ``synthaug augment`` makes (scan-level: duplicate ids,
unknown categories, same-stem collisions, paths leaving the root; per item: unreadable,
truncated or oversized images, malformed annotations, NaN values, out-of-range classes, boxes
outside the image) and collects what it finds instead of skipping. Issues have a severity:
``error`` (a job would skip the item) or ``warning`` (the item is used, but probably not as
meant: an instance mask that covers no pixel, class names that are missing, an image the
augmentation engine does not take, such as a float image with NaN values). Nothing is
changed: it reports, the user decides.

Examples
--------
>>> report = validate_dataset("my_yolo_dataset")  # doctest: +SKIP
>>> report.n_errors, report.counts()  # doctest: +SKIP
(2, {'box_out_of_range': 1, 'class_out_of_range': 1})
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from synthaug.data.dataset import Dataset, ItemError
from synthaug.data.formats import FORMATS, load_item, open_dataset
from synthaug.data.images import DEFAULT_MAX_PIXELS, engine_gap

__all__ = ["Issue", "ValidationReport", "validate_dataset"]


@dataclass(frozen=True)
class Issue:
    """One finding: the item ``key``, the ``file`` and ``field`` at fault, a ``reason`` code,
    its ``severity`` (``error``: a job skips the item; ``warning``: it is used) and a message."""

    key: str
    file: str
    field: str
    reason: str
    severity: str
    message: str


@dataclass
class ValidationReport:
    """What :func:`validate_dataset` found in ``source``."""

    source: str
    format: str
    n_items: int = 0
    n_ok: int = 0
    issues: list[Issue] = field(default_factory=list)

    @property
    def n_errors(self) -> int:
        """Items a job would skip."""
        return sum(1 for i in self.issues if i.severity == "error")

    @property
    def n_warnings(self) -> int:
        """Findings that do not stop an item."""
        return sum(1 for i in self.issues if i.severity == "warning")

    def counts(self, severity: str | None = None) -> dict[str, int]:
        """Issues by reason (of one ``severity``, or all), sorted by reason."""
        c = Counter(i.reason for i in self.issues if severity in (None, i.severity))
        return dict(sorted(c.items()))

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (``synthaug validate --json``)."""
        return {
            "source": self.source,
            "format": self.format,
            "n_items": self.n_items,
            "n_ok": self.n_ok,
            "n_errors": self.n_errors,
            "n_warnings": self.n_warnings,
            "counts": self.counts(),
            "issues": [asdict(i) for i in self.issues],
        }


def _dataset_warnings(ds: Dataset) -> list[Issue]:
    out = []
    if ds.format in ("yolo", "yolo-obb") and not ds.info.get("names"):
        out.append(
            Issue(
                "",
                "classes.txt",
                "names",
                "no_class_names",
                "warning",
                "no classes.txt or data.yaml names: class ids cannot be checked",
            )
        )
    if ds.format == "coco":
        cats = ds.info["header"].get("categories")
        ann = ds.info["ann_rel"]
        if cats is None:
            out.append(
                Issue(
                    "",
                    ann,
                    "categories",
                    "no_categories",
                    "warning",
                    f"{ann}: no 'categories': category ids cannot be checked",
                )
            )
        else:
            ids = Counter(c.get("id") for c in cats if isinstance(c, dict))
            for cid, n in sorted(ids.items(), key=lambda kv: str(kv[0])):
                if n > 1:
                    out.append(
                        Issue(
                            "",
                            ann,
                            "categories.id",
                            "duplicate_id",
                            "warning",
                            f"{ann}: category id {cid!r} is used by {n} categories",
                        )
                    )
    return out


def validate_dataset(
    source: str | os.PathLike[str],
    format: str = "auto",
    max_pixels: int = DEFAULT_MAX_PIXELS,
    callback: Callable[[dict[str, int]], None] | None = None,
) -> ValidationReport:
    """Read and check every item of a dataset; return the findings.

    Dataset-level defects (no such folder, an unreadable COCO JSON) raise as they would for
    a job. ``callback`` receives ``{"done", "total"}`` after each item.
    """
    ds = open_dataset(source, format)
    report = ValidationReport(str(source), ds.format, n_items=len(ds.items))
    report.issues.extend(_dataset_warnings(ds))
    for n, item in enumerate(ds.items, start=1):
        try:
            sample, _ = load_item(ds, item, max_pixels)
        except ItemError as exc:
            report.issues.append(
                Issue(item.key, exc.file or item.key, exc.field, exc.reason, "error", str(exc))
            )
        else:
            report.n_ok += 1
            ann_file = FORMATS[ds.format].annotation_file(ds.info, item)
            for reason, fld, message in sample.meta.get("warnings", []):
                report.issues.append(Issue(item.key, ann_file, fld, reason, "warning", message))
            gap = engine_gap(sample.image)
            if gap is not None:  # readable (stats, preview), but `augment` skips it
                report.issues.append(
                    Issue(item.key, item.key, "", "unsupported_image", "warning", gap)
                )
        if callback is not None:
            callback({"done": n, "total": len(ds.items)})
    return report
