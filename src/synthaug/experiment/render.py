"""The experiment's self-contained report.html, its metrics.json and samples.npz.

The page answers first (:mod:`synthaug.experiment.answers`), then shows the evidence: the
effect figure, accuracy and verdict tables, per-class differences, plots, samples, generator
quality and the audit. It is built from the shared blocks of :mod:`synthaug.report`.

``write_outputs`` also writes ``samples.npz`` (the sample grids, plain arrays), so that
``read_outputs`` can rebuild the result and the page can be rendered again from a finished run
without training anything (``synthaug report OUT_DIR``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from synthaug.errors import ConfigError
from synthaug.experiment import plots
from synthaug.experiment.answers import answer_questions, effect_of, per_class_differences
from synthaug.experiment.runner import ExperimentResult, RunRecord
from synthaug.experiment.stats import accuracy_text
from synthaug.report import (
    MIN_SEEDS_FOR_INTERVAL,
    answer_list,
    callout,
    escape,
    figure_png,
    image_figure,
    image_grid_png,
    metric_table,
    number,
    page,
    palette,
    section,
    table,
    write_text_atomic,
)
from synthaug.report.numbers import finite

__all__ = ["read_outputs", "render_experiment_report", "write_outputs"]


# --------------------------------------------------------------------------- headline
def _answers(result: ExperimentResult, metrics: Mapping[str, Any]) -> str:
    base = result.config.arms[0].name if result.config.arms else "the first arm"
    n = min((int(c["n_seeds"]) for c in result.comparisons), default=len(result.config.seeds))
    how = (
        f"Differences are test-accuracy points against <b>{escape(base)}</b>, paired by seed, "
        f"with 95% intervals over {n} seeds in brackets."
        if n >= MIN_SEEDS_FOR_INTERVAL
        else f"Differences are test-accuracy points against <b>{escape(base)}</b>, means over "
        f"{n} seed{'s' if n != 1 else ''}: too few seeds to tell (an interval needs "
        f"{MIN_SEEDS_FOR_INTERVAL})."
    )
    answers = answer_list((a.question, a.text, a.status) for a in answer_questions(metrics))
    return f"<p class=note>{how}</p>{answers}"


def _baseline_box(result: ExperimentResult) -> str:
    """The headline's statement on the model: competent (above the linear baseline) or not."""
    b = result.baseline
    if not b:
        return ""
    if result.warnings:
        items = "".join(f"<li>{escape(w)}</li>" for w in result.warnings)
        return (
            "<div class=warning><b>WARNING: weak baseline.</b> The model trained on real data "
            "is below a logistic regression on pixels, so gains over it overstate what "
            f"augmentation or synthetic data do.<ul>{items}</ul></div>"
        )
    if not b.get("check"):
        return callout(
            "No arm trains on the real labelled images alone, so the model is not checked "
            "against the linear baseline; its accuracy is shown for reference.",
        )
    return ""  # a competent baseline is stated in the answers ("How sure are we?")


# --------------------------------------------------------------------------- tables
def _accuracy_table(result: ExperimentResult) -> str:
    sizes = result.config.sizes
    rows: list[list[Any]] = []
    classes: list[str | None] = []
    cells: dict[tuple[int, int], str] = {}
    labels = list(dict.fromkeys(r["label"] for r in result.summary))
    best = {
        s: max((r["mean"] for r in result.summary if r["size"] == s), default=0.0) for s in sizes
    }
    for i, label in enumerate(labels):
        row: list[Any] = [label]
        for j, s in enumerate(sizes, start=1):
            r = next((r for r in result.summary if r["label"] == label and r["size"] == s), None)
            row.append(accuracy_text(r))
            if r is not None and abs(r["mean"] - best[s]) < 1e-12:
                cells[(i, j)] = "good"
        rows.append(row)
        classes.append(None)
    ref = result.baseline.get("summary", [])
    for label in dict.fromkeys(r["label"] for r in ref):
        rows.append(
            [label]
            + [
                accuracy_text(
                    next((r for r in ref if r["label"] == label and r["size"] == s), None)
                )
                for s in sizes
            ]
        )
        classes.append("reference")
    head = ["arm"] + [f"{s} per class" for s in sizes]
    return table(head, rows, numeric=range(1, len(sizes) + 1), row_classes=classes,
                 cell_classes=cells)  # fmt: skip


