"""Albumentations-named transforms: 2.0.8 names and arguments over synthaug transforms.

Every class here binds its arguments as Albumentations 2.0.8 does (same names, same positional
order, same defaults, a single number widened to a range by the same rule), reads the 1.x keys
too (:mod:`synthaug.albumentations.legacy`), and builds the synthaug transform that does the
same (:func:`synthaug.albumentations.mapping.engine_transform`) at construction: an argument
or a setting synthaug does not have is a :class:`~synthaug.errors.ConfigError` naming it, the
transform and the alternative, before any image is touched.

Examples
--------
>>> t = RandomBrightnessContrast(0.2, 0.1, p=1.0)
>>> t.to_dict_private()["brightness_limit"], type(t.engine).__name__
((-0.2, 0.2), 'BrightnessContrastStep')
>>> RandomBrightnessContrast(brightnes_limit=0.2)
Traceback (most recent call last):
...
synthaug.errors.ConfigError: RandomBrightnessContrast: unknown argument 'brightnes_limit' (did you mean 'brightness_limit'?); Albumentations 2.0.8 takes brightness_limit, contrast_limit, brightness_by_max, ensure_safe_range, p
"""

from __future__ import annotations

import difflib
from typing import Any, ClassVar

from synthaug import augment
from synthaug.albumentations import legacy
from synthaug.albumentations.mapping import DERIVED_KEYS as _DERIVED
from synthaug.albumentations.mapping import Unmappable, engine_transform
from synthaug.albumentations.signatures import REQUIRED, SIGNATURES, to_range
from synthaug.errors import ConfigError

__all__ = ["MISSING", "TRANSFORMS", "BasicTransform", "bind_arguments", "missing_transform"]

#: Albumentations 2.0.8 transforms synthaug has no counterpart for (asking for one is a
#: ConfigError at construction, naming it)
MISSING = (
    "AdditiveNoise", "AdvancedBlur", "AtLeastOneBBoxRandomCrop", "ChromaticAberration",
    "ConstrainedCoarseDropout", "CropNonEmptyMaskIfExists", "D4", "FDA", "FancyPCA",
    "FrequencyMasking", "GlassBlur", "GridElasticDeform", "HEStain", "HistogramMatching",
    "Illumination", "MaskDropout", "Morphological", "Mosaic", "OverlayElements",
    "PiecewiseAffine", "PixelDistributionAdaptation", "PlanckianJitter",
    "PlasmaBrightnessContrast", "PlasmaShadow", "RandomCropFromBorders", "RandomCropNearBBox",
    "RandomGravel", "RandomGridShuffle", "RandomSnow", "RandomToneCurve", "RingingOvershoot",
    "ShotNoise", "SquareSymmetry", "Superpixels", "TextImage", "ThinPlateSpline",
    "TimeMasking", "TimeReverse", "ToRGB", "UnsharpMask", "XYMasking",
)  # fmt: skip


