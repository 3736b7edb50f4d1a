"""Throughput of ``synthaug augment`` (the local engine) over a generated dataset.

Writes a toy dataset (``synthaug.data.write_toy_dataset``), then runs the same 5-op pipeline
at each worker count and prints augmented images written per second (wall clock of the whole
job: scan, pool start-up, decode, augment, encode, atomic writes, manifest, final files).

    .venv/bin/python bench/bench_dataset.py --n 400 --size 256 --workers 1 2
"""

from __future__ import annotations

import argparse
import platform
import shutil
import tempfile
import time
from pathlib import Path

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=400, help="images in the generated dataset")
    ap.add_argument("--size", type=int, default=256, help="image side in pixels")
    ap.add_argument("--copies", type=int, default=2)
    ap.add_argument("--format", default="coco", choices=["folder", "coco", "yolo", "voc"])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--no-fsync", action="store_true", help="skip fsync of every output")
    ap.add_argument("--repeats", type=int, default=1, help="best of this many runs")
    args = ap.parse_args()
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
            best = float("inf")
            for r in range(args.repeats):
                dst = Path(tmp) / f"dst-{w}-{r}"
                job = AugmentJob(
                    str(src), str(dst), PIPELINE, copies=args.copies, durable=not args.no_fsync
                )
                t0 = time.perf_counter()
                summary = run_job(job, workers=w)
                best = min(best, time.perf_counter() - t0)
                shutil.rmtree(dst)
            rate = summary.n_written / best
            base = base or rate
            print(f"{w:>7} {best:>8.2f} {rate:>9.1f} {rate / base:>7.2f}x")


if __name__ == "__main__":
    main()
