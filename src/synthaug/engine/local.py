"""The local engine: a job's items over a pool of worker processes.

Items go to workers in small chunks; each finished chunk is appended to the manifest by the
parent (one writer, ``fsync``'d). With ``workers=1`` the job runs in this process. Worker
processes start with ``spawn`` (no state inherited from the caller) and use one OpenCV thread
each, so the pool is the only parallelism.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import cv2

from synthaug.data.dataset import Dataset, Item
from synthaug.engine.job import (
    AugmentJob,
    AugmentSummary,
    JobState,
    finalize_job,
    prepare_job,
    process_item,
)
from synthaug.errors import DataError

__all__ = ["default_workers", "run_job", "run_local"]

ProgressCallback = Callable[[dict[str, Any]], None]

_WORKER: dict[str, Any] = {}


def default_workers() -> int:
    """The number of CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _init_worker(job: AugmentJob, dataset: Dataset) -> None:
    cv2.setNumThreads(1)
    _WORKER["job"], _WORKER["dataset"] = job, dataset


def _run_chunk(items: list[Item]) -> list[dict[str, Any]]:
    return [process_item(it, _WORKER["job"], _WORKER["dataset"]) for it in items]


def _chunks(items: list[Item], size: int) -> Iterator[list[Item]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def run_local(
    state: JobState,
    workers: int = 1,
    callback: ProgressCallback | None = None,
    chunk_size: int | None = None,
) -> AugmentSummary:
    """Process ``state.pending`` with ``workers`` processes, then finalise the job.

    ``callback`` receives ``{"done", "total", "written", "skipped"}`` after every chunk
    (``done`` and ``total`` count items, resumed ones included).
    """
    total = len(state.dataset.items)
    counts = {"done": len(state.done), "total": total, "written": 0, "skipped": 0}

    def record(entries: list[dict[str, Any]]) -> None:
        state.manifest.append(entries)
        for e in entries:
            counts["done"] += 1
            if e["status"] == "ok":
                counts["written"] += len(e["outputs"])
            else:
                counts["skipped"] += 1
        if callback is not None:
            callback(dict(counts))

    if callback is not None:
        callback(dict(counts))
    workers = max(1, int(workers))
    size = chunk_size or max(1, min(16, len(state.pending) // (workers * 8) or 1))
    if workers == 1:
        before = cv2.getNumThreads()
        cv2.setNumThreads(1)
        try:
            for chunk in _chunks(state.pending, size):
                record([process_item(it, state.job, state.dataset_ref) for it in chunk])
        finally:
            cv2.setNumThreads(before)
    else:
        try:
            _run_pool(state, workers, size, record)
        except BrokenProcessPool:
            raise DataError(
                "a worker process died (out of memory?); finished items are kept in the "
                "manifest: continue with --resume, perhaps with fewer workers"
            ) from None
    return finalize_job(state)


def _run_pool(
    state: JobState, workers: int, size: int, record: Callable[[list[dict[str, Any]]], None]
) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(state.job, state.dataset_ref),
    ) as pool:
        chunks = _chunks(state.pending, size)
        running: set[Future] = set()
        for chunk in chunks:
            running.add(pool.submit(_run_chunk, chunk))
            if len(running) >= 2 * workers:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    record(fut.result())
        while running:
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                record(fut.result())


def run_job(
    job: AugmentJob,
    workers: int = 1,
    resume: bool = False,
    callback: ProgressCallback | None = None,
) -> AugmentSummary:
    """Prepare and run ``job`` on the local engine.

    Examples
    --------
    >>> from synthaug.augment import Compose, HorizontalFlip
    >>> job = AugmentJob("data/train", "data/train-aug", Compose([HorizontalFlip()]).to_dict(),
    ...                  copies=4, seed=0)  # doctest: +SKIP
    >>> run_job(job, workers=2).n_written  # doctest: +SKIP
    800
    """
    return run_local(prepare_job(job, resume=resume), workers=workers, callback=callback)