def missing_transform(name: str) -> type:
    """A stand-in class for an Albumentations transform synthaug lacks: constructing it raises
    a ConfigError naming the transform and the nearest one this layer has."""

    def refuse(self: Any, *args: Any, **kwargs: Any) -> None:
        hint = _suggest(name, sorted(TRANSFORMS))
        raise ConfigError(
            f"{name}: synthaug has no counterpart for this Albumentations transform{hint}; "
            "remove it or replace it (see docs/migrating-from-albumentations.md)"
        )

    return type(name, (), {"__init__": refuse, "__doc__": f"Not available: {name}."})


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def bind_arguments(
    name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Bind a call ``name(*args, **kwargs)`` as Albumentations 2.0.8 does.

    Returns the 2.0.8 name (1.x names such as ``JpegCompression`` are renamed) and the
    complete argument dict: 1.x keys upgraded, defaults filled in, single numbers widened to
    ranges.
    """
    target = legacy.RENAMED.get(name, name)
    sig = SIGNATURES[target]
    if target != name and args:
        raise ConfigError(f"{name}: pass the arguments of this Albumentations 1.x name by keyword")
    args = tuple(args)
    bound: dict[str, Any] = {}
    if target in ("RandomResizedCrop", "RandomSizedCrop") and _ints(args[-2:] if args else ()):
        # 1.x order: (height, width, ...) for RandomResizedCrop, (min_max_height, height,
        # width, ...) for RandomSizedCrop; 2.0.8 takes one size=(height, width)
        lead = 0 if target == "RandomResizedCrop" else 1
        if len(args) == lead + 2:
            bound.update(zip([k for k, _ in sig[:lead]], args[:lead], strict=True))
            bound["size"] = (args[lead], args[lead + 1])
            args = ()
    if len(args) > len(sig):
        raise ConfigError(f"{name}: takes at most {len(sig)} positional arguments, got {len(args)}")
    bound.update(zip([k for k, _ in sig], args, strict=False))
    for key, value in kwargs.items():
        if key in bound:
            raise ConfigError(f"{name}: argument {key!r} given twice")
        bound[key] = value
    new_name, bound = legacy.upgrade(name, bound)
    allowed = [k for k, _ in SIGNATURES[new_name]]
    derived = _DERIVED.get(new_name, ())
    for key in bound:
        if key not in allowed and key != "strict" and key not in derived:
            raise ConfigError(
                f"{name}: unknown argument {key!r}{_suggest(key, allowed)}; Albumentations "
                f"2.0.8 takes {', '.join(allowed)}"
            )
    full: dict[str, Any] = {}
    for key, default in SIGNATURES[new_name]:
        if key in bound:
            full[key] = to_range(new_name, key, bound[key])
        elif default == REQUIRED:
            raise ConfigError(f"{name}: missing required argument {key!r}")
        else:
            full[key] = to_range(new_name, key, default)
    for key in derived:
        if key in bound:
            full[key] = bound[key]
    return new_name, full


def _ints(values: tuple[Any, ...]) -> bool:
    return len(values) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in values)


class BasicTransform:
    """Base of the Albumentations-named transforms.

    Attributes
    ----------
    p : float
        Probability of applying the transform.
    engine : synthaug.augment.Transform
        The synthaug transform that does the work.
    """

    #: the Albumentations name (the class name unless a subclass says otherwise)
    albumentations_name: ClassVar[str] = ""
    #: applied to the output dict after the pipeline (ToTensorV2), not by the engine
    is_post_step: ClassVar[bool] = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        name = self.albumentations_name or type(self).__name__
        self.name, self._args = bind_arguments(name, args, kwargs)
        self.p = float(self._args["p"])
        try:
            self.engine = engine_transform(self.name, self._args)
        except Unmappable as exc:
            raise ConfigError(f"{name}: {exc}") from None

    def to_engine(self, native: bool = False) -> augment.Transform:
        """The synthaug transform; ``native=True`` uses only synthaug's registered transforms
        (see :func:`~synthaug.albumentations.mapping.engine_transform`)."""
        if not native:
            return self.engine
        try:
            return engine_transform(self.name, self._args, native=True)
        except Unmappable as exc:
            raise ConfigError(f"{self.name}: {exc}") from None

    def to_dict_private(self) -> dict[str, Any]:
        """``{"__class_fullname__": name, **arguments}``, as ``albumentations.to_dict`` writes."""
        return {"__class_fullname__": self.name, **self._args}

    def get_transform_init_args(self) -> dict[str, Any]:
        """The complete 2.0.8 arguments (Albumentations' accessor of the same name)."""
        return {k: v for k, v in self._args.items() if k != "p"}

    def __call__(self, *args: Any, force_apply: bool = False, **data: Any) -> dict[str, Any]:
        """Apply this transform alone, as ``A.Compose([t])(**data)`` would."""
        from synthaug.albumentations.core import Compose

        if args:
            raise TypeError("pass targets as keywords, e.g. t(image=image)")
        return Compose([self], p=1.0)(force_apply=force_apply, **data)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._args.items())
        return f"{self.name}({args})"


def _make(name: str) -> type[BasicTransform]:
    sig = SIGNATURES[legacy.RENAMED.get(name, name)]
    args = ", ".join(f"{k}={d!r}" if d != REQUIRED else k for k, d in sig)
    doc = (
        f"Albumentations' ``{name}({args})`` over synthaug's engine.\n\n"
        "Arguments, defaults and the widening of single numbers to ranges are those of "
        "Albumentations 2.0.8; see :mod:`synthaug.albumentations` for what differs."
    )
    if name in legacy.RENAMED:
        doc = (
            f"Albumentations 1.x ``{name}``: read as ``{legacy.RENAMED[name]}`` with the same "
            "behaviour (keyword arguments only)."
        )
    return type(name, (BasicTransform,), {"__doc__": doc, "__module__": __name__})


#: every Albumentations transform name this layer provides, with its class
TRANSFORMS: dict[str, type[BasicTransform]] = {
    name: _make(name) for name in (*SIGNATURES, *legacy.RENAMED)
}
globals().update(TRANSFORMS)
__all__ += sorted(TRANSFORMS)
