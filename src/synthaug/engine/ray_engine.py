"""The Ray Data engine: the same jobs as the local engine, on a local Ray or a cluster.

Augmentation: the pending items become a Ray dataset (``ray.data.from_items``, one row per
item: its key and its scan record as JSON); ``map_batches`` runs :func:`process_item`, the
function the local engine runs, with the same per-item seeds, so every output file is
byte-identical to the local engine's. Workers write the outputs (atomic renames, fixed names);
the driver appends each finished batch to the job's manifest as results stream back, so
``--resume`` continues a job whichever engine started it. Ray retries the tasks of a worker
that dies (Ray Data map tasks retry system failures without limit by default); a retried
item rewrites the same bytes, and the driver records each key once.

Synthetic sampling: the chunks of :mod:`synthaug.engine.sampling` become rows; each task loads
the model from its bytes (safetensors + JSON, shipped with the task, so workers need no copy
of the file) and draws its chunk with the chunk's seed; the driver writes the images.

On a cluster, SRC and DST must be visible at the same paths on every node (a shared
filesystem); a worker that cannot see them fails the job with a message saying so.

Ray is optional: this module imports it only inside its functions, and :func:`require_ray`
turns its absence into a :class:`~synthaug.errors.ConfigError` naming the extra.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from synthaug.data.dataset import Dataset, Item
from synthaug.engine.job import STATE_DIR, AugmentJob, AugmentSummary, JobState, finalize_job
from synthaug.engine.sampling import CHUNK_SIZE, iter_chunks
from synthaug.errors import ConfigError, DataError

__all__ = ["RAY_EXTRA_HINT", "ray_session", "require_ray", "run_ray", "sample_ray"]

ProgressCallback = Callable[[dict[str, Any]], None]

#: What to install for ``--engine ray``.
RAY_EXTRA_HINT = 'pip install "synthaug[ray]"'
_AUGMENT_BATCH = 64  # larger batches cost less per item (bench_ray.py --batch-sizes 16 64)


def require_ray() -> Any:
    """Import and return ``ray`` (with ``ray.data``); ConfigError naming the extra if missing."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise ConfigError(
            f"--engine ray needs Ray Data, which is not installed ({exc}): {RAY_EXTRA_HINT}"
        ) from None
    return ray


def _quiet_ray_data() -> None:
    import ray.data

    # The CLI owns the terminal; errors reach the caller as exceptions.
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False


