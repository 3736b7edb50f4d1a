"""Transform strength as one number: the magnitude scale used by the augmentation audit.

Magnitude ``m`` scales a transform's *strength parameters* between a neutral value (no effect,
or the weakest setting the transform accepts) and the value configured by the user:
``value(m) = neutral + m * (configured - neutral)``, applied to each end of a range. So ``m = 1``
is the transform as configured, ``m = 0`` is (nearly) the identity, ``m = 0.5`` is half as
strong and ``m = 2`` twice as strong. A ``Rotate(limit=180)`` at ``m = 0.25`` is
``Rotate(limit=(-45, 45))``; an ``Affine(scale=(0.8, 1.2))`` at ``m = 0.5`` has
``scale=(0.9, 1.1)``.

:data:`STRENGTH_PARAMETERS` lists the parameters scaled per transform. Transforms not listed
(flips, quarter turns, colour inversions, crops to a fixed size, policies, ...) have no
strength to scale: the audit runs them as configured, at ``m = 1`` only. Integer parameters
are rounded; kernel sizes are rounded to odd numbers.
"""

from __future__ import annotations

import inspect
from typing import Any

from synthaug.augment import Transform
from synthaug.errors import ConfigError

__all__ = ["STRENGTH_PARAMETERS", "is_scalable", "scale_transform"]

#: transform name -> {parameter: (neutral value, kind)}; kind is "float", "int" or "odd"
STRENGTH_PARAMETERS: dict[str, dict[str, tuple[float, str]]] = {
    # geometry
    "Rotate": {"limit": (0.0, "float")},
    "Affine": {
        "rotate": (0.0, "float"),
        "shear": (0.0, "float"),
        "scale": (1.0, "float"),
        "translate_percent": (0.0, "float"),
        "translate_px": (0.0, "float"),
    },
    "Perspective": {"scale": (0.0, "float")},
    "ElasticTransform": {"alpha": (0.0, "float")},
    "GridDistortion": {"distort_limit": (0.0, "float")},
    "OpticalDistortion": {"distort_limit": (0.0, "float"), "shift_limit": (0.0, "float")},
    "RandomScale": {"scale_limit": (0.0, "float")},
    "CropAndPad": {"percent": (0.0, "float")},
    "RandomResizedCrop": {"scale": (1.0, "float"), "ratio": (1.0, "float")},
    # blur and noise (kernels shrink to 3, the smallest blur the transforms accept)
    "GaussianBlur": {"sigma_px": (0.01, "float")},
    "Blur": {"ksize": (3, "odd")},
    "MedianBlur": {"ksize": (3, "odd")},
    "MotionBlur": {"ksize": (3, "odd")},
    "GaussianNoise": {"std": (0.0, "float")},
    "MultiplicativeNoise": {"multiplier": (1.0, "float")},
    "SaltAndPepper": {"amount": (0.0, "float")},
    "ISONoise": {"intensity": (0.0, "float"), "color_shift": (0.0, "float")},
    "PixelDropout": {"dropout_prob": (0.0, "float")},
    "Downscale": {"scale": (1.0, "float")},
    "ZoomBlur": {"max_factor": (1.0, "float")},
    "JPEGCompression": {"quality": (100, "int")},
    # intensity and colour
    "BrightnessContrast": {"brightness": (0.0, "float"), "contrast": (0.0, "float")},
    "ColorJitter": {
        "brightness": (1.0, "float"),
        "contrast": (1.0, "float"),
        "saturation": (1.0, "float"),
        "hue": (0.0, "float"),
    },
    "HueSaturationValue": {
        "hue_shift_deg": (0.0, "float"),
        "sat_shift": (0.0, "float"),
        "val_shift": (0.0, "float"),
    },
    "RGBShift": {"r_shift": (0.0, "float"), "g_shift": (0.0, "float"), "b_shift": (0.0, "float")},
    "Gamma": {"gamma": (1.0, "float")},
    "Sharpen": {"alpha": (0.0, "float")},
    "Emboss": {"alpha": (0.0, "float")},
    "AdjustSharpness": {"factor": (1.0, "float")},
    "Posterize": {"bits": (8, "int")},
    "Solarize": {"threshold": (1.0, "float")},
    # occlusion
    "CoarseDropout": {"hole_height": (0.0, "float"), "hole_width": (0.0, "float")},
    "RandomErasing": {"scale": (0.0, "float")},
    "GridDropout": {"ratio": (0.0, "float")},
    # policies
    "RandAugment": {"m": (0, "int")},
}


def _round(value: float, kind: str) -> float | int:
    if kind == "int":
        return int(round(value))
    if kind == "odd":
        return int(2 * round((value - 1) / 2) + 1)
    return float(value)


def _scale_value(value: Any, neutral: float, m: float, kind: str) -> Any:
    if isinstance(value, (tuple, list)):
        return tuple(_round(neutral + m * (float(v) - neutral), kind) for v in value)
    return _round(neutral + m * (float(value) - neutral), kind)


def is_scalable(t: Transform) -> bool:
    """True when the audit knows which parameters of ``t`` carry its strength."""
    return bool(_strength_args(t))


def _strength_args(t: Transform) -> dict[str, tuple[float, str]]:
    table = STRENGTH_PARAMETERS.get(type(t).__name__, {})
    args = t.init_args()
    return {k: v for k, v in table.items() if _moves(args.get(k), v[0])}


def _moves(value: Any, neutral: float) -> bool:
    """A parameter counts when it is set and not already neutral at both ends."""
    if value is None:
        return False
    ends = value if isinstance(value, (tuple, list)) else (value,)
    return any(float(v) != neutral for v in ends)


def scale_transform(t: Transform, magnitude: float) -> tuple[Transform, dict[str, Any]]:
    """A copy of ``t`` at ``magnitude`` (always applied: ``p = 1``) and the parameters scaled.

    Parameters
    ----------
    t : Transform
        A leaf transform as configured (magnitude 1).
    magnitude : float
        0 is neutral, 1 as configured; see the module docstring.

    Returns
    -------
    (Transform, dict)
        The scaled copy and ``{parameter: new value}`` for the parameters that changed (empty
        for a transform without strength parameters, which comes back as configured).

    Raises
    ------
    ConfigError
        When the scaled values are outside what the transform accepts (e.g. a negative
        magnitude, or a shear beyond 89 degrees).

    Examples
    --------
    >>> from synthaug.augment import Rotate
    >>> scaled, params = scale_transform(Rotate(limit=180), 0.25)
    >>> params
    {'limit': (-45.0, 45.0)}
    """
    if magnitude < 0:
        raise ConfigError(f"magnitudes: expected values >= 0, got {magnitude!r}")
    args = t.init_args()
    changed: dict[str, Any] = {}
    for name, (neutral, kind) in _strength_args(t).items():
        changed[name] = _scale_value(args[name], neutral, magnitude, kind)
    kwargs = {**args, **changed}
    if "p" in inspect.signature(type(t).__init__).parameters:
        kwargs["p"] = 1.0
    return type(t)(**kwargs), changed
