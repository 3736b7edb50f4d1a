"""Time ``synthaug demo`` phase by phase: wall and CPU seconds, with the machine's load.

Runs what ``make demo`` runs (:func:`synthaug.experiment.demo.run_demo`: the experiment of
``digits_demo.yaml``, its report and the augmentation preview) and records, per phase (plan,
procedural bank, generators, arms, quality, audit, report, preview), the wall time and the CPU
time of this process and every worker process it started (torch threads included). The load
average is read at the start and end of every phase, because a shared machine makes wall time
depend on what else runs: read a table with its load.

Usage::

    PYTHONPATH=src OMP_NUM_THREADS=1 python bench/demo_time.py --out /tmp/demo-bench \\
        --write docs/results --label after

``OUT/cache`` (generators and font banks an earlier run trained) is removed first unless
``--keep-cache``: a timing is a fresh run's, as a newcomer's first ``make demo`` is.

``--write DIR`` writes ``DIR/demo_time.json`` (every measurement, newest last, keyed by
label) and ``DIR/demo_time.md`` (the tables the README quotes), and ``DIR/demo.md`` (the demo's
accuracy table and its key figures, from the run's ``metrics.json``; see
:mod:`synthaug.experiment.demo`). Linux only (CPU time of live workers is read from /proc).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK")
PHASES = ("plan", "procedural bank", "generators", "arms", "quality", "audit", "report", "preview")


def _descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (from /proc/*/stat parent ids)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _live_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def cpu_seconds() -> float:
    """CPU seconds of this process, its finished children and its live descendants."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    live = sum(_live_cpu(p) for p in _descendants(os.getpid()))
    return own.ru_utime + own.ru_stime + done.ru_utime + done.ru_stime + live


