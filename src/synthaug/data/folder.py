"""Image folders with one subfolder per class (``root/<class>/.../<image>``).

The class of an image is the first folder of its key; images directly under the root have no
class (``label=None``). Outputs keep the folder structure, so the class is kept too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from synthaug.augment.sample import Sample
from synthaug.data.dataset import Dataset, DatasetFormat, Item, scan_images

__all__ = ["FolderFormat"]


class FolderFormat(DatasetFormat):
    """Classification images, one subfolder per class."""

    name = "folder"

    def detect(self, root: Path) -> bool:
        """Always possible: the fallback format."""
        return True

    def scan(self, root: Path) -> Dataset:
        """Every image under ``root`` (dot-folders skipped), sorted by key."""
        keys = scan_images(root, root)
        classes = sorted({k.split("/", 1)[0] for k in keys if "/" in k})
        return Dataset(root, self.name, [Item(k) for k in keys], {"classes": classes})

    def to_sample(self, root: Path, info: dict, item: Item, image: np.ndarray) -> Sample:
        """The image with ``label`` = its class folder name (or None)."""
        label = item.key.split("/", 1)[0] if "/" in item.key else None
        return Sample(image, label=label, meta={"key": item.key})

    def record(self, sample: Sample, info: dict, item: Item) -> dict[str, Any]:
        """``{"label": class name}``; the output's folder carries the class."""
        return {"label": sample.label}
