"""Pipelines to and from plain dicts, YAML and JSON, through the registry only.

Names in a config are looked up in :data:`synthaug.augment.REGISTRY`; nothing is imported or
executed from a file. YAML is read with ``yaml.safe_load``. Errors name the location
(``transforms[2].limit``), the value found and what was expected, with a close match for a
misspelt name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from synthaug.augment.params import Children, plain, suggest
from synthaug.augment.transforms.base import REGISTRY, Transform
from synthaug.errors import ConfigError

__all__ = ["from_dict", "load", "loads", "save", "to_dict", "to_plain"]

_CONTAINERS = ("Compose", "Sequential", "OneOf", "SomeOf")

#: tuples to lists, numpy values to Python ones, transforms to their dicts
to_plain = plain


def to_dict(t: Transform) -> dict[str, Any]:
    """``{"name": ..., params..., "transforms": [...]}`` for a transform or pipeline: plain
    data (``json.dumps`` writes it), read from the class's declared parameters."""
    return t.to_dict()


def _build(d: Any, loc: str, source: str) -> Transform:
    where = f"{source}: {loc}" if source else loc
    if not isinstance(d, Mapping):
        raise ConfigError(f"{where}: expected a mapping with a 'name' key, got {d!r}")
    name = d.get("name", d.get("__class_fullname__"))
    if not isinstance(name, str):
        raise ConfigError(f"{where}: missing 'name' (the transform's registered name)")
    cls = REGISTRY.get(name)
    if cls is None:
        raise ConfigError(
            f"{where}.name: unknown transform {name!r}{suggest(name, sorted(REGISTRY))}; "
            "see `synthaug transforms` for the list"
        )
    declared = {d_.name: d_ for d_ in cls.declared if d_.kind.saved}
    allowed = list(declared)
    kwargs: dict[str, Any] = {}
    for key, value in d.items():
        if key in ("name", "__class_fullname__"):
            continue
        if key not in declared:
            raise ConfigError(
                f"{where} ({name}): unknown parameter {key!r}{suggest(key, allowed)}; "
                f"expected some of {allowed}"
            )
        if isinstance(declared[key].kind, Children):
            if not isinstance(value, list):
                raise ConfigError(f"{where}.{key}: expected a list, got {value!r}")
            prefix = f"{loc}.{key}" if loc else key
            value = [_build(c, f"{prefix}[{i}]", source) for i, c in enumerate(value)]
        kwargs[key] = value
    missing = [k for k, d_ in declared.items() if d_.required and k not in kwargs]
    if missing:
        raise ConfigError(f"{where} ({name}): missing required parameter(s) {missing}")
    try:
        return cls(**kwargs)
    except ConfigError as exc:
        msg = str(exc)
        if not where:  # a lone transform: the message already starts with its name
            raise
        if msg.startswith(f"{name}."):
            msg = msg[len(name) :]
            raise ConfigError(f"{where} ({name}){msg}") from None
        raise ConfigError(f"{where} ({name}): {msg}") from None


def from_dict(d: Mapping[str, Any], source: str = "") -> Transform:
    """Build a pipeline (or a single transform) from its :func:`to_dict` form.

    A mapping without ``name`` but with ``transforms`` is read as a Compose; a bare list of
    transforms is accepted too.

    Examples
    --------
    >>> pipe = from_dict({"transforms": [{"name": "HorizontalFlip", "p": 1.0}]})
    >>> type(pipe).__name__, type(pipe.transforms[0]).__name__
    ('Compose', 'HorizontalFlip')
    """
    if isinstance(d, list):
        d = {"name": "Compose", "transforms": d}
    if isinstance(d, Mapping) and "name" not in d and "transforms" in d:
        d = {"name": "Compose", **d}
    if (
        isinstance(d, Mapping)
        and d.get("name") not in (None, *_CONTAINERS)
        and "transforms" not in d
    ):
        return _build(d, "", source)
    return _build(d, "", source)


def loads(text: str, source: str = "<string>") -> Transform:
    """Parse YAML or JSON text (JSON is valid YAML) into a pipeline."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML/JSON: {exc}") from None
    if data is None:
        raise ConfigError(f"{source}: empty pipeline file")
    return from_dict(data, source=source)


def load(path: str | Path) -> Transform:
    """Read a pipeline from a ``.yaml``, ``.yml`` or ``.json`` file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read pipeline file: {exc.strerror}") from None
    return loads(text, source=str(p))


def save(t: Transform, path: str | Path) -> None:
    """Write ``t`` as YAML (``.yaml``/``.yml``) or JSON (any other suffix)."""
    p = Path(path)
    d = to_dict(t)
    text = (
        yaml.safe_dump(d, sort_keys=False)
        if p.suffix.lower() in (".yaml", ".yml")
        else json.dumps(d, indent=2)
    )
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(p)
