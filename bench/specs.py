"""What the benchmark times: each transform with equivalent parameters in every library.

Every spec builds, for one library, a transform that always runs (``p=1``) with the same
random ranges as ours, translated into that library's units where they differ (noted in
``note``). ``raw`` is the OpenCV/numpy call that does the work, the floor for a transform
whose work is one call. Builders receive the image set's first image shape ``hw`` so sizes
(pads, crops) fit every image of the set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

LINEAR, CONSTANT = cv2.INTER_LINEAR, cv2.BORDER_CONSTANT
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


@dataclass
class Spec:
    """One transform across libraries; a builder returns None where the library lacks it."""

    name: str
    ours: Callable[[Any, tuple[int, int]], Any]
    alb: Callable[[Any, tuple[int, int]], Any] | None = None
    kornia: Callable[[Any, tuple[int, int]], Any] | None = None
    #: raw(image) -> zero-argument callable doing the OpenCV/numpy work of one call
    raw: Callable[[np.ndarray], Callable[[], Any]] | None = None
    #: "one_call" (within 1.2x of raw), "copy" (within 1.5x of a numpy copy), "3x" or ""
    target: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _rot_matrix(im, angle=25.0):
    h, w = im.shape[:2]
    return cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle, 1.0)


def _raw_warp_affine(im):
    m, size = _rot_matrix(im), (im.shape[1], im.shape[0])
    return lambda: cv2.warpAffine(im, m, size, flags=LINEAR, borderMode=CONSTANT)


def _raw_warp_perspective(im):
    h, w = im.shape[:2]
    src = np.float32([[0.08 * w, 0.06 * h], [0.93 * w, 0.07 * h], [0.9 * w, 0.94 * h], [0, h]])
    dst = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    m, size = cv2.getPerspectiveTransform(src, dst), (w, h)
    return lambda: cv2.warpPerspective(im, m, size, flags=LINEAR, borderMode=CONSTANT)


def _raw_jpeg(im):
    def run():
        ok, buf = cv2.imencode(".jpg", im, [cv2.IMWRITE_JPEG_QUALITY, 80])
        return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)

    return run


def _raw_crop(size):
    def make(im):
        h, w = im.shape[:2]
        y, x = (h - size) // 2, (w - size) // 2
        return lambda: im[y : y + size, x : x + size].copy()

    return make


def _raw_rrc(im):
    h, w = im.shape[:2]
    view = im[h // 8 : h - h // 8, w // 8 : w - w // 8]
    return lambda: cv2.resize(view, (224, 224), interpolation=LINEAR)


def _raw_pad(im):
    return lambda: cv2.copyMakeBorder(im, 16, 16, 16, 16, CONSTANT, value=(0, 0, 0, 0))


def _raw_lut(im):
    table = np.clip(np.arange(256) * 1.2 + 0.2 * 255, 0, 255).astype(np.uint8)
    return lambda: cv2.LUT(im, table)


def _raw_gray(im):
    return lambda: cv2.cvtColor(cv2.cvtColor(im, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)


def _raw_max_size(size, longest):
    """cv2.resize to the size LongestMaxSize / SmallestMaxSize give (aspect kept)."""

    def make(im):
        h, w = im.shape[:2]
        s = size / (max(h, w) if longest else min(h, w))
        out = (max(1, round(w * s)), max(1, round(h * s)))
        return lambda: cv2.resize(im, out, interpolation=LINEAR)

    return make


def _raw_clahe(im):
    clahe = cv2.createCLAHE(clipLimit=2.5, tileGridSize=(8, 8))

    def run():
        lab = cv2.cvtColor(im, cv2.COLOR_RGB2LAB)
        lab[:, :, 0] = clahe.apply(lab[:, :, 0])
        return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)

    return run


def _pad_size(hw):
    return hw[0] + 32, hw[1] + 32


def build_specs(A, K) -> list[Spec]:
    """The shared transform set (``A`` is ``synthaug.augment``; peers are passed as kwargs)."""
    s: list[Spec] = [
        Spec(
            "HorizontalFlip",
            lambda S, hw: S.HorizontalFlip(p=1),
            lambda A, hw: A.HorizontalFlip(p=1),
            lambda K, hw: K.RandomHorizontalFlip(p=1),
            lambda im: lambda: cv2.flip(im, 1),
            "copy",
        ),
        Spec(
            "VerticalFlip",
            lambda S, hw: S.VerticalFlip(p=1),
            lambda A, hw: A.VerticalFlip(p=1),
            lambda K, hw: K.RandomVerticalFlip(p=1),
            lambda im: lambda: cv2.flip(im, 0),
            "copy",
        ),
        Spec(
            "Transpose",
            lambda S, hw: S.Transpose(p=1),
            lambda A, hw: A.Transpose(p=1),
            None,
            lambda im: lambda: cv2.transpose(im),
            "copy",
        ),
        Spec(
            "Rotate90",
            lambda S, hw: S.Rotate90(k=1, p=1),
            lambda A, hw: A.RandomRotate90(p=1),
            lambda K, hw: K.RandomRotation90(times=(1, 1), p=1),
            lambda im: lambda: cv2.rotate(im, cv2.ROTATE_90_COUNTERCLOCKWISE),
            "copy",
            "Albumentations' RandomRotate90 draws k in 0..3 (k=0 is a copy); ours fixed k=1",
        ),
        Spec(
            "RandomCrop",
            lambda S, hw: S.RandomCrop(224, 224, p=1),
            lambda A, hw: A.RandomCrop(224, 224, p=1),
            lambda K, hw: K.RandomCrop((224, 224), p=1),
            _raw_crop(224),
            "copy",
        ),
        Spec(
            "CenterCrop",
            lambda S, hw: S.CenterCrop(224, 224, p=1),
            lambda A, hw: A.CenterCrop(224, 224, p=1),
            lambda K, hw: K.CenterCrop((224, 224), p=1),
            _raw_crop(224),
            "copy",
        ),
        Spec(
            "PadIfNeeded",
            lambda S, hw: S.PadIfNeeded(*_pad_size(hw), border_mode="constant", p=1),
            lambda A, hw: A.PadIfNeeded(*_pad_size(hw), border_mode=CONSTANT, fill=0, p=1),
            None,
            _raw_pad,
            "one_call",
            "pad to (H + 32, W + 32) of the set's first image; raw: cv2.copyMakeBorder",
        ),
        Spec(
            "Resize",
            lambda S, hw: S.Resize(224, 224, p=1),
            lambda A, hw: A.Resize(224, 224, interpolation=LINEAR, p=1),
            lambda K, hw: K.Resize((224, 224)),
            lambda im: lambda: cv2.resize(im, (224, 224), interpolation=LINEAR),
            "one_call",
        ),
        Spec(
            "LongestMaxSize",
            lambda S, hw: S.LongestMaxSize(320, p=1),
            lambda A, hw: A.LongestMaxSize(max_size=320, interpolation=LINEAR, p=1),
            lambda K, hw: K.LongestMaxSize(320),
            _raw_max_size(320, longest=True),
            "one_call",
            "raw: cv2.resize to the same aspect-preserving size",
        ),
        Spec(
            "SmallestMaxSize",
            lambda S, hw: S.SmallestMaxSize(224, p=1),
            lambda A, hw: A.SmallestMaxSize(max_size=224, interpolation=LINEAR, p=1),
            lambda K, hw: K.SmallestMaxSize(224),
            _raw_max_size(224, longest=False),
            "one_call",
            "raw: cv2.resize to the same aspect-preserving size",
        ),
        Spec(
            "RandomResizedCrop",
            lambda S, hw: S.RandomResizedCrop(224, scale=(0.08, 1.0), p=1),
            lambda A, hw: A.RandomResizedCrop(
                (224, 224), scale=(0.08, 1.0), interpolation=LINEAR, p=1
            ),
            lambda K, hw: K.RandomResizedCrop((224, 224), scale=(0.08, 1.0), p=1),
            _raw_rrc,
            "one_call",
            "raw: cv2.resize of a fixed central view",
        ),
        Spec(
            "Rotate",
            lambda S, hw: S.Rotate(limit=(-30, 30), border_mode="constant", p=1),
            lambda A, hw: A.Rotate(
                limit=(-30, 30), interpolation=LINEAR, border_mode=CONSTANT, fill=0, p=1
            ),
            lambda K, hw: K.RandomRotation(degrees=30.0, p=1),
            _raw_warp_affine,
            "one_call",
        ),
        Spec(
            "Affine",
            lambda S, hw: S.Affine(
                scale=(0.9, 1.1),
                translate_percent=(-0.05, 0.05),
                rotate=(-15, 15),
                shear=(-5, 5),
                p=1,
            ),
            lambda A, hw: A.Affine(
                scale=(0.9, 1.1),
                translate_percent=(-0.05, 0.05),
                rotate=(-15, 15),
                shear=(-5, 5),
                keep_ratio=True,
                interpolation=LINEAR,
                border_mode=CONSTANT,
                p=1,
            ),
            lambda K, hw: K.RandomAffine(
                degrees=15, translate=(0.05, 0.05), scale=(0.9, 1.1), shear=5, p=1
            ),
            _raw_warp_affine,
            "one_call",
        ),
        Spec(
            "Perspective",
            lambda S, hw: S.Perspective(scale=(0.05, 0.1), p=1),
            lambda A, hw: A.Perspective(
                scale=(0.05, 0.1), keep_size=True, interpolation=LINEAR, border_mode=CONSTANT, p=1
            ),
            lambda K, hw: K.RandomPerspective(distortion_scale=0.2, p=1),
            _raw_warp_perspective,
            "one_call",
            "Kornia's distortion_scale differs in meaning (corner moves up to scale/2)",
        ),
        Spec(
            "BrightnessContrast",
            lambda S, hw: S.BrightnessContrast(brightness=(-0.2, 0.2), contrast=(-0.2, 0.2), p=1),
            lambda A, hw: A.RandomBrightnessContrast(
                brightness_limit=(-0.2, 0.2), contrast_limit=(-0.2, 0.2), p=1
            ),
            None,
            _raw_lut,
            "one_call",
            "both: out = in * (1 + c) + b * 255 (Albumentations brightness_by_max=True)",
        ),
        Spec(
            "Gamma",
            lambda S, hw: S.Gamma(gamma=(0.8, 1.2), p=1),
            lambda A, hw: A.RandomGamma(gamma_limit=(80, 120), p=1),
            lambda K, hw: K.RandomGamma(gamma=(0.8, 1.2), p=1),
            _raw_lut,
            "one_call",
            "Albumentations' gamma_limit is in percent",
        ),
        Spec(
            "ColorJitter",
            lambda S, hw: S.ColorJitter(0.2, 0.2, 0.2, 0.1, p=1),
            lambda A, hw: A.ColorJitter(
                brightness=(0.8, 1.2),
                contrast=(0.8, 1.2),
                saturation=(0.8, 1.2),
                hue=(-0.1, 0.1),
                p=1,
            ),
            lambda K, hw: K.ColorJitter(0.2, 0.2, 0.2, 0.1, p=1),
            None,
            "3x",
            "torchvision semantics in all three (factors in [0.8, 1.2], hue +-0.1 of the wheel)",
        ),
        Spec(
            "HueSaturationValue",
            lambda S, hw: S.HueSaturationValue(
                hue_shift_deg=(-40, 40),
                sat_shift=(-30 / 255, 30 / 255),
                val_shift=(-20 / 255, 20 / 255),
                p=1,
            ),
            lambda A, hw: A.HueSaturationValue(
                hue_shift_limit=(-20, 20), sat_shift_limit=(-30, 30), val_shift_limit=(-20, 20), p=1
            ),
            None,
            None,
            "3x",
            "Albumentations shifts hue in OpenCV units (degrees / 2) and S, V in grey levels; "
            "ours in degrees and fractions: hue 20 -> 40 deg, 30 levels -> 30/255",
        ),
        Spec(
            "CLAHE",
            lambda S, hw: S.CLAHE(clip_limit=(1.0, 4.0), tile_grid_size=(8, 8), p=1),
            lambda A, hw: A.CLAHE(clip_limit=(1.0, 4.0), tile_grid_size=(8, 8), p=1),
            lambda K, hw: K.RandomClahe(clip_limit=(1.0, 4.0), grid_size=(8, 8), p=1),
            _raw_clahe,
            "3x",
            "on L of Lab in ours and Albumentations (Kornia: per channel); raw: the Lab round "
            "trip and cv2.createCLAHE(2.5, 8x8).apply",
        ),
        Spec(
            "ToGray",
            lambda S, hw: S.ToGray(p=1),
            lambda A, hw: A.ToGray(num_output_channels=3, method="weighted_average", p=1),
            lambda K, hw: K.RandomGrayscale(p=1),
            _raw_gray,
            "",
            "raw: RGB2GRAY then GRAY2RGB",
        ),
        Spec(
            "Normalize",
            lambda S, hw: S.Normalize(IMAGENET_MEAN, IMAGENET_STD),
            lambda A, hw: A.Normalize(IMAGENET_MEAN, IMAGENET_STD, max_pixel_value=255.0, p=1),
            lambda K, hw: K.Normalize(
                mean=__import__("torch").tensor(IMAGENET_MEAN),
                std=__import__("torch").tensor(IMAGENET_STD),
                p=1,
            ),
            None,
            "",
            "uint8 in, float32 out",
        ),
        Spec(
            "GaussianBlur",
            lambda S, hw: S.GaussianBlur(ksize=(5, 5), sigma_px=(1.0, 1.0), p=1),
            lambda A, hw: A.GaussianBlur(blur_limit=(5, 5), sigma_limit=(1.0, 1.0), p=1),
            lambda K, hw: K.RandomGaussianBlur((5, 5), (1.0, 1.0), p=1),
            lambda im: lambda: cv2.GaussianBlur(im, (5, 5), 1.0),
            "one_call",
        ),
        Spec(
            "MedianBlur",
            lambda S, hw: S.MedianBlur(ksize=(5, 5), p=1),
            lambda A, hw: A.MedianBlur(blur_limit=(5, 5), p=1),
            lambda K, hw: K.RandomMedianBlur((5, 5), p=1),
            lambda im: lambda: cv2.medianBlur(im, 5),
            "one_call",
        ),
        Spec(
            "GaussianNoise",
            lambda S, hw: S.GaussianNoise(std=(0.02, 0.08), per_channel=True, p=1),
            lambda A, hw: A.GaussNoise(std_range=(0.02, 0.08), per_channel=True, p=1),
            lambda K, hw: K.RandomGaussianNoise(std=0.05, p=1),
            None,
            "3x",
            "std as a fraction of full range in both; Kornia has a fixed std (0.05)",
        ),
        Spec(
            "JPEGCompression",
            lambda S, hw: S.JPEGCompression(quality=(80, 80), p=1),
            lambda A, hw: A.ImageCompression(quality_range=(80, 80), compression_type="jpeg", p=1),
            lambda K, hw: K.RandomJPEG(jpeg_quality=(80.0, 80.0), p=1),
            _raw_jpeg,
            "one_call",
            "raw: cv2.imencode + cv2.imdecode; Kornia's is a differentiable approximation",
        ),
        Spec(
            "CoarseDropout",
            lambda S, hw: S.CoarseDropout(
                n_holes=(4, 4), hole_height=(0.1, 0.1), hole_width=(0.1, 0.1), fill=0, p=1
            ),
            lambda A, hw: A.CoarseDropout(
                num_holes_range=(4, 4),
                hole_height_range=(0.1, 0.1),
                hole_width_range=(0.1, 0.1),
                fill=0,
                p=1,
            ),
            None,
            lambda im: lambda: im.copy(),
            "copy",
            "one image copy plus four small fills",
        ),
    ]
    s += _distortion_specs()
    return s


def _distortion_specs() -> list[Spec]:
    """Transforms added by other modules: used only when registered."""
    return [
        Spec(
            "ElasticTransform",
            lambda S, hw: S.ElasticTransform(alpha=(34.0, 34.0), sigma_px=4.0, p=1),
            lambda A, hw: A.ElasticTransform(
                alpha=34.0,
                sigma=4.0,
                noise_distribution="uniform",
                interpolation=LINEAR,
                border_mode=CONSTANT,
                p=1,
            ),
            lambda K, hw: K.RandomElasticTransform(
                kernel_size=(25, 25), sigma=(4.0, 4.0), alpha=(34.0 / hw[1], 34.0 / hw[0]), p=1
            ),
            None,
            "3x",
            "uniform [-1, 1] noise x alpha, Gaussian-smoothed with sigma = 4 px in both; "
            "Kornia's alpha is in normalised coordinates",
        ),
        Spec(
            "GridDistortion",
            lambda S, hw: S.GridDistortion(num_steps=5, distort_limit=(-0.3, 0.3), p=1),
            lambda A, hw: A.GridDistortion(
                num_steps=5,
                distort_limit=(-0.3, 0.3),
                interpolation=LINEAR,
                border_mode=CONSTANT,
                p=1,
            ),
            None,
            None,
        ),
        Spec(
            "OpticalDistortion",
            lambda S, hw: S.OpticalDistortion(distort_limit=(-0.2, 0.2), p=1),
            lambda A, hw: A.OpticalDistortion(
                distort_limit=(-0.2, 0.2), interpolation=LINEAR, border_mode=CONSTANT, p=1
            ),
            None,
            None,
            "",
            "Albumentations' camera model differs (k scaled differently); same remap work",
        ),
    ]


def pipeline_5op(S, fuse: bool, size: int = 224):
    """RandomResizedCrop ``size``, HorizontalFlip, ColorJitter, GaussianBlur, Normalize (ours)."""
    return S.Compose(
        [
            S.RandomResizedCrop(size, scale=(0.08, 1.0), p=1),
            S.HorizontalFlip(p=1),
            S.ColorJitter(0.2, 0.2, 0.2, 0.1, p=1),
            S.GaussianBlur(ksize=(5, 5), sigma_px=(1.0, 1.0), p=1),
            S.Normalize(IMAGENET_MEAN, IMAGENET_STD),
        ],
        fuse=fuse,
        seed=0,
    )


def pipeline_5op_alb(A, size: int = 224):
    """The same pipeline in Albumentations."""
    return A.Compose(
        [
            A.RandomResizedCrop((size, size), scale=(0.08, 1.0), interpolation=LINEAR, p=1),
            A.HorizontalFlip(p=1),
            A.ColorJitter((0.8, 1.2), (0.8, 1.2), (0.8, 1.2), (-0.1, 0.1), p=1),
            A.GaussianBlur(blur_limit=(5, 5), sigma_limit=(1.0, 1.0), p=1),
            A.Normalize(IMAGENET_MEAN, IMAGENET_STD, max_pixel_value=255.0, p=1),
        ]
    )


def pipeline_5op_kornia(K):
    """The same pipeline in Kornia (float tensors)."""
    import torch

    return K.AugmentationSequential(
        K.RandomResizedCrop((224, 224), scale=(0.08, 1.0), p=1),
        K.RandomHorizontalFlip(p=1),
        K.ColorJitter(0.2, 0.2, 0.2, 0.1, p=1),
        K.RandomGaussianBlur((5, 5), (1.0, 1.0), p=1),
        K.Normalize(mean=torch.tensor(IMAGENET_MEAN), std=torch.tensor(IMAGENET_STD), p=1),
    )


def chain_3op(S, fuse: bool):
    """Affine, Rotate, Perspective (ours)."""
    return S.Compose(
        [
            S.Affine(
                scale=(0.9, 1.1),
                translate_percent=(-0.05, 0.05),
                rotate=(-15, 15),
                shear=(-5, 5),
                p=1,
            ),
            S.Rotate(limit=(-20, 20), p=1),
            S.Perspective(scale=(0.05, 0.1), p=1),
        ],
        fuse=fuse,
        seed=0,
    )


def chain_3op_alb(A):
    """The same chain in Albumentations."""
    return A.Compose(
        [
            A.Affine(
                scale=(0.9, 1.1),
                translate_percent=(-0.05, 0.05),
                rotate=(-15, 15),
                shear=(-5, 5),
                keep_ratio=True,
                interpolation=LINEAR,
                border_mode=CONSTANT,
                p=1,
            ),
            A.Rotate(limit=(-20, 20), interpolation=LINEAR, border_mode=CONSTANT, p=1),
            A.Perspective(scale=(0.05, 0.1), interpolation=LINEAR, border_mode=CONSTANT, p=1),
        ]
    )


def chain_3op_kornia(K):
    """The same chain in Kornia."""
    return K.AugmentationSequential(
        K.RandomAffine(degrees=15, translate=(0.05, 0.05), scale=(0.9, 1.1), shear=5, p=1),
        K.RandomRotation(degrees=20.0, p=1),
        K.RandomPerspective(distortion_scale=0.2, p=1),
    )
