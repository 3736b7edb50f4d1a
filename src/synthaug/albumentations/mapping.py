"""Albumentations 2.0.8 arguments -> an equivalent synthaug transform.

One mapper per Albumentations name turns that transform's complete 2.0.8 argument dict (the
form ``albumentations.to_dict`` writes, defaults filled in) into a synthaug transform:
``RandomRotate90`` -> ``Rotate90``, ``RandomBrightnessContrast`` -> ``BrightnessContrast`` with
``brightness_limit`` -> ``brightness``, OpenCV interpolation and border codes -> names, 0-255
shifts -> fractions, ... :func:`engine_transform` runs the mapper and then checks that every
argument the mapper did not read still has its 2.0.8 default: a setting is either honoured or
refused, never ignored.

Known, deliberate differences: ``Resize``-type transforms move keypoints with the pixel they
mark (``x' = (x + 0.5) s - 0.5``) where Albumentations scales ``x' = x s``; reflecting pads do
not duplicate boxes and keypoints into the reflected border; ``ElasticTransform`` and
``OpticalDistortion`` follow the same model with matched magnitudes, not the same random field.

Examples
--------
>>> t = engine_transform("RandomRotate90", {"p": 0.3})
>>> type(t).__name__, t.k, t.p
('Rotate90', (0, 1, 2, 3), 0.3)
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from typing import Any

from synthaug import augment
from synthaug.albumentations import steps
from synthaug.albumentations.signatures import REQUIRED, SIGNATURES
from synthaug.errors import ConfigError

__all__ = ["DERIVED_KEYS", "MAPPED_NAMES", "Unmappable", "engine_transform", "interp_name"]

_INTERP = {0: "nearest", 1: "linear", 2: "cubic", 3: "area", 4: "lanczos"}
_BORDER = {0: "constant", 1: "replicate", 2: "reflect_edge", 3: "wrap", 4: "reflect"}
_BOX_FORMATS = {"pascal_voc": "xyxy", "coco": "xywh", "yolo": "yolo"}


class Unmappable(Exception):
    """Raised by a mapper: the reason a transform has no synthaug counterpart."""


# --------------------------------------------------------------------------- value helpers
def _interp(v: Any) -> str:
    if v not in _INTERP:
        raise Unmappable(f"interpolation {v!r} is not an OpenCV flag we know")
    return _INTERP[v]


def _border(v: Any) -> str:
    if v not in _BORDER:
        raise Unmappable(f"border_mode {v!r} is not an OpenCV border we know")
    return _BORDER[v]


def _pair(v: Any) -> Any:
    return list(v) if isinstance(v, (list, tuple)) else v


def _xy(d: Mapping[str, Any], key: str) -> Any:
    """One range for both axes from Albumentations' ``{"x": ..., "y": ...}`` form."""
    v = d.get(key)
    if isinstance(v, Mapping):
        x, y = _pair(v["x"]), _pair(v["y"])
        x, y = (x if isinstance(x, list) else [x, x]), (y if isinstance(y, list) else [y, y])
        if x != y:
            raise Unmappable(f"{key} differs between x {v['x']} and y {v['y']}")
        return x
    return [v, v] if isinstance(v, (int, float)) and not isinstance(v, bool) else _pair(v)


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
        raise Unmappable("mask_interpolation other than nearest (masks are always nearest)")
    return out


def _require(d: Mapping[str, Any], key: str, allowed: Any) -> None:
    if d.get(key, allowed) != allowed:
        raise Unmappable(f"{key}={d[key]!r} (only {allowed!r} is supported)")


def _scaled(v: Any, factor: float) -> list[float]:
    lo, hi = (v, v) if not isinstance(v, (list, tuple)) else v
    return [float(lo) * factor, float(hi) * factor]


def _odd(v: Any) -> list[int]:
    lo, hi = (v, v) if not isinstance(v, (list, tuple)) else v
    lo, hi = max(3, int(lo)), max(3, int(hi))
    return [lo | 1, hi | 1]


