"""Read Albumentations 1.x arguments: rename old keys to their 2.0.8 equivalents.

Albumentations 1.0 to 1.4 wrote and accepted keys that 2.0 renamed or folded into ranges
(``always_apply``, ``value``/``mask_value``, ``var_limit``, ``max_holes``/``max_height``/
``max_width``, ``quality_lower``/``quality_upper``, ``height``/``width`` of the resizing crops,
...) and transforms that 2.0 renamed (``JpegCompression``, ``Cutout``, ``RandomBrightness``,
``RandomContrast``). :func:`upgrade` rewrites one transform's arguments into the 2.0.8 form
with the same behaviour, so a file or a call from either era goes through one code path.
A 1.x key whose behaviour 2.0.8 (and so synthaug) does not have raises a ConfigError.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from synthaug.errors import ConfigError

__all__ = ["RENAMED", "upgrade"]

#: 1.x transform names and the 2.0.8 name that has their behaviour
RENAMED = {
    "JpegCompression": "ImageCompression",
    "Cutout": "CoarseDropout",
    "RandomBrightness": "RandomBrightnessContrast",
    "RandomContrast": "RandomBrightnessContrast",
}

# border fill keys of 1.x, per transform family: old key -> 2.0.8 key
_FILL_KEYS = {"value": "fill", "mask_value": "fill_mask"}
_FILL_BY_NAME: dict[str, dict[str, str]] = {
    "Affine": {"cval": "fill", "cval_mask": "fill_mask", "mode": "border_mode"},
    "Perspective": {"pad_val": "fill", "mask_pad_val": "fill_mask", "pad_mode": "border_mode"},
    "CropAndPad": {"pad_cval": "fill", "pad_cval_mask": "fill_mask", "pad_mode": "border_mode"},
    "ChannelDropout": {"fill_value": "fill"},
    "GridDropout": {"fill_value": "fill", "mask_fill_value": "fill_mask"},
    "CoarseDropout": {"fill_value": "fill", "mask_fill_value": "fill_mask"},
    "Erasing": {"value": "fill"},
}


def _pair_of(lo: Any, hi: Any) -> tuple[Any, Any]:
    return (hi if lo is None else lo, hi)


def _pop_pair(a: dict[str, Any], lo_key: str, hi_key: str, new_key: str) -> None:
    """Fold ``lo_key``/``hi_key`` into ``new_key = (lo, hi)`` when either is present."""
    if lo_key in a or hi_key in a:
        lo, hi = a.pop(lo_key, None), a.pop(hi_key, None)
        a[new_key] = _pair_of(lo, hi) if hi is not None else (lo, lo)


def _gauss_noise(a: dict[str, Any]) -> None:
    # 1.x: variance in squared 0-255 levels (default 10-50) and a mean in levels; 2.0.8
    # takes the standard deviation and the mean as fractions of the maximum value
    if "var_limit" in a:
        v = a.pop("var_limit")
        lo, hi = (v, v) if isinstance(v, (int, float)) else v
        if isinstance(v, (int, float)):
            lo = 0.0 if v > 0 else v  # 1.x made one number the range (0, v)
        a["std_range"] = (math.sqrt(lo) / 255.0, math.sqrt(hi) / 255.0)
    if "mean" in a:
        m = a.pop("mean")
        lo, hi = (m, m) if isinstance(m, (int, float)) else m
        a["mean_range"] = (lo / 255.0, hi / 255.0)


def _coarse_dropout(a: dict[str, Any]) -> None:
    _pop_pair(a, "min_holes", "max_holes", "num_holes_range")
    _pop_pair(a, "min_height", "max_height", "hole_height_range")
    _pop_pair(a, "min_width", "max_width", "hole_width_range")


def _cutout(a: dict[str, Any]) -> None:
    if "num_holes" in a:
        n = a.pop("num_holes")
        a["num_holes_range"] = (n, n)
    if "max_h_size" in a:
        h = a.pop("max_h_size")
        a["hole_height_range"] = (h, h)
    if "max_w_size" in a:
        w = a.pop("max_w_size")
        a["hole_width_range"] = (w, w)


def _compression(a: dict[str, Any]) -> None:
    _pop_pair(a, "quality_lower", "quality_upper", "quality_range")
    t = a.get("compression_type")
    if t in (0, "ImageCompressionType.JPEG", "JPEG"):
        a["compression_type"] = "jpeg"
    elif t in (1, "ImageCompressionType.WEBP", "WEBP"):
        a["compression_type"] = "webp"


def _jpeg(a: dict[str, Any]) -> None:
    _compression(a)
    a.setdefault("compression_type", "jpeg")
    a.setdefault("quality_range", (99, 100))


def _resized_crop(a: dict[str, Any]) -> None:
    if "height" in a or "width" in a:
        h, w = a.pop("height", None), a.pop("width", None)
        a["size"] = (h, w)


def _downscale(a: dict[str, Any]) -> None:
    _pop_pair(a, "scale_min", "scale_max", "scale_range")
    interp = a.get("interpolation")
    if "interpolation" in a:
        del a["interpolation"]
        if isinstance(interp, dict):
            a["interpolation_pair"] = interp
        elif interp is not None:
            a["interpolation_pair"] = {"downscale": interp, "upscale": interp}


def _brightness(a: dict[str, Any]) -> None:
    a["brightness_limit"] = a.pop("limit", (-0.2, 0.2))
    a["contrast_limit"] = (0.0, 0.0)


def _contrast(a: dict[str, Any]) -> None:
    a["contrast_limit"] = a.pop("limit", (-0.2, 0.2))
    a["brightness_limit"] = (0.0, 0.0)


def _solarize(a: dict[str, Any]) -> None:
    if "threshold" in a:  # 1.x: in 0-255 levels for uint8 images
        t = a.pop("threshold")
        lo, hi = (t, t) if isinstance(t, (int, float)) else t
        a["threshold_range"] = (lo / 255.0, hi / 255.0)


def _grid_dropout(a: dict[str, Any]) -> None:
    if "unit_size_min" in a or "unit_size_max" in a:
        lo, hi = a.pop("unit_size_min", None), a.pop("unit_size_max", None)
        if lo is not None or hi is not None:
            a["unit_size_range"] = _pair_of(lo, hi)
    if "holes_number_x" in a or "holes_number_y" in a:
        x, y = a.pop("holes_number_x", None), a.pop("holes_number_y", None)
        if x is not None or y is not None:
            a["holes_number_xy"] = (x, y)
    if "shift_x" in a or "shift_y" in a:
        a["shift_xy"] = (a.pop("shift_x", 0), a.pop("shift_y", 0))


def _weather(a: dict[str, Any]) -> None:
    _pop_pair(a, "fog_coef_lower", "fog_coef_upper", "fog_coef_range")
    _pop_pair(a, "slant_lower", "slant_upper", "slant_range")
    _pop_pair(a, "num_shadows_lower", "num_shadows_upper", "num_shadows_limit")
    _pop_pair(a, "angle_lower", "angle_upper", "angle_range")
    _pop_pair(a, "num_flare_circles_lower", "num_flare_circles_upper", "num_flare_circles_range")


def _zero_or_refuse(
    name: str, key: str, zero: Any, instead: str
) -> Callable[[dict[str, Any]], None]:
    def fix(a: dict[str, Any]) -> None:
        if key in a:
            v = a.pop(key)
            if v not in (None, zero, [zero, zero], (zero, zero), 0):
                raise ConfigError(
                    f"{name}.{key}={v!r}: this Albumentations 1.x setting was removed in 2.0 "
                    f"(2.0.8 ignores it) and synthaug has no counterpart; drop it, or {instead}"
                )

    return fix


_FIXES: dict[str, list[Callable[[dict[str, Any]], None]]] = {
    "GaussNoise": [_gauss_noise],
    "CoarseDropout": [_coarse_dropout],
    "Cutout": [_cutout],
    "ImageCompression": [_compression],
    "JpegCompression": [_jpeg],
    "RandomResizedCrop": [_resized_crop],
    "RandomSizedCrop": [_resized_crop],
    "Downscale": [_downscale],
    "RandomBrightness": [_brightness],
    "RandomContrast": [_contrast],
    "Solarize": [_solarize],
    "GridDropout": [_grid_dropout],
    "RandomFog": [_weather],
    "RandomRain": [_weather],
    "RandomShadow": [_weather],
    "RandomSunFlare": [_weather],
    "ElasticTransform": [
        _zero_or_refuse(
            "ElasticTransform", "alpha_affine", 0, "put an A.Affine before it for the affine part"
        )
    ],
    "OpticalDistortion": [
        _zero_or_refuse(
            "OpticalDistortion", "shift_limit", 0, "use A.Affine(translate_percent=...) to shift"
        )
    ],
    "RandomGamma": [
        _zero_or_refuse("RandomGamma", "eps", None, "drop it (gamma is applied without eps)")
    ],
}


def upgrade(name: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Rewrite a transform's 1.x name and keys into the 2.0.8 form with the same behaviour.

    ``always_apply=True`` becomes ``p=1`` (1.x applied such a transform whatever its ``p``);
    ``always_apply=False`` is the default and is dropped.

    Examples
    --------
    >>> upgrade("JpegCompression", {"quality_lower": 80, "quality_upper": 95, "p": 0.5})
    ('ImageCompression', {'p': 0.5, 'quality_range': (80, 95), 'compression_type': 'jpeg'})
    """
    a = dict(args)
    if a.pop("always_apply", False) is True:
        a["p"] = 1.0
    for fix in _FIXES.get(name, ()):
        fix(a)
    new_name = RENAMED.get(name, name)
    renames = {**_FILL_KEYS, **_FILL_BY_NAME.get(new_name, {})}
    for old, new in renames.items():
        if old in a and new not in a:
            v = a.pop(old)
            a[new] = 0 if (v is None and new == "fill") else v
    return new_name, a
