"""How close our calls are to the cost of their own kernel calls.

Times, in turn and on one thread, with the benchmark's interleaved ``Timer`` (median of
``--rounds`` rounds of at least ``--min-time`` seconds per variant):

* the fused 5-op pipeline (``specs.pipeline_5op``) at 256x256: ours, the same OpenCV and
  stringzilla calls written out by hand with fixed parameters (the "floor": no parameter
  drawing, no validation, no Python between the calls) and Albumentations' pipeline. The
  floor's crop is the mean area RandomResizedCrop draws for ``scale=(0.08, 1.0)`` (0.54 of
  the image, square), resized to 224x224;
* ColorJitter (brightness, contrast, saturation 0.2, hue 0.1) at 256x256 the same way;
* HueSaturationValue at 256x256 against its hue round trip alone (RGB -> HSV, one byte
  addition, HSV -> RGB), the least any exact hue shift costs;
* the five pipeline steps on 16x16 images, where the kernels cost next to nothing: the
  per-call cost of the pipeline machinery.

If a floor is under the target ratio to Albumentations, no Python work we remove can reach
it; only doing less kernel work than the transforms define can. Rounds are timed by this
thread's CPU time (``--clock cpu``, the default; ``--clock wall`` for the wall clock). Run in
the benchmark environment: ``PYTHONPATH=src .bench-venv/bin/python bench/floors.py [--write]``
(after ``make bench`` made it); ``--write`` stores the figures in ``bench/results/floors.json``
and writes the table and the sentences quoting them into ``docs/benchmarks.md`` (the
``floors`` block).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import stringzilla  # noqa: E402

cv2.setNumThreads(0)
sys.path.insert(0, str(Path(__file__).resolve().parent))

import report  # noqa: E402
import specs  # noqa: E402
from bench_transforms import CLOCKS, Timer  # noqa: E402

from synthaug import augment as S  # noqa: E402
from synthaug.data.builtin import sample_photos  # noqa: E402

SIZE = 256
OUT = 224
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "floors.json"
DOC = ROOT / "docs" / "benchmarks.md"
BLOCK = ("<!-- floors:begin -->", "<!-- floors:end -->")
BARE = "floor (bare calls)"


def _translate(image: np.ndarray, table: np.ndarray) -> np.ndarray:
    out = np.empty_like(image)
    stringzilla.translate(
        memoryview(image.reshape(-1)), memoryview(table), out=memoryview(out.reshape(-1))
    )
    return out


def _jitter_calls(size: int):
    """ColorJitter's kernel calls on a ``size x size`` RGB image with fixed factors (brightness
    table, mean luma, contrast table, saturation matrix, HSV round trip with a hue shift)."""
    brightness = np.clip(np.arange(256) * 1.1, 0, 255).astype(np.uint8)
    contrast = np.clip(np.arange(256) * 0.9 + 12, 0, 255).astype(np.uint8)
    luma = np.array([[0.299, 0.587, 0.114]] * 3, np.float32)
    saturation = 1.1 * np.eye(3, dtype=np.float32) - 0.1 * luma
    hue = np.zeros((1, size, 3), np.uint8)
    hue[:, :, 0] = 10
    hue_row = hue.reshape(1, size * 3)

    def jitter(x: np.ndarray) -> np.ndarray:
        x = _translate(x, brightness)
        cv2.mean(x)
        x = _translate(x, contrast)
        x = cv2.transform(x, saturation)
        hsv = cv2.cvtColor(x, cv2.COLOR_RGB2HSV_FULL)
        flat = hsv.reshape(size, size * 3)
        np.add(flat, hue_row, out=flat)
        return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL)

    return jitter


def _hue_round_trip(size: int):
    """The least an exact hue shift of a ``size x size`` RGB image costs: RGB -> HSV (full
    range), one wrapping byte addition on the hue plane, HSV -> RGB."""
    hue = np.zeros((1, size, 3), np.uint8)
    hue[:, :, 0] = 10
    hue_row = hue.reshape(1, size * 3)

    def round_trip(x: np.ndarray) -> np.ndarray:
        hsv = cv2.cvtColor(x, cv2.COLOR_RGB2HSV_FULL)
        flat = hsv.reshape(size, size * 3)
        np.add(flat, hue_row, out=flat)
        return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL)

    return round_trip


def make_floor():
    """The 5-op pipeline's kernel calls with fixed parameters, as one function of the image."""
    side = round(SIZE * 0.54**0.5)
    y0 = x0 = (SIZE - side) // 2
    jitter = _jitter_calls(OUT)
    taps = cv2.getGaussianKernel(5, 1.0)
    mean = np.array(specs.IMAGENET_MEAN, np.float64)
    std = np.array(specs.IMAGENET_STD, np.float64)
    normalize = np.zeros((3, 4), np.float32)
    normalize[np.arange(3), np.arange(3)] = 1.0 / (255.0 * std)
    normalize[:, 3] = -mean / std

    def floor(image: np.ndarray) -> np.ndarray:
        x = cv2.resize(image[y0 : y0 + side, x0 : x0 + side], (OUT, OUT))
        x = jitter(cv2.flip(x, 1))
        x = cv2.sepFilter2D(x, -1, taps, taps)
        return cv2.transform(x.astype(np.float32), normalize)

    return floor


