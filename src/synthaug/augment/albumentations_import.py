"""Build a synthaug pipeline from an Albumentations serialized pipeline (``A.to_dict``).

For users leaving Albumentations: pass the dict ``albumentations.to_dict(pipe)`` returns, or
the path of the JSON/YAML file ``albumentations.save`` wrote. Transform names and parameters
are mapped to ours (``RandomRotate90`` -> ``Rotate90``, ``RandomBrightnessContrast`` ->
``BrightnessContrast`` with ``brightness_limit`` -> ``brightness``, OpenCV interpolation and
border codes -> names, 0-255 shifts -> fractions, ...). Nothing from the file is imported or
executed, and Albumentations itself is not needed.

Every transform that cannot be mapped (unknown name, or a setting we have no counterpart for)
is collected, and one :class:`~synthaug.errors.ConfigError` lists them all.

Known, deliberate differences: ``Resize``-type transforms move keypoints with the pixel they
mark (``x' = (x + 0.5) s - 0.5``) where Albumentations scales ``x' = x s``; reflecting pads do
not duplicate boxes and keypoints into the reflected border; ``ElasticTransform`` and
``OpticalDistortion`` follow the same model with matched magnitudes, not the same random field.

Examples
--------
>>> d = {"__version__": "2.0.8", "transform": {"__class_fullname__": "Compose", "p": 1.0,
...      "transforms": [{"__class_fullname__": "RandomRotate90", "p": 0.5}]}}
>>> pipe = from_albumentations(d)
>>> type(pipe.transforms[0]).__name__
'Rotate90'
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from synthaug.augment.compose import Compose
from synthaug.augment.serialize import from_dict
from synthaug.errors import ConfigError

__all__ = ["ALBUMENTATIONS_NAMES", "from_albumentations"]

_INTERP = {0: "nearest", 1: "linear", 2: "cubic", 3: "area", 4: "lanczos"}
_BORDER = {0: "constant", 1: "replicate", 2: "reflect_edge", 3: "wrap", 4: "reflect"}
_BOX_FORMATS = {"pascal_voc": "xyxy", "coco": "xywh", "yolo": "yolo"}


class _Unmappable(Exception):
    """Raised by a mapper: the reason a transform has no synthaug counterpart."""


# --------------------------------------------------------------------------- value helpers
def _interp(v: Any) -> str:
    if v not in _INTERP:
        raise _Unmappable(f"interpolation {v!r} is not an OpenCV flag we know")
    return _INTERP[v]


def _border(v: Any) -> str:
    if v not in _BORDER:
        raise _Unmappable(f"border_mode {v!r} is not an OpenCV border we know")
    return _BORDER[v]


def _pair(v: Any) -> Any:
    return list(v) if isinstance(v, (list, tuple)) else v


def _xy(d: Mapping[str, Any], key: str) -> Any:
    """One range for both axes from Albumentations' ``{"x": ..., "y": ...}`` form."""
    v = d.get(key)
    if isinstance(v, Mapping):
        if list(v["x"]) != list(v["y"]):
            raise _Unmappable(f"{key} differs between x {v['x']} and y {v['y']}")
        return list(v["x"])
    return _pair(v)


