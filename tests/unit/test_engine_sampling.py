"""Chunked sampling: what both engines of ``synthaug synth sample`` run."""

from __future__ import annotations

import numpy as np

from synthaug.engine.sampling import chunk_seed, iter_chunks, sample_chunk, sample_chunked
from synthaug.synth import load
from synthaug.synth.base import resolve_labels


def test_chunks_cover_every_image_once():
    assert list(iter_chunks(7, 3)) == [(0, 0, 3), (1, 3, 6), (2, 6, 7)]
    assert list(iter_chunks(0, 3)) == []


def test_chunks_drawn_in_any_order_give_the_same_images():
    gen = load("digits-cvae")
    X, y = sample_chunked(gen, n=25, seed=4, chunk_size=10)
    parts = {c: sample_chunk(gen, y[a:b], 4, c) for c, a, b in reversed(list(iter_chunks(25, 10)))}
    assert np.array_equal(np.concatenate([parts[c] for c in range(3)]), X)
    assert y.tolist() == resolve_labels(25, None, gen.classes_).tolist()


def test_each_chunk_has_its_own_seed():
    gen = load("digits-cvae")
    X, _ = sample_chunked(gen, labels=[3] * 20, seed=0, chunk_size=10)
    assert not np.array_equal(X[:10], X[10:])
    assert len({chunk_seed(0, c) for c in range(100)} | {chunk_seed(1, 0)}) == 101


def test_callback_counts_images():
    seen = []
    sample_chunked(load("digits-cvae"), n=5, seed=0, chunk_size=2, callback=seen.append)
    assert seen == [{"done": 2, "total": 5}, {"done": 4, "total": 5}, {"done": 5, "total": 5}]