class PhaseClock:
    """A demo callback that timestamps phase changes (wall, CPU, load average)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.plan: dict[str, Any] = {}
        self._t0 = time.perf_counter()
        self._c0 = cpu_seconds()
        self._open: dict[str, Any] | None = None

    def enter(self, phase: str, total: int | None = None) -> None:
        """Close the open phase and open ``phase``."""
        now, cpu = time.perf_counter(), cpu_seconds()
        if self._open is not None:
            row = self._open
            row["wall_s"] = round(now - row.pop("_t"), 2)
            row["cpu_s"] = round(cpu - row.pop("_c"), 2)
            row["load_end"] = round(os.getloadavg()[0], 2)
            self.rows.append(row)
            self._open = None
        if phase:
            self._open = {
                "phase": phase,
                "count": total,
                "load_start": round(os.getloadavg()[0], 2),
                "_t": now,
                "_c": cpu,
            }

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "plan":
            self.plan = {k: v for k, v in event.items() if k != "event"}
            # the task graph runs its phases side by side: one clock row for all of them
            self.enter("experiment (task phases below)", event.get("n_runs"))
        elif kind == "phase":
            self.enter(event["phase"], event.get("total"))

    def totals(self) -> dict[str, float]:
        """Wall and CPU seconds since the clock started."""
        return {
            "wall_s": round(time.perf_counter() - self._t0, 2),
            "cpu_s": round(cpu_seconds() - self._c0, 2),
        }


def _git_commit() -> str | None:
    import subprocess

    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except OSError:
        return None
    return done.stdout.strip() or None


def measure(out: Path, quick: bool, workers: int) -> dict[str, Any]:
    """Run the demo once into ``out`` and return its phase table and totals."""
    from synthaug.experiment.demo import run_demo

    load_start = [round(x, 2) for x in os.getloadavg()]
    clock = PhaseClock()
    clock.enter("plan")
    result, _ = run_demo(out, quick=quick, workers=workers, callback=clock)
    clock.enter("")
    return {
        "tasks": getattr(result, "timing", {}),
        "commit": _git_commit(),
        "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python bench/demo_time.py" + (" --quick" if quick else ""),
        "quick": quick,
        "workers": workers or os.cpu_count(),
        "cores": os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "unset"),
        "load_average_start": load_start,
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "plan": clock.plan,
        "phases": clock.rows,
        "total": clock.totals(),
    }


def markdown(runs: dict[str, dict[str, Any]]) -> str:
    """One phase table per labelled measurement (the file the README links to)."""
    from synthaug.experiment.demo import timing_line

    lines = ["# `synthaug demo`: time per phase", ""]
    lines.append(
        "Written by `bench/demo_time.py --write docs/results`; do not edit by hand. The machine "
        "is shared (other jobs run beside the demo), so every measurement carries its load "
        "average (1-minute, at the start and end of each phase); CPU counts this process and "
        "every worker it started, torch threads included."
    )
    for label, run in runs.items():
        lines += ["", f"## {label}", "", timing_line(run) + ".", ""]
        if run.get("commit"):
            cache = f"; cache {run['cache']}" if run.get("cache") else ""
            lines[-1:] = [f"Commit {run['commit']}; command `{run['command']}`{cache}.", ""]
        lines += [
            "| phase | work items | wall | CPU | load (start -> end) |",
            "|---|---|---|---|---|",
        ]
        for row in run["phases"]:
            count = "-" if row.get("count") is None else str(row["count"])
            lines.append(
                f"| {row['phase']} | {count} | {row['wall_s']:.1f} s | {row['cpu_s']:.1f} s | "
                f"{row['load_start']:.2f} -> {row['load_end']:.2f} |"
            )
        t = run["total"]
        lines.append(f"| **total** | | **{t['wall_s']:.0f} s** | **{t['cpu_s']:.0f} s** | |")
        if run.get("tasks"):
            lines += [
                "",
                "Task phases of the experiment (they overlap: a worker takes the next ready task "
                "of any phase). Span: from the first task's start to the last one's end, "
                "seconds since the experiment started; work and CPU: summed over the tasks, "
                "measured inside the workers.",
                "",
                "| task phase | tasks | span | work (wall) | CPU |",
                "|---|---|---|---|---|",
            ]
            for name, ph in run["tasks"].items():
                lines.append(
                    f"| {name} | {ph['n_tasks']} | {ph['start_s']:.0f} -> {ph['end_s']:.0f} s | "
                    f"{ph['work_s']:.1f} s | {ph['cpu_s']:.1f} s |"
                )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: run, print the table, optionally write docs/results files."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("demo-output"), help="demo output folder")
    ap.add_argument("--quick", action="store_true", help="time the one-minute demo")
    ap.add_argument("--workers", type=int, default=0, help="processes (0: one per core)")
    ap.add_argument("--label", default="current", help="name of this measurement")
    ap.add_argument(
        "--keep-cache",
        action="store_true",
        help="reuse OUT/cache of an earlier run (trained generators, font banks); by default it "
        "is removed first, so the time is a fresh run's, as on a new machine",
    )
    ap.add_argument("--write", type=Path, help="folder for demo_time.{json,md} and demo.md")
    ap.add_argument("--json", type=Path, help="also write this run alone to a JSON file")
    ap.add_argument(
        "--recorded",
        type=Path,
        help="do not run: take the measurement from this --json file (its demo output in --out)",
    )
    args = ap.parse_args(argv)
    if args.recorded:
        run = json.loads(args.recorded.read_text())
        args.label = run.get("label", args.label)
    else:
        cache = args.out / "cache"
        if cache.is_dir() and not args.keep_cache:
            shutil.rmtree(cache)
        run = measure(args.out, args.quick, args.workers)
        run["label"] = args.label
        run["cache"] = "kept" if args.keep_cache else "empty at the start"
    if args.json:
        args.json.write_text(json.dumps(run, indent=2) + "\n")
    print(markdown({args.label: run}))
    if args.write:
        from synthaug.experiment.demo import write_demo_results

        args.write.mkdir(parents=True, exist_ok=True)
        store = args.write / "demo_time.json"
        runs = json.loads(store.read_text()) if store.exists() else {}
        runs.pop(args.label, None)
        runs[args.label] = run
        store.write_text(json.dumps(runs, indent=2) + "\n")
        (args.write / "demo_time.md").write_text(markdown(runs))
        if not args.quick and (args.label == "after" or "after" not in runs):
            # the README quotes the run labelled "after" (else the newest): the same rule as
            # make docs; another label (e.g. a run beside a busy process) adds its timing only
            write_demo_results(args.out / "metrics.json", args.write / "demo.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
