"""Seeds and random streams.

Public entry points take ``seed: int | numpy.random.Generator | None`` and normalise it once
with :func:`as_rng`. Per-item streams come from :func:`item_rng`, a ``SeedSequence`` over the
item's key, so a result never depends on which worker or in which order the item ran.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import numpy as np

__all__ = ["SeedLike", "as_rng", "item_rng", "item_seed"]

SeedLike = Union[int, np.random.Generator, np.random.SeedSequence, Sequence[int], None]


def _key_to_ints(key: object) -> list[int]:
    if isinstance(key, (int, np.integer)):
        return [int(key)]
    if isinstance(key, (tuple, list)):
        out: list[int] = []
        for part in key:
            if isinstance(part, (int, np.integer)):
                out.append(int(part))
            elif isinstance(part, str):
                out.extend(part.encode("utf-8"))
                out.append(0x10FFFF)  # separator so ("ab", "c") != ("a", "bc")
            else:
                raise TypeError(f"seed key parts must be int or str, got {type(part).__name__}")
        return out
    if isinstance(key, str):
        return list(key.encode("utf-8"))
    raise TypeError(f"seed key must be an int, str or tuple of those, got {type(key).__name__}")


def as_rng(seed: SeedLike) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` for ``seed``.

    ``None`` gives fresh OS entropy; an int or a tuple of ints/strings gives a reproducible
    stream; a Generator is returned as is (shared, not copied).
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    return np.random.default_rng(np.random.SeedSequence(_key_to_ints(seed)))


def item_rng(*key: int | str) -> np.random.Generator:
    """Random stream for one item, identified by e.g. ``(run_seed, epoch, index)``."""
    return np.random.default_rng(np.random.SeedSequence(_key_to_ints(tuple(key))))


def item_seed(*key: int | str) -> int:
    """A 63-bit integer seed derived from ``key`` (for torch generators and subprocesses)."""
    ss = np.random.SeedSequence(_key_to_ints(tuple(key)))
    return int(ss.generate_state(1, dtype=np.uint64)[0]) & ((1 << 63) - 1)
