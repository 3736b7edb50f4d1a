"""Per-call overhead of a Compose of one cheap transform, old tree against new, by instructions.

Wall-clock timings on a loaded machine are noise; instruction counts are not. For each
source tree given (``--src``, e.g. the main checkout's ``src`` and this branch's) and each
pipeline, this runs itself under ``valgrind --tool=callgrind`` twice, with 0 and with
``--calls`` calls of ``pipe(image, seed=None)`` on a 16x16 RGB uint8 image (where the kernels
cost next to nothing, so the count is the machinery: drawing parameters, building the
record, walking the tree). The difference divided by ``--calls`` is the instructions per
call; the last column is new / old.

Run: ``python bench/param_overhead.py --src /path/to/old/src --src src`` (needs valgrind;
about a minute per run).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

PIPELINES = {
    "HorizontalFlip": "A.HorizontalFlip(p=1.0)",
    "RandomCrop": "A.RandomCrop(8, 8, p=1.0)",
    "Rotate": "A.Rotate(limit=30, p=1.0)",
    "BrightnessContrast": "A.BrightnessContrast(p=1.0)",
}


def _workload(pipeline: str, calls: int) -> None:
    """The measured process: import, build, warm up, then ``calls`` calls."""
    import numpy as np

    from synthaug import augment as A

    pipe = A.Compose([eval(PIPELINES[pipeline], {"A": A})], seed=0)  # names from this file
    image = np.zeros((16, 16, 3), np.uint8)
    for _ in range(50):
        pipe(image)
    for _ in range(calls):
        pipe(image)


def _instructions(src: str, pipeline: str, calls: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        # a fixed hash seed: string hashing otherwise moves the count by ~0.1% run to run
        env = {**os.environ, "PYTHONPATH": src, "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
        cmd = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--run",
            pipeline,
            "--calls",
            str(calls),
        ]
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        summary = re.search(r"^summary:\s+(\d+)", out.read_text(), re.M)
        if summary is None:
            raise RuntimeError(f"no summary line in {out}")
        return int(summary.group(1))


def main() -> int:
    """Print instructions per call for every pipeline and tree."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", action="append", default=[], help="a src/ directory (repeat)")
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--pipeline", action="append", choices=sorted(PIPELINES))
    ap.add_argument("--run", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run:
        _workload(args.run, args.calls)
        return 0
    srcs = args.src or ["src"]
    print(f"instructions per call ({args.calls} calls, 16x16 RGB uint8, valgrind callgrind)")
    print("pipeline            " + "".join(f"{Path(s).resolve().parent.name:>16}" for s in srcs))
    for name in args.pipeline or list(PIPELINES):
        per_call = []
        for src in srcs:
            base = _instructions(src, name, 0)
            full = _instructions(src, name, args.calls)
            per_call.append((full - base) / args.calls)
        ratio = f"  new/old {per_call[-1] / per_call[0]:.3f}" if len(per_call) > 1 else ""
        print(f"{name:<20}" + "".join(f"{v:16.0f}" for v in per_call) + ratio, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