def _resampling(d: Mapping[str, Any], interpolation: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if interpolation and "interpolation" in d:
        out["interpolation"] = _interp(d["interpolation"])
    if "border_mode" in d:
        out["border_mode"] = _border(d["border_mode"])
    if "fill" in d:
        out["fill"] = _pair(d["fill"])
    if d.get("fill_mask") is not None:
        out["fill_mask"] = int(d["fill_mask"])
    if d.get("mask_interpolation", 0) != 0:
        raise _Unmappable("mask_interpolation other than nearest (masks are always nearest)")
    return out


def _require(d: Mapping[str, Any], key: str, allowed: Any) -> None:
    if d.get(key, allowed) != allowed:
        raise _Unmappable(f"{key}={d[key]!r} (only {allowed!r} is supported)")


def _scaled(v: Any, factor: float) -> list[float]:
    lo, hi = (v, v) if not isinstance(v, (list, tuple)) else v
    return [float(lo) * factor, float(hi) * factor]


def _odd(v: Any) -> list[int]:
    lo, hi = (v, v) if not isinstance(v, (list, tuple)) else v
    lo, hi = max(3, int(lo)), max(3, int(hi))
    return [lo | 1, hi | 1]


# --------------------------------------------------------------------------- mappers
def _affine(d):
    _require(d, "fit_output", False)
    kw: dict[str, Any] = {"scale": _xy(d, "scale"), "rotate": _pair(d.get("rotate", 0.0))}
    if d.get("translate_percent") is not None:
        kw["translate_percent"] = _xy(d, "translate_percent")
    elif d.get("translate_px") is not None and _xy(d, "translate_px") != [0, 0]:
        kw["translate_px"] = _xy(d, "translate_px")
    shear = d.get("shear", {"x": [0, 0], "y": [0, 0]})
    if isinstance(shear, Mapping) and list(shear["y"]) == [0, 0] and list(shear["x"]) != [0, 0]:
        raise _Unmappable("shear along x only (our Affine draws both axes from one range)")
    kw["shear"] = _xy(d, "shear") if shear is not None else 0.0
    kw["keep_ratio"] = bool(d.get("keep_ratio", True))
    return "Affine", {**kw, **_resampling(d)}


def _shift_scale_rotate(d):
    if list(d["shift_limit_x"]) != list(d["shift_limit_y"]):
        raise _Unmappable("shift_limit_x differs from shift_limit_y")
    lo, hi = d["scale_limit"]
    kw = {
        "translate_percent": _pair(d["shift_limit_x"]),
        "scale": [1.0 + lo, 1.0 + hi],
        "rotate": _pair(d["rotate_limit"]),
    }
    return "Affine", {**kw, **_resampling(d)}


def _elastic(d):
    # Albumentations 2 draws Gaussian noise by default; ours is uniform in [-1, 1] (std
    # 1/sqrt(3)), so alpha is scaled to give the same displacement spread.
    gain = math.sqrt(3.0) if d.get("noise_distribution", "gaussian") == "gaussian" else 1.0
    kw = {"alpha": float(d.get("alpha", 1.0)) * gain, "sigma_px": float(d.get("sigma", 50.0))}
    return "ElasticTransform", {**kw, **_resampling(d)}


def _optical(d):
    _require(d, "mode", "camera")
    # their radius is normalised by the image size (corner r^2 = 0.5), ours by the half
    # diagonal (corner r = 1): k_ours = k / 2 matches the quadratic term
    return "OpticalDistortion", {
        "distort_limit": _scaled(d["distort_limit"], 0.5),
        **_resampling(d),
    }


def _crop_like(name: str, keys: tuple[str, ...], extra: Callable | None = None):
    def mapper(d):
        _require(d, "pad_if_needed", False)
        kw = {k: _pair(d[k]) for k in keys}
        if extra is not None:
            kw.update(extra(d))
        return name, kw

    return mapper


def _pad_if_needed(d):
    for k in ("pad_height_divisor", "pad_width_divisor"):
        if d.get(k) is not None:
            raise _Unmappable(f"{k} (padding to a multiple is not supported)")
    if d.get("min_height") is None or d.get("min_width") is None:
        raise _Unmappable("min_height/min_width of None")
    kw = {"min_height": d["min_height"], "min_width": d["min_width"]}
    kw["position"] = d.get("position", "center")
    return "PadIfNeeded", {**kw, **_resampling(d, interpolation=False)}


def _crop_and_pad(d):
    if d.get("px") is not None or d.get("percent") is None:
        raise _Unmappable("px (only percent is supported)")
    kw = {"percent": _pair(d["percent"]), "keep_size": d.get("keep_size", True)}
    return "CropAndPad", {**kw, **_resampling(d)}


def _max_size(name):
    def mapper(d):
        if d.get("max_size") is None or isinstance(d["max_size"], (list, tuple)):
            raise _Unmappable("max_size must be one integer (max_size_hw is not supported)")
        return name, {
            "max_size": d["max_size"],
            "interpolation": _interp(d.get("interpolation", 1)),
        }

    return mapper


def _brightness_contrast(d):
    _require(d, "brightness_by_max", True)
    return "BrightnessContrast", {
        "brightness": _pair(d["brightness_limit"]),
        "contrast": _pair(d["contrast_limit"]),
    }


def _hsv(d):
    # uint8 semantics: hue in OpenCV half-degrees, saturation and value in 0-255 levels
    return "HueSaturationValue", {
        "hue_shift_deg": _scaled(d["hue_shift_limit"], 2.0),
        "sat_shift": _scaled(d["sat_shift_limit"], 1 / 255),
        "val_shift": _scaled(d["val_shift_limit"], 1 / 255),
    }


def _gaussian_blur(d):
    sigma = _pair(d.get("sigma_limit", [0.5, 3.0]))
    lo, hi = d.get("blur_limit", [0, 0])
    if lo == 0 or hi == 0:  # Albumentations derives the kernel from sigma
        k = 2 * math.ceil(3 * float(sigma[1] if isinstance(sigma, list) else sigma)) + 1
        ksize = [k, k]
    else:
        ksize = _odd([lo, hi])
    return "GaussianBlur", {"ksize": ksize, "sigma_px": sigma}


def _gauss_noise(d):
    mean = d.get("mean_range", [0.0, 0.0])
    if mean[0] != mean[1]:
        raise _Unmappable("mean_range must be a single value")
    _require(d, "noise_scale_factor", 1.0)
    return "GaussianNoise", {
        "std": _pair(d["std_range"]),
        "mean": float(mean[0]),
        "per_channel": bool(d.get("per_channel", True)),
    }


def _coarse_dropout(d):
    kw: dict[str, Any] = {"n_holes": _pair(d["num_holes_range"])}
    for ours, theirs in (("hole_height", "hole_height_range"), ("hole_width", "hole_width_range")):
        v = d[theirs]
        if any(isinstance(x, int) and not isinstance(x, bool) and x > 1 for x in v):
            raise _Unmappable(f"{theirs} in pixels (we take fractions of the image size)")
        kw[ours] = _pair(v)
    kw["fill"] = "random" if d.get("fill") == "random" else _pair(d.get("fill", 0))
    kw["fill_mask"] = d.get("fill_mask")
    return "CoarseDropout", kw


def _grid_dropout(d):
    for k in ("unit_size_range", "holes_number_xy"):
        if d.get(k) is not None:
            raise _Unmappable(f"{k} (we take unit_size as a fraction of the shorter side)")
    return "GridDropout", {
        "ratio": d.get("ratio", 0.5),
        "random_offset": d.get("random_offset", True),
        "fill": _pair(d.get("fill", 0)),
        "fill_mask": d.get("fill_mask"),
    }


def _simple(name: str, renames: Mapping[str, str] | None = None, **fixed: Any):
    """Copy parameters under new names (``renames`` theirs -> ours)."""

    def mapper(d):
        kw = {ours: _pair(d[theirs]) for theirs, ours in (renames or {}).items() if theirs in d}
        return name, {**kw, **fixed}

    return mapper


def _rain(d):
    color = d.get("drop_color", [200, 200, 200])
    return "RandomRain", {
        "slant_deg": _pair(d.get("slant_range", [-10, 10])),
        "drop_width": int(d.get("drop_width", 1)),
        "drop_value": float(sum(color)) / (255.0 * len(color)),
        "brightness": float(d.get("brightness_coefficient", 0.7)),
        "blur_ksize": int(d.get("blur_value", 7)),
    }


def _posterize(d):
    bits = d.get("num_bits", 4)
    if isinstance(bits, (list, tuple)) and any(isinstance(b, (list, tuple)) for b in bits):
        raise _Unmappable("per-channel num_bits")
    return "Posterize", {"bits": _pair(bits)}


def _autocontrast(d):
    if d.get("cutoff", 0) != 0 or d.get("ignore") is not None:
        raise _Unmappable("cutoff/ignore (only the plain min-max stretch is supported)")
    return "AutoContrast", {}


def _compression(d):
    _require(d, "compression_type", "jpeg")
    return "JPEGCompression", {"quality": _pair(d["quality_range"])}


def _downscale(d):
    pair = d.get("interpolation_pair", {"downscale": 0, "upscale": 0})
    return "Downscale", {
        "scale": _pair(d["scale_range"]),
        "interpolation_down": _interp(pair["downscale"]),
        "interpolation_up": _interp(pair["upscale"]),
    }


def _normalize(d):
    _require(d, "normalization", "standard")
    return "Normalize", {
        "mean": _pair(d["mean"]),
        "std": _pair(d["std"]),
        "max_pixel_value": d.get("max_pixel_value"),
    }


_MAPPERS: dict[str, Callable[[Mapping[str, Any]], tuple[str, dict[str, Any]]]] = {
    "HorizontalFlip": _simple("HorizontalFlip"),
    "VerticalFlip": _simple("VerticalFlip"),
    "Transpose": _simple("Transpose"),
    "RandomRotate90": _simple("Rotate90", k=[0, 1, 2, 3]),
    "Rotate": lambda d: (
        _require(d, "crop_border", False)
        or ("Rotate", {"limit": _pair(d["limit"]), **_resampling(d)})
    ),
    "Affine": _affine,
    "ShiftScaleRotate": _shift_scale_rotate,
    "Perspective": lambda d: (
        _require(d, "keep_size", True)
        or _require(d, "fit_output", False)
        or ("Perspective", {"scale": _pair(d["scale"]), **_resampling(d)})
    ),
    "ElasticTransform": _elastic,
    "GridDistortion": lambda d: (
        "GridDistortion",
        {
            "num_steps": d.get("num_steps", 5),
            "distort_limit": _pair(d["distort_limit"]),
            **_resampling(d),
        },
    ),
    "OpticalDistortion": _optical,
    "Crop": _crop_like("Crop", ("x_min", "y_min", "x_max", "y_max")),
    "CenterCrop": _crop_like("CenterCrop", ("height", "width")),
    "RandomCrop": _crop_like("RandomCrop", ("height", "width")),
    "RandomResizedCrop": _crop_like(
        "RandomResizedCrop",
        ("size", "scale", "ratio"),
        lambda d: {"interpolation": _interp(d.get("interpolation", 1))},
    ),
    "RandomSizedCrop": _crop_like(
        "RandomSizedCrop",
        ("min_max_height", "size", "w2h_ratio"),
        lambda d: {"interpolation": _interp(d.get("interpolation", 1))},
    ),
    "BBoxSafeRandomCrop": _simple("BBoxSafeRandomCrop", {"erosion_rate": "erosion_rate"}),
    "RandomSizedBBoxSafeCrop": lambda d: (
        "RandomSizedBBoxSafeCrop",
        {
            "height": d["height"],
            "width": d["width"],
            "erosion_rate": d.get("erosion_rate", 0.0),
            "interpolation": _interp(d.get("interpolation", 1)),
        },
    ),
    "CropAndPad": _crop_and_pad,
    "PadIfNeeded": _pad_if_needed,
    "Pad": lambda d: ("Pad", {"padding": _pair(d["padding"]), **_resampling(d, False)}),
    "Resize": lambda d: (
        "Resize",
        {
            "height": d["height"],
            "width": d["width"],
            "interpolation": _interp(d.get("interpolation", 1)),
        },
    ),
    "LongestMaxSize": _max_size("LongestMaxSize"),
    "SmallestMaxSize": _max_size("SmallestMaxSize"),
    "RandomScale": lambda d: (
        "RandomScale",
        {
            "scale_limit": _pair(d["scale_limit"]),
            "interpolation": _interp(d.get("interpolation", 1)),
        },
    ),
    "RandomBrightnessContrast": _brightness_contrast,
    "RandomGamma": lambda d: ("Gamma", {"gamma": _scaled(d["gamma_limit"], 0.01)}),
    "ColorJitter": _simple(
        "ColorJitter",
        {
            "brightness": "brightness",
            "contrast": "contrast",
            "saturation": "saturation",
            "hue": "hue",
        },
    ),
    "HueSaturationValue": _hsv,
    "ToGray": _simple("ToGray"),
    "Normalize": _normalize,
    "GaussianBlur": _gaussian_blur,
    "MedianBlur": lambda d: ("MedianBlur", {"ksize": _odd(d["blur_limit"])}),
    "Blur": lambda d: ("Blur", {"ksize": _odd(d["blur_limit"])}),
    "MotionBlur": lambda d: (
        "MotionBlur",
        {
            "ksize": _odd(d["blur_limit"]),
            "angle_deg": _pair(d.get("angle_range", [0, 360])),
            "direction": _pair(d.get("direction_range", [-1, 1])),
        },
    ),
    "Defocus": _simple("Defocus", {"radius": "radius", "alias_blur": "alias_blur"}),
    "ZoomBlur": _simple("ZoomBlur", {"max_factor": "max_factor", "step_factor": "step_factor"}),
    "GaussNoise": _gauss_noise,
    "ISONoise": _simple("ISONoise", {"color_shift": "color_shift", "intensity": "intensity"}),
    "MultiplicativeNoise": _simple(
        "MultiplicativeNoise",
        {"multiplier": "multiplier", "per_channel": "per_channel", "elementwise": "elementwise"},
    ),
    "SaltAndPepper": _simple(
        "SaltAndPepper", {"amount": "amount", "salt_vs_pepper": "salt_vs_pepper"}
    ),
    "ImageCompression": _compression,
    "Downscale": _downscale,
    "CoarseDropout": _coarse_dropout,
    "GridDropout": _grid_dropout,
    "PixelDropout": lambda d: (
        "PixelDropout",
        {
            "dropout_prob": d.get("dropout_prob", 0.01),
            "per_channel": d.get("per_channel", False),
            "fill": d.get("drop_value") or 0,
        },
    ),
    "ChannelShuffle": _simple("ChannelShuffle"),
    "ChannelDropout": lambda d: (
        "ChannelDropout",
        {"channel_drop_range": _pair(d["channel_drop_range"]), "fill": d.get("fill", 0)},
    ),
    "RGBShift": lambda d: (
        "RGBShift",
        {
            "r_shift": _scaled(d["r_shift_limit"], 1 / 255),
            "g_shift": _scaled(d["g_shift_limit"], 1 / 255),
            "b_shift": _scaled(d["b_shift_limit"], 1 / 255),
        },
    ),
    "InvertImg": _simple("Invert"),
    "Posterize": _posterize,
    "Solarize": _simple("Solarize", {"threshold_range": "threshold"}),
    "Equalize": lambda d: (
        _require(d, "mask", None) or ("Equalize", {"by_channels": d.get("by_channels", True)})
    ),
    "CLAHE": _simple("CLAHE", {"clip_limit": "clip_limit", "tile_grid_size": "tile_grid_size"}),
    "Sharpen": lambda d: (
        _require(d, "method", "kernel")
        or ("Sharpen", {"alpha": _pair(d["alpha"]), "lightness": _pair(d["lightness"])})
    ),
    "Emboss": _simple("Emboss", {"alpha": "alpha", "strength": "strength"}),
    "AutoContrast": _autocontrast,
    "ToSepia": _simple("ToSepia"),
    "RandomShadow": _simple(
        "RandomShadow",
        {
            "shadow_roi": "shadow_roi",
            "num_shadows_limit": "num_shadows",
            "shadow_dimension": "shadow_dimension",
            "shadow_intensity_range": "shadow_intensity",
        },
    ),
    "RandomFog": _simple("RandomFog", {"fog_coef_range": "fog_coef"}),
    "RandomRain": _rain,
    "RandomSunFlare": _simple(
        "RandomSunFlare", {"flare_roi": "flare_roi", "num_flare_circles_range": "num_circles"}
    ),
}

#: Albumentations transform names :func:`from_albumentations` can map (containers aside)
ALBUMENTATIONS_NAMES = tuple(sorted(_MAPPERS))


# --------------------------------------------------------------------------- tree walk
def _convert(d: Any, loc: str, errors: list[str]) -> dict[str, Any] | None:
    if not isinstance(d, Mapping):
        errors.append(f"{loc}: expected a mapping, got {d!r}")
        return None
    name = str(d.get("__class_fullname__", d.get("name", "?"))).rsplit(".", 1)[-1]
    p = d.get("p", 1.0)
    if name in ("Compose", "Sequential", "OneOf", "SomeOf"):
        children = [
            _convert(c, f"{loc}.transforms[{i}]", errors)
            for i, c in enumerate(d.get("transforms", []))
        ]
        out: dict[str, Any] = {"name": name, "transforms": children, "p": p}
        if name == "SomeOf":
            if d.get("replace", False):
                errors.append(f"{loc} (SomeOf): replace=True is not supported")
            out["n"] = d.get("n", 1)
        return out
    mapper = _MAPPERS.get(name)
    if mapper is None:
        errors.append(f"{loc} ({name}): no synthaug counterpart")
        return None
    try:
        ours, kwargs = mapper(d)
    except _Unmappable as exc:
        errors.append(f"{loc} ({name}): {exc}")
        return None
    except (KeyError, TypeError, ValueError) as exc:
        errors.append(f"{loc} ({name}): unexpected parameters ({exc!r})")
        return None
    return {"name": ours, **kwargs, "p": p}


def _top_level(t: Mapping[str, Any], errors: list[str]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    bbox = t.get("bbox_params")
    if bbox:
        fmt = bbox.get("format")
        if fmt not in _BOX_FORMATS:
            errors.append(
                f"bbox_params.format: {fmt!r} has no counterpart (use pascal_voc, coco or yolo)"
            )
        else:
            extra["box_format"] = _BOX_FORMATS[fmt]
        extra["min_area"] = float(bbox.get("min_area", 0.0))
        extra["min_visibility"] = float(bbox.get("min_visibility", 0.0))
    kp = t.get("keypoint_params")
    if kp:
        if kp.get("format", "xy") not in ("xy", "xya", "xyas"):
            errors.append(
                f"keypoint_params.format: {kp['format']!r} (we take x, y[, angle, scale])"
            )
        if not kp.get("angle_in_degrees", True):
            errors.append("keypoint_params.angle_in_degrees: False (we take degrees)")
        extra["remove_invisible_keypoints"] = bool(kp.get("remove_invisible", True))
    return extra


def from_albumentations(d: Mapping[str, Any] | str | Path) -> Compose:
    """Build a :class:`~synthaug.augment.Compose` from an Albumentations serialized pipeline.

    Parameters
    ----------
    d : dict, str or Path
        What ``albumentations.to_dict(pipe)`` returns (with or without the outer
        ``{"__version__", "transform"}`` wrapper), or the path of a JSON or YAML file written
        by ``albumentations.save``.

    Returns
    -------
    Compose
        The equivalent pipeline (box format, ``min_area``, ``min_visibility`` and keypoint
        removal taken from ``bbox_params`` and ``keypoint_params``).

    Raises
    ------
    ConfigError
        Listing every transform or setting that has no synthaug counterpart.
    """
    source = ""
    if isinstance(d, (str, Path)):
        source = str(d)
        try:
            text = Path(d).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{d}: cannot read Albumentations file: {exc.strerror}") from None
        try:
            d = json.loads(text) if source.endswith(".json") else yaml.safe_load(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise ConfigError(f"{source}: not valid JSON/YAML: {exc}") from None
    if not isinstance(d, Mapping):
        raise ConfigError(f"{source or 'from_albumentations'}: expected a mapping, got {d!r}")
    t = d.get("transform", d)
    if not isinstance(t, Mapping) or "__class_fullname__" not in t:
        raise ConfigError(
            f"{source or 'from_albumentations'}: expected Albumentations' to_dict() form with "
            "'__class_fullname__' keys"
        )
    errors: list[str] = []
    tree = _convert(t, "transform", errors)
    extra = _top_level(t, errors)
    if errors:
        where = f"{source}: " if source else ""
        raise ConfigError(
            f"{where}cannot import {len(errors)} Albumentations setting(s):\n  "
            + "\n  ".join(errors)
        )
    if tree is None or tree["name"] != "Compose":
        tree = {"name": "Compose", "transforms": [tree]}
    tree.update(extra)
    return from_dict(tree, source=source)  # type: ignore[return-value]  # root is a Compose