def _verdict_table(result: ExperimentResult) -> str:
    sizes = result.config.sizes
    labels = list(dict.fromkeys(c["arm"] for c in result.comparisons))
    if not labels:
        return "<p>No comparisons: the experiment has a single arm.</p>"
    rows, cells = [], {}
    status = {"helps": "good", "hurts": "bad", "unclear": "neutral", "few": "neutral"}
    for i, label in enumerate(labels):
        row: list[Any] = [label]
        for j, s in enumerate(sizes, start=1):
            c = next((c for c in result.comparisons if c["arm"] == label and c["size"] == s), None)
            if c is None:
                row.append("-")
                continue
            e = effect_of(c)
            row.append(e.short().rsplit(" at ", 1)[0])
            cells[(i, j)] = status[e.outcome]
        rows.append(row)
    head = ["arm"] + [f"{s} per class" for s in sizes]
    return table(head, rows, numeric=range(1, len(sizes) + 1), cell_classes=cells)


def _class_section(result: ExperimentResult, metrics: Mapping[str, Any]) -> str:
    labels = list(dict.fromkeys(c["arm"] for c in result.comparisons))
    names = [str(c) for c in result.data_info.get("class_names") or []]
    diffs: dict[int, np.ndarray] = {}
    for size in result.config.sizes:
        rows = []
        for label in labels:
            d = per_class_differences(metrics, label, size)
            rows.append(d.mean(0) if d is not None else np.full(len(names), np.nan))
        if rows and any(np.isfinite(r).any() for r in rows):
            diffs[size] = np.vstack(rows)
    if not diffs or not names:
        return (
            "<p class=note>Not recorded: this run's metrics.json has no per-class accuracies.</p>"
        )
    base = result.config.arms[0].name
    fig = plots.class_difference_heatmap(labels, names, diffs, base)
    return image_figure(
        figure_png(fig, dpi=100),
        "per-class accuracy difference",
        "Red: the arm costs the class accuracy; blue: it helps. A class is named in the answers "
        f"when it loses {5:g} points or more and (with enough seeds) its interval lies below 0.",
    )


