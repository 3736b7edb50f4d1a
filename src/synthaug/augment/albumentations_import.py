"""Re-export of :func:`synthaug.albumentations.from_albumentations` (moved there).

Kept so that ``synthaug.augment.from_albumentations`` keeps working; the mapping itself lives
in :mod:`synthaug.albumentations`. Imported lazily, because that layer is built on this package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["from_albumentations"]


def from_albumentations(d: Any | str | Path) -> Any:
    """Build a :class:`~synthaug.augment.Compose` from an Albumentations file or dict.

    See :func:`synthaug.albumentations.from_albumentations`.
    """
    from synthaug.albumentations import from_albumentations as convert

    return convert(d)
