"""The experiment's self-contained report.html and metrics.json."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np

from synthaug.experiment import plots
from synthaug.experiment.report import figure_png, image_figure, image_grid_png, write_text_atomic
from synthaug.experiment.runner import ExperimentResult

__all__ = ["render_experiment_report", "write_outputs"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#1d1d1f;line-height:1.45}
h1{font-size:1.7em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}
th,td{border:1px solid #ddd;padding:.3em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f5f5f7}
.good{color:#0a7d2c;font-weight:600}.bad{color:#b3261e;font-weight:600}.neutral{color:#555}
.note{color:#555;font-size:.9em}figure{margin:1em 0}img{max-width:100%}
.grids{display:flex;flex-wrap:wrap;gap:1em}.grids figure{flex:1 1 300px}
.warning{border:2px solid #b3261e;background:#fdecea;color:#6b1410;padding:.6em 1em;margin:1em 0}
.baseline-ok{border:1px solid #0a7d2c;background:#edf7ef;padding:.6em 1em;margin:1em 0}
tr.reference td{font-style:italic;color:#555;background:#fafafa}
"""


def _accuracy_table(result: ExperimentResult) -> str:
    sizes = result.config.sizes
    head = "".join(f"<th>{s} per class</th>" for s in sizes)
    rows = []
    best = {s: max((r["mean"] for r in result.summary if r["size"] == s), default=0) for s in sizes}
    for label in dict.fromkeys(r["label"] for r in result.summary):
        cells = []
        for s in sizes:
            r = next((r for r in result.summary if r["label"] == label and r["size"] == s), None)
            if r is None:
                cells.append("<td>-</td>")
                continue
            cls = ' class="good"' if abs(r["mean"] - best[s]) < 1e-12 else ""
            cells.append(
                f"<td{cls}>{100 * r['mean']:.1f} <span class=note>[{100 * r['ci_low']:.1f}, "
                f"{100 * r['ci_high']:.1f}]</span></td>"
            )
        rows.append(f"<tr><td>{html.escape(label)}</td>{''.join(cells)}</tr>")
    for label in dict.fromkeys(r["label"] for r in result.baseline.get("summary", [])):
        cells = []
        for s in sizes:
            r = next(
                (r for r in result.baseline["summary"] if r["label"] == label and r["size"] == s),
                None,
            )
            cells.append(
                "<td>-</td>"
                if r is None
                else f"<td>{100 * r['mean']:.1f} <span class=note>[{100 * r['ci_low']:.1f}, "
                f"{100 * r['ci_high']:.1f}]</span></td>"
            )
        rows.append(f"<tr class=reference><td>{html.escape(label)}</td>{''.join(cells)}</tr>")
    return f"<table><tr><th>arm</th>{head}</tr>{''.join(rows)}</table>"


def _verdicts(result: ExperimentResult) -> str:
    items = []
    for c in result.comparisons:
        cls = (
            "good"
            if c["ci_low"] > 0 and c["n_seeds"] > 1
            else "bad"
            if c["ci_high"] < 0 and c["n_seeds"] > 1
            else "neutral"
        )
        items.append(f'<li class="{cls}">{html.escape(c["verdict"])}</li>')
    return f"<ul>{''.join(items)}</ul>" if items else "<p>No comparisons.</p>"


def _baseline_box(result: ExperimentResult) -> str:
    """The headline's statement on the model: competent (above the linear baseline) or not."""
    b = result.baseline
    if not b:
        return ""
    if result.warnings:
        items = "".join(f"<li>{html.escape(w)}</li>" for w in result.warnings)
        return (
            "<div class=warning><b>WARNING: weak baseline.</b> The model trained on real data "
            "is below a logistic regression on pixels, so gains over it overstate what "
            f"augmentation or synthetic data do.<ul>{items}</ul></div>"
        )
    if not b.get("check"):
        return (
            "<p class=note>No arm trains on the real labelled images alone, so the model is not "
            "checked against the linear baseline; its accuracy is shown for reference.</p>"
        )
    margins = ", ".join(f"{c['margin']:+.1f} at {c['size']}/class" for c in b["check"])
    return (
        f"<div class=baseline-ok><b>Competent baseline.</b> The model ({html.escape(result.config.model.kind)}) "
        f"trained on real data (arm <b>{html.escape(str(b['arm']))}</b>) is at or above a logistic "
        f"regression on the same pixels at every size (margin in points, paired by seed: "
        f"{html.escape(margins)}), so the gains below are measured against a competent "
        "baseline.</div>"
    )


