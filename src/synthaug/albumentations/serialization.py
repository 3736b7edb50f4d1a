"""``to_dict``, ``from_dict``, ``save`` and ``load`` in Albumentations' file format.

Files written by Albumentations 1.x (>= 1.0) and 2.x are read; files written here are the
2.0.8 form (``{"__version__": ..., "transform": {"__class_fullname__": ...}}``) and load back
in Albumentations too. Names resolve through this layer's table only: nothing from a file is
imported or run. Every transform or setting that cannot be honoured is collected, and one
:class:`~synthaug.errors.ConfigError` lists them all with where they are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import yaml

from synthaug import augment
from synthaug.albumentations import core
from synthaug.albumentations.transforms import TRANSFORMS, BasicTransform
from synthaug.errors import ConfigError

__all__ = ["from_albumentations", "from_dict", "load", "save", "to_dict"]

#: the Albumentations release whose file format this layer writes
FORMAT_VERSION = "2.0.8"

_CONTAINERS = {
    "Compose": core.Compose,
    "ReplayCompose": core.ReplayCompose,
    "OneOf": core.OneOf,
    "SomeOf": core.SomeOf,
    "Sequential": core.Sequential,
}
_COMPOSE_KEYS = (
    "transforms", "bbox_params", "keypoint_params", "additional_targets", "p",
    "is_check_shapes", "strict", "mask_interpolation", "seed", "save_applied_params",
)  # fmt: skip


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def to_dict(transform: Any, on_not_implemented_error: str = "raise") -> dict[str, Any]:
    """``{"__version__": "2.0.8", "transform": ...}``: the form ``albumentations.to_dict`` writes.

    A ``Lambda`` is written by its ``name`` only (its functions are Python code); load it back
    with ``from_dict(d, nonserializable={name: A.Lambda(...)})``.
    """
    if on_not_implemented_error not in ("raise", "warn"):
        raise ConfigError(
            f"to_dict.on_not_implemented_error: expected 'raise' or 'warn', got "
            f"{on_not_implemented_error!r}"
        )
    return {"__version__": FORMAT_VERSION, "transform": _plain(_node_dict(transform))}


def _node_dict(t: Any) -> dict[str, Any]:
    if isinstance(t, core.BaseCompose):
        d = t.to_dict_private()
        d["transforms"] = [_node_dict(c) for c in t.transforms]
        return d
    if isinstance(t, BasicTransform) and t.name == "Lambda":
        if t._args.get("name") is None:
            raise ConfigError("to_dict: a Lambda needs a name= to be written to a file")
        return {"__class_fullname__": "Lambda", "__type__": "Lambda", "name": t._args["name"]}
    if isinstance(t, BasicTransform) or getattr(t, "is_post_step", False):
        return t.to_dict_private()
    raise ConfigError(f"to_dict: expected an Albumentations-style transform, got {t!r}")


def from_dict(
    transform_dict: Mapping[str, Any],
    nonserializable: Mapping[str, Any] | None = None,
    *,
    source: str = "",
) -> Any:
    """Build a pipeline from ``albumentations.to_dict`` output (1.x or 2.x).

    Raises
    ------
    ConfigError
        Listing every transform or setting that has no synthaug counterpart.
    """
    where = f"{source}: " if source else ""
    if not isinstance(transform_dict, Mapping):
        raise ConfigError(f"{where}expected a mapping, got {type(transform_dict).__name__}")
    t = transform_dict.get("transform", transform_dict)
    if not isinstance(t, Mapping) or "__class_fullname__" not in t:
        raise ConfigError(
            f"{where}expected Albumentations' to_dict() form with '__class_fullname__' keys"
        )
    errors: list[str] = []
    out = _build(t, "transform", errors, dict(nonserializable or {}))
    if errors:
        raise ConfigError(
            f"{where}cannot import {len(errors)} Albumentations setting(s):\n  "
            + "\n  ".join(errors)
        )
    return out


def _build(d: Any, loc: str, errors: list[str], nonser: dict[str, Any]) -> Any:
    if not isinstance(d, Mapping):
        errors.append(f"{loc}: expected a mapping, got {d!r}")
        return None
    name = str(d.get("__class_fullname__", "?")).rsplit(".", 1)[-1]
    args = {k: v for k, v in d.items() if k not in ("__class_fullname__", "__type__")}
    if name in _CONTAINERS:
        kids = [
            _build(c, f"{loc}.transforms[{i}]", errors, nonser)
            for i, c in enumerate(args.pop("transforms", []))
        ]
        return _container(name, kids, args, loc, errors)
    if name == "Lambda":
        key = args.get("name")
        if key in nonser:
            return nonser[key]
        errors.append(
            f"{loc} (Lambda {key!r}): a Lambda's functions are Python code and are never read "
            f"from a file; pass nonserializable={{{key!r}: A.Lambda(...)}}"
        )
        return None
    if name in ("ToTensorV2", "ToTensor"):
        return _to_tensor(name, args, loc, errors)
    cls = TRANSFORMS.get(name)
    if cls is None:
        import difflib

        close = difflib.get_close_matches(name, list(TRANSFORMS), n=1)
        hint = f"; nearest supported: {close[0]}" if close else ""
        errors.append(f"{loc} ({name}): no synthaug counterpart{hint}")
        return None
    try:
        return cls(**args)
    except ConfigError as exc:
        msg = str(exc)
        prefix = f"{name}: "
        errors.append(f"{loc} ({name}): {msg[len(prefix) :] if msg.startswith(prefix) else msg}")
        return None


def _container(name: str, kids: list[Any], args: dict[str, Any], loc: str, errors: list[str]):
    args.pop("always_apply", None)
    if name in ("Compose", "ReplayCompose"):
        allowed = _COMPOSE_KEYS + (("save_key",) if name == "ReplayCompose" else ())
    elif name == "SomeOf":
        allowed = ("p", "n", "replace")
    else:
        allowed = ("p",)
    for key in list(args):
        if key not in allowed:
            errors.append(f"{loc} ({name}): unknown key {key!r}; expected some of {list(allowed)}")
            args.pop(key)
    for key in ("bbox_params", "keypoint_params"):
        if isinstance(args.get(key), Mapping):
            args[key] = {k: v for k, v in args[key].items() if k != "max_accept_ratio" or v}
    if any(k is None for k in kids):
        return None
    try:
        return _CONTAINERS[name](kids, **args)
    except ConfigError as exc:
        errors.append(f"{loc} ({name}): {exc}")
        return None


def _to_tensor(name: str, args: dict[str, Any], loc: str, errors: list[str]) -> Any:
    if name == "ToTensor":
        errors.append(f"{loc} (ToTensor): removed in Albumentations 1.0; use ToTensorV2")
        return None
    try:
        from synthaug.albumentations.pytorch import ToTensorV2
    except ImportError:
        errors.append(f"{loc} (ToTensorV2): needs PyTorch (pip install torch)")
        return None
    try:
        return ToTensorV2(**args)
    except ConfigError as exc:
        errors.append(f"{loc} (ToTensorV2): {exc}")
        return None


def save(
    transform: Any,
    filepath_or_buffer: str | Path | TextIO,
    data_format: str = "json",
    on_not_implemented_error: str = "raise",
) -> None:
    """Write ``to_dict(transform)`` as JSON or YAML (``data_format``) to a path or text buffer."""
    if data_format not in ("json", "yaml"):
        raise ConfigError(f"save.data_format: expected 'json' or 'yaml', got {data_format!r}")
    d = to_dict(transform, on_not_implemented_error)
    text = json.dumps(d, indent=2) if data_format == "json" else yaml.safe_dump(d, sort_keys=False)
    if isinstance(filepath_or_buffer, (str, Path)):
        path = Path(filepath_or_buffer)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    else:
        filepath_or_buffer.write(text)


def load(
    filepath_or_buffer: str | Path | TextIO,
    data_format: str = "json",
    nonserializable: Mapping[str, Any] | None = None,
) -> Any:
    """Read a pipeline written by ``albumentations.save`` (1.x or 2.x) or by :func:`save`.

    A path ending in ``.yaml``/``.yml`` is read as YAML whatever ``data_format`` says.
    """
    source = ""
    if isinstance(filepath_or_buffer, (str, Path)):
        source = str(filepath_or_buffer)
        try:
            text = Path(filepath_or_buffer).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"{source}: cannot read Albumentations file: {exc.strerror}"
            ) from None
        if source.endswith((".yaml", ".yml")):
            data_format = "yaml"
    else:
        text = filepath_or_buffer.read()
    try:
        d = json.loads(text) if data_format == "json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{source or 'load'}: not valid {data_format.upper()}: {exc}") from None
    return from_dict(d, nonserializable, source=source)


def from_albumentations(d: Mapping[str, Any] | str | Path) -> augment.Compose:
    """A :class:`synthaug.augment.Compose` from an Albumentations file or ``to_dict`` output.

    The result is made of synthaug's own registered transforms only, so it saves and loads as
    synthaug YAML (``synthaug.augment.save``/``load``) and runs in the CLI. Where
    :func:`load` follows Albumentations' own arithmetic to give the same pixels (Affine,
    ShiftScaleRotate, HueSaturationValue, RandomBrightnessContrast, RandomGamma, RandomScale,
    RandomSunFlare), this uses synthaug's transform with matched magnitudes; a transform with
    no registered counterpart (SafeRotate, NoOp, ToFloat, ...) is a ConfigError that says to
    use :func:`load`. The pipeline keeps Albumentations' box format (``box_format`` of the
    result), and its ``min_area``, ``min_visibility`` and keypoint removal.

    Examples
    --------
    >>> d = {"__version__": "2.0.8", "transform": {"__class_fullname__": "Compose", "p": 1.0,
    ...      "transforms": [{"__class_fullname__": "RandomRotate90", "p": 0.5}]}}
    >>> pipe = from_albumentations(d)
    >>> type(pipe.transforms[0]).__name__
    'Rotate90'
    """
    if isinstance(d, (str, Path)):
        p = str(d)
        pipe = load(d, "yaml" if p.endswith((".yaml", ".yml")) else "json")
    else:
        pipe = from_dict(d)
    if not isinstance(pipe, core.Compose):
        pipe = core.Compose([pipe])
    for step in pipe._post:
        raise ConfigError(
            f"from_albumentations: {step.name} converts to tensors; use "
            "synthaug.albumentations.load for pipelines that end in it"
        )
    try:
        engine = pipe.to_engine(native=True)
    except ConfigError as exc:
        raise ConfigError(f"from_albumentations: {exc}") from None
    _refuse_unsupported_settings(pipe)
    if pipe.bbox_params is not None:
        engine.box_format = _NATIVE_BOX_FORMATS[pipe.bbox_params.format]
    return engine


_NATIVE_BOX_FORMATS = {"pascal_voc": "xyxy", "coco": "xywh", "yolo": "yolo"}


def _refuse_unsupported_settings(pipe: core.Compose) -> None:
    """Settings only this layer's call convention applies: refuse them in a synthaug pipeline."""
    bp, kp = pipe.bbox_params, pipe.keypoint_params
    bad: list[str] = []
    if bp is not None:
        if bp.format not in _NATIVE_BOX_FORMATS:
            bad.append(f"bbox_params.format={bp.format!r} (use pascal_voc, coco or yolo)")
        for key, default in (
            ("min_width", 0.0),
            ("min_height", 0.0),
            ("clip", False),
            ("filter_invalid_bboxes", False),
            ("max_accept_ratio", None),
        ):
            if getattr(bp, key) != default:
                bad.append(f"bbox_params.{key}={getattr(bp, key)!r}")
    if kp is not None:
        if kp.format not in ("xy", "xyas"):
            bad.append(f"keypoint_params.format={kp.format!r} (synthaug takes xy or xyas)")
        if not kp.angle_in_degrees:
            bad.append("keypoint_params.angle_in_degrees=False (synthaug takes degrees)")
    if pipe.additional_targets:
        bad.append(f"additional_targets={pipe.additional_targets!r}")
    if bad:
        raise ConfigError(
            "from_albumentations: a synthaug.augment.Compose cannot apply "
            + "; ".join(bad)
            + "; synthaug.albumentations.load applies them"
        )
