"""The table-generator contract and its model folder (safetensors + JSON, never pickle).

A fitted generator saves to a folder holding ``model.safetensors`` (arrays only) and
``model.json`` (the class by registry name, its parameters, the table schema and any small
learned values). :func:`load_generator` reads the JSON, looks the class up in the registry and
hands it the arrays: loading never runs code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from synthaug.errors import ConfigError, ModelFormatError
from synthaug.seeding import SeedLike
from synthaug.tabular.schema import SchemaOverrides, TableSchema

__all__ = ["FORMAT_VERSION", "TabularGenerator", "load_generator", "register_table_generator"]

FORMAT_VERSION = 1
_REGISTRY: dict[str, type[TabularGenerator]] = {}


def register_table_generator(cls: type[TabularGenerator]) -> type[TabularGenerator]:
    """Class decorator: make ``cls`` loadable by its name."""
    _REGISTRY[cls.__name__] = cls
    return cls


class TabularGenerator:
    """Base of table generators: ``fit(df)``, ``sample(n, seed=...)``, ``save(folder)``.

    Subclasses set ``schema_`` in ``fit`` and implement ``_state``/``_set_state``.
    """

    _params: ClassVar[tuple[str, ...]] = ()
    schema_: TableSchema | None = None

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments as stored."""
        return {k: getattr(self, k) for k in self._params}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def fit(self, df: pd.DataFrame, schema: SchemaOverrides | None = None) -> TabularGenerator:
        """Learn the table ``df``; return ``self``."""
        raise NotImplementedError

    def sample(
        self, n: int, seed: SeedLike = None, conditions: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """Draw ``n`` synthetic rows."""
        raise NotImplementedError

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        raise NotImplementedError

    def _set_state(self, tensors: dict[str, np.ndarray], state: dict[str, Any]) -> None:
        raise NotImplementedError

    def _check_fitted(self) -> TableSchema:
        if self.schema_ is None:
            raise ConfigError(f"{type(self).__name__} is not fitted: call fit(df) first")
        return self.schema_

    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Write ``folder/model.safetensors`` and ``folder/model.json`` (each atomically)."""
        from safetensors.numpy import save

        from synthaug.data.images import atomic_write_bytes

        schema = self._check_fitted()
        tensors, state = self._state()
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise ConfigError(f"{folder}: expected a folder for the model, found a file")
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
        atomic_write_bytes(folder / "model.safetensors", save(arrays))
        config = {
            "format": "synthaug.tabular",
            "format_version": FORMAT_VERSION,
            "class": type(self).__name__,
            "params": self.get_params(),
            "schema": schema.to_dict(),
            "state": state,
        }
        text = json.dumps(config, indent=1, default=_json_default)
        atomic_write_bytes(folder / "model.json", text.encode("utf-8"))
        return folder


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"not JSON-serialisable: {type(o).__name__}")


def load_generator(folder: str | os.PathLike[str]) -> TabularGenerator:
    """Load a generator saved by :meth:`TabularGenerator.save` (arrays + JSON only).

    Raises ``ModelFormatError`` naming the file when the folder is not a synthaug table model.
    """
    from safetensors.numpy import load_file

    from synthaug.data.safe_load import read_limited

    folder = Path(folder)
    cfg_path, w_path = folder / "model.json", folder / "model.safetensors"
    if not folder.is_dir():
        raise ModelFormatError(
            f"{folder}: expected a model folder written by 'synthaug tabular fit'"
        )
    for p in (cfg_path, w_path):
        if not p.is_file():
            raise ModelFormatError(f"{p}: missing; {folder} is not a synthaug table model folder")
    try:
        config = json.loads(read_limited(cfg_path, 64 << 20, "model config", ModelFormatError))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"{cfg_path}: not valid JSON ({exc})") from None
    if not isinstance(config, dict) or config.get("format") != "synthaug.tabular":
        raise ModelFormatError(f"{cfg_path}: not a synthaug table model config")
    if config.get("format_version") != FORMAT_VERSION:
        raise ModelFormatError(
            f"{cfg_path}: format_version {config.get('format_version')!r}, this synthaug reads "
            f"{FORMAT_VERSION}"
        )
    cls = _REGISTRY.get(str(config.get("class")))
    if cls is None:
        raise ModelFormatError(
            f"{cfg_path}: class {config.get('class')!r} is not a table generator; known: "
            f"{sorted(_REGISTRY)}"
        )
    try:
        tensors = load_file(str(w_path))
    except Exception as exc:  # safetensors raises its own error types
        raise ModelFormatError(f"{w_path}: not a readable safetensors file ({exc})") from None
    try:
        gen = cls(**config.get("params", {}))
        gen.schema_ = TableSchema.from_dict(config["schema"])
        gen._set_state(tensors, config.get("state", {}))
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(
            f"{folder}: inconsistent model files ({type(exc).__name__}: {exc})"
        ) from None
    return gen
