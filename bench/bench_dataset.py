"""Throughput of ``synthaug augment`` (the local engine) over a generated dataset.

Writes a toy dataset (``synthaug.data.write_toy_dataset``), then runs the same 5-op pipeline
at each worker count and prints augmented images written per second (wall clock of the whole
job: scan, pool start-up, decode, augment, encode, atomic writes, manifest, final files).

    .venv/bin/python bench/bench_dataset.py --n 400 --size 256 --workers 1 2

With ``--json PATH`` it also writes the settings, every repeat's wall and CPU seconds (this
process and its worker processes), the best rate per worker count, images per CPU second, and
the 1-minute load average at the start and end (the machine may be shared: the load says how
much of it the job had, and images per CPU second do not depend on it). With ``--docs PAGE``
it writes one sentence with these figures between the ``dataset-throughput`` markers of each
page (README.md's "Augment a whole dataset"); ``--from-json PATH --docs PAGE`` rewrites that
sentence from a stored results file without measuring.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import replace_block

from synthaug.data.toy import write_toy_dataset
from synthaug.engine import AugmentJob, run_job

PIPELINE = {
    "name": "Compose",
    "min_visibility": 0.3,
    "transforms": [
        {"name": "HorizontalFlip", "p": 0.5},
        {"name": "Affine", "scale": [0.9, 1.1], "rotate": [-15, 15], "p": 1.0},
        {"name": "BrightnessContrast", "p": 1.0},
        {"name": "HueSaturationValue", "p": 1.0},
        {"name": "GaussianBlur", "p": 1.0},
    ],
}


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (the job's worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


BEGIN, END = "<!-- dataset-throughput:begin -->", "<!-- dataset-throughput:end -->"


def sentence(out: dict) -> str:
    """The README's throughput sentence, from the results ``--json`` writes."""
    st, m, rows = out["settings"], out["machine"], out["results"]

    def per(key: str, unit: str) -> str:
        parts = [f"{r[key]:.0f} {unit} with {r['workers']} worker" for r in rows[:1]]
        parts += [f"{r[key]:.0f} with {r['workers']}" for r in rows[1:]]
        return ", ".join(parts)

    return (
        f"Throughput, measured with `python {out['command']}` ({rows[0]['n_written']:,} "
        f"augmented copies of {st['n']} {st['format'].upper()} images of "
        f"{st['size']}x{st['size']}, a {st['pipeline']} pipeline, fsync "
        f"{'on' if st['fsync'] else 'off'}, best of {st['repeats']}): "
        f"{per('images_per_s', 'images/s')} (wall clock), or "
        f"{per('images_per_cpu_s', 'images per CPU second')} (this process and its worker "
        "processes, their start-up included). The 1-minute load average was "
        f"{m['load_average_at_start'][0]:.2f} at the start and {m['load_average_at_end'][0]:.2f} "
        f"at the end on {m['logical_cores']} logical cores ({m['date_utc']} UTC): other jobs "
        "shared the machine, and both rates vary from run to run with them."
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=400, help="images in the generated dataset")
    ap.add_argument("--size", type=int, default=256, help="image side in pixels")
    ap.add_argument("--copies", type=int, default=2)
    ap.add_argument("--format", default="coco", choices=["folder", "coco", "yolo", "voc"])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--no-fsync", action="store_true", help="skip fsync of every output")
    ap.add_argument("--repeats", type=int, default=1, help="best of this many runs")
    ap.add_argument("--json", type=Path, help="also write the results to this JSON file")
    ap.add_argument(
        "--docs", type=Path, nargs="*", default=[], help="pages to write the sentence into"
    )
    ap.add_argument("--from-json", type=Path, help="write --docs from this results file only")
    args = ap.parse_args()
    if args.from_json:
        stored = json.loads(args.from_json.read_text())
        for page in args.docs:
            replace_block(page, BEGIN, END, sentence(stored))
        return
    load_start = os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory(prefix="synthaug-bench-") as tmp:
        src = write_toy_dataset(Path(tmp) / "src", args.format, n=args.n, size=args.size)
        print(
            f"{args.format}, {args.n} images of {args.size}x{args.size}, {args.copies} copies, "
            f"5-op pipeline, fsync {'off' if args.no_fsync else 'on'}; "
            f"{platform.processor() or platform.machine()}"
        )
        print(f"{'workers':>7} {'seconds':>8} {'images/s':>9} {'speed-up':>8}")
        base = None
        for w in args.workers:
            best, seconds, cpu, load = float("inf"), [], [], os.getloadavg()
            for r in range(args.repeats):
                dst = Path(tmp) / f"dst-{w}-{r}"
                job = AugmentJob(
                    str(src), str(dst), PIPELINE, copies=args.copies, durable=not args.no_fsync
                )
                t0, c0 = time.perf_counter(), _cpu_seconds()
                summary = run_job(job, workers=w)
                seconds.append(time.perf_counter() - t0)
                cpu.append(_cpu_seconds() - c0)
                best = min(best, seconds[-1])
                shutil.rmtree(dst)
            rate = summary.n_written / best
            base = base or rate
            print(f"{w:>7} {best:>8.2f} {rate:>9.1f} {rate / base:>7.2f}x")
            results.append(
                {
                    "workers": w,
                    "n_written": summary.n_written,
                    "seconds": [round(x, 3) for x in seconds],
                    "best_seconds": round(best, 3),
                    "cpu_seconds": [round(x, 3) for x in cpu],
                    "images_per_cpu_s": round(summary.n_written / min(cpu), 1),
                    "images_per_s": round(rate, 1),
                    "speed_up": round(rate / base, 2),
                    "load_average_start_end": [round(load[0], 2), round(os.getloadavg()[0], 2)],
                }
            )
    out = {
        "command": "bench/bench_dataset.py " + " ".join(sys.argv[1:]),
        "settings": {
            "format": args.format,
            "n": args.n,
            "size": args.size,
            "copies": args.copies,
            "repeats": args.repeats,
            "fsync": not args.no_fsync,
            "pipeline": "5-op (HorizontalFlip, Affine, BrightnessContrast, "
            "HueSaturationValue, GaussianBlur)",
        },
        "machine": {
            "processor": platform.processor() or platform.machine(),
            "logical_cores": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in load_start],
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        },
        "results": results,
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1) + "\n")
    for page in args.docs:
        replace_block(page, BEGIN, END, sentence(out))


if __name__ == "__main__":
    main()
