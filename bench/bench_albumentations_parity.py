"""Deterministic parity of synthaug.albumentations with Albumentations 2.0.8, per transform.

Run in the bench environment (Albumentations lives only there):

    PYTHONPATH=src /work/main/.bench-venv/bin/python bench/bench_albumentations_parity.py

Each case is one transform with fixed settings (p=1, degenerate ranges); both libraries run
the same call on the same image, label mask, boxes (pascal_voc) and keypoints (xy). The table
of differences (image, the share of mask pixels, boxes, keypoints) is printed and written into
docs/migrating-from-albumentations.md between the parity markers.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import albumentations as alb
import numpy as np
import report  # bench/report.py: the one doc-block writer

import synthaug.albumentations as ours

DOC = Path(__file__).resolve().parents[1] / "docs" / "migrating-from-albumentations.md"

CASES = {
    "HorizontalFlip": ("HorizontalFlip", {"p": 1}),
    "VerticalFlip": ("VerticalFlip", {"p": 1}),
    "Transpose": ("Transpose", {"p": 1}),
    "Crop": ("Crop", {"x_min": 5, "y_min": 3, "x_max": 40, "y_max": 30}),
    "CenterCrop": ("CenterCrop", {"height": 24, "width": 31}),
    "PadIfNeeded": ("PadIfNeeded", {"min_height": 64, "min_width": 72}),
    "Pad": ("Pad", {"padding": (3, 5, 7, 2), "fill": 17}),
    "Resize": ("Resize", {"height": 20, "width": 30}),
    "LongestMaxSize": ("LongestMaxSize", {"max_size": 40}),
    "Rotate(30)": ("Rotate", {"limit": (30, 30), "p": 1}),
    "SafeRotate(30)": ("SafeRotate", {"limit": (30, 30), "p": 1}),
    "Affine(scale 1.2, rot 10)": ("Affine", {"scale": 1.2, "rotate": 10, "p": 1}),
    "Affine(translate 10%, shear 5)": (
        "Affine",
        {"translate_percent": 0.1, "shear": 5, "rotate": 20, "keep_ratio": True, "p": 1},
    ),
    "Affine(translate_px 4)": ("Affine", {"translate_px": 4, "p": 1}),
    "ShiftScaleRotate(fixed)": (
        "ShiftScaleRotate",
        {"shift_limit": (0.1, 0.1), "scale_limit": (0.1, 0.1), "rotate_limit": (15, 15), "p": 1},
    ),
    "RandomBrightnessContrast(0.2, 0.1)": (
        "RandomBrightnessContrast",
        {"brightness_limit": (0.2, 0.2), "contrast_limit": (0.1, 0.1), "p": 1},
    ),
    "RandomGamma(120)": ("RandomGamma", {"gamma_limit": (120, 120), "p": 1}),
    "HueSaturationValue(10, 20, 15)": (
        "HueSaturationValue",
        {
            "hue_shift_limit": (10, 10),
            "sat_shift_limit": (20, 20),
            "val_shift_limit": (15, 15),
            "p": 1,
        },
    ),
    "RGBShift(20, 0, -10)": (
        "RGBShift",
        {"r_shift_limit": (20, 20), "g_shift_limit": (0, 0), "b_shift_limit": (-10, -10), "p": 1},
    ),
    "ToGray": ("ToGray", {"p": 1}),
    "ToSepia": ("ToSepia", {"p": 1}),
    "InvertImg": ("InvertImg", {"p": 1}),
    "Solarize(0.5)": ("Solarize", {"threshold_range": (0.5, 0.5), "p": 1}),
    "Posterize(4)": ("Posterize", {"num_bits": 4, "p": 1}),
    "Equalize": ("Equalize", {"p": 1}),
    "Normalize": ("Normalize", {"p": 1}),
    "ToFloat": ("ToFloat", {"p": 1}),
    "Emboss(0.5, 0.5)": ("Emboss", {"alpha": (0.5, 0.5), "strength": (0.5, 0.5), "p": 1}),
    "Downscale(0.5)": ("Downscale", {"scale_range": (0.5, 0.5), "p": 1}),
    "RandomScale(0.2)": ("RandomScale", {"scale_limit": (0.2, 0.2), "p": 1}),
    "Blur(5)": ("Blur", {"blur_limit": (5, 5), "p": 1}),
    "MedianBlur(5)": ("MedianBlur", {"blur_limit": (5, 5), "p": 1}),
    "GaussianBlur(5, 1.5)": (
        "GaussianBlur",
        {"blur_limit": (5, 5), "sigma_limit": (1.5, 1.5), "p": 1},
    ),
    "Sharpen(0.5, 1.0)": ("Sharpen", {"alpha": (0.5, 0.5), "lightness": (1.0, 1.0), "p": 1}),
    "CLAHE(2)": ("CLAHE", {"clip_limit": (2, 2), "p": 1}),
    "ImageCompression(90)": ("ImageCompression", {"quality_range": (90, 90), "p": 1}),
}


def _run(mod, name, kw, image, boxes, kps, mask):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = mod.Compose(
            [getattr(mod, name)(**kw)],
            bbox_params=mod.BboxParams(format="pascal_voc", label_fields=["labels"]),
            keypoint_params=mod.KeypointParams(format="xy", remove_invisible=False),
            seed=0,
        )
        return pipe(image=image, mask=mask, bboxes=boxes, labels=[0, 1], keypoints=kps)


def _diff(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        return f"shape {a.shape} vs {b.shape}"
    return f"{np.abs(a - b).max():.3g}" if a.size else "0"


def _share(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return f"{(a != b).mean():.3g}" if a.shape == b.shape else f"shape {a.shape} vs {b.shape}"


def _mean(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return f"{np.abs(a - b).mean():.3g}" if a.shape == b.shape and a.size else "-"


def main() -> None:
    rng = np.random.default_rng(2025)
    image = rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)
    boxes = [[5.0, 4.0, 20.0, 18.0], [30.0, 10.0, 50.0, 33.0]]
    kps = [[10.0, 12.0], [40.0, 25.0]]
    mask = rng.integers(0, 3, (37, 53), dtype=np.uint8)
    rows = [
        "| transform (fixed settings) | image max abs diff | image mean abs diff "
        "| mask pixels differing | boxes | keypoints |",
        "|---|---|---|---|---|---|",
    ]
    for label, (name, kw) in CASES.items():
        ref = _run(alb, name, kw, image, boxes, kps, mask)
        got = _run(ours, name, kw, image, boxes, kps, mask)
        rows.append(
            f"| {label} | {_diff(got['image'], ref['image'])} | "
            f"{_mean(got['image'], ref['image'])} | {_share(got['mask'], ref['mask'])} | "
            f"{_diff(got['bboxes'], ref['bboxes'])} | {_diff(got['keypoints'], ref['keypoints'])} |"
        )
    table = "\n".join(rows)
    print(table)
    report.replace_block(DOC, "<!-- parity:begin -->", "<!-- parity:end -->", table)


if __name__ == "__main__":
    main()
