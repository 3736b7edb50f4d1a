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

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from synthaug.errors import ConfigError
from synthaug.experiment.baseline import BASELINE_LABEL, baseline_check
from synthaug.experiment.config import ArmConfig, ExperimentConfig
from synthaug.experiment.generator_cache import GeneratorCache, forget_loaded
from synthaug.experiment.models import linear_baseline, make_model
from synthaug.experiment.splits import FewShotSplit, few_shot_split
from synthaug.experiment.stats import mean_ci, paired_comparison
from synthaug.experiment.tasks import Task, report_progress, run_tasks
from synthaug.seeding import item_rng, item_seed

__all__ = ["ExperimentResult", "RunRecord", "load_real_data", "plan_tasks", "run_experiment"]

Callback = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class RunRecord:
    """One trained model: arm, ratio (or None), labelled size, seed and its test accuracy.

    ``per_class`` is the test accuracy of each class (in class-id order), for the report's
    per-class harm; empty where it was not recorded.
    """

    arm: str
    ratio: float | None
    size: int
    seed: int
    accuracy: float
    n_real: int
    n_synthetic: int
    seconds: float
    per_class: tuple[float, ...] = ()

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
    #: per phase: tasks, summed wall and CPU seconds inside the workers, span (tasks.PhaseTiming)
    timing: dict[str, Any] = field(default_factory=dict)

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
            "timing": self.timing,
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
    gens: GeneratorCache,
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

        method = adapt.make(
            arm.adapt, model=cfg.model, n_classes=n_classes, seed=model_seed, **arm.adapt_params
        )
        method.fit(Xtr, ytr, X_unl)
        return method.predict(X_test)
    model = make_model(cfg.model, n_classes=n_classes, seed=model_seed, n_train=len(Xtr))
    model.fit(Xtr, ytr)
    return model.predict(X_test)


