"""Many-band images: synthaug against Albumentations 2.0.8 on the same transforms, in one run.

Issue 24 asks for geometric warps and blurs that handle many channels without a per-channel
Python loop, and a comparison on 9- and 13-band ``uint16`` and ``float32`` images. This script
times, on one CPU thread, every per-band transform of the shared benchmark set
(:mod:`specs`; RGB colour transforms and Normalize's 3-value defaults left out) on 256 x 256
images with 9 and 13 bands made of real photos (the bundled scikit-image and scikit-learn
pictures, their RGB channels stacked), and prints per transform:

* ``x alb``: Albumentations' time over ours (above 1: we are faster), or ``fails`` when
  Albumentations refuses the image (it takes uint8 and float32 only);
* ``vs RGB``: our time over the time of the same pixels cut into 3-band images (C / 3 calls
  on RGB of the same dtype): above 1 means many bands cost more than RGB chunks would.

Both libraries are called through their pipeline (``Compose([t])``), take turns within each
round so that load from other processes hits them alike, and the figure is the median over
rounds. Only ratios are printed and written (``--json``): absolute times on a shared machine
say little. The 1-, 5- and 15-minute load averages are printed before and after the run.

Run with the bench environment (Albumentations 2.0.8)::

    PYTHONPATH=src .bench-venv/bin/python bench/bench_multiband.py [--quick] [--json out.json]

``--docs`` writes the ratio table into ``docs/multiband.md`` (between the
``bench-multiband`` markers); ``--render results.json`` writes it from an earlier run's JSON
without measuring.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

cv2.setNumThreads(0)
sys.path.insert(0, str(Path(__file__).resolve().parent))

import report  # noqa: E402
import specs  # noqa: E402

from synthaug import augment as S  # noqa: E402
from synthaug.data.builtin import sample_photos  # noqa: E402

#: transforms of the shared set that are not per band (colour spaces, 8-bit codecs) or whose
#: benchmark arguments are RGB-only (Normalize's ImageNet mean and std)
LEFT_OUT = {"ColorJitter", "HueSaturationValue", "ToGray", "JPEGCompression", "CLAHE", "Normalize"}
SIZE = 256
DOC = Path(__file__).resolve().parent.parent / "docs" / "multiband.md"
BEGIN, END = "<!-- bench-multiband:begin -->", "<!-- bench-multiband:end -->"


def band_images(n_bands: int, dtype: str, n_images: int = 4) -> list[np.ndarray]:
    """``n_images`` SIZE x SIZE images of ``n_bands`` bands: RGB channels of consecutive
    photos stacked (uint16 as levels x 257, float32 as levels / 255)."""
    photos = [
        cv2.resize(im, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
        for _, im in sample_photos()
        if im.ndim == 3 and im.shape[2] == 3
    ]
    out = []
    for i in range(n_images):
        chans = [photos[(i + k // 3) % len(photos)][:, :, k % 3] for k in range(n_bands)]
        stack = np.ascontiguousarray(np.stack(chans, axis=2))
        if dtype == "uint16":
            out.append(stack.astype(np.uint16) * np.uint16(257))
        else:
            out.append((stack / np.float32(255.0)).astype(np.float32))
    return out


def rgb_chunks(images: list[np.ndarray]) -> list[list[np.ndarray]]:
    """Each image cut into 3-band images (the last one padded by repeating its bands)."""
    chunks = []
    for im in images:
        c = im.shape[2]
        idx = [list(range(s, s + 3)) for s in range(0, c, 3)]
        idx = [[min(k, c - 1) for k in part] for part in idx]
        chunks.append([np.ascontiguousarray(im[:, :, part]) for part in idx])
    return chunks


def per_call(fn, images: list, min_time: float) -> float:
    """Seconds per call of ``fn`` over ``images`` (cycled), for at least ``min_time`` s."""
    n, start = 0, time.perf_counter()
    while True:
        for im in images:
            fn(im)
        n += len(images)
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / n


def runner_ours(t):
    pipe = S.Compose([t], seed=0)
    return lambda im: pipe(im)


def runner_alb(A, t):
    pipe = A.Compose([t])
    return lambda im: pipe(image=im)["image"]


def bench(A, n_bands: int, dtype: str, repeats: int, min_time: float) -> list[dict]:
    """One row per transform: median ratios over ``repeats`` interleaved rounds."""
    images = band_images(n_bands, dtype)
    chunks = rgb_chunks(images)
    hw = images[0].shape[:2]
    rows = []
    for spec in specs.build_specs(S, None):
        if spec.name in LEFT_OUT:
            continue
        ours = runner_ours(spec.ours(S, hw))
        try:
            ours(images[0])
        except Exception as exc:  # a bench must show it, not hide it
            rows.append({"transform": spec.name, "error": f"synthaug: {exc}"[:120]})
            continue
        alb = None
        if spec.alb is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    alb = runner_alb(A, spec.alb(A, hw))
                    alb(images[0])
                except Exception as exc:
                    alb, alb_error = None, f"{type(exc).__name__}: {exc}"[:120]
        per_alb, per_rgb = [], []
        for _ in range(repeats):
            t_ours = per_call(ours, images, min_time)
            t_rgb = per_call(lambda parts, run=ours: [run(p) for p in parts], chunks, min_time)
            per_rgb.append(t_ours / t_rgb)
            if alb is not None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    per_alb.append(per_call(alb, images, min_time) / t_ours)
        row = {"transform": spec.name, "vs_rgb_chunks": statistics.median(per_rgb)}
        if alb is not None:
            row["x_albumentations"] = statistics.median(per_alb)
        elif spec.alb is not None:
            row["albumentations_error"] = alb_error
        rows.append(row)
    return rows


def geomean(values: list[float]) -> float:
    """Geometric mean (NaN for no values)."""
    return math.exp(sum(map(math.log, values)) / len(values)) if values else float("nan")


def docs_table(doc: dict) -> str:
    """Markdown: Albumentations' time over ours per transform and image kind, the geometric
    means, and the conditions of the run (ratios only)."""
    keys = list(doc["results"])
    names = [r["transform"] for r in doc["results"][keys[0]]["rows"]]
    head = "| transform | " + " | ".join(k.replace("_", ", ") + " bands" for k in keys) + " |"
    lines = [head, "|---|" + "---:|" * len(keys)]
    for i, name in enumerate(names):
        cells = []
        for k in keys:
            row = doc["results"][k]["rows"][i]
            cells.append(f"{row['x_albumentations']:.2f}" if "x_albumentations" in row else "fails")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    means = [f"**{doc['results'][k]['geomean_x_albumentations']:.2f}**" for k in keys]
    lines.append("| geometric mean | " + " | ".join(means) + " |")
    lo, hi = doc["load_before"], doc["load_after"]
    lines += [
        "",
        f"Albumentations' time over ours (above 1: synthaug is faster; *fails*: Albumentations "
        f"refuses the image), median of interleaved rounds, one thread, 256 x 256 images, "
        f"Albumentations {doc['albumentations']}, OpenCV {doc['opencv']}. Measured on a machine "
        f"shared with other jobs: load average {lo[0]:.1f} (1 min) before and {hi[0]:.1f} after "
        "on 2 cores, so single ratios move by tens of percent between runs; only ratios from the "
        "same run are shown. The *vs RGB* column of the script's output (our time over the same "
        "pixels as 3-band images) is in `bench/results/multiband.json`.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print (and optionally write) the ratios."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="interleaved rounds (median)")
    ap.add_argument("--min-time", type=float, default=0.15, help="seconds per timing")
    ap.add_argument("--quick", action="store_true", help="1 round of 0.05 s (a smoke run)")
    ap.add_argument("--json", type=Path, help="write the ratios and load averages here")
    ap.add_argument("--bands", type=int, nargs="+", default=[9, 13])
    ap.add_argument("--dtypes", nargs="+", default=["float32", "uint16"])
    ap.add_argument("--docs", action="store_true", help="write the table into docs/multiband.md")
    ap.add_argument("--render", type=Path, help="write the docs table from this JSON and stop")
    args = ap.parse_args(argv)
    if args.render:
        report.replace_block(DOC, BEGIN, END, docs_table(json.loads(args.render.read_text())))
        return 0
    if args.quick:
        args.repeats, args.min_time = 1, 0.05
    try:
        import albumentations as A
    except ImportError:
        sys.stderr.write("bench_multiband: needs albumentations (run with .bench-venv)\n")
        return 2
    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    print(f"albumentations {A.__version__}, OpenCV {cv2.__version__}, {SIZE}x{SIZE} images")
    results = {}
    for dtype in args.dtypes:
        for n in args.bands:
            rows = bench(A, n, dtype, args.repeats, args.min_time)
            ratios = [r["x_albumentations"] for r in rows if "x_albumentations" in r]
            key = f"{dtype}_{n}"
            results[key] = {"rows": rows, "geomean_x_albumentations": geomean(ratios)}
            print(f"\n{dtype}, {n} bands")
            print(f"{'transform':<20} {'x alb':>8} {'vs RGB':>8}")
            for r in rows:
                if "error" in r:
                    print(f"{r['transform']:<20} {r['error']}")
                    continue
                xa = f"{r['x_albumentations']:.2f}" if "x_albumentations" in r else "fails"
                print(f"{r['transform']:<20} {xa:>8} {r['vs_rgb_chunks']:>8.2f}")
            print(f"{'geometric mean':<20} {geomean(ratios):>8.2f}   ({len(ratios)} transforms)")
    load_after = os.getloadavg()
    print(f"\nload average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    doc = {
        "command": "bench/bench_multiband.py " + " ".join(argv or sys.argv[1:]),
        "albumentations": A.__version__,
        "opencv": cv2.__version__,
        "load_before": load_before,
        "load_after": load_after,
        "results": results,
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=1) + "\n")
    if args.docs:
        report.replace_block(DOC, BEGIN, END, docs_table(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