# --------------------------------------------------------------------------- mappers
def _axes(d: Mapping[str, Any], key: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """``(x_range, y_range)`` of Albumentations' number, pair or ``{"x": ..., "y": ...}``."""
    v = d.get(key)

    def rng(u: Any) -> tuple[float, float]:
        if isinstance(u, (int, float)) and not isinstance(u, bool):
            return (float(u), float(u))
        lo, hi = u
        return (float(lo), float(hi))

    if isinstance(v, Mapping):
        return rng(v["x"]), rng(v["y"])
    return rng(v), rng(v)


def _affine(d):
    _require(d, "fit_output", False)
    _require(d, "balanced_scale", False)
    _require(d, "rotate_method", "largest_box")
    ranges: dict[str, Any] = {"scale": _axes(d, "scale"), "shear": _axes(d, "shear")}
    if d.get("translate_px") is not None:
        ranges["translate_px"] = _axes(d, "translate_px")
    elif d.get("translate_percent") is not None:
        ranges["translate_percent"] = _axes(d, "translate_percent")
    rot = d.get("rotate", 0.0)
    step = steps.WholePixelAffineStep(
        scale=ranges["scale"][0],
        rotate=(float(rot), float(rot)) if isinstance(rot, (int, float)) else tuple(rot),
        shear=ranges["shear"][0],
        keep_ratio=bool(d.get("keep_ratio", False)),
        **_resampling(d),
        p=d.get("p", 0.5),
    )
    step.ranges_xy = ranges
    return step


def _shift_scale_rotate(d):
    sx = d.get("shift_limit_x") if d.get("shift_limit_x") is not None else d.get("shift_limit")
    sy = d.get("shift_limit_y") if d.get("shift_limit_y") is not None else d.get("shift_limit")
    if list(sx) != list(sy):
        raise Unmappable("shift_limit_x differs from shift_limit_y")
    _require(d, "rotate_method", "largest_box")
    lo, hi = d["scale_limit"]
    kw = {
        "translate_percent": _pair(sx),
        "scale": [1.0 + lo, 1.0 + hi],
        "rotate": _pair(d["rotate_limit"]),
    }
    step = steps.WholePixelAffineStep(
        scale=kw["scale"],
        rotate=kw["rotate"],
        keep_ratio=True,
        **_resampling(d),
        p=d.get("p", 0.5),
    )
    step.ranges_xy = {"translate_percent": (tuple(kw["translate_percent"]),) * 2}
    return step


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
            raise Unmappable(f"{k} (padding to a multiple is not supported)")
    if d.get("min_height") is None or d.get("min_width") is None:
        raise Unmappable("min_height/min_width of None")
    kw = {"min_height": d["min_height"], "min_width": d["min_width"]}
    kw["position"] = d.get("position", "center")
    return "PadIfNeeded", {**kw, **_resampling(d, interpolation=False)}


def _crop_and_pad(d):
    if d.get("px") is not None or d.get("percent") is None:
        raise Unmappable("px (only percent is supported)")
    kw = {"percent": _pair(d["percent"]), "keep_size": d.get("keep_size", True)}
    return "CropAndPad", {**kw, **_resampling(d)}


def _max_size(name):
    def mapper(d):
        if d.get("max_size") is None or isinstance(d["max_size"], (list, tuple)):
            raise Unmappable("max_size must be one integer (max_size_hw is not supported)")
        return name, {
            "max_size": d["max_size"],
            "interpolation": _interp(d.get("interpolation", 1)),
        }

    return mapper


def _brightness_contrast(d):
    _require(d, "ensure_safe_range", False)
    cls = (
        steps.BrightnessContrastStep
        if d.get("brightness_by_max", True)
        else (steps.BrightnessContrastByMeanStep)
    )
    return cls(
        tuple(_scaled(d["brightness_limit"], 1.0)),
        tuple(_scaled(d["contrast_limit"], 1.0)),
        p=d.get("p", 0.5),
    )


def _hsv(d):
    # Albumentations' own uint8 arithmetic (OpenCV HSV, whole-level shifts), so fixed shifts
    # give the same pixels; synthaug's HueSaturationValue works in float HSV
    return steps.HueSaturationValueStep(
        tuple(_scaled(d["hue_shift_limit"], 1.0)),
        tuple(_scaled(d["sat_shift_limit"], 1.0)),
        tuple(_scaled(d["val_shift_limit"], 1.0)),
        p=d.get("p", 0.5),
    )


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
        raise Unmappable("mean_range must be a single value")
    _require(d, "noise_scale_factor", 1.0)
    return "GaussianNoise", {
        "std": _pair(d["std_range"]),
        "mean": float(mean[0]),
        "per_channel": bool(d.get("per_channel", True)),
    }


def _is_pixels(v: Any) -> bool:
    """Albumentations reads a range of integers as pixels and one of floats as fractions."""
    vals = v if isinstance(v, (list, tuple)) else [v]
    return all(isinstance(x, int) and not isinstance(x, bool) for x in vals)


def _coarse_dropout(d):
    n = _pair(d["num_holes_range"])
    hh, hw = _pair(d["hole_height_range"]), _pair(d["hole_width_range"])
    fill = d.get("fill", 0)
    if fill in ("inpaint_telea", "inpaint_ns"):
        raise Unmappable(f"fill={fill!r} (inpainting; use a number, one per channel, or 'random')")
    fill = "random" if fill == "random" else _pair(fill)
    if _is_pixels(hh) != _is_pixels(hw):
        raise Unmappable("hole_height_range and hole_width_range mix pixels and fractions")
    if _is_pixels(hh):
        hh, hw = (hh, hh) if isinstance(hh, int) else hh, (hw, hw) if isinstance(hw, int) else hw
        return steps.PixelHolesStep(
            tuple(n), tuple(hh), tuple(hw), fill, d.get("fill_mask"), p=d.get("p", 0.5)
        )
    kw: dict[str, Any] = {"n_holes": n, "hole_height": hh, "hole_width": hw}
    return "CoarseDropout", {**kw, "fill": fill, "fill_mask": d.get("fill_mask")}


def _grid_dropout(d):
    for k in ("unit_size_range", "holes_number_xy"):
        if d.get(k) is not None:
            raise Unmappable(f"{k} (we take unit_size as a fraction of the shorter side)")
    return "GridDropout", {
        "ratio": d.get("ratio", 0.5),
        "random_offset": d.get("random_offset", True),
        "fill": _pair(d.get("fill", 0)),
        "fill_mask": d.get("fill_mask"),
    }


def _drop_value(d):
    v = d.get("drop_value", 0)
    if v is None:
        raise Unmappable("drop_value=None (random values); use a number")
    return v


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
        raise Unmappable("per-channel num_bits")
    return "Posterize", {"bits": _pair(bits)}


def _autocontrast(d):
    if d.get("cutoff", 0) != 0 or d.get("ignore") is not None:
        raise Unmappable("cutoff/ignore (only the plain min-max stretch is supported)")
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


def _to_gray(d):
    _require(d, "method", "weighted_average")
    if d.get("num_output_channels", 3) != 3:
        raise Unmappable(
            f"num_output_channels={d['num_output_channels']!r} (the output keeps the input's "
            "channels; use 3)"
        )
    return "ToGray", {}


def _flip(d):
    # Albumentations 1.x Flip: one of horizontal, vertical or both, chosen uniformly
    both = augment.Sequential([augment.HorizontalFlip(p=1.0), augment.VerticalFlip(p=1.0)])
    kids = [augment.HorizontalFlip(p=1.0), augment.VerticalFlip(p=1.0), both]
    return augment.OneOf(kids, p=d.get("p", 0.5))


def _sun_flare(d):
    _require(d, "method", "overlay")
    radius = d.get("src_radius", 400)
    if not isinstance(radius, (int, float)) or isinstance(radius, bool) or radius <= 0:
        raise Unmappable(f"src_radius={radius!r} (expected a radius in pixels > 0)")
    step = steps.SunFlareStep(
        flare_roi=tuple(d.get("flare_roi", (0, 0, 1, 0.5))),
        num_circles=tuple(_pair(d.get("num_flare_circles_range", (6, 10)))),
        p=d.get("p", 0.5),
    )
    step.src_radius_px = float(radius)
    return step


def _safe_rotate(d):
    _require(d, "rotate_method", "largest_box")
    r = _resampling(d)
    return steps.SafeRotateStep(
        tuple(_pair(d["limit"])),
        r.get("interpolation", "linear"),
        r.get("border_mode", "constant"),
        r.get("fill", 0),
        r.get("fill_mask", 0) or 0,
        p=d.get("p", 0.5),
    )


def _lambda(d):
    for key in ("keypoints", "bboxes"):
        if d.get(key) is not None:
            raise Unmappable(
                f"{key} function (only image and mask functions are supported; move boxes "
                "or keypoints after the pipeline)"
            )
    return steps.LambdaStep(d.get("image"), d.get("mask"), d.get("name"), p=d.get("p", 1.0))


def _erasing(d):
    fill = d.get("fill", 0)
    if fill in ("inpaint_telea", "inpaint_ns"):
        raise Unmappable(f"fill={fill!r} (inpainting; use a number or 'random')")
    return "RandomErasing", {
        "scale": _pair(d["scale"]),
        "ratio": _pair(d["ratio"]),
        "fill": fill if fill == "random" else _pair(fill),
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
    "RandomScale": lambda d: steps.TruncatedRandomScaleStep(
        _pair(d["scale_limit"]), _interp(d.get("interpolation", 1)), p=d.get("p", 0.5)
    ),
    "RandomBrightnessContrast": _brightness_contrast,
    "RandomGamma": lambda d: steps.GammaStep(
        tuple(_scaled(d["gamma_limit"], 1.0)), p=d.get("p", 0.5)
    ),
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
    "ToGray": _to_gray,
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
            "fill": _drop_value(d),
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
    "RandomSunFlare": _sun_flare,
    "SafeRotate": _safe_rotate,
    "Flip": _flip,
    "Erasing": _erasing,
    "NoOp": lambda d: steps.NoOpStep(p=d.get("p", 0.5)),
    "ToFloat": lambda d: steps.ToFloatStep(d.get("max_value"), p=d.get("p", 1.0)),
    "FromFloat": lambda d: steps.FromFloatStep(
        str(d.get("dtype", "uint8")), d.get("max_value"), p=d.get("p", 1.0)
    ),
    "Lambda": _lambda,
}

#: Albumentations transform names this layer maps onto synthaug (containers aside)
MAPPED_NAMES = tuple(sorted(_MAPPERS))

# keys a transform's to_dict may carry beyond its signature, that hold no setting of their own
DERIVED_KEYS = {
    "SafeRotate": (
        "fit_output",
        "rotate",
        "translate_px",
        "translate_percent",
        "keep_ratio",
        "shear",
        "balanced_scale",
        "scale",
    ),
    "PadIfNeeded": ("padding",),
    # RGBShift is an AdditiveNoise in 2.0.8 and writes that class's fixed settings
    "RGBShift": ("noise_params", "spatial_mode", "noise_type", "approximation"),
}


def interp_name(code: Any) -> str:
    """synthaug's name for an OpenCV interpolation flag (``1`` -> ``"linear"``)."""
    try:
        return _interp(code)
    except Unmappable as exc:
        raise ConfigError(str(exc)) from None


class _Tracked(dict):
    """A dict that records which keys a mapper read (those it honours or checks)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key))
        return super().__contains__(key)


def same_value(a: Any, b: Any) -> bool:
    """Equality that treats lists and tuples alike and ints and floats alike."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def engine_transform(name: str, args: Mapping[str, Any], native: bool = False) -> augment.Transform:
    """The synthaug transform that does what Albumentations' ``name(**args)`` does.

    Parameters
    ----------
    name : str
        An Albumentations 2.0.8 transform name (see :data:`MAPPED_NAMES`).
    args : mapping
        Its complete 2.0.8 arguments (defaults filled in), as ``albumentations.to_dict``
        writes them.
    native : bool
        Build only transforms of synthaug's registry (saveable as synthaug YAML), with
        matched magnitudes where this layer would follow Albumentations' arithmetic exactly;
        a transform that has no registered counterpart is refused.

    Raises
    ------
    Unmappable
        With the reason, when the transform or one of its settings has no synthaug
        counterpart (the caller adds where it was found).
    """
    mapper = _NATIVE.get(name, _MAPPERS.get(name)) if native else _MAPPERS.get(name)
    if mapper is None:
        close = difflib.get_close_matches(name, MAPPED_NAMES, n=1)
        hint = f"; nearest supported: {close[0]}" if close else ""
        raise Unmappable(f"no synthaug counterpart{hint}")
    if native and name in _NATIVE:
        try:
            return _build(name, args, mapper)
        except Unmappable as exc:
            try:
                _build(name, args, _MAPPERS[name])
            except Unmappable:
                raise exc from None  # this layer cannot do it either
            raise Unmappable(
                f"{exc}; synthaug's own transforms cannot do this, "
                "synthaug.albumentations.load runs it"
            ) from None
    result = _build(name, args, mapper)
    if isinstance(result, augment.Transform):
        registered = augment.REGISTRY.get(type(result).__name__) is type(result)
        if native and not registered:
            raise Unmappable(
                "has no counterpart among synthaug's own transforms; load the file with "
                "synthaug.albumentations.load to run it"
            )
    return result


def _build(name: str, args: Mapping[str, Any], mapper: Callable[..., Any]) -> augment.Transform:
    """Run ``mapper`` on ``args``, refuse unread non-default settings, build the transform."""
    tracked = _Tracked(args)
    try:
        result = mapper(tracked)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ConfigError):
            raise Unmappable(str(exc)) from None
        raise Unmappable(f"unexpected parameters ({exc!r})") from None
    defaults = dict(SIGNATURES.get(name, ()))
    for key, value in args.items():
        if key in tracked.read or key in ("p", "strict") or key in DERIVED_KEYS.get(name, ()):
            continue
        default = defaults.get(key, REQUIRED)
        if default is REQUIRED or not same_value(value, default):
            raise Unmappable(
                f"{key}={value!r} is not supported (synthaug implements only "
                f"{key}={default!r}; remove the argument to use it)"
            )
    if isinstance(result, augment.Transform):
        return result
    ours, kwargs = result
    try:
        return augment.from_dict({"name": ours, **kwargs, "p": args.get("p", 1.0)})
    except ConfigError as exc:
        raise Unmappable(f"-> synthaug {ours}: {exc}") from None


