"""The experiment runner: every arm x seed x labelled size (x synthetic:real ratio).

The runner only wires pieces together (as a diffusers pipeline does): splits from
:mod:`.splits`, augmentation from :mod:`synthaug.augment`, generators from :mod:`synthaug.synth`,
models from :mod:`.models`, domain adaptation from :mod:`synthaug.adapt`, metrics from
:mod:`synthaug.evaluate`. It owns no algorithm.

Honesty rules it enforces:

* the test set of a seed is chosen first and is used only to score predictions;
* a learned generator in an arm is fitted on that arm's labelled real images only;
* shipped (pretrained) weights are refused in an arm with fewer labels per class than they were
  trained on, or when they were trained on the experiment's own dataset (their training images
  may be in its test set): :class:`~synthaug.errors.LeakageError`;
* unlabelled real images (the pool minus the labelled examples) reach only arms whose config
  sets ``unlabelled: true``, and such arms must say "unlabelled" in their name.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from synthaug.errors import ConfigError, LeakageError
from synthaug.experiment.baseline import BASELINE_LABEL, baseline_check
from synthaug.experiment.config import ArmConfig, ExperimentConfig, GeneratorConfig
from synthaug.experiment.models import linear_baseline, make_model
from synthaug.experiment.splits import FewShotSplit, few_shot_split
from synthaug.experiment.stats import mean_ci, paired_comparison
from synthaug.seeding import item_rng, item_seed

__all__ = ["ExperimentResult", "RunRecord", "load_real_data", "run_experiment"]

Callback = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class RunRecord:
    """One trained model: arm, ratio (or None), labelled size, seed and its test accuracy."""

    arm: str
    ratio: float | None
    size: int
    seed: int
    accuracy: float
    n_real: int
    n_synthetic: int
    seconds: float

    @property
    def label(self) -> str:
        """Arm name with its ratio, e.g. ``real+fonts @1:4``."""
        return self.arm if self.ratio is None else f"{self.arm} @1:{self.ratio:g}"


@dataclass
class ExperimentResult:
    """Everything the report needs; ``to_dict`` is what ``metrics.json`` holds."""

    config: ExperimentConfig
    records: list[RunRecord]
    summary: list[dict[str, Any]]
    comparisons: list[dict[str, Any]]
    quality: dict[str, Any] = field(default_factory=dict)
    audit: dict[str, Any] | None = None
    samples: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0
    data_info: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, Any] = field(default_factory=dict)
    baseline_runs: list[RunRecord] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """Loud findings about the experiment itself (a model below the linear baseline)."""
        return list(self.baseline.get("warnings", []))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable results (no image arrays)."""
        return {
            "name": self.config.name,
            "config": self.config.model_dump(mode="json"),
            "data": self.data_info,
            "runs": [{**r.__dict__, "label": r.label} for r in self.records],
            "summary": self.summary,
            "comparisons": self.comparisons,
            "quality": self.quality,
            "audit": self.audit,
            "baseline": {
                **self.baseline,
                "runs": [{**r.__dict__, "label": r.label} for r in self.baseline_runs],
            },
            "warnings": self.warnings,
            "seconds": self.seconds,
        }


# --------------------------------------------------------------------------- data
def load_real_data(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """Load the experiment's real data by built-in name, ``.npz`` path or image folder."""
    from synthaug.data import builtin

    if dataset in builtin.BUILTIN_DATASETS:
        return builtin.load_dataset(dataset)
    try:
        from synthaug.data.npz import load_arrays
    except ImportError as exc:  # pragma: no cover - data.npz ships with the package
        raise ConfigError(f"data.dataset: cannot read {dataset!r}: {exc}") from None
    X, y = load_arrays(dataset)
    if y is None:
        raise ConfigError(f"data.dataset: {dataset!r} has no labels 'y'; an experiment needs them")
    return X, y


def _display_names(dataset: str, classes: np.ndarray) -> list[str]:
    """A name per class id in ``classes`` (sorted): folder names for an image folder, else
    the ids as text."""
    from synthaug.data.npz import class_names_of

    names = class_names_of(dataset) or {}
    return [names.get(int(c), str(int(c))) for c in classes]


def _hash(*parts: Any) -> str:
    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, np.ndarray):
            h.update(str(p.shape).encode())
            h.update(np.ascontiguousarray(p).tobytes())
        else:
            h.update(json.dumps(p, sort_keys=True, default=str).encode())
    return h.hexdigest()[:20]


