"""A small task graph on a process pool: dependencies, priorities, one thread per worker.

The experiment runner turns its work into :class:`Task` objects (build a procedural bank, fit
a learned generator, train one arm, audit a pipeline, ...) that name the tasks they need. The
scheduler keeps at most ``workers`` tasks in flight, always starting the ready task of highest
priority, so long tasks start first and short ones fill the gaps (no phase waits for the
slowest task of the previous one). Every task is a module-level function of plain arguments
whose result depends only on those arguments, so the results are identical for any number of
workers and any order of completion.

Each worker process runs one thread: torch, OpenMP/BLAS (threadpoolctl) and OpenCV are limited
to one thread in :func:`limit_threads`, so ``workers`` processes never ask for more than
``workers`` cores (two processes of two threads each on two cores spend their time waiting
for each other).
"""

from __future__ import annotations

import heapq
import os
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "PhaseTiming",
    "Task",
    "available_cores",
    "limit_threads",
    "report_progress",
    "run_tasks",
]

_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")

#: where report_progress sends events: a queue to the parent in a worker, a function in-process
_SINK: Any = None


def report_progress(phase: str, event: dict[str, Any]) -> None:
    """Send a progress event from inside a running task to :func:`run_tasks`' ``on_progress``
    (through a queue when the task runs in a worker process); a no-op outside a run."""
    sink = _SINK
    if sink is None:
        return
    if callable(sink):
        sink(phase, event)
    else:
        sink.put((phase, dict(event)))


@dataclass(frozen=True)
class Task:
    """One unit of work: ``fn(*args)`` in phase ``phase``, after the tasks keyed in ``deps``.

    ``priority``: among ready tasks, larger starts first (use the expected seconds, so the
    longest work starts early and the pool does not end on one long task).
    """

    key: Hashable
    phase: str
    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()
    deps: tuple[Hashable, ...] = ()
    priority: float = 0.0


@dataclass
class PhaseTiming:
    """Work done in one phase: tasks, their summed wall and CPU seconds (measured inside the
    worker that ran them) and the span from the first start to the last end (seconds since
    :func:`run_tasks` was called; phases overlap)."""

    n_tasks: int = 0
    work_s: float = 0.0
    cpu_s: float = 0.0
    first_start_s: float | None = None
    last_end_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers, rounded to 0.01 s."""
        return {
            "n_tasks": self.n_tasks,
            "work_s": round(self.work_s, 2),
            "cpu_s": round(self.cpu_s, 2),
            "start_s": None if self.first_start_s is None else round(self.first_start_s, 2),
            "end_s": round(self.last_end_s, 2),
        }


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells, else all)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # macOS and Windows have no sched_getaffinity
        return max(1, os.cpu_count() or 1)


def _init_worker(queue: Any) -> None:
    global _SINK
    _SINK = queue
    limit_threads()


def limit_threads() -> None:
    """One thread for torch, OpenMP/BLAS and OpenCV in this process (pool initializer)."""
    for var in _THREAD_VARS:
        os.environ[var] = "1"
    import cv2
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set, or torch already ran parallel work in this process
        pass
    cv2.setNumThreads(1)
    threadpool_limits(1)


def _timed(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, float, float]:
    t, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - t, time.process_time() - c


def _check_graph(tasks: Sequence[Task]) -> None:
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError("tasks: duplicate keys")
    known = set(keys)
    for t in tasks:
        missing = [d for d in t.deps if d not in known]
        if missing:
            raise ValueError(f"task {t.key!r}: depends on unknown tasks {missing}")


def run_tasks(
    tasks: Sequence[Task],
    workers: int,
    on_done: Callable[[Task, Any], None] | None = None,
    on_progress: Callable[[str, dict[str, Any]], None] | None = None,
) -> dict[str, PhaseTiming]:
    """Run every task after its dependencies; call ``on_done(task, result)`` in this process
    as each finishes, and ``on_progress(phase, event)`` for what a running task sends with
    :func:`report_progress`; return the timing per phase.

    ``workers <= 1`` runs in this process (same order rule: ready task of highest priority).
    A task's exception is raised here after the tasks in flight have finished.
    """
    _check_graph(tasks)
    t0 = time.perf_counter()
    timing = {t.phase: PhaseTiming() for t in tasks}
    waiting = {t.key: set(t.deps) for t in tasks}
    dependents: dict[Hashable, list[Task]] = {}
    for t in tasks:
        for d in t.deps:
            dependents.setdefault(d, []).append(t)
    ready: list[tuple[float, int, Task]] = []
    order = {t.key: i for i, t in enumerate(tasks)}

    def push(t: Task) -> None:
        heapq.heappush(ready, (-t.priority, order[t.key], t))

    def finished(t: Task, result: Any, wall: float, cpu: float, started: float) -> None:
        ph = timing[t.phase]
        ph.n_tasks += 1
        ph.work_s += wall
        ph.cpu_s += cpu
        ph.first_start_s = started if ph.first_start_s is None else min(ph.first_start_s, started)
        ph.last_end_s = max(ph.last_end_s, time.perf_counter() - t0)
        if on_done:
            on_done(t, result)
        for nxt in dependents.get(t.key, []):
            waiting[nxt.key].discard(t.key)
            if not waiting[nxt.key]:
                push(nxt)

    for t in tasks:
        if not t.deps:
            push(t)
    global _SINK
    if workers <= 1:
        _SINK = on_progress
        try:
            while ready:
                t = heapq.heappop(ready)[2]
                started = time.perf_counter() - t0
                finished(t, *_timed(t.fn, t.args), started)
        finally:
            _SINK = None
        return timing

    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    ctx = mp.get_context("spawn")
    queue = ctx.SimpleQueue()

    def drain() -> None:
        while not queue.empty():
            phase, event = queue.get()
            if on_progress:
                on_progress(phase, event)

    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(queue,))
    with pool:
        in_flight: dict[Any, tuple[Task, float]] = {}
        error: BaseException | None = None
        while ready or in_flight:
            while ready and len(in_flight) < workers and error is None:
                t = heapq.heappop(ready)[2]
                in_flight[pool.submit(_timed, t.fn, t.args)] = (t, time.perf_counter() - t0)
            if not in_flight:
                break
            done, _ = wait(in_flight, timeout=0.25, return_when=FIRST_COMPLETED)
            drain()
            for f in done:
                t, started = in_flight.pop(f)
                exc = f.exception()
                if exc is not None:
                    error = error or exc
                    continue
                if error is None:
                    finished(t, *f.result(), started)
        if error is not None:
            raise error
    drain()
    return timing
