"""Throughput of ``synthaug augment`` on the local engine vs Ray Data (1 and 2 loopback nodes).

Writes a generated COCO dataset, then runs the same job (5-op pipeline, 2 copies) on:
the local engine with 1 and 2 worker processes; a local Ray (``ray.init(num_cpus=2)``, start-up
timed separately); a 1-node loopback cluster (2 CPUs) and a 2-node one (1 CPU each) joined with
an address. Prints augmented images written per second (wall clock of the job: scan, decode,
augment, encode, atomic writes, manifest, final files) and, for Ray, the time to start or join
Ray before the job (not counted); checks that every Ray run wrote the local engine's bytes.
Each Ray run is its own driver process (Ray keeps one connection and one auth mode per process).
``--runs`` repeats the whole set (the load of a shared machine moves every figure);
``--batch-sizes`` adds local-Ray runs with that many items per task.

    .venv/bin/python bench/bench_ray.py --n 2000 --size 128 --runs 2 --batch-sizes 16 64 \
        --json bench/results/ray.json --doc

``--json`` stores every run; ``--doc`` writes the blocks ``bench_ray_rule`` and ``bench_ray``
of docs/scale-out.md from it (``--doc-only`` renders them again from the JSON alone).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report
from bench_dataset import PIPELINE  # the same 5-op pipeline as the local-engine benchmark

from synthaug.data.toy import write_toy_dataset
from synthaug.engine import AugmentJob, prepare_job, run_local
from synthaug.engine.ray_engine import ray_session, run_ray
from synthaug.engine.ray_loopback import LoopbackCluster

RESULTS = Path(__file__).resolve().parent / "results" / "ray.json"
DOC = Path(__file__).resolve().parent.parent / "docs" / "scale-out.md"
LOCAL_RAY = "Ray, local `ray.init(num_cpus=2)`"


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".synthaug" not in p.parts
    }


def _child(src: str, dst: str, copies: int, address: str, batch_size: int) -> None:
    """Run one Ray job in this (fresh) process and print its times as JSON."""
    t0 = time.perf_counter()
    with ray_session(address=None if address == "local" else address, num_cpus=2):
        connected = time.perf_counter() - t0
        t1 = time.perf_counter()
        state = prepare_job(AugmentJob(src, dst, PIPELINE, copies=copies))
        run_ray(state, batch_size=batch_size or None)
        seconds = time.perf_counter() - t1
    print(json.dumps({"connect_s": connected, "job_s": seconds}))


def one_run(src: Path, tmp: Path, args: argparse.Namespace) -> dict:
    """Every engine once on the same dataset: {"load_before", "load_after", "rows"}."""
    n_out = args.n * args.copies
    out = {"load_before": os.getloadavg()[0], "rows": []}

    def record(name: str, seconds: float, connect: float | None = None, batch: int = 0) -> None:
        row = {"engine": name, "seconds": seconds, "images_per_s": n_out / seconds}
        row.update({"connect_s": connect} if connect is not None else {})
        row.update({"batch_size": batch} if batch else {})
        out["rows"].append(row)
        print(f"{name:<40} {seconds:8.1f} s {n_out / seconds:8.1f} images/s", flush=True)

    reference = None
    for w in (1, 2):
        dst = tmp / f"local-{w}"
        t0 = time.perf_counter()
        run_local(prepare_job(AugmentJob(str(src), str(dst), PIPELINE, copies=args.copies)), w)
        record(f"local, {w} worker{'s' if w > 1 else ''}", time.perf_counter() - t0)
        reference = reference or _files(dst)

    def ray_run(name: str, address: str, env: dict[str, str], batch: int = 0) -> None:
        dst = tmp / f"ray-{len(out['rows'])}"
        cmd = [sys.executable, __file__, "--copies", str(args.copies)]
        cmd += ["--child", str(src), str(dst), address, str(batch)]
        res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            raise SystemExit(f"{name}: {res.stderr[-3000:]}")
        times = json.loads(res.stdout.strip().splitlines()[-1])
        record(name, times["job_s"], times["connect_s"], batch)
        assert _files(dst) == reference, f"{name}: Ray wrote different bytes"

    ray_run(LOCAL_RAY, "local", dict(os.environ))
    for n_nodes, cpus in ((1, 2), (2, 1)):
        with LoopbackCluster(n_nodes=n_nodes, cpus_per_node=cpus) as cluster:
            plural = "s" if n_nodes > 1 else ""
            ray_run(
                f"Ray, {n_nodes} loopback node{plural} x {cpus} CPU", cluster.address, cluster.env
            )
    for batch in args.batch_sizes:
        ray_run(f"{LOCAL_RAY}, {batch} items per task", "local", dict(os.environ), batch)
    out["load_after"] = os.getloadavg()[0]
    return out


def summary(results: dict) -> dict[str, tuple[float, float]]:
    """Ranges over runs: local 1-worker rate and ms per image, Ray over the local engine's best
    rate of the same run (1 or 2 workers: on a loaded machine 2 can be slower), start-up."""
    local1, ratios, connects = [], [], []
    for run in results["runs"]:
        rate = {r["engine"]: r["images_per_s"] for r in run["rows"]}
        local1.append(rate["local, 1 worker"])
        best = max(rate["local, 1 worker"], rate["local, 2 workers"])
        for r in run["rows"]:
            if "connect_s" in r and "batch_size" not in r:
                ratios.append(r["images_per_s"] / best)
                connects.append(r["connect_s"])
    return {
        "local1": (min(local1), max(local1)),
        "ms": (1000 / max(local1), 1000 / min(local1)),
        "ratio": (min(ratios), max(ratios)),
        "connect": (min(connects), max(connects)),
    }


def _slower_with_two(results: dict) -> int:
    """Runs in which the local engine wrote fewer images per second with 2 workers than 1."""
    rates = [{r["engine"]: r["images_per_s"] for r in run["rows"]} for run in results["runs"]]
    return sum(r["local, 2 workers"] < r["local, 1 worker"] for r in rates)


def blocks(results: dict) -> dict[str, str]:
    """The two markdown blocks of docs/scale-out.md, from a results dict."""
    s, runs = summary(results), results["runs"]
    size = results["settings"]["size"]
    rule = (
        "Rule of thumb from the figures below (`bench/bench_ray.py`): one "
        f"core of the local engine writes {s['local1'][0]:.0f} to {s['local1'][1]:.0f} augmented "
        f"{size} px images per second with this pipeline ({s['ms'][0]:.1f} to {s['ms'][1]:.1f} ms "
        "each, encode and fsync included), and Ray ran the same work at "
        f"{s['ratio'][0]:.2f} to {s['ratio'][1]:.2f} of the local engine's best speed on the same "
        f"cores. So a cluster with `N` cores beats one machine with `M` cores once `N` is clearly "
        f"above `M / {s['ratio'][0]:.2f}`, as long as the shared filesystem keeps up and the job "
        f"lasts minutes, so that Ray's fixed cost ({s['connect'][0]:.1f} to {s['connect'][1]:.1f} "
        "s to start or join, plus scheduling) is noise."
    )
    engines = [r["engine"] for r in runs[0]["rows"]]
    head = "| engine | " + " | ".join(
        f"run {i + 1} (load {run['load_before']:.1f}) images/s" for i, run in enumerate(runs)
    )
    lines = [
        f"Written by `.venv/bin/python bench/bench_ray.py {results['command']}` "
        f"({results['cpu_count']} CPUs, {results['machine']}, other jobs running: the load "
        "average before each run is in the header). Ray's start/join time, not counted in the "
        "rate, is in brackets.",
        "",
        head + " |",
        "|---|" + "---:|" * len(runs),
    ]
    for engine in engines:
        cells = []
        for run in runs:
            row = next(r for r in run["rows"] if r["engine"] == engine)
            connect = f" ({row['connect_s']:.1f} s)" if "connect_s" in row else ""
            cells.append(f"{row['images_per_s']:.0f}{connect}")
        lines.append(f"| {engine} | " + " | ".join(cells) + " |")
    slower = _slower_with_two(results)
    lines += [
        "",
        f"With the same {results['cpu_count']} cores, Ray Data ran at {s['ratio'][0]:.2f} to "
        f"{s['ratio'][1]:.2f} of the local engine's better row (1 or 2 workers) of the same run "
        "(its own processes, the object store and the driver's streaming executor share the "
        "cores with the work)."
        + (
            f" In {slower} of {len(runs)} runs the local engine wrote fewer images per second "
            "with 2 workers than with 1: other jobs held the cores, so these figures say little "
            "about what 2 free cores would do."
            if slower
            else ""
        ),
    ]
    batch_rows = [r for r in runs[0]["rows"] if "batch_size" in r]
    if batch_rows:
        per_run = [
            ", ".join(
                f"{r['batch_size']} items per task {r['seconds']:.1f} s"
                for r in run["rows"]
                if "batch_size" in r
            )
            for run in runs
        ]
        lines.append(
            "Items per task on the local Ray (job seconds, by run): " + "; ".join(per_run) + "."
        )
    return {"bench_ray_rule": rule, "bench_ray": "\n".join(lines)}


def write_doc(results: dict) -> None:
    for name, body in blocks(results).items():
        report.replace_block(DOC, f"<!-- {name}:begin -->", f"<!-- {name}:end -->", body)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="images in the generated dataset")
    ap.add_argument("--size", type=int, default=128, help="image side in pixels")
    ap.add_argument("--copies", type=int, default=2)
    ap.add_argument("--runs", type=int, default=1, help="repeat the whole set this many times")
    ap.add_argument(
        "--batch-sizes", nargs="*", type=int, default=[], help="extra local-Ray runs, items/task"
    )
    ap.add_argument("--json", type=Path, help=f"write every run here (the page's: {RESULTS})")
    ap.add_argument("--doc", action="store_true", help="write the blocks of docs/scale-out.md")
    ap.add_argument("--doc-only", action="store_true", help=f"render the blocks from {RESULTS}")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    if args.child:
        _child(args.child[0], args.child[1], args.copies, args.child[2], int(args.child[3]))
        return
    if args.doc_only:
        write_doc(json.loads(RESULTS.read_text()))
        return
    command = " ".join(sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="synthaug-bench-", dir="/tmp") as tmp:
        src = write_toy_dataset(Path(tmp) / "src", "coco", n=args.n, size=args.size)
        print(
            f"coco, {args.n} images of {args.size}x{args.size}, {args.copies} copies, 5-op "
            f"pipeline, fsync on; {os.cpu_count()} CPUs, {platform.machine()}"
        )
        runs = []
        for i in range(args.runs):
            runs.append(one_run(src, Path(tmp) / f"run{i}", args))
    print("every Ray run wrote the local engine's bytes")
    results = {
        "command": command,
        "settings": {"n": args.n, "size": args.size, "copies": args.copies},
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "runs": runs,
    }
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    if args.doc:
        write_doc(results)


if __name__ == "__main__":
    main()