# --------------------------------------------------------------------------- generators
def _check_pretrained(gen: Any, name: str, arm: ArmConfig, size: int, dataset: str) -> None:
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


class _GeneratorCache:
    """Fits each generator once per (seed, size) and caches samples on disk by config hash."""

    def __init__(self, cfg: ExperimentConfig, cache_dir: Path, n_classes: int) -> None:
        self.cfg = cfg
        self.dir = cache_dir
        self._fitted: dict[tuple[str, int, int], Any] = {}
        self._banks: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}
        # Procedural generators do not learn from the arm's data: one bank per (generator,
        # seed), sized for the largest request of the run, serves every arm and size as nested
        # class-balanced subsets, so results do not depend on the order of the runs.
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

    def _procedural(self, key: str) -> bool:
        spec = self.cfg.generators[key]
        if spec.pretrained is not None:
            return False
        from synthaug import synth

        cls = synth.registered_generators().get(spec.kind)
        return cls is not None and not getattr(cls, "learns", True)

    def _bank(self, key: str, seed: int, X_lab, y_lab) -> tuple[np.ndarray, np.ndarray]:
        if (key, seed) not in self._banks:
            n = self.bank_size[key]
            spec = self.cfg.generators[key]
            digest = _hash(spec.model_dump(mode="json"), seed, n, np.unique(y_lab))
            path = self.dir / f"{key}-bank-s{seed}-n{n}-{digest}.npz"
            if path.exists():
                with np.load(path, allow_pickle=False) as f:
                    self._banks[(key, seed)] = (f["X"], f["y"])
            else:
                gen = self._build(key, spec).fit(X_lab, y_lab)
                classes = np.unique(y_lab)
                counts = {int(c): -(-n // len(classes)) for c in classes}
                X, y = gen.sample(labels=counts, seed=item_seed("bank", key, seed))
                self._save(path, X, y)
                self._banks[(key, seed)] = (X, y)
        return self._banks[(key, seed)]

    def _save(self, path: Path, X: np.ndarray, y: np.ndarray) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
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
        import inspect

        if "seed" in inspect.signature(classes[spec.kind].__init__).parameters:
            params.setdefault("seed", 0)
        try:
            return classes[spec.kind](**params)
        except TypeError as exc:
            raise ConfigError(f"generators.{key}.params: {exc}") from None

    def sample(
        self,
        key: str,
        arm: ArmConfig,
        seed: int,
        size: int,
        X_lab: np.ndarray,
        y_lab: np.ndarray,
        n: int,
        callback: Callback | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        classes = np.unique(y_lab)
        counts = {
            int(c): n // len(classes) + (1 if i < n % len(classes) else 0)
            for i, c in enumerate(classes)
        }
        if self._procedural(key):
            Xb, yb = self._bank(key, seed, X_lab, y_lab)
            take = np.sort(np.concatenate([np.flatnonzero(yb == c)[:k] for c, k in counts.items()]))
            return Xb[take], yb[take]
        spec = self.cfg.generators[key]
        digest = _hash(spec.model_dump(mode="json"), seed, size, X_lab, y_lab, n)
        path = self.dir / f"{key}-s{seed}-k{size}-n{n}-{digest}.npz"
        if path.exists():
            with np.load(path, allow_pickle=False) as f:
                return f["X"], f["y"]
        fk = (key, seed, size)
        if fk not in self._fitted:
            gen = self._build(key, spec)
            if spec.pretrained is not None:
                _check_pretrained(gen, spec.pretrained, arm, size, self.cfg.data.dataset)
            else:
                if "seed" in gen.get_params():
                    gen.seed = item_seed("generator", key, seed, size) % 2**31
                if callback:
                    callback(
                        {"event": "generator_fit", "generator": key, "seed": seed, "size": size}
                    )
                gen.fit(X_lab, y_lab)
            self._fitted[fk] = gen
        gen = self._fitted[fk]
        X, y = gen.sample(labels=counts, seed=item_seed("sample", key, seed, size, n))
        self._save(path, X, y)
        return X, y

    def fitted(self, key: str, seed: int, size: int) -> Any | None:
        return self._fitted.get((key, seed, size))


# --------------------------------------------------------------------------- training sets
def _augment(pipeline: Any, X: np.ndarray, copies: int, key: tuple) -> np.ndarray:
    out = []
    for c in range(copies):
        for i, img in enumerate(X):
            out.append(pipeline(img, seed=item_rng(*key, c, i)).image)
    return np.stack(out).astype(np.float32) if out else X[:0]


def _training_set(
    cfg: ExperimentConfig,
    arm: ArmConfig,
    ratio: float | None,
    X: np.ndarray,
    y: np.ndarray,
    split: FewShotSplit,
    seed: int,
    size: int,
    gens: _GeneratorCache,
    pipelines: dict[str, Any],
    callback: Callback | None,
) -> tuple[np.ndarray, np.ndarray, int, int]:
    X_lab, y_lab = X[split.labelled], y[split.labelled]
    parts_X: list[np.ndarray] = []
    parts_y: list[np.ndarray] = []
    n_real = 0
    if not arm.synthetic_only:
        parts_X.append(X_lab)
        parts_y.append(y_lab)
        n_real = len(X_lab)
        if arm.pipeline is not None and arm.copies:
            aug = _augment(
                pipelines[arm.pipeline], X_lab, arm.copies, ("aug", arm.name, seed, size)
            )
            parts_X.append(aug)
            parts_y.append(np.tile(y_lab, arm.copies))
    n_syn = 0
    if arm.generator is not None:
        n = arm.n_synthetic if arm.n_synthetic is not None else int(round(ratio * len(X_lab)))
        Xs, ys = gens.sample(arm.generator, arm, seed, size, X_lab, y_lab, n, callback)
        if arm.augment_synthetic and arm.pipeline is not None:
            Xs = _augment(pipelines[arm.pipeline], Xs, 1, ("aug-syn", arm.name, seed, size))
        parts_X.append(Xs.reshape((len(Xs),) + X.shape[1:]).astype(np.float32))
        parts_y.append(ys)
        n_syn = len(Xs)
    return np.concatenate(parts_X), np.concatenate(parts_y), n_real, n_syn


def _fit_predict(
    cfg: ExperimentConfig,
    arm: ArmConfig,
    Xtr: np.ndarray,
    ytr: np.ndarray,
    X_unl: np.ndarray | None,
    X_test: np.ndarray,
    n_classes: int,
    seed: int,
) -> np.ndarray:
    model_seed = item_seed("model", arm.name, seed) % 2**31
    if arm.adapt is not None:
        from synthaug import adapt

        method = adapt.make(arm.adapt, model=cfg.model, n_classes=n_classes, seed=model_seed)
        method.fit(Xtr, ytr, X_unl)
        return method.predict(X_test)
    model = make_model(cfg.model, n_classes=n_classes, seed=model_seed, n_train=len(Xtr))
    model.fit(Xtr, ytr)
    return model.predict(X_test)


# --------------------------------------------------------------------------- the loop
def _arm_jobs(cfg: ExperimentConfig) -> list[tuple[ArmConfig, float | None]]:
    """Every (arm, ratio) trained in each (seed, size) group."""
    return [(arm, ratio) for arm in cfg.arms for ratio in (arm.ratios if arm.ratios else [None])]


def _worker_init() -> None:
    import torch

    torch.set_num_threads(1)


def _prepare_bank(cfg: ExperimentConfig, out_dir: str, key: str, seed: int) -> None:
    """Fill the disk cache with one procedural generator's bank for one seed (pool task)."""
    X, y = load_real_data(cfg.data.dataset)
    n_classes = int(np.unique(y).max()) + 1
    split = few_shot_split(y, min(cfg.sizes), cfg.data.test_fraction, seed)
    gens = _GeneratorCache(cfg, Path(out_dir) / "cache", n_classes)
    gens._bank(key, seed, X[split.labelled], y[split.labelled])


def _run_group(cfg: ExperimentConfig, out_dir: str, seed: int, size: int) -> list[RunRecord]:
    """Train and score every arm (and ratio) for one (seed, size); self-contained for a pool."""
    from synthaug.augment import from_dict

    X, y = load_real_data(cfg.data.dataset)
    n_classes = int(np.unique(y).max()) + 1
    gens = _GeneratorCache(cfg, Path(out_dir) / "cache", n_classes)
    pipelines = {k: from_dict(v) for k, v in cfg.pipelines.items()}
    split = few_shot_split(y, size, cfg.data.test_fraction, seed)
    records = []
    for arm, ratio in _arm_jobs(cfg):
        t = time.perf_counter()
        Xtr, ytr, n_real, n_syn = _training_set(
            cfg, arm, ratio, X, y, split, seed, size, gens, pipelines, None
        )
        X_unl = X[split.unlabelled] if arm.unlabelled else None
        pred = _fit_predict(cfg, arm, Xtr, ytr, X_unl, X[split.test], n_classes, seed)
        acc = float(np.mean(pred == y[split.test]))
        records.append(
            RunRecord(arm.name, ratio, size, seed, acc, n_real, n_syn, time.perf_counter() - t)
        )
    # the linear reference, on the real labelled images only (those of the real-only arm)
    t = time.perf_counter()
    X_lab, y_lab = X[split.labelled], y[split.labelled]
    if len(np.unique(y_lab)) >= 2:
        model = linear_baseline(item_seed("baseline", seed) % 2**31).fit(X_lab, y_lab)
        acc = float(np.mean(model.predict(X[split.test]) == y[split.test]))
        records.append(
            RunRecord(BASELINE_LABEL, None, size, seed, acc, len(X_lab), 0, time.perf_counter() - t)
        )
    return records


def run_experiment(
    cfg: ExperimentConfig,
    out_dir: str | Path,
    callback: Callback | None = None,
    workers: int = 1,
) -> ExperimentResult:
    """Train and score every arm x seed x size (x ratio); write nothing but the cache.

    Work is split into (seed, size) groups, each self-contained and seeded from its key, so
    the results are identical for any number of ``workers`` (processes, one torch thread
    each). Use :func:`synthaug.experiment.write_outputs` (or the CLI) to write metrics.json
    and the report. ``callback`` receives dicts: ``{"event": "start", "total": n}``, then one
    ``{"event": "run", "record": RunRecord, "done": i, "total": n}`` per trained model.
    """
    from synthaug.augment import from_dict

    t0 = time.perf_counter()
    X, y = load_real_data(cfg.data.dataset)
    classes = np.unique(y)
    n_classes = int(classes.max()) + 1
    out = Path(out_dir)
    gens = _GeneratorCache(cfg, out / "cache", n_classes)
    pipelines = {k: from_dict(v) for k, v in cfg.pipelines.items()}
    groups = [(seed, size) for size in cfg.sizes for seed in cfg.seeds]
    total = len(groups) * len(_arm_jobs(cfg))
    if callback:
        callback({"event": "start", "total": total})
    banks = [(key, seed) for key in gens.bank_size if gens._procedural(key) for seed in cfg.seeds]
    by_group: dict[tuple[int, int], list[RunRecord]] = {}
    done = 0

    def report(recs: list[RunRecord]) -> None:
        nonlocal done
        for rec in recs:
            if rec.arm == BASELINE_LABEL:
                continue
            done += 1
            if callback:
                callback({"event": "run", "record": rec, "done": done, "total": total})

    if callback:
        callback({"event": "phase", "phase": "procedural bank", "total": len(banks)})
    if workers <= 1:
        for key, seed in banks:
            if callback:
                callback({"event": "generator_fit", "generator": key, "seed": seed, "size": 0})
            _prepare_bank(cfg, str(out), key, seed)
        if callback:
            callback({"event": "phase", "phase": "arms", "total": total})
        for g in groups:
            by_group[g] = _run_group(cfg, str(out), *g)
            report(by_group[g])
    else:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor, as_completed

        ctx = mp.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init) as pool:
            if callback and banks:
                callback(
                    {
                        "event": "generator_fit",
                        "generator": "procedural banks",
                        "seed": "all",
                        "size": 0,
                    }
                )
            for f in [pool.submit(_prepare_bank, cfg, str(out), key, seed) for key, seed in banks]:
                f.result()
            if callback:
                callback({"event": "phase", "phase": "arms", "total": total})
            futures = {pool.submit(_run_group, cfg, str(out), *g): g for g in groups}
            for f in as_completed(futures):
                by_group[futures[f]] = f.result()
                report(by_group[futures[f]])
    everything = [r for g in groups for r in by_group[g]]
    records = [r for r in everything if r.arm != BASELINE_LABEL]
    baseline_runs = [r for r in everything if r.arm == BASELINE_LABEL]
    splits = {
        (seed, size): few_shot_split(y, size, cfg.data.test_fraction, seed) for seed, size in groups
    }
    result = ExperimentResult(
        config=cfg,
        records=records,
        summary=summarise(records),
        comparisons=compare(cfg, records),
        data_info={
            "dataset": cfg.data.dataset,
            "n_images": len(X),
            "image_shape": list(X.shape[1:]),
            "n_classes": len(classes),
            "class_names": _display_names(cfg.data.dataset, classes),
            "test_fraction": cfg.data.test_fraction,
            "n_test": int(len(splits[groups[0]].test)),
            "workers": workers,
        },
        baseline=baseline_check(cfg, records, baseline_runs),
        baseline_runs=baseline_runs,
    )
    _quality_and_samples(cfg, result, X, y, splits, gens, pipelines, callback)
    result.seconds = time.perf_counter() - t0
    return result


def summarise(records: list[RunRecord]) -> list[dict[str, Any]]:
    """Mean accuracy and 95% CI over seeds for every (arm, ratio, size)."""
    groups: dict[tuple[str, float | None, int], list[float]] = {}
    for r in records:
        groups.setdefault((r.arm, r.ratio, r.size), []).append(r.accuracy)
    rows = []
    for (arm, ratio, size), accs in groups.items():
        m, lo, hi = mean_ci(np.array(accs))
        lo, hi = max(0.0, lo), min(1.0, hi)  # accuracy is bounded; the t interval is not
        label = arm if ratio is None else f"{arm} @1:{ratio:g}"
        rows.append(
            {
                "arm": arm,
                "ratio": ratio,
                "label": label,
                "size": size,
                "mean": m,
                "ci_low": lo,
                "ci_high": hi,
                "n_seeds": len(accs),
            }
        )
    return rows


def compare(cfg: ExperimentConfig, records: list[RunRecord]) -> list[dict[str, Any]]:
    """Paired comparison of every arm (each ratio) against the first arm, per size."""
    if not cfg.arms:
        return []
    base = cfg.arms[0].name
    by: dict[tuple[str, float | None, int], dict[int, float]] = {}
    for r in records:
        by.setdefault((r.arm, r.ratio, r.size), {})[r.seed] = r.accuracy
    out = []
    for (arm, ratio, size), accs in by.items():
        if arm == base:
            continue
        b = by.get((base, None, size), {})
        seeds = sorted(set(accs) & set(b))
        if not seeds:
            continue
        label = arm if ratio is None else f"{arm} @1:{ratio:g}"
        c = paired_comparison(
            label, base, size, np.array([accs[s] for s in seeds]), np.array([b[s] for s in seeds])
        )
        out.append(c.to_dict())
    return out


def _per_class_grid(y: np.ndarray, per_class: int) -> np.ndarray:
    """Indices laying out ``per_class`` examples of every class, one class per column."""
    classes = np.unique(y)
    cols = [np.flatnonzero(y == c)[:per_class] for c in classes]
    return np.array(
        [col[r] for r in range(per_class) for col in cols if r < len(col)], dtype=np.int64
    )


def _quality_and_samples(cfg, result, X, y, splits, gens, pipelines, callback) -> None:
    """Sample grids, fidelity/privacy of each generator, and the audit (never on test data)."""
    seed, size = cfg.seeds[0], max(cfg.sizes)
    split = splits.get((seed, size)) or few_shot_split(y, size, cfg.data.test_fraction, seed)
    X_lab, y_lab = X[split.labelled], y[split.labelled]
    show = _per_class_grid(y_lab, per_class=4)  # columns of classes, 4 rows
    if callback:
        callback({"event": "phase", "phase": "quality", "total": None})
    result.samples["real"] = X_lab[show]
    for key, pipe in pipelines.items():
        result.samples[f"augmented ({key})"] = _augment(pipe, X_lab[show], 1, ("grid", key))
    for arm in cfg.arms:
        if arm.generator is None or f"synthetic ({arm.generator})" in result.samples:
            continue
        n_show = 4 * len(np.unique(y_lab))
        Xs, ys = gens.sample(arm.generator, arm, seed, size, X_lab, y_lab, n_show, callback)
        result.samples[f"synthetic ({arm.generator})"] = Xs[_per_class_grid(ys, per_class=4)]
        if not cfg.evaluate_quality:
            continue
        if callback:
            callback({"event": "quality", "generator": arm.generator})
        result.quality[arm.generator] = _quality(arm, gens, X, y, split, seed, size, callback)
    if cfg.audit is not None:
        if callback:
            callback({"event": "phase", "phase": "audit", "total": None})
            callback({"event": "audit", "pipeline": cfg.audit})
        pool = np.concatenate([split.labelled, split.unlabelled])
        try:
            from synthaug.evaluate import audit

            names = dict(zip(np.unique(y).tolist(), result.data_info["class_names"], strict=True))
            result.audit = audit(
                pipelines[cfg.audit], X[pool], y[pool], seed=seed, class_names=names
            ).to_dict()
        except Exception as exc:  # the audit must not lose the experiment's results
            result.audit = {"error": f"{type(exc).__name__}: {exc}"}


def _quality(arm, gens, X, y, split, seed, size, callback) -> dict[str, Any]:
    """Fidelity and privacy of a generator fitted on the labelled set of (seed, size).

    Real reference: the training pool (labelled + unlabelled), never the test set. Privacy
    compares synthetic-to-labelled distances with unlabelled-pool-to-labelled distances.
    """
    from synthaug import evaluate as E

    X_lab, y_lab = X[split.labelled], y[split.labelled]
    n = max(200, 2 * len(X_lab))
    Xs, ys = gens.sample(arm.generator, arm, seed, size, X_lab, y_lab, n, callback)
    pool = np.concatenate([split.labelled, split.unlabelled])
    out: dict[str, Any] = {"n_synthetic": int(len(Xs)), "trained_on_labelled": int(len(X_lab))}
    try:
        out.update(
            E.quality_report(
                X[pool],
                y[pool],
                Xs,
                ys,
                train=(X_lab, y_lab),
                holdout=(X[split.unlabelled], y[split.unlabelled]),
                seed=seed,
            )
        )
    except Exception as exc:  # a metric failing must not lose the experiment's results
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out
