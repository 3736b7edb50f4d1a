"""Automatic augmentation policies: RandAugment, TrivialAugmentWide, AutoAugment, AugMix.

RandAugment, TrivialAugmentWide and AutoAugment are pipeline nodes (containers): each call
picks operations and magnitudes, then runs them through ordinary transforms (``Affine``,
``ColorJitter``, ``Posterize``, ...). Geometric operations therefore move boxes, masks and
keypoints with the image, the choices are recorded in ``out.applied`` and replay exactly, and
consecutive geometric operations fuse into one warp.

Magnitudes follow torchvision's discretisation of the papers' ranges: ``num_bins`` evenly
spaced values from 0 to the maximum, signed operations flip sign with probability 1/2, and
enhancement operations use the factor ``1 + magnitude``.

AugMix (Hendrycks et al. 2020) mixes several augmented copies of the same image, so only the
image changes; it is a leaf transform. Its Jensen-Shannon consistency loss is the user's: call
the pipeline twice with different seeds for the two augmented views.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from synthaug.augment.compose import BaseCompose
from synthaug.augment.executor import Executor
from synthaug.augment.functional import color as C
from synthaug.augment.functional import geometric as G
from synthaug.augment.functional import pixel as F
from synthaug.augment.functional.pixel import _as_float, _restore, unit_range
from synthaug.augment.params import MAX_COUNT, Choice, Flag, Int, Real
from synthaug.augment.params import Record as _Record
from synthaug.augment.sample import Sample
from synthaug.augment.transforms.base import ImageOnlyTransform, Transform, draw_int, register
from synthaug.augment.transforms.color import (
    AdjustSharpness,
    AutoContrast,
    Equalize,
    Invert,
    Posterize,
    Solarize,
)
from synthaug.augment.transforms.geometric import RESAMPLING, Affine
from synthaug.augment.transforms.pixel import ColorJitter

#: most magnitude bins a policy takes
MAX_BINS = 1000

__all__ = ["AugMix", "AutoAugment", "RandAugment", "TrivialAugmentWide"]

# AutoAugment sub-policies (Cubuk et al. 2019, appendix): (op, probability, magnitude level
# 0-9) pairs. ImageNet: Table 9; CIFAR-10: the "reduced CIFAR-10" policy, Table 6.
IMAGENET_POLICY: tuple[tuple[tuple[str, float, int | None], ...], ...] = (
    (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)),
    (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
    (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
    (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
    (("Equalize", 0.4, None), ("Solarize", 0.2, 4)),
    (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
    (("Solarize", 0.6, 3), ("Equalize", 0.6, None)),
    (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
    (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)),
    (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
    (("Rotate", 0.8, 8), ("Color", 0.4, 0)),
    (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
    (("Equalize", 0.0, None), ("Equalize", 0.8, None)),
    (("Invert", 0.6, None), ("Equalize", 1.0, None)),
    (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
    (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
    (("Color", 0.8, 8), ("Solarize", 0.8, 7)),
    (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
    (("ShearX", 0.6, 5), ("Equalize", 1.0, None)),
    (("Color", 0.4, 0), ("Equalize", 0.6, None)),
    (("Equalize", 0.4, None), ("Solarize", 0.2, 4)),
    (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
    (("Invert", 0.6, None), ("Equalize", 1.0, None)),
    (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
    (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
)
CIFAR10_POLICY: tuple[tuple[tuple[str, float, int | None], ...], ...] = (
    (("Invert", 0.1, None), ("Contrast", 0.2, 6)),
    (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
    (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)),
    (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
    (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)),
    (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
    (("Color", 0.4, 3), ("Brightness", 0.6, 7)),
    (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
    (("Equalize", 0.6, None), ("Equalize", 0.5, None)),
    (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
    (("Color", 0.7, 7), ("TranslateX", 0.5, 8)),
    (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
    (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)),
    (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
    (("Solarize", 0.5, 2), ("Invert", 0.0, None)),
    (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
    (("Equalize", 0.2, None), ("Equalize", 0.6, None)),
    (("Color", 0.9, 9), ("Equalize", 0.6, None)),
    (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)),
    (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
    (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)),
    (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
    (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)),
    (("Equalize", 0.8, None), ("Invert", 0.1, None)),
    (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None)),
)

_SIGNED = {"ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate"}
_ENHANCE = {"Brightness": 0, "Contrast": 1, "Color": 2}  # ColorJitter's op order indices
_RAND_OPS = (
    "Identity",
    "ShearX",
    "ShearY",
    "TranslateX",
    "TranslateY",
    "Rotate",
    "Brightness",
    "Color",
    "Contrast",
    "Sharpness",
    "Posterize",
    "Solarize",
    "AutoContrast",
    "Equalize",
)


def op_magnitude(
    op: str, level: int, num_bins: int, hw: tuple[int, int], space: str
) -> float | None:
    """The magnitude of ``op`` at bin ``level`` of ``num_bins`` (torchvision's tables).

    ``space`` is ``"standard"`` (AutoAugment/RandAugment ranges) or ``"wide"``
    (TrivialAugmentWide). Shear is a shear factor, translation pixels, rotation degrees,
    enhancement ``factor - 1``, posterize bits, solarize a threshold fraction.
    """
    wide = space == "wide"
    frac = level / max(num_bins - 1, 1)
    if op in ("ShearX", "ShearY"):
        return frac * (0.99 if wide else 0.3)
    if op == "TranslateX":
        return frac * (32.0 if wide else 150.0 / 331.0 * hw[1])
    if op == "TranslateY":
        return frac * (32.0 if wide else 150.0 / 331.0 * hw[0])
    if op == "Rotate":
        return frac * (135.0 if wide else 30.0)
    if op in ("Brightness", "Color", "Contrast", "Sharpness"):
        return frac * (0.99 if wide else 0.9)
    if op == "Posterize":
        span = 6 if wide else 4
        return float(8 - round(level / ((num_bins - 1) / span)))
    if op == "Solarize":
        return 1.0 - frac
    return None


class _OpPolicy(BaseCompose):
    """A container whose children are the operation transforms; subclasses choose ops."""

    targets = ("image", "masks", "boxes", "oriented_boxes", "keypoints")
    parameters = {
        "interpolation": RESAMPLING["interpolation"],
        "fill": RESAMPLING["fill"],
    }

    def _build_ops(self, interpolation: str, fill: Any) -> list[Transform]:
        return [
            Affine(interpolation=interpolation, fill=fill, p=1.0),  # 0: shear/translate/rotate
            ColorJitter(p=1.0),  # 1: brightness, contrast, colour
            AdjustSharpness(p=1.0),  # 2
            Posterize(p=1.0),  # 3
            Solarize(p=1.0),  # 4
            AutoContrast(p=1.0),  # 5
            Equalize(p=1.0),  # 6
            Invert(p=1.0),  # 7
        ]

    def _push_op(
        self, runner: Executor, path: str, op: str, magnitude: float | None, sign: float
    ) -> None:
        """Turn (op, magnitude) into one child's params and hand them to the pipeline."""
        if op == "Identity":
            return
        m = 0.0 if magnitude is None else float(magnitude)
        if op in _SIGNED:
            m *= sign
        if op in ("ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate"):
            shear = math.degrees(math.atan(m))
            params = {
                "angle_deg": m if op == "Rotate" else 0.0,
                "scale": (1.0, 1.0),
                "translate_px": (
                    float(int(m)) if op == "TranslateX" else 0.0,
                    float(int(m)) if op == "TranslateY" else 0.0,
                ),
                "shear_deg": (shear if op == "ShearX" else 0.0, shear if op == "ShearY" else 0.0),
            }
            index = 0
        elif op in _ENHANCE:
            f = 1.0 + sign * m
            params = {
                "order": [_ENHANCE[op]],
                "brightness": f,
                "contrast": f,
                "saturation": f,
                "hue": 0.0,
            }
            index = 1
        elif op == "Sharpness":
            params, index = {"factor": 1.0 + sign * m}, 2
        elif op == "Posterize":
            params, index = {"bits": int(m)}, 3
        elif op == "Solarize":
            params, index = {"threshold": m}, 4
        else:
            params, index = {}, {"AutoContrast": 5, "Equalize": 6, "Invert": 7}[op]
        child = self.transforms[index]
        runner.push(f"{path}transforms[{index}]", child, child.Drawn(params))


@register
class RandAugment(_OpPolicy):
    """RandAugment (Cubuk et al. 2020): ``n`` uniformly chosen operations at magnitude ``m``.

    Parameters
    ----------
    n : int
        Operations per image.
    m : int
        Magnitude bin, 0 .. ``num_bins - 1`` (torchvision's default 9 of 31).
    num_bins : int
        Number of magnitude bins.
    interpolation, fill
        Resampling of the geometric operations.

    Examples
    --------
    >>> import numpy as np
    >>> from synthaug.augment import Compose, RandAugment
    >>> out = Compose([RandAugment(n=2, m=9)])(image=np.zeros((32, 32, 3), np.uint8), seed=0)
    >>> len(out.applied) <= 2
    True
    """

    parameters = {
        "n": Int(0, MAX_COUNT, doc="operations per image"),
        "m": Int(0, MAX_BINS - 1, doc="magnitude bin, below num_bins"),
        "num_bins": Int(2, MAX_BINS, doc="number of magnitude bins"),
    }

    def __init__(
        self,
        n: int = 2,
        m: int = 9,
        num_bins: int = 31,
        interpolation: str = "linear",
        fill: float | tuple[float, ...] = 0,
        p: float = 1.0,
    ) -> None:
        self.store_params(locals())
        if self.m >= self.num_bins:
            raise self.refuse("m", f"an integer in [0, {self.num_bins - 1}] (below num_bins)", m)
        super().__init__(self._build_ops(self.interpolation, self.fill), p)

    def walk(self, rng: np.random.Generator, runner: Executor, path: str) -> None:
        """Draw ``n`` operations (with replacement) and their signs."""
        hw = runner.view().image.shape[:2]
        for _ in range(self.n):
            op = _RAND_OPS[draw_int(rng, 0, len(_RAND_OPS))]
            sign = -1.0 if rng.random() < 0.5 else 1.0
            mag = op_magnitude(op, self.m, self.num_bins, hw, "standard")
            self._push_op(runner, path, op, mag, sign)


@register
class TrivialAugmentWide(_OpPolicy):
    """TrivialAugment (Müller and Hutter 2021): one operation, uniformly random magnitude.

    Uses the "wide" ranges of the paper (shear 0.99, translate 32 px, rotate 135 degrees,
    enhancement 0.99, posterize down to 2 bits).
    """

    parameters = {
        "num_bins": Int(2, MAX_BINS, doc="number of magnitude bins"),
    }

    def __init__(
        self,
        num_bins: int = 31,
        interpolation: str = "linear",
        fill: float | tuple[float, ...] = 0,
        p: float = 1.0,
    ) -> None:
        self.store_params(locals())
        super().__init__(self._build_ops(self.interpolation, self.fill), p)

    def walk(self, rng: np.random.Generator, runner: Executor, path: str) -> None:
        """Draw one operation, a magnitude bin and a sign."""
        hw = runner.view().image.shape[:2]
        op = _RAND_OPS[draw_int(rng, 0, len(_RAND_OPS))]
        level = draw_int(rng, 0, self.num_bins)
        sign = -1.0 if rng.random() < 0.5 else 1.0
        self._push_op(runner, path, op, op_magnitude(op, level, self.num_bins, hw, "wide"), sign)


@register
class AutoAugment(_OpPolicy):
    """AutoAugment (Cubuk et al. 2019) with the paper's ImageNet or CIFAR-10 policy.

    Each call picks one of the 25 sub-policies; each of its two operations runs with its own
    probability at its fixed magnitude level (10 bins).
    """

    parameters = {
        "policy": Choice(("imagenet", "cifar10"), doc="the paper's policy table"),
    }

    def __init__(
        self,
        policy: str = "imagenet",
        interpolation: str = "linear",
        fill: float | tuple[float, ...] = 0,
        p: float = 1.0,
    ) -> None:
        self.store_params(locals())
        super().__init__(self._build_ops(self.interpolation, self.fill), p)

    def walk(self, rng: np.random.Generator, runner: Executor, path: str) -> None:
        """Pick a sub-policy, then run each of its operations with its probability."""
        table = IMAGENET_POLICY if self.policy == "imagenet" else CIFAR10_POLICY
        sub = table[draw_int(rng, 0, len(table))]
        hw = runner.view().image.shape[:2]
        for op, prob, level in sub:
            fire = rng.random() <= prob
            sign = -1.0 if rng.random() < 0.5 else 1.0
            if fire:
                mag = None if level is None else op_magnitude(op, level, 10, hw, "standard")
                self._push_op(runner, path, op, mag, sign)


# --------------------------------------------------------------------------- AugMix
_AUGMIX_OPS = (
    "AutoContrast",
    "Equalize",
    "Posterize",
    "Rotate",
    "Solarize",
    "ShearX",
    "ShearY",
    "TranslateX",
    "TranslateY",
)
_AUGMIX_ALL = _AUGMIX_OPS + ("Brightness", "Color", "Contrast", "Sharpness")


def _augmix_value(op: str, level: float, hw: tuple[int, int], rng: np.random.Generator) -> float:
    """AugMix's level-to-argument rules (level in [0.1, severity], max level 10)."""
    sign = -1.0 if rng.random() < 0.5 else 1.0
    if op == "Rotate":
        return sign * int(level * 30 / 10)
    if op in ("ShearX", "ShearY"):
        return sign * level * 0.3 / 10
    if op == "TranslateX":
        return sign * int(level * (hw[1] / 3) / 10)
    if op == "TranslateY":
        return sign * int(level * (hw[0] / 3) / 10)
    if op == "Posterize":
        return float(4 - int(level * 4 / 10))
    if op == "Solarize":
        return (256 - int(level * 256 / 10)) / 255.0
    if op in ("Brightness", "Color", "Contrast", "Sharpness"):
        return level * 1.8 / 10 + 0.1
    return 0.0


def _augmix_op(image: np.ndarray, op: str, v: float, interpolation: str) -> np.ndarray:
    """Apply one AugMix operation to a float32 image (same size)."""
    h, w = image.shape[:2]
    if op in ("Rotate", "ShearX", "ShearY", "TranslateX", "TranslateY"):
        shear = math.degrees(math.atan(v))
        m = G.affine_matrix(
            (h, w),
            v if op == "Rotate" else 0.0,
            (1.0, 1.0),
            (v if op == "TranslateX" else 0.0, v if op == "TranslateY" else 0.0),
            (shear if op == "ShearX" else 0.0, shear if op == "ShearY" else 0.0),
        )
        return G.warp_image(image, m, (h, w), interpolation, "constant", 0)
    if op == "AutoContrast":
        return C.autocontrast_image(image)
    if op == "Equalize":
        return C.equalize_image(image)
    if op == "Posterize":
        return C.table_image(image, C.posterize_lut(max(1, int(v))))
    if op == "Solarize":
        return np.where(image >= v, 1.0 - image, image).astype(np.float32)
    if op == "Sharpness":
        return C.sharpness_image(image, v)
    if op == "Brightness":
        return F.brightness_contrast_image(image, 0.0, v)
    if op == "Color":
        return F.saturation_image(image, v)
    gray = F.to_gray_image(image)
    mean = float(gray.mean())
    return F.brightness_contrast_image(image, mean * (1.0 - v), v)


@register
class AugMix(ImageOnlyTransform):
    """AugMix (Hendrycks et al. 2020): a convex mix of ``width`` augmentation chains.

    Each chain applies ``depth`` random operations (1-3 when ``depth`` is -1); the chains are
    mixed with Dirichlet(``alpha``) weights, and the mix is blended with the original image
    by ``m ~ Beta(alpha, alpha)``. Only the image changes (its geometric operations are
    blended, so they cannot move labels).

    Parameters
    ----------
    severity : int
        1-10; operation strength.
    width : int
        Number of chains.
    depth : int
        Operations per chain; -1 draws 1 to 3 per chain.
    alpha : float
        Dirichlet and Beta concentration.
    all_ops : bool
        Also use brightness, colour, contrast and sharpness (they overlap ImageNet-C
        corruptions, which the paper avoids).
    """

    channels = (1, 3)  # RGB colour (a single band has no colour to change)
    float_range = "unit"  # its operations (colour, posterize) work on [0, 1]

    parameters = {
        "severity": Int(1, 10, doc="operation strength"),
        "width": Int(1, MAX_COUNT, doc="number of chains"),
        "depth": Int(-1, MAX_COUNT, doc="operations per chain; -1 draws 1 to 3 (0 is refused)"),
        "alpha": Real(1e-3, 1e3, doc="Dirichlet and Beta concentration"),
        "all_ops": Flag(doc="also brightness, colour, contrast and sharpness"),
        "interpolation": RESAMPLING["interpolation"],
    }

    class Drawn(_Record):
        weights: list[float]
        m: float
        chains: list[list[list[Any]]]

    def __init__(
        self,
        severity: int = 3,
        width: int = 3,
        depth: int = -1,
        alpha: float = 1.0,
        all_ops: bool = False,
        interpolation: str = "linear",
        p: float = 1.0,
    ) -> None:
        self.store_params(locals())
        if self.depth == 0:
            raise self.refuse("depth", "a positive integer or -1", depth)

    def sample_params(self, rng: np.random.Generator, sample: Sample) -> _Record:
        """Draw the mixing weights, the skip weight and every chain's operations."""
        ops = _AUGMIX_ALL if self.all_ops else _AUGMIX_OPS
        hw = sample.image.shape[:2]
        weights = rng.dirichlet([self.alpha] * self.width)
        m = float(rng.beta(self.alpha, self.alpha))
        chains = []
        for _ in range(self.width):
            d = self.depth if self.depth > 0 else draw_int(rng, 1, 4)
            chain = []
            for _ in range(d):
                op = ops[draw_int(rng, 0, len(ops))]
                level = float(rng.uniform(0.1, self.severity))
                chain.append([op, _augmix_value(op, level, hw, rng)])
            chains.append(chain)
        return self.Drawn(weights=[float(w) for w in weights], m=m, chains=chains)

    def apply_image(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Run the chains on the image, mix, and blend with the original."""
        x = unit_range(_as_float(image)).astype(np.float32)
        mix = np.zeros_like(x)
        for w, chain in zip(params["weights"], params["chains"], strict=True):
            y = x
            for op, v in chain:
                y = _augmix_op(y, op, float(v), self.interpolation)
            mix += np.float32(w) * y
        m = np.float32(params["m"])
        return _restore((1 - m) * x + m * mix, image.dtype)