# --------------------------------------------------------------------------- native mode
# synthaug.augment.from_albumentations wants a pipeline of registered synthaug transforms (it
# saves and loads as synthaug YAML and runs in the CLI's workers). Where the mapper above builds
# a step of this layer to follow Albumentations' own arithmetic, these build synthaug's own
# transform with matched magnitudes instead (same distribution of results, not the same pixels).
def _affine_native(d):
    _require(d, "fit_output", False)
    _require(d, "balanced_scale", False)
    _require(d, "rotate_method", "largest_box")
    kw: dict[str, Any] = {"scale": _xy(d, "scale"), "rotate": _pair(d.get("rotate", 0.0))}
    if d.get("translate_percent") is not None:
        kw["translate_percent"] = _xy(d, "translate_percent")
    elif d.get("translate_px") is not None and _xy(d, "translate_px") != [0, 0]:
        kw["translate_px"] = _xy(d, "translate_px")
    kw["shear"] = [-v for v in reversed(_xy(d, "shear"))]  # Albumentations shears by -angle
    kw["keep_ratio"] = bool(d.get("keep_ratio", False))
    return "Affine", {**kw, **_resampling(d)}


def _shift_scale_rotate_native(d):
    step = _shift_scale_rotate(d)
    lo, hi = step.ranges_xy["translate_percent"][0]
    return "Affine", {
        "translate_percent": [lo, hi],
        "scale": list(step.scale),
        "rotate": list(step.rotate),
        **_resampling(d),
    }


