"""How close our calls are to the cost of their own kernel calls.

Times, in turn and on one thread, with the benchmark's interleaved ``Timer`` (median of
``--rounds`` rounds of at least ``--min-time`` seconds per variant):

* the fused 5-op pipeline (``specs.pipeline_5op``) at 256x256: ours, the same OpenCV and
  stringzilla calls written out by hand with fixed parameters (the "floor": no parameter
  drawing, no validation, no Python between the calls) and Albumentations' pipeline. The
  floor's crop is the mean area RandomResizedCrop draws for ``scale=(0.08, 1.0)`` (0.54 of
  the image, square), resized to 224x224;
* ColorJitter (brightness, contrast, saturation 0.2, hue 0.1) at 256x256 the same way;
* the five pipeline steps on 16x16 images, where the kernels cost next to nothing: the
  per-call cost of the pipeline machinery.

If a floor is under the target ratio to Albumentations, no Python work we remove can reach
it; only doing less kernel work than the transforms define can. Run in the benchmark
environment: ``.bench-venv/bin/python bench/floors.py`` (after ``make bench`` made it).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import stringzilla  # noqa: E402

cv2.setNumThreads(0)
sys.path.insert(0, str(Path(__file__).resolve().parent))

import specs  # noqa: E402
from bench_transforms import Timer  # noqa: E402

from synthaug import augment as S  # noqa: E402
from synthaug.data.builtin import sample_photos  # noqa: E402

SIZE = 256
OUT = 224


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
    stats = Timer(args.rounds, args.min_time).run(calls)
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
    if "floor (bare calls)" in median:
        print(f"  synthaug / floor: {median['synthaug'] / median['floor (bare calls)']:.2f}x")


def _with_alb(ours, alb, floor=None) -> dict:
    """Variants to time: ours, the floor when given, Albumentations when installed."""
    variants = {"synthaug": ours}
    if floor is not None:
        variants["floor (bare calls)"] = floor
    if alb is not None:
        variants["albumentations"] = lambda im: alb(image=im)["image"]
    return variants


def main(argv: list[str] | None = None) -> None:
    """Print the median microseconds per call of each variant and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (median taken)")
    parser.add_argument(
        "--min-time", type=float, default=0.5, help="seconds per round and variant, at least"
    )
    args = parser.parse_args(argv)
    try:
        import albumentations as A
    except ImportError:
        A = None
        print("albumentations not installed: timing synthaug and the floors only")
    where = f"median of {args.rounds} rounds of >= {args.min_time:g} s"

    images = [
        cv2.resize(im, (SIZE, SIZE), interpolation=cv2.INTER_AREA) for _, im in sample_photos()
    ]
    five = _with_alb(specs.pipeline_5op(S, True), A and specs.pipeline_5op_alb(A), make_floor())
    _print(f"5-op pipeline at {SIZE}x{SIZE}x3, {where}", _time(five, images, args))

    jitter = next(sp for sp in specs.build_specs(S, None) if sp.name == "ColorJitter")
    hw = (SIZE, SIZE)
    variants = _with_alb(
        S.Compose([jitter.ours(S, hw)], seed=0),
        A and A.Compose([jitter.alb(A, hw)]),
        _jitter_calls(SIZE),
    )
    _print(f"ColorJitter at {SIZE}x{SIZE}x3, {where}", _time(variants, images, args))

    # the same steps on 16x16 images cropped to 16x16: the kernels cost next to nothing, so
    # the call time is the per-call cost of the pipeline machinery
    small = [cv2.resize(im, (16, 16), interpolation=cv2.INTER_AREA) for im in images]
    tiny = _with_alb(specs.pipeline_5op(S, True, 16), A and specs.pipeline_5op_alb(A, 16))
    _print(
        f"the same 5 steps on 16x16 images (per-call cost of the pipeline machinery), {where}",
        _time(tiny, small, args),
    )


if __name__ == "__main__":
    main()
