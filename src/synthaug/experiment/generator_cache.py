"""The experiment's generators, each built or trained once and cached on disk.

* A procedural generator (it does not learn from the arm's data) gets one *bank* per
  (generator, seed), sized for the largest request of the run; every arm and size takes
  nested class-balanced subsets of it, so results do not depend on the order of the runs.
* A learned generator is fitted once per (seed, labelled subset): its weights are written to
  the cache (safetensors + JSON, :meth:`synthaug.synth.Generator.save`) by the task that
  fits it, and every arm, the quality table and the sample grids load that one model.
* Shipped (pretrained) weights are loaded and checked against the arm
  (:class:`~synthaug.errors.LeakageError`).

All file names carry a digest of what determines their content (generator config, seed,
labelled images and labels), so a cache is reused only for the same inputs.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from synthaug.errors import ConfigError, LeakageError
from synthaug.experiment.config import ArmConfig, ExperimentConfig, GeneratorConfig
from synthaug.seeding import item_seed

__all__ = ["GeneratorCache", "check_pretrained"]

#: per-process memo of cache files already read (their names fix their content)
_LOADED: dict[Path, Any] = {}


def content_hash(*parts: Any) -> str:
    """A short digest of arrays (shape and bytes) and JSON-able values."""
    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, np.ndarray):
            h.update(str(p.shape).encode())
            h.update(np.ascontiguousarray(p).tobytes())
        else:
            h.update(json.dumps(p, sort_keys=True, default=str).encode())
    return h.hexdigest()[:20]


def check_pretrained(gen: Any, name: str, arm: ArmConfig, size: int, dataset: str) -> None:
    """Refuse shipped weights trained on more labels than the arm has, or on its dataset."""
    meta = dict(getattr(gen, "metadata_", {}) or {})
    per_class = meta.get("n_labels_per_class")
    if per_class is None and meta.get("n_train") is not None:
        per_class = int(meta["n_train"]) // max(1, len(gen.classes_))
    if per_class is None:
        raise LeakageError(
            f"arm {arm.name!r}: pretrained generator {name!r} does not record how many labels it "
            "was trained on, so it cannot be admitted to a few-shot arm"
        )
    if int(per_class) > size:
        raise LeakageError(
            f"arm {arm.name!r} at {size} labelled per class: pretrained generator {name!r} was "
            f"trained on {per_class} labelled per class; it would bring in labels the arm does not have"
        )
    trained_on = str(meta.get("trained_on", ""))
    if trained_on and trained_on.split("[")[0] == dataset:
        raise LeakageError(
            f"arm {arm.name!r}: pretrained generator {name!r} was trained on {trained_on!r}, the "
            "experiment's own dataset, whose test images it may have seen"
        )


def _load_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if path not in _LOADED:
        with np.load(path, allow_pickle=False) as f:
            _LOADED[path] = (f["X"], f["y"])
    out: tuple[np.ndarray, np.ndarray] = _LOADED[path]
    return out


def forget_loaded() -> None:
    """Drop this process's memo of cache files (the runner calls it at the end of a run)."""
    _LOADED.clear()