def _brightness_contrast_native(d):
    _require(d, "brightness_by_max", True)
    _require(d, "ensure_safe_range", False)
    return "BrightnessContrast", {
        "brightness": _pair(d["brightness_limit"]),
        "contrast": _pair(d["contrast_limit"]),
    }


def _hsv_native(d):
    # uint8 semantics: hue in OpenCV half-degrees, saturation and value in 0-255 levels
    return "HueSaturationValue", {
        "hue_shift_deg": _scaled(d["hue_shift_limit"], 2.0),
        "sat_shift": _scaled(d["sat_shift_limit"], 1 / 255),
        "val_shift": _scaled(d["val_shift_limit"], 1 / 255),
    }


def _sun_flare_native(d):
    _require(d, "method", "overlay")
    _require(d, "src_radius", 400)
    return "RandomSunFlare", {
        "flare_roi": _pair(d.get("flare_roi", (0, 0, 1, 0.5))),
        "num_circles": _pair(d.get("num_flare_circles_range", (6, 10))),
    }


_NATIVE: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "Affine": _affine_native,
    "ShiftScaleRotate": _shift_scale_rotate_native,
    "RandomBrightnessContrast": _brightness_contrast_native,
    "HueSaturationValue": _hsv_native,
    "RandomGamma": lambda d: ("Gamma", {"gamma": _scaled(d["gamma_limit"], 0.01)}),
    "RandomScale": lambda d: (
        "RandomScale",
        {
            "scale_limit": _pair(d["scale_limit"]),
            "interpolation": _interp(d.get("interpolation", 1)),
        },
    ),
    "RandomSunFlare": _sun_flare_native,
}
