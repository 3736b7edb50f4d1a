"""Chunked sampling from a generator, shared by the local and the Ray engine.

``synthaug synth sample`` draws its images in fixed chunks of :data:`CHUNK_SIZE`: chunk ``c``
holds images ``c * chunk_size ...`` with their labels and is drawn with its own seed
:func:`chunk_seed` ``(seed, c)``. A chunk depends only on the model, the labels, the run seed
and its index, so any engine that runs the chunks (in this process, or as Ray tasks on a
cluster) returns the same images byte for byte, whatever the order.

Examples
--------
>>> from synthaug.synth import load
>>> gen = load("digits-cvae")
>>> X, y = sample_chunked(gen, n=5, seed=0, chunk_size=2)
>>> X.shape, y.tolist()
((5, 8, 8), [0, 1, 2, 3, 4])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from synthaug.seeding import item_seed
from synthaug.synth.base import Generator, resolve_labels

__all__ = ["CHUNK_SIZE", "chunk_seed", "iter_chunks", "sample_chunk", "sample_chunked"]

#: Images per chunk. Part of what decides the outputs: changing it changes the images.
CHUNK_SIZE = 500


def chunk_seed(seed: int, chunk: int) -> int:
    """The seed of chunk ``chunk`` of a run with seed ``seed`` (a 63-bit int)."""
    return item_seed(int(seed), "synth-sample-chunk", int(chunk))


def iter_chunks(n_images: int, chunk_size: int = CHUNK_SIZE) -> Iterator[tuple[int, int, int]]:
    """``(chunk, start, stop)`` for every chunk of ``n_images`` images."""
    for c, start in enumerate(range(0, n_images, chunk_size)):
        yield c, start, min(start + chunk_size, n_images)


def sample_chunk(gen: Generator, y: np.ndarray, seed: int, chunk: int) -> np.ndarray:
    """Images of one chunk: labels ``y`` (that chunk's slice) drawn with :func:`chunk_seed`."""
    X, _ = gen.sample(labels=np.asarray(y, dtype=np.int64), seed=chunk_seed(seed, chunk))
    return X


def sample_chunked(
    gen: Generator,
    n: int | None = None,
    labels: None | np.ndarray | list[int] | Mapping[int, int] = None,
    seed: int = 0,
    chunk_size: int = CHUNK_SIZE,
    callback: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` labelled images chunk by chunk in this process.

    ``n`` and ``labels`` mean what they mean in :meth:`Generator.sample`. ``callback``
    receives ``{"done", "total"}`` (images) after each chunk. Returns ``(X, y)``.
    """
    gen._check_fitted()
    y = resolve_labels(n, labels, gen.classes_)
    parts = []
    for c, start, stop in iter_chunks(len(y), chunk_size):
        parts.append(sample_chunk(gen, y[start:stop], seed, c))
        if callback is not None:
            callback({"done": stop, "total": len(y)})
    if not parts:
        return np.zeros((0, *gen.image_shape_), np.float32), y
    return np.concatenate(parts), y
