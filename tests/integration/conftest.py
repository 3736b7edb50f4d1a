"""Shared fixtures of the end-to-end tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from synthaug.data import load_dataset


@pytest.fixture()
def digit_folders(tmp_path: Path) -> Callable[[dict[int, str], int], Path]:
    """A factory writing real digits as a class-per-folder PNG tree: ``{digit: folder name}``
    and images per class; returns the tree's root."""

    def write(names: dict[int, str], per_class: int) -> Path:
        X, y = load_dataset("digits")
        root = tmp_path / "digit-folders"
        for digit, name in names.items():
            (root / name).mkdir(parents=True)
            for i, im in enumerate(X[y == digit][:per_class]):
                cv2.imwrite(str(root / name / f"{i:03d}.png"), (im * 255).astype(np.uint8))
        return root

    return write
