"""How close the 5-op pipeline is to the cost of its own kernel calls.

Times, in turn and on one thread: our fused 5-op pipeline (``specs.pipeline_5op``), the same
OpenCV and stringzilla calls written out by hand with fixed parameters (the "floor": no
parameter drawing, no validation, no Python between the calls), and Albumentations' pipeline
when it is installed. The floor's crop is the mean area RandomResizedCrop draws for
``scale=(0.08, 1.0)`` (0.54 of the image, square), resized to 224x224.

If the floor itself is under 2x Albumentations, no Python work we remove can reach the 2x
target; only doing less kernel work than the transforms define can. Run in the benchmark
environment: ``.bench-venv/bin/python bench/floor_5op.py`` (after ``make bench`` made it).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import stringzilla  # noqa: E402

cv2.setNumThreads(0)
sys.path.insert(0, str(Path(__file__).resolve().parent))

import specs  # noqa: E402

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


def make_floor():
    """The pipeline's kernel calls with fixed parameters, as one function of the image."""
    side = round(SIZE * 0.54**0.5)
    y0 = x0 = (SIZE - side) // 2
    brightness = np.clip(np.arange(256) * 1.1, 0, 255).astype(np.uint8)
    contrast = np.clip(np.arange(256) * 0.9 + 12, 0, 255).astype(np.uint8)
    luma = np.array([[0.299, 0.587, 0.114]] * 3, np.float32)
    saturation = 1.1 * np.eye(3, dtype=np.float32) - 0.1 * luma
    hue = np.empty((1, OUT, 3), np.uint8)
    hue[...] = (10, 0, 0)
    hue_pattern = np.ascontiguousarray(np.repeat(hue.reshape(1, OUT * 3), OUT, axis=0))
    taps = cv2.getGaussianKernel(5, 1.0)
    mean = np.array(specs.IMAGENET_MEAN, np.float64)
    std = np.array(specs.IMAGENET_STD, np.float64)
    normalize = np.zeros((3, 4), np.float32)
    normalize[np.arange(3), np.arange(3)] = 1.0 / (255.0 * std)
    normalize[:, 3] = -mean / std

    def floor(image: np.ndarray) -> np.ndarray:
        x = cv2.resize(image[y0 : y0 + side, x0 : x0 + side], (OUT, OUT))
        x = cv2.flip(x, 1)
        x = _translate(x, brightness)
        cv2.mean(x)
        x = _translate(x, contrast)
        x = cv2.transform(x, saturation)
        hsv = cv2.cvtColor(x, cv2.COLOR_RGB2HSV_FULL)
        flat = hsv.reshape(OUT, OUT * 3)
        np.add(flat, hue_pattern, out=flat)
        x = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL)
        x = cv2.sepFilter2D(x, -1, taps, taps)
        return cv2.transform(x.astype(np.float32), normalize)

    return floor


def main(argv: list[str] | None = None) -> None:
    """Print the median microseconds per call of each variant and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (median taken)")
    parser.add_argument("--calls", type=int, default=1000, help="calls per round")
    args = parser.parse_args(argv)

    images = [
        cv2.resize(im, (SIZE, SIZE), interpolation=cv2.INTER_AREA) for _, im in sample_photos()
    ]
    ours = specs.pipeline_5op(S, True)
    variants = {"synthaug": ours, "floor (bare calls)": make_floor()}
    try:
        import albumentations as A
    except ImportError:
        print("albumentations not installed: timing synthaug and the floor only")
    else:
        alb = specs.pipeline_5op_alb(A)
        variants["albumentations"] = lambda im: alb(image=im)["image"]

    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, fn in variants.items():  # take turns so load hits every variant alike
            for i in range(50):
                fn(images[i % len(images)])
            start = time.perf_counter()
            for i in range(args.calls):
                fn(images[i % len(images)])
            times[name].append((time.perf_counter() - start) / args.calls * 1e6)

    median = {name: statistics.median(v) for name, v in times.items()}
    print(f"5-op pipeline at {SIZE}x{SIZE}x3, median of {args.rounds} rounds x {args.calls} calls")
    for name, us in median.items():
        print(f"  {name:20s} {us:8.1f} us/call")
    if "albumentations" in median:
        a = median["albumentations"]
        for name in ("synthaug", "floor (bare calls)"):
            print(f"  albumentations / {name}: {a / median[name]:.2f}x")
    print(f"  synthaug / floor: {median['synthaug'] / median['floor (bare calls)']:.2f}x")
    overhead(args)


def overhead(args: argparse.Namespace) -> None:
    """The same five steps on a 16x16 image, cropped to 16x16: the kernels cost next to
    nothing there, so the call time is the per-call cost of the pipeline machinery."""
    small = [cv2.resize(im, (16, 16), interpolation=cv2.INTER_AREA) for _, im in sample_photos()]
    steps = [
        S.RandomResizedCrop(16, scale=(0.08, 1.0), p=1),
        S.HorizontalFlip(p=1),
        S.ColorJitter(0.2, 0.2, 0.2, 0.1, p=1),
        S.GaussianBlur(ksize=(5, 5), sigma_px=(1.0, 1.0), p=1),
        S.Normalize(specs.IMAGENET_MEAN, specs.IMAGENET_STD),
    ]
    variants = {"synthaug": S.Compose(steps, seed=0)}
    try:
        import albumentations as A
    except ImportError:
        pass
    else:
        alb = A.Compose(
            [
                A.RandomResizedCrop((16, 16), scale=(0.08, 1.0), p=1),
                A.HorizontalFlip(p=1),
                A.ColorJitter((0.8, 1.2), (0.8, 1.2), (0.8, 1.2), (-0.1, 0.1), p=1),
                A.GaussianBlur(blur_limit=(5, 5), sigma_limit=(1.0, 1.0), p=1),
                A.Normalize(specs.IMAGENET_MEAN, specs.IMAGENET_STD, max_pixel_value=255.0, p=1),
            ]
        )
        variants["albumentations"] = lambda im: alb(image=im)["image"]
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, fn in variants.items():
            for i in range(50):
                fn(small[i % len(small)])
            start = time.perf_counter()
            for i in range(args.calls):
                fn(small[i % len(small)])
            times[name].append((time.perf_counter() - start) / args.calls * 1e6)
    print("the same 5 steps on 16x16 images (per-call cost of the pipeline machinery)")
    for name, v in times.items():
        print(f"  {name:20s} {statistics.median(v):8.1f} us/call")


if __name__ == "__main__":
    main()
