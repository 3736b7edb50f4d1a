"""Many-band images: synthaug against Albumentations 2.0.8 on the same transforms, in one run.

Issue 24 asks for geometric warps and blurs that handle many channels without a per-channel
Python loop, and a comparison on 9- and 13-band ``uint16`` and ``float32`` images. This script
times, on one CPU thread, every per-band transform of the shared benchmark set
(:mod:`specs`; RGB colour transforms and Normalize's 3-value defaults left out) on 256 x 256
images with 9 and 13 bands made of real photos (the bundled scikit-image and scikit-learn
pictures, their RGB channels stacked), and prints per transform:

* ``x alb``: Albumentations' time over ours (above 1: we are faster), or ``fails`` when
  Albumentations refuses the image (it takes uint8 and float32 only);
* ``vs RGB``: our time over the time of the same pixels already cut into 3-band images
  (C / 3 calls on RGB of the same dtype): above 1 means many bands cost more than RGB chunks
  would;
* ``vs cut``: our time over the whole RGB-chunk route, i.e. cutting the image into 3-band
  images, the C / 3 calls and writing the results back into one image (with
  ``cv2.mixChannels``): above 1 means chunking in RGB pieces would pay;
* ``kernel``: the time of the bare OpenCV/numpy call that does the transform's work
  (``raw`` of :mod:`specs`, the call Albumentations also makes) over ours, where the spec has
  one that takes many bands: near 1 means our time is that call's.

Both libraries are called through their pipeline (``Compose([t])``), take turns within each
round so that load from other processes hits them alike, and the figure is the median over
rounds. Times are the calling thread's CPU time (``--clock cpu``, the default; ``wall`` for
``time.perf_counter``), so waiting for the CPU while other processes run does not count.
Only ratios are printed and written (``--json``): absolute times on a shared machine say
little. The 1-, 5- and 15-minute load averages are printed before and after the run.

Run with the bench environment (Albumentations 2.0.8)::

    PYTHONPATH=src .bench-venv/bin/python bench/bench_multiband.py [--quick] [--json out.json]

``--docs`` writes the ratio table into ``docs/multiband.md`` (between the
``bench-multiband`` markers) and the summary the prose quotes (geometric means, transforms
below 1x, resizes against RGB chunks, the bound set by the shared kernels; between the
``bench-multiband-summary`` markers); ``--render results.json`` writes both from an earlier
run's JSON without measuring. ``--transforms`` restricts the run to some transforms (then
nothing is written to the docs).
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
SUMMARY = "<!-- bench-multiband-summary:begin -->", "<!-- bench-multiband-summary:end -->"
#: the transforms whose work is a resize (the issue asks them to be no slower than RGB chunks)
RESIZES = ("Resize", "LongestMaxSize", "SmallestMaxSize", "RandomResizedCrop")
#: the issue's goal: Albumentations' time over ours, geometric mean on 9-band float32
GOAL = 3.0
CLOCKS = {"cpu": time.thread_time, "wall": time.perf_counter}


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


def _mix_pairs(start: int, k: int, into: bool) -> list[int]:
    """``cv2.mixChannels`` pairs from bands ``start .. start + k`` to ``0 .. k`` (or back)."""
    return [v for j in range(k) for v in ((j, start + j) if into else (start + j, j))]


def via_rgb_chunks(run, image: np.ndarray) -> np.ndarray:
    """``run`` applied to ``image`` cut into 3-band images, the results written back into one
    image: the whole RGB-chunk route. ``cv2.mixChannels`` cuts and writes back: for 3-band
    pieces it measured faster than numpy (a 3-band item is moved item by item)."""
    c = image.shape[2]
    result = None
    for s in range(0, c, 3):
        k = min(3, c - s)
        part = np.empty(image.shape[:2] + (k,), image.dtype)
        cv2.mixChannels([image], [part], _mix_pairs(s, k, into=False))
        out = run(part)
        if result is None:
            result = np.empty(out.shape[:2] + (c,), out.dtype)
        cv2.mixChannels([out.reshape(out.shape[:2] + (k,))], [result], _mix_pairs(s, k, True))
    return result


def per_call(fn, images: list, min_time: float, clock=time.thread_time) -> float:
    """Seconds per call of ``fn`` over ``images`` (cycled), for at least ``min_time`` s."""
    n, start = 0, clock()
    while True:
        for im in images:
            fn(im)
        n += len(images)
        elapsed = clock() - start
        if elapsed >= min_time:
            return elapsed / n


def runner_ours(t):
    pipe = S.Compose([t], seed=0)
    return lambda im: pipe(im)


def runner_alb(A, t):
    pipe = A.Compose([t])
    return lambda im: pipe(image=im)["image"]


def _raw_gamma(im: np.ndarray):
    """Gamma's bare work: ``cv2.pow`` of a float image (on a 2-D view, as both libraries call
    it), a 16-bit table lookup for ``uint16`` (the spec's ``raw`` is an 8-bit LUT)."""
    if im.dtype == np.float32:
        view = im.reshape(im.shape[0], -1)
        return lambda: cv2.pow(view, 1.1)
    table = np.arange(65536, dtype=np.uint16)[::-1].copy()
    return lambda: np.take(table, im)


#: bare calls for many bands where the spec's ``raw`` is for 8-bit RGB only
MANY_BAND_RAW = {"Gamma": _raw_gamma}


def raw_runner(spec, images: list[np.ndarray]):
    """The bare OpenCV/numpy call doing the transform's work on each image, or None when there
    is none or it refuses many bands (``cv2.transpose`` takes at most 32 bytes a pixel)."""
    raw = MANY_BAND_RAW.get(spec.name, spec.raw)
    if raw is None:
        return None
    try:
        calls = {id(im): raw(im) for im in images}
        for call in calls.values():
            call()
    except (cv2.error, ValueError, TypeError):
        return None
    return lambda im: calls[id(im)]()


def bench(A, n_bands: int, dtype: str, args) -> list[dict]:
    """One row per transform: median ratios over ``args.repeats`` interleaved rounds."""
    images = band_images(n_bands, dtype)
    chunks = rgb_chunks(images)
    hw = images[0].shape[:2]
    clock = CLOCKS[args.clock]
    rows = []
    for spec in specs.build_specs(S, None):
        if spec.name in LEFT_OUT or (args.transforms and spec.name not in args.transforms):
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
        raw = raw_runner(spec, images)
        ratios: dict[str, list[float]] = {"alb": [], "rgb": [], "cut": [], "raw": []}
        for _ in range(args.repeats):
            t_ours = per_call(ours, images, args.min_time, clock)
            t_rgb = per_call(
                lambda parts, f=ours: [f(p) for p in parts], chunks, args.min_time, clock
            )
            t_cut = per_call(
                lambda im, f=ours: via_rgb_chunks(lambda p: f(p).image, im),
                images,
                args.min_time,
                clock,
            )
            ratios["rgb"].append(t_ours / t_rgb)
            ratios["cut"].append(t_ours / t_cut)
            if raw is not None:
                ratios["raw"].append(per_call(raw, images, args.min_time, clock) / t_ours)
            if alb is not None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ratios["alb"].append(per_call(alb, images, args.min_time, clock) / t_ours)
        row = {
            "transform": spec.name,
            "vs_rgb_chunks": statistics.median(ratios["rgb"]),
            "vs_rgb_chunks_cut_and_merged": statistics.median(ratios["cut"]),
        }
        if raw is not None:
            row["raw_kernel_over_ours"] = statistics.median(ratios["raw"])
        if alb is not None:
            row["x_albumentations"] = statistics.median(ratios["alb"])
        elif spec.alb is not None:
            row["albumentations_error"] = alb_error
        rows.append(row)
    return rows


def geomean(values: list[float]) -> float:
    """Geometric mean (NaN for no values)."""
    return math.exp(sum(map(math.log, values)) / len(values)) if values else float("nan")


def kernel_bound(row: dict) -> float:
    """Albumentations' time over ours were our time only the bare kernel's (``raw``), where
    that kernel is faster than our call; else the measured ratio."""
    return row["x_albumentations"] / min(1.0, row.get("raw_kernel_over_ours", 1.0))


def cut_needed(rows: list[dict], goal: float = GOAL) -> float | None:
    """The share of our per-call cost above the bare kernel (in every transform that has a
    faster one) whose removal brings the geometric mean to ``goal``: 0 when it is already
    there, None when even removing all of it falls short."""
    timed = [r for r in rows if "x_albumentations" in r]

    def mean_after(f: float) -> float:
        out = []
        for r in timed:
            k = min(1.0, r.get("raw_kernel_over_ours", 1.0))  # bare call / ours
            out.append(r["x_albumentations"] / (k + (1.0 - f) * (1.0 - k)))
        return geomean(out)

    if mean_after(0.0) >= goal:
        return 0.0
    if mean_after(1.0) < goal:
        return None
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if mean_after(mid) < goal else (lo, mid)
    return hi


def summarize(rows: list[dict]) -> dict:
    """Geometric means of one image kind: measured, and bounded by the bare kernels."""
    timed = [r for r in rows if "x_albumentations" in r]
    return {
        "geomean_x_albumentations": geomean([r["x_albumentations"] for r in timed]),
        "geomean_x_albumentations_at_kernel": geomean([kernel_bound(r) for r in timed]),
        "share_of_overhead_to_cut_for_goal": cut_needed(rows),
        "n_transforms": len(timed),
    }


def _kind(key: str) -> str:
    dtype, n = key.split("_")
    return f"{n}-band `{dtype}`"


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
    clock = "the calling thread's CPU time" if doc.get("clock", "wall") == "cpu" else "wall time"
    lines += [
        "",
        f"Albumentations' time over ours (above 1: synthaug is faster; *fails*: Albumentations "
        f"refuses the image), median of interleaved rounds of {clock}, one thread, 256 x 256 "
        f"images, Albumentations {doc['albumentations']}, OpenCV {doc['opencv']}. Measured on a "
        f"machine shared with other jobs: load average {lo[0]:.1f} (1 min) before and "
        f"{hi[0]:.1f} after on {os.cpu_count()} cores, so single ratios move between runs; only "
        "ratios from the same run are shown. Command: "
        f"`PYTHONPATH=src .bench-venv/bin/python {doc['command'].strip()}`; every column of "
        "the script's output is in `bench/results/multiband.json`.",
    ]
    return "\n".join(lines)


def docs_summary(doc: dict) -> str:
    """Markdown the prose of docs/multiband.md quotes: the geometric means, what is below
    1x, the bound the shared kernels set, and the resizes against RGB chunks."""
    res = doc["results"]
    keys = list(res)
    means = ", ".join(f"**{res[k]['geomean_x_albumentations']:.2f}x** on {_kind(k)}" for k in keys)
    lines = [f"- Geometric mean of Albumentations' time over ours: {means}."]
    for k in keys:
        slow = [r for r in res[k]["rows"] if r.get("x_albumentations", math.inf) < 1.0]
        slow.sort(key=lambda r: r["x_albumentations"])
        shown = ", ".join(f"{r['transform']} {r['x_albumentations']:.2f}" for r in slow)
        lines.append(f"- Below 1x on {_kind(k)}: {shown or 'none'}.")
    bounds = ", ".join(
        f"{res[k]['geomean_x_albumentations_at_kernel']:.2f}x on {_kind(k)}" for k in keys
    )
    lines.append(
        "- Were each transform that has a bare OpenCV/numpy call (*kernel* in the JSON) as "
        "cheap as that call alone, with no input check, no parameter drawing and no pipeline, "
        f"and the others as measured, the geometric mean would be {bounds}."
    )
    needs = []
    for k in keys:
        share = res[k].get("share_of_overhead_to_cut_for_goal", cut_needed(res[k]["rows"]))
        needs.append(
            f"{_kind(k)}: "
            + ("beyond reach" if share is None else f"{100 * share:.0f} % of it removed")
        )
    lines.append(
        f"- A geometric mean of {GOAL:g}x (the issue's goal) needs, of our per-call cost above "
        "the bare call, in every transform that has one: " + "; ".join(needs) + "."
    )
    for column, what in (
        ("vs_rgb_chunks", "slower than the same pixels already cut into 3-band images"),
        ("vs_rgb_chunks_cut_and_merged", "slower than the whole RGB-chunk route"),
    ):
        parts = []
        for k in keys:
            above = [r for r in res[k]["rows"] if r.get(column, 0.0) > 1.0]
            shown = ", ".join(f"{r['transform']} {r[column]:.2f}" for r in above)
            parts.append(f"{_kind(k)}: {shown or 'none'}")
        lines.append(f"- Our time {what} (above 1): " + "; ".join(parts) + ".")
    lines += [
        "",
        "Resizes, our time over the same pixels as 3-band images already cut (*vs RGB*) and "
        "over the whole RGB-chunk route, cutting and writing back included (*vs cut*); above "
        "1 means slower:",
        "",
        "| resize | " + " | ".join(f"{_kind(k)} vs RGB / vs cut" for k in keys) + " |",
        "|---|" + "---:|" * len(keys),
    ]
    for name in RESIZES:
        cells = []
        for k in keys:
            row = next((r for r in res[k]["rows"] if r["transform"] == name), None)
            cells.append(
                "-"
                if row is None or "vs_rgb_chunks" not in row
                else f"{row['vs_rgb_chunks']:.2f} / {row['vs_rgb_chunks_cut_and_merged']:.2f}"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_docs(doc: dict) -> None:
    """The ratio table and the summary into docs/multiband.md."""
    report.replace_block(DOC, BEGIN, END, docs_table(doc))
    report.replace_block(DOC, *SUMMARY, docs_summary(doc))


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print (and optionally write) the ratios."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="interleaved rounds (median)")
    ap.add_argument("--min-time", type=float, default=0.15, help="seconds per timing")
    ap.add_argument("--quick", action="store_true", help="1 round of 0.05 s (a smoke run)")
    ap.add_argument("--json", type=Path, help="write the ratios and load averages here")
    ap.add_argument("--bands", type=int, nargs="+", default=[9, 13])
    ap.add_argument("--dtypes", nargs="+", default=["float32", "uint16"])
    ap.add_argument("--transforms", nargs="+", help="time only these (names as printed)")
    ap.add_argument("--clock", choices=sorted(CLOCKS), default="cpu", help="thread CPU or wall")
    ap.add_argument("--docs", action="store_true", help="write the table into docs/multiband.md")
    ap.add_argument("--render", type=Path, help="write the docs table from this JSON and stop")
    args = ap.parse_args(argv)
    if args.render:
        write_docs(json.loads(args.render.read_text()))
        return 0
    if args.docs and args.transforms:
        ap.error("--docs takes the whole transform set: drop --transforms")
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
            rows = bench(A, n, dtype, args)
            key = f"{dtype}_{n}"
            results[key] = {"rows": rows, **summarize(rows)}
            print(f"\n{dtype}, {n} bands")
            print(f"{'transform':<20} {'x alb':>8} {'vs RGB':>8} {'vs cut':>8} {'kernel':>8}")
            for r in rows:
                if "error" in r:
                    print(f"{r['transform']:<20} {r['error']}")
                    continue
                xa = f"{r['x_albumentations']:.2f}" if "x_albumentations" in r else "fails"
                kern = f"{r['raw_kernel_over_ours']:.2f}" if "raw_kernel_over_ours" in r else "-"
                print(
                    f"{r['transform']:<20} {xa:>8} {r['vs_rgb_chunks']:>8.2f} "
                    f"{r['vs_rgb_chunks_cut_and_merged']:>8.2f} {kern:>8}"
                )
            summary = results[key]
            print(
                f"{'geometric mean':<20} {summary['geomean_x_albumentations']:>8.2f}   "
                f"({summary['n_transforms']} transforms; at the bare kernels: "
                f"{summary['geomean_x_albumentations_at_kernel']:.2f})"
            )
    load_after = os.getloadavg()
    print(f"\nload average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    doc = {
        "command": "bench/bench_multiband.py " + " ".join(argv or sys.argv[1:]),
        "albumentations": A.__version__,
        "opencv": cv2.__version__,
        "clock": args.clock,
        "load_before": load_before,
        "load_after": load_after,
        "results": results,
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=1) + "\n")
    if args.docs:
        write_docs(doc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