@contextlib.contextmanager
def ray_session(address: str | None = None, num_cpus: int | None = None) -> Iterator[Any]:
    """Connect to Ray for the duration of a ``with`` block; yields the ``ray`` module.

    With ``address`` (``"host:port"`` or ``"auto"``) it joins that cluster; without, it starts
    a local Ray with ``num_cpus`` CPUs (all of them if ``None``). A Ray that the caller has
    already initialised is used as it is and left running.
    """
    ray = require_ray()
    started = not ray.is_initialized()
    if started:
        try:
            ray.init(
                address=address,
                num_cpus=None if address else num_cpus,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.ERROR,
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f"the Ray cluster at {address}" if address else "a local Ray"
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise DataError(f"cannot start or join {where}: {reason}") from exc
    _quiet_ray_data()
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


def _close(batches: Any) -> None:
    close = getattr(batches, "close", None)
    if close is not None:
        close()


# -- augmentation -------------------------------------------------------------------------------
def _item_row(item: Item) -> dict[str, str]:
    record = {"key": item.key, "ann": item.ann, "error": item.error}
    return {"key": item.key, "item": json.dumps(record)}


def _row_item(text: str) -> Item:
    d = json.loads(text)
    return Item(d["key"], d["ann"], tuple(d["error"]) if d["error"] is not None else None)


def _check_visible(job: AugmentJob, dataset: Dataset) -> None:
    if not (Path(job.dst) / STATE_DIR / "job.json").is_file() or not dataset.root.is_dir():
        raise DataError(
            f"node {socket.gethostname()}: SRC {dataset.root} or DST {job.dst} is not visible "
            "here; on a cluster both must be on a filesystem mounted at the same path on "
            "every node"
        )


def _augment_batch(
    batch: dict[str, np.ndarray], job: AugmentJob, dataset: Dataset
) -> dict[str, np.ndarray]:
    import cv2

    from synthaug.engine.job import process_item

    cv2.setNumThreads(1)
    try:
        _check_visible(job, dataset)
        entries = [json.dumps(process_item(_row_item(t), job, dataset)) for t in batch["item"]]
    except DataError as exc:  # sent back as data: Ray would keep only its traceback text
        return {"entry": np.array([json.dumps({"fatal": str(exc)})], dtype=object)}
    return {"entry": np.array(entries, dtype=object)}


def run_ray(
    state: JobState,
    address: str | None = None,
    num_cpus: int | None = None,
    callback: ProgressCallback | None = None,
    batch_size: int | None = None,
) -> AugmentSummary:
    """Process ``state.pending`` on Ray Data, then finalise the job (as :func:`run_local`).

    ``address`` joins a running cluster (else a local Ray with ``num_cpus`` CPUs starts and
    stops here); ``batch_size`` items go to a task at a time (default: at most 64, and at
    least 4 batches per CPU of the cluster, so that the CPUs stay balanced to the end). ``callback`` receives
    ``{"done", "total", "written", "skipped"}`` as batches finish.

    Examples
    --------
    >>> from synthaug.engine import AugmentJob, prepare_job
    >>> state = prepare_job(AugmentJob("train", "train-aug", pipeline, copies=4))  # doctest: +SKIP
    >>> run_ray(state, address="auto").n_written  # doctest: +SKIP
    800
    """
    counts = {"done": len(state.done), "total": len(state.dataset.items), "written": 0}
    counts["skipped"] = 0
    if callback is not None:
        callback(dict(counts))
    if state.pending:
        with ray_session(address, num_cpus) as ray:
            rows = [_item_row(it) for it in state.pending]
            if batch_size is None:
                n_cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
                batch_size = max(1, min(_AUGMENT_BATCH, len(rows) // (4 * n_cpus)))
            n_blocks = max(1, -(-len(rows) // batch_size))
            ds = ray.data.from_items(rows, override_num_blocks=n_blocks).map_batches(
                _augment_batch,
                fn_kwargs={"job": state.job, "dataset": state.dataset_ref},
                batch_size=batch_size,
                batch_format="numpy",
                num_cpus=1,
            )
            recorded: set[str] = set(state.done)
            batches = iter(ds.iter_batches(batch_size=None, batch_format="numpy"))
            try:
                for batch in batches:
                    entries = [json.loads(t) for t in batch["entry"]]
                    for e in entries:
                        if "fatal" in e:
                            raise DataError(e["fatal"])
                    entries = [e for e in entries if e["key"] not in recorded]
                    state.manifest.append(entries)
                    for e in entries:
                        recorded.add(e["key"])
                        counts["done"] += 1
                        if e["status"] == "ok":
                            counts["written"] += len(e["outputs"])
                        else:
                            counts["skipped"] += 1
                    if callback is not None:
                        callback(dict(counts))
            finally:
                _close(batches)  # stop the execution now if the caller interrupts
    return finalize_job(state)


# -- synthetic sampling -------------------------------------------------------------------------
def model_files(model: str | os.PathLike[str]) -> dict[str, bytes]:
    """The bytes of a saved or shipped model: ``{"model.safetensors": ..., "model.json": ...}``."""
    from synthaug.synth.pretrained import pretrained_path

    path = pretrained_path(str(model)) or Path(model)
    if path.suffix == ".json":
        path = path.with_suffix(".safetensors")
    files = {"model.safetensors": path.read_bytes()}
    if path.with_suffix(".json").is_file():
        files["model.json"] = path.with_suffix(".json").read_bytes()
    return files


_MODELS: dict[str, Any] = {}


def _load_from_bytes(files: dict[str, bytes]) -> Any:
    """Load a generator from its file bytes once per worker process (through safetensors)."""
    from synthaug.synth import load

    digest = hashlib.sha256(b"".join(files[k] for k in sorted(files))).hexdigest()
    if digest not in _MODELS:
        with tempfile.TemporaryDirectory(prefix="synthaug-model-") as tmp:
            for name, data in files.items():
                Path(tmp, name).write_bytes(data)
            _MODELS[digest] = load(Path(tmp, "model.safetensors"))
    return _MODELS[digest]


def _sample_batch(
    batch: dict[str, np.ndarray], files: dict[str, bytes], y: np.ndarray, seed: int, size: int
) -> dict[str, np.ndarray]:
    from synthaug.engine.sampling import sample_chunk

    gen = _load_from_bytes(files)
    chunks, images = [], []
    for c in batch["chunk"]:
        c = int(c)
        X = sample_chunk(gen, y[c * size : (c + 1) * size], seed, c)
        chunks.append(c)
        images.append(X.tobytes())
    return {"chunk": np.array(chunks, np.int64), "X": np.array(images, dtype=object)}


def sample_ray(
    model: str | os.PathLike[str],
    y: np.ndarray,
    seed: int,
    image_shape: tuple[int, ...],
    address: str | None = None,
    num_cpus: int | None = None,
    chunk_size: int = CHUNK_SIZE,
    on_chunk: Callable[[int, np.ndarray], None] | None = None,
) -> np.ndarray:
    """Draw images with labels ``y`` from ``model`` on Ray, chunk by chunk.

    The images equal :func:`synthaug.engine.sampling.sample_chunked` byte for byte (same
    chunks, same chunk seeds). ``on_chunk(start, X_chunk)`` is called in the driver as each
    chunk arrives (in any order). Returns all images, in label order.
    """
    files = model_files(model)
    y = np.asarray(y, dtype=np.int64)
    X = np.empty((len(y), *image_shape), np.float32)
    chunks = list(iter_chunks(len(y), chunk_size))
    if not chunks:
        return X
    with ray_session(address, num_cpus) as ray:
        rows = [{"chunk": c} for c, _, _ in chunks]
        ds = ray.data.from_items(rows, override_num_blocks=len(rows)).map_batches(
            _sample_batch,
            fn_kwargs={"files": files, "y": y, "seed": int(seed), "size": chunk_size},
            batch_size=1,
            batch_format="numpy",
            num_cpus=1,
        )
        batches = iter(ds.iter_batches(batch_size=None, batch_format="numpy"))
        try:
            for batch in batches:
                for c, data in zip(batch["chunk"], batch["X"], strict=True):
                    _, start, stop = chunks[int(c)]
                    part = np.frombuffer(data, np.float32).reshape(stop - start, *image_shape)
                    X[start:stop] = part
                    if on_chunk is not None:
                        on_chunk(start, part)
        finally:
            _close(batches)
    return X