# --------------------------------------------------------------------------- tasks
# Each task is a module-level function of plain arguments (a spawned worker pickles them); it
# reads the data and the generators through per-process memos, so a worker decodes the
# dataset once and loads each bank or fitted generator once, whatever the number of tasks.
_DATA: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def _data(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """The experiment's real data, decoded once per process (see :func:`run_experiment`)."""
    if dataset not in _DATA:
        _DATA[dataset] = load_real_data(dataset)
    return _DATA[dataset]


def _n_classes(y: np.ndarray) -> int:
    return int(np.unique(y).max()) + 1


def _arm_jobs(cfg: ExperimentConfig) -> list[tuple[ArmConfig, float | None]]:
    """Every (arm, ratio) trained in each (seed, size) group."""
    return [(arm, ratio) for arm in cfg.arms for ratio in (arm.ratios if arm.ratios else [None])]


def _task_bank(cfg: ExperimentConfig, out_dir: str, key: str, seed: int) -> None:
    """Build one procedural generator's bank for one seed into the disk cache."""
    X, y = _data(cfg.data.dataset)
    split = few_shot_split(y, min(cfg.sizes), cfg.data.test_fraction, seed)
    gens = GeneratorCache(cfg, Path(out_dir) / "cache", _n_classes(y))
    gens.bank(key, seed, X[split.labelled], y[split.labelled])


def _task_fit(cfg: ExperimentConfig, out_dir: str, key: str, seed: int, size: int) -> None:
    """Fit one learned generator on the labelled set of (seed, size); save it to the cache."""
    X, y = _data(cfg.data.dataset)
    split = few_shot_split(y, size, cfg.data.test_fraction, seed)
    gens = GeneratorCache(cfg, Path(out_dir) / "cache", _n_classes(y))
    gens.fitted(key, seed, size, X[split.labelled], y[split.labelled])


def _task_arm(cfg: ExperimentConfig, out_dir: str, seed: int, size: int, job: int) -> RunRecord:
    """Train and score one (arm, ratio) of ``_arm_jobs(cfg)`` at (seed, size)."""
    from synthaug.augment import from_dict

    X, y = _data(cfg.data.dataset)
    n_classes = _n_classes(y)
    gens = GeneratorCache(cfg, Path(out_dir) / "cache", n_classes)
    pipelines = {k: from_dict(v) for k, v in cfg.pipelines.items()}
    split = few_shot_split(y, size, cfg.data.test_fraction, seed)
    arm, ratio = _arm_jobs(cfg)[job]
    t = time.perf_counter()
    Xtr, ytr, n_real, n_syn = _training_set(
        cfg, arm, ratio, X, y, split, seed, size, gens, pipelines, None
    )
    X_unl = X[split.unlabelled] if arm.unlabelled else None
    pred = _fit_predict(cfg, arm, Xtr, ytr, X_unl, X[split.test], n_classes, seed)
    acc = float(np.mean(pred == y[split.test]))
    seconds = time.perf_counter() - t
    per_class = _per_class_accuracy(pred, y[split.test], np.unique(y))
    return RunRecord(arm.name, ratio, size, seed, acc, n_real, n_syn, seconds, per_class)


def _task_baseline(cfg: ExperimentConfig, seed: int, size: int) -> RunRecord | None:
    """The linear reference on the real labelled images of (seed, size) (the real-only arm's)."""
    X, y = _data(cfg.data.dataset)
    split = few_shot_split(y, size, cfg.data.test_fraction, seed)
    t = time.perf_counter()
    X_lab, y_lab = X[split.labelled], y[split.labelled]
    if len(np.unique(y_lab)) < 2:
        return None
    model = linear_baseline(item_seed("baseline", seed) % 2**31).fit(X_lab, y_lab)
    acc = float(np.mean(model.predict(X[split.test]) == y[split.test]))
    return RunRecord(BASELINE_LABEL, None, size, seed, acc, len(X_lab), 0, time.perf_counter() - t)


def _showcase_split(cfg: ExperimentConfig, y: np.ndarray) -> FewShotSplit:
    """The split whose labelled set the sample grids, quality table and audit use: the first
    seed at the largest size (never its test set)."""
    return few_shot_split(y, max(cfg.sizes), cfg.data.test_fraction, cfg.seeds[0])


def _task_quality(cfg: ExperimentConfig, out_dir: str, job: int) -> dict[str, Any]:
    """Sample grid and (if configured) fidelity/privacy of the generator of arm ``job``."""
    X, y = _data(cfg.data.dataset)
    split = _showcase_split(cfg, y)
    seed, size = cfg.seeds[0], max(cfg.sizes)
    arm = cfg.arms[job]
    gens = GeneratorCache(cfg, Path(out_dir) / "cache", _n_classes(y))
    X_lab, y_lab = X[split.labelled], y[split.labelled]
    n_show = 4 * len(np.unique(y_lab))
    Xs, ys = gens.sample(arm.generator, arm, seed, size, X_lab, y_lab, n_show)
    out: dict[str, Any] = {"grid": Xs[_per_class_grid(ys, per_class=4)]}
    if cfg.evaluate_quality:
        out["quality"] = _quality(arm, gens, X, y, split, seed, size)
    return out


def _task_audit(cfg: ExperimentConfig, class_names: list[str]) -> dict[str, Any]:
    """The augmentation audit of the configured pipeline on the showcase split's training
    pool (labelled + unlabelled; never the test set)."""
    from synthaug.augment import from_dict
    from synthaug.evaluate import audit

    X, y = _data(cfg.data.dataset)
    split = _showcase_split(cfg, y)
    pool = np.concatenate([split.labelled, split.unlabelled])
    names = dict(zip(np.unique(y).tolist(), class_names, strict=True))
    try:
        return audit(
            from_dict(cfg.pipelines[cfg.audit]),
            X[pool],
            y[pool],
            seed=cfg.seeds[0],
            class_names=names,
            callback=lambda e: report_progress("audit", e),
        ).to_dict()
    except Exception as exc:  # the audit must not lose the experiment's results
        return {"error": f"{type(exc).__name__}: {exc}"}


# --------------------------------------------------------------------------- the plan
#: Rough CPU seconds of one task of each phase on one core of the reference machine (a 2-core
#: VM; the per-phase CPU of bench/demo_time.py): per image for a procedural bank, per 120
#: steps of 32 images of width 32 for an arm. Used only for the ETA the plan shows before
#: anything has run; the progress bars then time the real pace.
_REFERENCE_SECONDS = {
    "procedural bank": 0.0021,
    "generators": 1.5,
    "arms": 1.5,
    "reference": 0.01,
    "quality": 3.0,
    "audit": 12.0,
}
_STARTUP_SECONDS = 10.0  # worker start-up (imports), report and preview


def _cost(phase: str, cfg: ExperimentConfig, units: float = 1.0) -> float:
    scale = 1.0
    if phase == "arms":
        m = cfg.model
        scale = (m.max_steps or 600) * m.batch_size * m.width / (120 * 32 * 32)
    return _REFERENCE_SECONDS[phase] * scale * units


def _check_adapt_params(cfg: ExperimentConfig) -> None:
    """Refuse an arm's ``adapt_params`` that its method does not take, before any work."""
    import inspect

    from synthaug import adapt

    for i, arm in enumerate(cfg.arms):
        if not arm.adapt_params or arm.adapt is None:
            continue
        cls = adapt.NAMES[arm.adapt]
        accepted = {
            name
            for c in cls.__mro__
            if "__init__" in vars(c)
            for name, p in inspect.signature(c.__init__).parameters.items()
            if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        }
        unknown = sorted(set(arm.adapt_params) - accepted)
        if unknown:
            raise ConfigError(
                f"arms[{i}].adapt_params.{unknown[0]}: {arm.adapt!r} takes no such argument; "
                f"expected one of {sorted(accepted)}"
            )


def plan_tasks(cfg: ExperimentConfig, out_dir: str | Path, class_names: list[str]) -> list[Task]:
    """Every task of an experiment, with its dependencies and an expected cost (priority)."""
    _check_adapt_params(cfg)
    out = str(out_dir)
    _, y = _data(cfg.data.dataset)
    gens = GeneratorCache(cfg, Path(out) / "cache", _n_classes(y))
    tasks: list[Task] = []
    for key, n in gens.bank_size.items():
        if gens.procedural(key):
            for seed in cfg.seeds:
                cost = _cost("procedural bank", cfg, n)
                tasks.append(
                    Task(
                        ("bank", key, seed),
                        "procedural bank",
                        _task_bank,
                        (cfg, out, key, seed),
                        priority=cost,
                    )
                )
    learned = [k for k in gens.bank_size if gens.learned(k)]
    for key in learned:
        for size in cfg.sizes:
            for seed in cfg.seeds:
                tasks.append(
                    Task(
                        ("fit", key, seed, size),
                        "generators",
                        _task_fit,
                        (cfg, out, key, seed, size),
                        priority=_cost("generators", cfg),
                    )
                )

    def needs(key: str | None, seed: int, size: int) -> tuple:
        if key is None:
            return ()
        if gens.procedural(key):
            return (("bank", key, seed),)
        return (("fit", key, seed, size),) if key in learned else ()

    for size in sorted(cfg.sizes, reverse=True):
        for seed in cfg.seeds:
            for j, (arm, _) in enumerate(_arm_jobs(cfg)):
                # self-training trains 1 + rounds models (SelfTraining's default: 2 rounds)
                rounds = (
                    1 + int(arm.adapt_params.get("rounds", 2))
                    if arm.adapt == "self_training"
                    else 1
                )
                tasks.append(
                    Task(
                        ("arm", seed, size, j),
                        "arms",
                        _task_arm,
                        (cfg, out, seed, size, j),
                        needs(arm.generator, seed, size),
                        priority=_cost("arms", cfg, rounds),
                    )
                )
            tasks.append(
                Task(
                    ("baseline", seed, size),
                    "reference",
                    _task_baseline,
                    (cfg, seed, size),
                    priority=_cost("reference", cfg),
                )
            )
    shown = set()
    for j, arm in enumerate(cfg.arms):
        if arm.generator is None or arm.generator in shown:
            continue
        shown.add(arm.generator)
        tasks.append(
            Task(
                ("quality", arm.generator),
                "quality",
                _task_quality,
                (cfg, out, j),
                needs(arm.generator, cfg.seeds[0], max(cfg.sizes)),
                priority=_cost("quality", cfg),
            )
        )
    if cfg.audit is not None:
        tasks.append(
            Task(("audit",), "audit", _task_audit, (cfg, class_names), priority=_cost("audit", cfg))
        )
    return tasks


def _per_class_accuracy(
    pred: np.ndarray, y_true: np.ndarray, classes: np.ndarray
) -> tuple[float, ...]:
    """Accuracy on each class's test items, in ``classes`` order (the split is stratified, so
    every class has test items; a class without any would read 0)."""
    return tuple(
        float(np.mean(pred[y_true == c] == c)) if np.any(y_true == c) else 0.0 for c in classes
    )


def _plan_event(cfg: ExperimentConfig, tasks: list[Task], workers: int) -> dict[str, Any]:
    phases: dict[str, dict[str, Any]] = {}
    for t in tasks:
        ph = phases.setdefault(t.phase, {"tasks": 0, "expected_s": 0.0})
        ph["tasks"] += 1
        ph["expected_s"] += t.priority
    work = sum(p["expected_s"] for p in phases.values())
    longest = max((t.priority for t in tasks), default=0.0)
    return {
        "event": "plan",
        "name": cfg.name,
        "workers": workers,
        "phases": phases,
        "n_runs": sum(1 for t in tasks if t.key[0] == "arm"),
        "eta_s": _STARTUP_SECONDS + max(work / max(1, workers), longest),
    }


# --------------------------------------------------------------------------- the loop
def run_experiment(
    cfg: ExperimentConfig,
    out_dir: str | Path,
    callback: Callback | None = None,
    workers: int = 1,
) -> ExperimentResult:
    """Train and score every arm x seed x size (x ratio); write nothing but the cache.

    The work is a graph of tasks (:func:`plan_tasks`: procedural banks, generator fits, one
    task per arm x seed x size, quality, audit), each seeded from its key, so the results are
    identical for any number of ``workers`` (processes of one thread each; ``workers <= 1``
    runs in this process). Each learned generator is fitted once per (seed, labelled subset),
    each bank built once per seed, and the dataset decoded once per process. Use
    :func:`synthaug.experiment.write_outputs` (or the CLI) to write metrics.json and the
    report.

    ``callback`` receives dicts: ``{"event": "plan", "phases": {phase: {"tasks",
    "expected_s"}}, "n_runs", "eta_s", "workers"}`` first; ``{"event": "start", "total":
    n_runs}``; ``{"event": "progress", "phase", "done", "total", "expected_s"}`` as each task
    ends; ``{"event": "run", "record": RunRecord, "done", "total"}`` per trained model; and
    ``{"event": "step", "phase": "audit", "done", "total", ...}`` from inside the audit.
    """

    t0 = time.perf_counter()
    _DATA.clear()
    X, y = _data(cfg.data.dataset)
    classes = np.unique(y)
    class_names = _display_names(cfg.data.dataset, classes)
    out = Path(out_dir)
    tasks = plan_tasks(cfg, out, class_names)
    n_runs = sum(1 for t in tasks if t.key[0] == "arm")
    if callback:
        callback(_plan_event(cfg, tasks, workers))
        callback({"event": "start", "total": n_runs})
    totals = {
        ph: sum(1 for t in tasks if t.phase == ph) for ph in dict.fromkeys(t.phase for t in tasks)
    }
    counts = dict.fromkeys(totals, 0)
    results: dict[Any, Any] = {}
    runs_done = 0

    def on_done(task: Task, value: Any) -> None:
        nonlocal runs_done
        results[task.key] = value
        counts[task.phase] += 1
        if not callback:
            return
        callback(
            {
                "event": "progress",
                "phase": task.phase,
                "done": counts[task.phase],
                "total": totals[task.phase],
                "expected_s": task.priority,
            }
        )
        if task.key[0] == "arm":
            runs_done += 1
            callback({"event": "run", "record": value, "done": runs_done, "total": n_runs})

    try:
        timing = run_tasks(
            tasks,
            workers,
            on_done,
            on_progress=(lambda phase, e: callback({**e, "phase": phase})) if callback else None,
        )
    finally:
        forget_loaded()
    groups = [(seed, size) for size in cfg.sizes for seed in cfg.seeds]
    jobs = range(len(_arm_jobs(cfg)))
    records = [results[("arm", seed, size, j)] for seed, size in groups for j in jobs]
    baseline_runs = [results[("baseline", s, k)] for s, k in groups if results[("baseline", s, k)]]
    split = _showcase_split(cfg, y)
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
            "class_names": class_names,
            "test_fraction": cfg.data.test_fraction,
            "n_test": int(len(split.test)),
            "workers": workers,
        },
        baseline=baseline_check(cfg, records, baseline_runs),
        baseline_runs=baseline_runs,
    )
    _samples(cfg, result, X[split.labelled], y[split.labelled])
    for task in tasks:  # plan order: the same for any number of workers
        key, value = task.key, results[task.key]
        if key[0] == "quality":
            result.samples[f"synthetic ({key[1]})"] = value["grid"]
            if "quality" in value:
                result.quality[key[1]] = value["quality"]
        elif key[0] == "audit":
            result.audit = value
    _DATA.clear()
    result.seconds = time.perf_counter() - t0
    result.timing = {ph: tm.to_dict() for ph, tm in timing.items()}
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


def _samples(cfg: ExperimentConfig, result: ExperimentResult, X_lab, y_lab) -> None:
    """Grids of real and augmented labelled images of the showcase split (4 per class)."""
    from synthaug.augment import from_dict

    show = _per_class_grid(y_lab, per_class=4)  # columns of classes, 4 rows
    result.samples["real"] = X_lab[show]
    for key, spec in cfg.pipelines.items():
        result.samples[f"augmented ({key})"] = _augment(
            from_dict(spec), X_lab[show], 1, ("grid", key)
        )


def _quality(arm, gens, X, y, split, seed, size) -> dict[str, Any]:
    """Fidelity and privacy of a generator fitted on the labelled set of (seed, size).

    Real reference: the training pool (labelled + unlabelled), never the test set. Privacy
    compares synthetic-to-labelled distances with unlabelled-pool-to-labelled distances.
    """
    from synthaug import evaluate as E

    X_lab, y_lab = X[split.labelled], y[split.labelled]
    n = max(200, 2 * len(X_lab))
    Xs, ys = gens.sample(arm.generator, arm, seed, size, X_lab, y_lab, n)
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