def _time(variants: dict, images: list[np.ndarray], args: argparse.Namespace) -> dict:
    """Median microseconds per call of each variant (the benchmark's interleaved ``Timer``)."""
    calls = {name: [lambda im=im, fn=fn: fn(im) for im in images] for name, fn in variants.items()}
    stats = Timer(args.rounds, args.min_time, args.clock).run(calls)
    return {name: 1e6 / st["images_per_s"] for name, st in stats.items()}


def _print(title: str, median: dict[str, float]) -> None:
    print(title)
    for name, us in median.items():
        print(f"  {name:20s} {us:8.1f} us/call")
    a = median.get("albumentations")
    if a is not None:
        for name in median:
            if name != "albumentations":
                print(f"  albumentations / {name}: {a / median[name]:.2f}x")
    if BARE in median:
        print(f"  synthaug / floor: {median['synthaug'] / median[BARE]:.2f}x")


def _with_alb(ours, alb, floor=None) -> dict:
    """Variants to time: ours, the floor when given, Albumentations when installed."""
    variants = {"synthaug": ours}
    if floor is not None:
        variants[BARE] = floor
    if alb is not None:
        variants["albumentations"] = lambda im: alb(image=im)["image"]
    return variants


def markdown(result: dict) -> str:
    """The table and the sentences of the ``floors`` block of docs/benchmarks.md."""
    s, m = result["settings"], result["machine"]
    lines = [
        f"Median of {s['rounds']} interleaved rounds of >= {s['min_time_s']:g} s per variant, "
        f"timed by {s['clock']}. Load average (1, 5, 15 min) "
        f"{' '.join(m['load_average_at_start'])} at the start, "
        f"{' '.join(m['load_average_at_end'])} at the end ({m['logical_cores']} logical cores, "
        "shared with other jobs). Figures in `bench/results/floors.json`.",
        "",
        "| case | synthaug us | bare calls us | Albumentations us | Alb / synthaug "
        "| Alb / bare calls | target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    verdicts = []
    for case in result["cases"]:
        us = case["us_per_call"]
        ours, bare, alb = us["synthaug"], us.get(BARE), us.get("albumentations")
        target = case.get("target")

        def cell(v: float | None, fmt: str = ".1f", unit: str = "") -> str:
            return "-" if v is None else f"{v:{fmt}}{unit}"

        over_bare = None if bare is None or alb is None else alb / bare
        lines.append(
            f"| {case['name']} | {ours:.1f} | {cell(bare)} | {cell(alb)} "
            f"| {cell(None if alb is None else alb / ours, '.2f', 'x')} "
            f"| {cell(over_bare, '.2f', 'x')} | {f'>= {target:g}x Alb' if target else ''} |"
        )
        if target and over_bare is not None:
            verdicts.append(
                f"{case['name']}: Albumentations takes {over_bare:.2f}x the time of the bare "
                "calls, "
                + (
                    f"below the {target:g}x target: out of reach of these kernels."
                    if over_bare < target
                    else f"above the {target:g}x target: the rest is our own per-call work."
                )
            )
        elif alb is not None and bare is None:
            verdicts.append(
                f"{case['name']}: our pipeline call costs {ours:.1f} us, Albumentations' "
                f"{alb:.1f} us ({alb / ours:.2f}x ours): the kernels cost next to nothing at "
                "this size, so this is the per-call work of the two pipelines."
            )
    return "\n".join([*lines, "", *verdicts])


def main(argv: list[str] | None = None) -> None:
    """Print the median microseconds per call of each variant and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (median taken)")
    parser.add_argument(
        "--min-time", type=float, default=0.5, help="seconds per round and variant, at least"
    )
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="cpu",
        help="cpu: this thread's CPU time (the default; ratios on a shared machine); wall",
    )
    parser.add_argument(
        "--write",
        action="store_true",
        help=f"store the figures in {RESULTS.relative_to(ROOT)} and the {BLOCK[0]} block of "
        f"{DOC.relative_to(ROOT)} (needs Albumentations)",
    )
    args = parser.parse_args(argv)
    try:
        import albumentations as A
    except ImportError:
        A = None
        print("albumentations not installed: timing synthaug and the floors only")
        if args.write:
            raise SystemExit("--write needs Albumentations (run in .bench-venv)") from None
    where = f"median of {args.rounds} rounds of >= {args.min_time:g} s"
    load_start = Path("/proc/loadavg").read_text().split()[:3]
    cases = []

    def run(name: str, title: str, variants: dict, images: list, target: float | None) -> None:
        median = _time(variants, images, args)
        _print(f"{title}, {where}", median)
        cases.append({"name": name, "target": target, "us_per_call": median})

    images = [
        cv2.resize(im, (SIZE, SIZE), interpolation=cv2.INTER_AREA) for _, im in sample_photos()
    ]
    five = _with_alb(specs.pipeline_5op(S, True), A and specs.pipeline_5op_alb(A), make_floor())
    target = report.PIPELINE_TARGETS["5-op pipeline"]
    run(f"5-op pipeline, {SIZE}x{SIZE}", f"5-op pipeline at {SIZE}x{SIZE}x3", five, images, target)

    hw = (SIZE, SIZE)
    for name, bare in (
        ("ColorJitter", _jitter_calls(SIZE)),
        ("HueSaturationValue", _hue_round_trip(SIZE)),
    ):
        spec = next(sp for sp in specs.build_specs(S, None) if sp.name == name)
        variants = _with_alb(
            S.Compose([spec.ours(S, hw)], seed=0), A and A.Compose([spec.alb(A, hw)]), bare
        )
        label = f"{name}, {SIZE}x{SIZE}" + (
            " (bare: hue round trip)" if name == "HueSaturationValue" else ""
        )
        run(
            label,
            f"{name} at {SIZE}x{SIZE}x3",
            variants,
            images,
            3.0 if spec.target == "3x" else None,
        )

    # the same steps on 16x16 images cropped to 16x16: the kernels cost next to nothing, so
    # the call time is the per-call cost of the pipeline machinery
    small = [cv2.resize(im, (16, 16), interpolation=cv2.INTER_AREA) for im in images]
    tiny = _with_alb(specs.pipeline_5op(S, True, 16), A and specs.pipeline_5op_alb(A, 16))
    run(
        "5-op pipeline, 16x16 (machinery)",
        "the same 5 steps on 16x16 images (per-call cost of the pipeline machinery)",
        tiny,
        small,
        None,
    )
    if args.write:
        result = {
            "settings": {
                "rounds": args.rounds,
                "min_time_s": args.min_time,
                "clock": "thread CPU time (time.thread_time)"
                if args.clock == "cpu"
                else "the wall clock (time.perf_counter)",
                "photos": len(images),
            },
            "machine": {
                "load_average_at_start": load_start,
                "load_average_at_end": Path("/proc/loadavg").read_text().split()[:3],
                "logical_cores": os.cpu_count(),
                "versions": {
                    "python": platform.python_version(),
                    "numpy": np.__version__,
                    "opencv": cv2.__version__,
                    "albumentations": A.__version__,
                },
            },
            "cases": cases,
        }
        text = markdown(result)
        print(text)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=1) + "\n")
        report.replace_block(DOC, *BLOCK, text)


if __name__ == "__main__":
    main()
