"""Throughput of ``synthaug augment`` on the local engine vs Ray Data (1 and 2 loopback nodes).

Writes a generated COCO dataset, then runs the same job (5-op pipeline, 2 copies) on:
the local engine with 1 and 2 worker processes; a local Ray (``ray.init(num_cpus=2)``, start-up
timed separately); a 1-node loopback cluster (2 CPUs) and a 2-node one (1 CPU each) joined with
an address. Prints augmented images written per second (wall clock of the job: scan, decode,
augment, encode, atomic writes, manifest, final files) and, for Ray, the time to start or join
Ray before the job (not counted); checks that every Ray run wrote the local engine's bytes.
Each Ray run is its own driver process (Ray keeps one connection and one auth mode per process).

    .venv/bin/python bench/bench_ray.py --n 2000 --size 128
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

from bench_dataset import PIPELINE  # the same 5-op pipeline as the local-engine benchmark

from synthaug.data.toy import write_toy_dataset
from synthaug.engine import AugmentJob, prepare_job, run_local
from synthaug.engine.ray_engine import ray_session, run_ray
from synthaug.engine.ray_loopback import LoopbackCluster


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".synthaug" not in p.parts
    }


def _child(src: str, dst: str, copies: int, address: str) -> None:
    """Run one Ray job in this (fresh) process and print its times as JSON."""
    t0 = time.perf_counter()
    with ray_session(address=None if address == "local" else address, num_cpus=2):
        connected = time.perf_counter() - t0
        t1 = time.perf_counter()
        run_ray(prepare_job(AugmentJob(src, dst, PIPELINE, copies=copies)))
        seconds = time.perf_counter() - t1
    print(json.dumps({"connect_s": connected, "job_s": seconds}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="images in the generated dataset")
    ap.add_argument("--size", type=int, default=128, help="image side in pixels")
    ap.add_argument("--copies", type=int, default=2)
    ap.add_argument("--child", nargs=3, metavar=("SRC", "DST", "ADDRESS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    if args.child:
        _child(args.child[0], args.child[1], args.copies, args.child[2])
        return
    with tempfile.TemporaryDirectory(prefix="synthaug-bench-", dir="/tmp") as tmp:
        src = write_toy_dataset(Path(tmp) / "src", "coco", n=args.n, size=args.size)
        n_out = args.n * args.copies
        print(
            f"coco, {args.n} images of {args.size}x{args.size}, {args.copies} copies, 5-op "
            f"pipeline, fsync on; {os.cpu_count()} CPUs, {platform.machine()}; "
            f"load average before: {os.getloadavg()[0]:.1f}"
        )
        print(f"{'engine':<34} {'seconds':>8} {'images/s':>9} {'vs local-1':>10} {'connect s':>9}")
        rows: list[float] = []

        def report(name: str, seconds: float, connect: str = "") -> None:
            rows.append(seconds)
            print(
                f"{name:<34} {seconds:8.1f} {n_out / seconds:9.1f} {rows[0] / seconds:10.2f} "
                f"{connect:>9}"
            )

        reference = None
        for w in (1, 2):
            dst = Path(tmp) / f"local-{w}"
            t0 = time.perf_counter()
            run_local(prepare_job(AugmentJob(str(src), str(dst), PIPELINE, copies=args.copies)), w)
            report(f"local, {w} worker{'s' if w > 1 else ''}", time.perf_counter() - t0)
            reference = reference or _files(dst)

        def ray_run(name: str, address: str, env: dict[str, str]) -> None:
            dst = Path(tmp) / name.replace(" ", "-").replace(",", "")
            cmd = [sys.executable, __file__, "--copies", str(args.copies)]
            cmd += ["--child", str(src), str(dst), address]
            res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            if res.returncode != 0:
                raise SystemExit(f"{name}: {res.stderr[-3000:]}")
            times = json.loads(res.stdout.strip().splitlines()[-1])
            report(name, times["job_s"], f"{times['connect_s']:.1f}")
            assert _files(dst) == reference, f"{name}: Ray wrote different bytes"

        ray_run("ray, local ray.init(num_cpus=2)", "local", dict(os.environ))
        for n_nodes, cpus in ((1, 2), (2, 1)):
            with LoopbackCluster(n_nodes=n_nodes, cpus_per_node=cpus) as cluster:
                plural = "s" if n_nodes > 1 else ""
                ray_run(
                    f"ray, {n_nodes} loopback node{plural} x {cpus} CPU",
                    cluster.address,
                    cluster.env,
                )
        print("every Ray run wrote the local engine's bytes")


if __name__ == "__main__":
    main()