def _quality_rows(q: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The stored metric rows, with FID and KID read again from their recorded numbers by the
    current rules (a metrics.json written by an older version may carry an older reading)."""
    from synthaug.evaluate.fidelity import FIDResult, KIDResult

    det, ref = q.get("details", {}), q.get("reference", {})
    rows = []
    for m in q.get("metrics", []):
        row = dict(m)
        try:
            if m.get("name") == "FID" and finite(ref.get("fid", {}).get("value")):
                row["reading"] = FIDResult(**det["fid"]).reading(ref["fid"]["value"])
            elif m.get("name") == "KID" and finite(ref.get("kid", {}).get("value")):
                rk = ref["kid"]
                row["reading"] = KIDResult(**det["kid"]).reading(rk["value"], rk.get("std") or 0.0)
        except (KeyError, TypeError):  # an entry without its details keeps the stored reading
            pass
        rows.append({k: ("-" if v is None else v) for k, v in row.items()})
    return rows


def _quality(result: ExperimentResult) -> str:
    if not result.quality:
        return "<p class=note>No generator in this experiment, or quality evaluation disabled.</p>"
    parts = []
    for gen, q in result.quality.items():
        parts.append(f"<h3>{escape(gen)}</h3>")
        if "error" in q:
            parts.append(f"<p class=bad>Could not evaluate: {escape(q['error'])}</p>")
        if q.get("metrics"):
            parts.append(metric_table(_quality_rows(q)))
        parts.append(
            f"<p class=note>Generator fitted on {escape(q.get('trained_on_labelled', '-'))} "
            f"labelled real images (largest size, first seed); {escape(q.get('n_synthetic', '-'))}"
            " synthetic images compared with the training pool, never with the test set; utility "
            "(train on synthetic, test on real) is measured on held-out real data (the unlabelled "
            "pool), not on the test set.</p>"
        )
    return "".join(parts)


def _audit(result: ExperimentResult) -> str:
    a = result.audit
    if not a:
        return "<p class=note>No audit configured (set <code>audit: PIPELINE</code> in the config).</p>"
    if "error" in a:
        return f"<p class=bad>The audit failed: {escape(a['error'])}</p>"
    rows, classes = [], []
    for t in a.get("transforms", []):
        safe = t.get("safe_params") or {}
        safe_text = ", ".join(f"{k}={v}" for k, v in safe.items())
        rows.append(
            (
                f"{t.get('name', '-')} ({t.get('path', '-')})",
                ("UNSAFE: " if t.get("flagged") else "") + str(t.get("category") or "-"),
                number(t.get("max_safe_magnitude"), "g") + (f" ({safe_text})" if safe_text else ""),
                t.get("reason") or t.get("verdict") or "-",
            )
        )
        classes.append("bad" if t.get("flagged") else None)
    name = result.config.audit
    users = [arm.name for arm in result.config.arms if arm.pipeline == name]
    return (
        f"<p>Pipeline <b>{escape(name)}</b>, used by {escape(', '.join(users) or 'no arm')}. "
        f"Oracle {escape(a.get('oracle', '-'))}: {number(100 * a['clean_accuracy'] if finite(a.get('clean_accuracy')) else None, '.1f')}% "
        f"accuracy on {escape(a.get('n_audited', '-'))} held-out images. "
        "<code>synthaug audit</code> on this pipeline writes the full page (flip matrices, "
        "examples).</p>"
        + table(
            ("transform", "verdict", "largest safe magnitude (parameters)", "finding"),
            rows,
            row_classes=classes,
        )
    )


def _method(result: ExperimentResult) -> str:
    cfg, d = result.config, result.data_info
    shape = "x".join(str(v) for v in d.get("image_shape") or []) or "-"
    base = cfg.arms[0].name if cfg.arms else "-"
    return (
        f"<p>Dataset <b>{escape(d.get('dataset', '-'))}</b>: {escape(d.get('n_images', '-'))} "
        f"images of {escape(shape)} pixels, {escape(d.get('n_classes', '-'))} classes. Per seed "
        f"a stratified {100 * cfg.data.test_fraction:.0f}% test set ({escape(d.get('n_test', '-'))}"
        " images) is set aside first and used only for scoring; the labelled examples come from "
        "the rest, and generators are fitted on an arm's labelled examples only. Seeds: "
        f"{escape(', '.join(map(str, cfg.seeds)))}. Model: {escape(cfg.model.kind)}. Intervals: "
        f"Student t over seeds, shown from {MIN_SEEDS_FOR_INTERVAL} seeds; comparisons are paired "
        f"by seed against <b>{escape(base)}</b>. Run time {result.seconds:.0f} s.</p>"
    )


# --------------------------------------------------------------------------- the page
def render_experiment_report(result: ExperimentResult) -> str:
    """A self-contained HTML page (plots and sample grids embedded as PNG), answers first."""
    cfg = result.config
    metrics = result.to_dict()
    arm_names = [a.name for a in cfg.arms]
    base = arm_names[0] if arm_names else ""
    colours = palette(arm_names, reference=base)
    forest = plots.effect_forest(result.comparisons, cfg.sizes, arm_names, colours, base)
    swept = {a.name: a.ratios for a in cfg.arms if a.ratios}
    figs = [
        (plots.effect_vs_ratio(result.comparisons, swept, cfg.sizes, colours, base),
         "Difference from the baseline against the synthetic:real ratio"),
        (plots.accuracy_vs_size(result.summary, arm_names, colours),
         "Accuracy against labelled size"),
    ]  # fmt: skip
    fig_html = "".join(image_figure(figure_png(f), alt) for f, alt in figs if f is not None)
    n_cols = int(result.data_info.get("n_classes", 10))
    grids = "".join(
        image_figure(
            image_grid_png(imgs, n_cols=n_cols, max_images=len(imgs)), name, name, pixels=True
        )  # fmt: skip
        for name, imgs in result.samples.items()
        if len(imgs)
    )
    names = result.data_info.get("class_names") or []
    columns = (
        f"<p class=note>One column per class: {escape(', '.join(map(str, names)))}.</p>"
        if names
        else ""
    )
    n_seeds = min((int(r["n_seeds"]) for r in result.summary), default=0)
    acc_note = (
        "Mean over seeds with its 95% interval; best per size in green."
        if n_seeds >= MIN_SEEDS_FOR_INTERVAL
        else f"Means over {n_seeds} seeds, without intervals: too few seeds to tell (an interval "
        f"needs {MIN_SEEDS_FOR_INTERVAL}). Best per size in green."
    ) + (
        " The italic row is a reference, not an arm: a logistic regression on the pixels of "
        "each seed's real labelled images, scored on the same test set."
    )
    body = (
        _baseline_box(result)
        + section("Answers", _answers(result, metrics))
        + (
            image_figure(figure_png(forest), "difference from the baseline per arm")
            if forest
            else ""
        )
        + "<h2>Verdicts</h2>"
        + "<p class=note>Difference from "
        + f"<b>{escape(base)}</b> in accuracy points per arm and size: green, the interval lies "
        "above 0; red, below; grey, no clear difference or too few seeds to tell.</p>"
        + _verdict_table(result)
        + section("Test accuracy (%)", _accuracy_table(result), note=acc_note)
        + section("Per-class differences", _class_section(result, metrics))
        + section("Plots", fig_html)
        + section("Samples", f"{columns}<div class=grids>{grids}</div>")
        + section("Synthetic data quality and privacy", _quality(result))
        + section("Augmentation audit", _audit(result))
        + section("How it was run", _method(result))
        + "<p class=note>metrics.json beside this page holds every run; <code>synthaug report "
        "DIR</code> renders this page again from it.</p>"
    )
    return page(f"Experiment: {cfg.name}", body)


# --------------------------------------------------------------------------- files
def write_outputs(result: ExperimentResult, out_dir: str | Path) -> list[Path]:
    """Write ``metrics.json``, ``samples.npz`` and ``report.html`` atomically; return the
    paths of metrics.json and report.html. metrics.json is written before the page is
    rendered, so a rendering error never loses the results."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    metrics = write_text_atomic(
        out / "metrics.json", json.dumps(result.to_dict(), indent=2, default=_json_default)
    )
    if result.samples:
        tmp = out / "samples.npz.tmp"
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **{k: np.asarray(v) for k, v in result.samples.items()})  # type: ignore[arg-type]
        tmp.replace(out / "samples.npz")
    report = write_text_atomic(out / "report.html", render_experiment_report(result))
    return [metrics, report]


