"""The package's ``__all__`` lists are literal (type checkers read only literal lists), so
they are checked here against the submodules they re-export."""

from __future__ import annotations

import synthaug.augment as A
import synthaug.augment.transforms as T

SUBMODULES = [
    "crops",
    "geometric",
    "pixel",
    "blur_noise",
    "color",
    "crops_extra",
    "distortion",
    "dropout",
    "weather",
]


def _reexported() -> list[str]:
    return [name for m in SUBMODULES for name in getattr(T, m).__all__]


def test_transforms_all_lists_every_submodule_export_in_order():
    # regression: `from synthaug.augment import Rotate` failed under mypy --strict because
    # __all__ was built with *submodule.__all__, which mypy cannot read
    base = ["REGISTRY", "ImageOnlyTransform", "MatrixTransform", "Transform", "register"]
    assert T.__all__ == base + _reexported()


def test_augment_all_reexports_every_transform_once():
    transforms = _reexported()
    start = A.__all__.index(transforms[0])
    assert A.__all__[start : start + len(transforms)] == transforms
    assert len(A.__all__) == len(set(A.__all__))
    assert all(hasattr(A, name) for name in A.__all__)