def _quality_table(result: ExperimentResult) -> str:
    if not result.quality:
        return "<p class=note>No generator in this experiment, or quality evaluation disabled.</p>"
    parts = []
    for gen, q in result.quality.items():
        parts.append(f"<h3>{html.escape(gen)}</h3>")
        if "error" in q:
            parts.append(f"<p class=bad>Could not evaluate: {html.escape(q['error'])}</p>")
        rows = "".join(
            f"<tr><td>{html.escape(m['name'])}</td><td>{html.escape(m['value'])}</td>"
            f"<td style='text-align:left'>{html.escape(m['reading'])}</td></tr>"
            for m in q.get("metrics", [])
        )
        if rows:
            parts.append(
                f"<table><tr><th>metric</th><th>value</th><th>reading</th></tr>{rows}</table>"
            )
        parts.append(
            f"<p class=note>Generator fitted on {q.get('trained_on_labelled', '?')} labelled real images "
            f"(largest size, first seed); {q.get('n_synthetic', '?')} synthetic images compared with the "
            "training pool, never with the test set; utility (train on synthetic, test on real) is "
            "measured on held-out real data (the unlabelled pool), not on the test set.</p>"
        )
    return "".join(parts)


def _audit_section(result: ExperimentResult) -> str:
    if not result.audit:
        return "<p class=note>No audit configured (set <code>audit: PIPELINE</code> in the config).</p>"
    rows = []
    for t in result.audit.get("transforms", []):
        flag = t.get("flag") or t.get("verdict") or ""
        cls = "bad" if t.get("flagged") else "good"
        rows.append(
            f"<tr><td>{html.escape(str(t.get('name', '?')))}</td>"
            f"<td>{html.escape(str(t.get('max_safe_magnitude', '-')))}</td>"
            f"<td class={cls} style='text-align:left'>{html.escape(str(flag))}</td></tr>"
        )
    return (
        "<table><tr><th>transform</th><th>largest safe magnitude</th><th>finding</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def render_experiment_report(result: ExperimentResult) -> str:
    """A self-contained HTML page (plots and sample grids embedded as PNG)."""
    cfg = result.config
    base = cfg.arms[0].name
    figs = [
        ("Accuracy per arm", plots.accuracy_by_arm(result.summary, cfg.sizes)),
        ("Accuracy against synthetic:real ratio", plots.accuracy_vs_ratio(result.summary, base)),
        ("Accuracy against labelled size", plots.accuracy_vs_size(result.summary)),
    ]
    fig_html = [image_figure(figure_png(fig), title) for title, fig in figs if fig is not None]
    n_cols = int(result.data_info.get("n_classes", 10))
    grids = "".join(
        image_figure(image_grid_png(imgs, n_cols=n_cols, max_images=len(imgs)), name, name)
        for name, imgs in result.samples.items()
        if len(imgs)
    )
    names = result.data_info.get("class_names") or []
    columns = (
        f"<p class=note>One column per class: {html.escape(', '.join(names))}.</p>" if names else ""
    )
    d = result.data_info
    how = (
        f"Dataset <b>{html.escape(str(d.get('dataset')))}</b>: {d.get('n_images')} images of shape "
        f"{d.get('image_shape')}, {d.get('n_classes')} classes. Per seed a stratified "
        f"{100 * cfg.data.test_fraction:.0f}% test set ({d.get('n_test')} images) is set aside first and "
        "used only for scoring; the labelled examples come from the rest, and generators are fitted on "
        "an arm's labelled examples only. Seeds: "
        f"{cfg.seeds}. Model: {cfg.model.kind}. Confidence intervals: Student t over seeds; comparisons "
        f"are paired by seed against <b>{html.escape(base)}</b>. Run time {result.seconds:.0f} s."
    )
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>synthaug experiment: {html.escape(cfg.name)}</title><style>{_CSS}</style></head><body>
<h1>Experiment: {html.escape(cfg.name)}</h1>
<p>{how}</p>
{_baseline_box(result)}
<h2>Verdicts</h2>{_verdicts(result)}
<h2>Test accuracy (%)</h2><p class=note>Mean over seeds with 95% CI; best per size in green. The
last row (italic) is a reference, not an arm: a logistic regression on the pixels of each seed's
real labelled images, scored on the same test set.</p>
{_accuracy_table(result)}
<h2>Plots</h2>{"".join(fig_html)}
<h2>Samples</h2>{columns}<div class=grids>{grids}</div>
<h2>Synthetic data quality and privacy</h2>{_quality_table(result)}
<h2>Augmentation audit</h2>{_audit_section(result)}
<p class=note>Generated by synthaug. metrics.json beside this page holds every run.</p>
</body></html>"""


def write_outputs(result: ExperimentResult, out_dir: str | Path) -> list[Path]:
    """Write ``metrics.json`` and ``report.html`` atomically; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (
        ("metrics.json", json.dumps(result.to_dict(), indent=2, default=_json_default)),
        ("report.html", render_experiment_report(result)),
    ):
        written.append(write_text_atomic(out / name, text))
    return written


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
