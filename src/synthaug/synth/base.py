"""The generator contract, the registry and the safetensors + JSON model format.

Every generator follows scikit-learn: the constructor only stores its parameters, ``fit(X, y)``
learns (a no-op for procedural generators) and returns ``self``, ``sample(n, labels, seed)``
returns ``(X, y)`` in the convention of the training data, and ``save(path)`` writes
``model.safetensors`` (tensors, plus the config in its metadata) and ``model.json`` (the same
config, human-readable). :func:`load` reads them back and never runs code: the config names
the class through the registry only, and anything that is not safetensors is refused.
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

from synthaug.errors import InvalidInputError, ModelFormatError
from synthaug.seeding import SeedLike

__all__ = [
    "FORMAT_NAME",
    "Generator",
    "ProgressCallback",
    "load",
    "register",
    "registered_generators",
    "resolve_labels",
    "validate_images",
]

log = logging.getLogger(__name__)

FORMAT_NAME = "synthaug-generator"
FORMAT_VERSION = 1
ProgressCallback = Callable[[dict[str, Any]], None]
_REGISTRY: dict[str, type[Generator]] = {}
#: Built-in generators living in modules that import torch: imported only when needed.
BUILTIN_MODULES = {
    "ConditionalVAE": "synthaug.synth.cvae",
    "ConditionalGAN": "synthaug.synth.cgan",
    "ShapesScene": "synthaug.synth.scenes",
}
G = TypeVar("G", bound="type[Generator]")


def register(cls: G) -> G:
    """Class decorator: make a generator loadable by its class name.

    Examples
    --------
    >>> @register
    ... class MyGenerator(Generator):
    ...     pass
    >>> "MyGenerator" in registered_generators()
    True
    >>> _ = _REGISTRY.pop("MyGenerator")
    """
    _REGISTRY[cls.__name__] = cls
    return cls


def registered_generators() -> dict[str, type[Generator]]:
    """The registry: class name -> generator class (a copy), built-ins included."""
    for name in BUILTIN_MODULES:
        _builtin(name)
    return dict(_REGISTRY)


def _builtin(name: str) -> type[Generator] | None:
    if name not in _REGISTRY and name in BUILTIN_MODULES:
        importlib.import_module(BUILTIN_MODULES[name])
    return _REGISTRY.get(name)


class Generator:
    """Base class of every synthetic-data generator.

    Subclasses implement ``_fit``, ``_sample_indices`` and, if they learn state, the two
    persistence hooks ``_state`` / ``_set_state``. Learned attributes end in ``_``:
    ``classes_`` (the label values, sorted) and ``image_shape_`` (``(H, W)`` or ``(H, W, C)``).
    """

    classes_: np.ndarray
    image_shape_: tuple[int, ...]
    #: Whether ``fit`` learns from the data (False for procedural generators).
    learns: ClassVar[bool] = True

    # -- parameters (scikit-learn's get_params without the nesting) ---------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters, as stored."""
        return {name: getattr(self, name) for name in self._param_names()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- the verbs -----------------------------------------------------------------------------
    def fit(self, X: np.ndarray, y: np.ndarray, callback: ProgressCallback | None = None):
        """Learn from images ``X`` (N, H, W) or (N, H, W, C) and integer labels ``y``.

        Returns ``self``. ``callback``, if given, receives one dict per progress step
        (``{"epoch", "n_epochs", "loss", ...}``).
        """
        X = validate_images(X)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise InvalidInputError(f"y: expected shape ({len(X)},), got {y.shape}")
        if y.dtype.kind not in "iu":
            raise InvalidInputError(f"y: expected integer class ids, got dtype {y.dtype}")
        self.classes_ = np.unique(y).astype(np.int64)
        self.image_shape_ = tuple(int(s) for s in X.shape[1:])
        index = np.searchsorted(self.classes_, y).astype(np.int64)
        start = time.perf_counter()
        self._fit(X, index, callback)
        counts = np.bincount(index, minlength=len(self.classes_))
        self.metadata_ = {
            "n_train": int(len(y)),
            # The largest class count: a few-shot arm with fewer labels must refuse this model.
            "n_labels_per_class": int(counts.max()),
            "n_labels_by_class": {
                int(c): int(k) for c, k in zip(self.classes_, counts, strict=True)
            },
            "fit_seconds": round(time.perf_counter() - start, 2),
        }
        return self

    def sample(
        self,
        n: int | None = None,
        labels: None | np.ndarray | list[int] | Mapping[int, int] = None,
        seed: SeedLike = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` labelled images.

        Parameters
        ----------
        n : int, optional
            Number of images; may be omitted when ``labels`` fixes it.
        labels : None, array of labels, or dict {label: count}
            ``None`` spreads ``n`` evenly over ``classes_`` (cycling 0, 1, ..., K-1, 0, ...).
        seed : int, Generator or None
            Same seed, same images (byte for byte on the same machine and thread count).

        Returns
        -------
        X : ndarray, float32 in [0, 1], shape (n, *image_shape_)
        y : ndarray, int64, shape (n,)
        """
        self._check_fitted()
        y = resolve_labels(n, labels, self.classes_)
        index = np.searchsorted(self.classes_, y).astype(np.int64)
        X = self._sample_indices(index, seed)
        return np.ascontiguousarray(X, dtype=np.float32), y

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write ``path`` (``.safetensors``) and the JSON config beside it; return the path."""
        from safetensors.numpy import save_file

        self._check_fitted()
        path = Path(path)
        if path.suffix != ".safetensors":
            path = (
                path.with_suffix(path.suffix + ".safetensors")
                if path.suffix
                else path.with_suffix(".safetensors")
            )
        tensors, state = self._state()
        config = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "class": type(self).__name__,
            "params": _jsonable(self.get_params()),
            "state": _jsonable(
                {
                    "classes_": self.classes_.tolist(),
                    "image_shape_": list(self.image_shape_),
                    **state,
                }
            ),
            "metadata": _jsonable(getattr(self, "metadata_", {})),
        }
        text = json.dumps(config, indent=2, sort_keys=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        tensors = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
        _atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata={"synthaug_config": text}))
        _atomic_write(path.with_suffix(".json"), lambda tmp: Path(tmp).write_text(text + "\n"))
        return path

    # -- hooks for subclasses ------------------------------------------------------------------
    def _fit(self, X: np.ndarray, index: np.ndarray, callback: ProgressCallback | None) -> None:
        raise NotImplementedError

    def _sample_indices(self, index: np.ndarray, seed: SeedLike) -> np.ndarray:
        raise NotImplementedError

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Learned tensors and JSON-able learned state beyond ``classes_``/``image_shape_``."""
        return {}, {}

    def _set_state(self, tensors: dict[str, np.ndarray], state: dict[str, Any]) -> None:
        """Inverse of :meth:`_state`; ``classes_`` and ``image_shape_`` are already set."""

    def _check_fitted(self) -> None:
        if not hasattr(self, "classes_"):
            raise InvalidInputError(
                f"{type(self).__name__} is not fitted: call fit(X, y) before sample() or save()"
            )


def validate_images(X: Any, name: str = "X") -> np.ndarray:
    """Check an image set and return it as float32 in [0, 1] (uint8 is divided by 255)."""
    if not isinstance(X, np.ndarray):
        raise InvalidInputError(f"{name}: expected a numpy array, got {type(X).__name__}")
    if X.ndim not in (3, 4) or X.shape[0] == 0:
        raise InvalidInputError(f"{name}: expected shape (N, H, W) or (N, H, W, C), got {X.shape}")
    if X.dtype == np.uint8:
        return X.astype(np.float32) / 255.0
    if X.dtype.kind != "f":
        raise InvalidInputError(f"{name}: expected float32 in [0, 1] or uint8, got {X.dtype}")
    X = X.astype(np.float32, copy=False)
    if not np.all(np.isfinite(X)):
        raise InvalidInputError(f"{name}: contains NaN or inf")
    lo, hi = float(X.min()), float(X.max())
    if lo < 0.0 or hi > 1.0:
        raise InvalidInputError(f"{name}: expected values in [0, 1], got range [{lo:g}, {hi:g}]")
    return X


def resolve_labels(
    n: int | None,
    labels: None | np.ndarray | list[int] | Mapping[int, int],
    classes: np.ndarray,
) -> np.ndarray:
    """Turn the ``labels`` argument of ``sample`` into an int64 label array.

    Examples
    --------
    >>> resolve_labels(5, None, np.array([0, 1])).tolist()
    [0, 1, 0, 1, 0]
    >>> resolve_labels(None, {1: 2, 0: 1}, np.array([0, 1])).tolist()
    [1, 1, 0]
    """
    if labels is None:
        if n is None or isinstance(n, bool) or int(n) != n or n < 0:
            raise InvalidInputError(f"n: expected a non-negative integer, got {n!r}")
        return classes[np.arange(int(n)) % len(classes)].astype(np.int64)
    if isinstance(labels, Mapping):
        parts = []
        for label, count in labels.items():
            if int(count) != count or count < 0:
                raise InvalidInputError(f"labels[{label!r}]: expected a count >= 0, got {count!r}")
            parts.append(np.full(int(count), int(label), dtype=np.int64))
        y = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    else:
        y = np.asarray(labels)
        if y.ndim != 1 or (y.size and y.dtype.kind not in "iu"):
            raise InvalidInputError(
                f"labels: expected a 1-D array of integer labels, got shape {y.shape}, dtype {y.dtype}"
            )
        y = y.astype(np.int64)
    if n is not None and int(n) != len(y):
        raise InvalidInputError(f"n = {n} but labels ask for {len(y)} images")
    unknown = sorted(set(np.unique(y).tolist()) - set(classes.tolist()))
    if unknown:
        raise InvalidInputError(
            f"labels: {unknown} are not classes of this generator; expected some of {classes.tolist()}"
        )
    return y


# -- persistence ------------------------------------------------------------------------------
def load(path_or_name: str | os.PathLike[str]) -> Generator:
    """Load a generator saved by :meth:`Generator.save`, or a shipped one by name.

    Only safetensors plus a JSON config are read; a pickle, a ``torch.save`` file or any other
    format raises :class:`~synthaug.errors.ModelFormatError`. No code from the file is run.

    Examples
    --------
    >>> gen = load("digits-cvae")
    >>> X, y = gen.sample(3, seed=0)
    >>> X.shape, y.tolist()
    ((3, 8, 8), [0, 1, 2])
    """
    from synthaug.synth.pretrained import pretrained_path

    shipped = pretrained_path(str(path_or_name))
    path = shipped if shipped is not None else Path(path_or_name)
    if path.suffix == ".json":
        path = path.with_suffix(".safetensors")
    if not path.is_file():
        raise ModelFormatError(
            f"{path}: no such model file (expected a .safetensors file or a shipped name)"
        )
    if path.suffix != ".safetensors":
        raise ModelFormatError(
            f"{path}: synthaug loads only .safetensors models (with a JSON config); "
            f"got a {path.suffix or 'suffix-less'} file. Pickles and torch.save files are refused."
        )
    tensors, embedded = _read_safetensors(path)
    json_path = path.with_suffix(".json")
    if json_path.is_file():
        text, where = json_path.read_text(encoding="utf-8"), str(json_path)
    elif embedded is not None:
        text, where = embedded, f"{path} (metadata)"
    else:
        raise ModelFormatError(f"{path}: no config: expected {json_path.name} beside it")
    return _from_config(_parse_config(text, where), tensors, where)


def _read_safetensors(path: Path) -> tuple[dict[str, np.ndarray], str | None]:
    from safetensors import safe_open

    with open(path, "rb") as fh:
        head = fh.read(9)
    # A safetensors file starts with a little-endian u64 header length, then '{' of the header.
    if len(head) < 9 or head[8:9] != b"{":
        kind = (
            "a pickle"
            if head[:1] == b"\x80"
            else "a zip (torch.save?)"
            if head[:2] == b"PK"
            else "not safetensors"
        )
        raise ModelFormatError(
            f"{path}: not a safetensors file ({kind}); synthaug never loads pickles"
        )
    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:  # safetensors raises its own error types
        raise ModelFormatError(f"{path}: unreadable safetensors file: {exc}") from exc
    return tensors, meta.get("synthaug_config")


def _parse_config(text: str, where: str) -> dict[str, Any]:
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"{where}: config is not valid JSON: {exc}") from exc
    if not isinstance(config, dict) or config.get("format") != FORMAT_NAME:
        raise ModelFormatError(f"{where}: expected a config with format {FORMAT_NAME!r}")
    if config.get("format_version") != FORMAT_VERSION:
        raise ModelFormatError(
            f"{where}: format_version {config.get('format_version')!r}, expected {FORMAT_VERSION}"
        )
    return config


def _config_field(config: dict[str, Any], path: str, where: str, kind: type) -> Any:
    """``config[a][b]...`` for ``path = "a.b"``, a ModelFormatError naming the file and the
    field when it is missing or not of ``kind``."""
    value: Any = config
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            raise ModelFormatError(
                f"{where}: field {path!r} is missing; the config was not written by "
                "synthaug's save() (or was edited): save the model again"
            )
        value = value[part]
    if not isinstance(value, kind):
        raise ModelFormatError(
            f"{where}: field {path!r} = {value!r:.60}: expected a {kind.__name__}"
        )
    return value


def _from_config(config: dict[str, Any], tensors: dict[str, np.ndarray], where: str) -> Generator:
    name = config.get("class")
    cls = _builtin(str(name))
    if cls is None:
        raise ModelFormatError(
            f"{where}: class {name!r} is not a registered generator; expected one of {sorted(_REGISTRY)}"
        )
    params = config.get("params", {})
    if not isinstance(params, dict):
        raise ModelFormatError(f"{where}: field 'params' = {params!r:.60}: expected an object")
    unknown = set(params) - set(cls._param_names())
    if unknown:
        raise ModelFormatError(f"{where}: params {sorted(unknown)} are not parameters of {name}")
    try:
        gen = cls(**{k: _tuples(v) for k, v in params.items()})
    except (TypeError, ValueError) as exc:
        raise ModelFormatError(f"{where}: params of {name} are not valid: {exc}") from None
    state = dict(_config_field(config, "state", where, dict))
    classes = _config_field(config, "state.classes_", where, list)
    shape = _config_field(config, "state.image_shape_", where, list)
    del state["classes_"], state["image_shape_"]
    try:
        gen.classes_ = np.asarray(classes, dtype=np.int64)
        gen.image_shape_ = tuple(int(s) for s in shape)
    except (TypeError, ValueError, OverflowError):
        raise ModelFormatError(
            f"{where}: fields 'state.classes_' = {classes!r:.40} and 'state.image_shape_' = "
            f"{shape!r:.40}: expected lists of integers"
        ) from None
    metadata = config.get("metadata", {})
    if not isinstance(metadata, dict):
        raise ModelFormatError(f"{where}: field 'metadata' = {metadata!r:.60}: expected an object")
    gen.metadata_ = metadata
    try:
        gen._set_state(tensors, state)
    except (KeyError, RuntimeError, ValueError) as exc:
        raise ModelFormatError(
            f"{where}: weights do not match the config of {name}: {exc}"
        ) from exc
    return gen


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return value


def _tuples(value: Any) -> Any:
    """JSON has no tuples: parameters stored as lists come back as tuples (ranges, sizes)."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _atomic_write(path: Path, write: Callable[[str], Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a model file is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
