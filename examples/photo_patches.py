"""Write a small class-per-folder dataset of real photo patches for ``synthaug audit``.

Classes are the six photos bundled with scikit-image and scikit-learn; each gets 80 random
square patches (96 px up to the photo's short side) resized to 32x32 PNGs::

    python examples/photo_patches.py photo-patches
    synthaug audit --pipeline examples/audit_photos.yaml --data photo-patches --out audit-photos
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from synthaug.data.builtin import sample_photos


def write_patches(root: Path, per_class: int = 80, size: int = 32, seed: int = 0) -> None:
    """Write ``root/<photo>/<i>.png`` patches (never into an existing non-empty folder)."""
    if root.exists() and any(root.iterdir()):
        raise SystemExit(f"{root}: exists and is not empty; choose a new folder")
    rng = np.random.default_rng(seed)
    for name, image in sample_photos():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        h, w = image.shape[:2]
        for i in range(per_class):
            side = int(rng.integers(96, min(h, w)))
            y, x = int(rng.integers(0, h - side)), int(rng.integers(0, w - side))
            patch = cv2.resize(
                image[y : y + side, x : x + side], (size, size), interpolation=cv2.INTER_AREA
            )
            cv2.imwrite(str(folder / f"{i:03d}.png"), cv2.cvtColor(patch, cv2.COLOR_RGB2BGR))
    print(f"wrote {per_class} patches per photo into {root}")


if __name__ == "__main__":
    write_patches(Path(sys.argv[1] if len(sys.argv) > 1 else "photo-patches"))