def read_outputs(out_dir: str | Path) -> ExperimentResult:
    """Rebuild an :class:`ExperimentResult` from ``metrics.json`` (and ``samples.npz`` when
    present) in ``out_dir``, as written by :func:`write_outputs`.

    Raises :class:`~synthaug.errors.ConfigError` naming the file when it is missing or not an
    experiment's metrics.
    """
    from synthaug.experiment.config import parse_config

    path = Path(out_dir) / "metrics.json"
    if not path.is_file():
        raise ConfigError(f"{path}: no such file; expected the output folder of an experiment")
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
        cfg = parse_config(m["config"])
        fields = set(RunRecord.__dataclass_fields__)
        records = [RunRecord(**_record(r, fields)) for r in m["runs"]]
        baseline = dict(m.get("baseline") or {})
        baseline_runs = [RunRecord(**_record(r, fields)) for r in baseline.pop("runs", [])]
        result = ExperimentResult(
            config=cfg,
            records=records,
            summary=m["summary"],
            comparisons=m["comparisons"],
            quality=m.get("quality") or {},
            audit=m.get("audit"),
            seconds=float(m.get("seconds") or 0.0),
            data_info=m.get("data") or {},
            baseline=baseline,
            baseline_runs=baseline_runs,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"{path}: not an experiment's metrics.json ({type(exc).__name__}: {exc})"
        ) from exc
    samples = Path(out_dir) / "samples.npz"
    if samples.is_file():
        with np.load(samples, allow_pickle=False) as z:
            result.samples = {k: z[k] for k in z.files}
    return result


def _record(r: Mapping[str, Any], fields: set[str]) -> dict[str, Any]:
    out = {k: v for k, v in r.items() if k in fields}
    out["per_class"] = tuple(out.get("per_class") or ())
    return out


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