class GeneratorCache:
    """Builds, fits and samples the experiment's generators through a disk cache."""

    def __init__(self, cfg: ExperimentConfig, cache_dir: Path, n_classes: int) -> None:
        self.cfg = cfg
        self.dir = cache_dir
        self.bank_size: dict[str, int] = {}
        for arm in cfg.arms:
            if arm.generator is None:
                continue
            needs = (
                [arm.n_synthetic]
                if arm.n_synthetic is not None
                else [int(round(r * s * n_classes)) for r in arm.ratios for s in cfg.sizes]
            )
            needs.append(max(200, 2 * max(cfg.sizes) * n_classes))  # quality evaluation
            self.bank_size[arm.generator] = max(self.bank_size.get(arm.generator, 0), *needs)

    # -- kinds -----------------------------------------------------------------------------------
    def procedural(self, key: str) -> bool:
        """Whether generator ``key`` is built without learning (one bank per seed)."""
        spec = self.cfg.generators[key]
        if spec.pretrained is not None:
            return False
        from synthaug import synth

        cls = synth.registered_generators().get(spec.kind)
        return cls is not None and not getattr(cls, "learns", True)

    def learned(self, key: str) -> bool:
        """Whether generator ``key`` is fitted on each arm's labelled images."""
        return self.cfg.generators[key].pretrained is None and not self.procedural(key)

    # -- procedural banks ------------------------------------------------------------------------
    def bank(
        self, key: str, seed: int, X_lab: np.ndarray, y_lab: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The bank of generator ``key`` for ``seed`` (built and written on first use)."""
        n = self.bank_size[key]
        spec = self.cfg.generators[key]
        digest = content_hash(spec.model_dump(mode="json"), seed, n, np.unique(y_lab))
        path = self.dir / f"{key}-bank-s{seed}-n{n}-{digest}.npz"
        if path.exists():
            return _load_npz(path)
        gen = self._build(key, spec).fit(X_lab, y_lab)
        classes = np.unique(y_lab)
        counts = {int(c): -(-n // len(classes)) for c in classes}
        X, y = gen.sample(labels=counts, seed=item_seed("bank", key, seed))
        self._save(path, X, y)
        return X, y

    # -- learned generators ----------------------------------------------------------------------
    def _weights_path(self, key: str, seed: int, size: int, X_lab, y_lab) -> Path:
        spec = self.cfg.generators[key]
        digest = content_hash(spec.model_dump(mode="json"), seed, size, X_lab, y_lab)
        return self.dir / f"{key}-s{seed}-k{size}-{digest}.safetensors"

    def fitted(
        self, key: str, seed: int, size: int, X_lab: np.ndarray, y_lab: np.ndarray, callback=None
    ) -> Any:
        """Generator ``key`` fitted on the labelled set of (seed, size): loaded from the cache,
        or fitted once and saved there."""
        from synthaug import synth

        path = self._weights_path(key, seed, size, X_lab, y_lab)
        if path in _LOADED:
            return _LOADED[path]
        if path.exists():
            gen = synth.load(path)
        else:
            gen = self._build(key, self.cfg.generators[key])
            if "seed" in gen.get_params():
                gen.seed = item_seed("generator", key, seed, size) % 2**31
            if callback:
                callback({"event": "generator_fit", "generator": key, "seed": seed, "size": size})
            gen.fit(X_lab, y_lab)
            gen.save(path)
        _LOADED[path] = gen
        return gen

    # -- sampling --------------------------------------------------------------------------------
    def sample(
        self,
        key: str,
        arm: ArmConfig,
        seed: int,
        size: int,
        X_lab: np.ndarray,
        y_lab: np.ndarray,
        n: int,
        callback=None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``n`` class-balanced synthetic images for ``arm`` at (seed, size)."""
        classes = np.unique(y_lab)
        counts = {
            int(c): n // len(classes) + (1 if i < n % len(classes) else 0)
            for i, c in enumerate(classes)
        }
        if self.procedural(key):
            Xb, yb = self.bank(key, seed, X_lab, y_lab)
            take = np.sort(np.concatenate([np.flatnonzero(yb == c)[:k] for c, k in counts.items()]))
            return Xb[take], yb[take]
        spec = self.cfg.generators[key]
        digest = content_hash(spec.model_dump(mode="json"), seed, size, X_lab, y_lab, n)
        path = self.dir / f"{key}-s{seed}-k{size}-n{n}-{digest}.npz"
        if path.exists():
            return _load_npz(path)
        if spec.pretrained is not None:
            gen = self._build(key, spec)
            check_pretrained(gen, spec.pretrained, arm, size, self.cfg.data.dataset)
        else:
            gen = self.fitted(key, seed, size, X_lab, y_lab, callback)
        X, y = gen.sample(labels=counts, seed=item_seed("sample", key, seed, size, n))
        self._save(path, X, y)
        return X, y

    # -- helpers ---------------------------------------------------------------------------------
    def _save(self, path: Path, X: np.ndarray, y: np.ndarray) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        # a name per process: two workers may write the same (identical) file at once
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp.npz")
        np.savez_compressed(tmp, X=X, y=y)
        tmp.replace(path)

    def _build(self, key: str, spec: GeneratorConfig) -> Any:
        from synthaug import synth

        if spec.pretrained is not None:
            return synth.load(spec.pretrained)
        classes = synth.registered_generators()
        if spec.kind not in classes:
            raise ConfigError(
                f"generators.{key}.kind: unknown generator {spec.kind!r}; expected one of {sorted(classes)}"
            )
        params = dict(spec.params)
        if "seed" in inspect.signature(classes[spec.kind].__init__).parameters:
            params.setdefault("seed", 0)
        try:
            return classes[spec.kind](**params)
        except TypeError as exc:
            raise ConfigError(f"generators.{key}.params: {exc}") from None
