"""The augmentation audit as a self-contained HTML page, built from the shared page blocks of
:mod:`synthaug.experiment.report` (figures and image grids embedded as PNG, inline CSS)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from synthaug.evaluate.audit import AuditResult, TransformAudit
from synthaug.experiment.report import (
    escape,
    figure_png,
    image_figure,
    image_grid_png,
    page,
)

__all__ = ["flip_matrix_figure", "flip_rate_figure", "render_audit_page"]


def flip_rate_figure(result: AuditResult) -> Any:
    """Label-flip rate against magnitude, one line per scalable transform."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for t in result.transforms:
        if len(t.magnitudes) > 1:
            ms = [m.magnitude for m in t.magnitudes]
            ax.plot(ms, [100 * m.flip_rate for m in t.magnitudes], "o-", label=f"{t.name} {t.path}")
    ax.axhline(100 * result.thresholds.max_flip_rate, color="#b3261e", ls="--", lw=1)
    ax.set_xlabel("magnitude (1 = as configured)")
    ax.set_ylabel("label-flip rate (%)")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="upper left")
    return fig


def flip_matrix_figure(t: TransformAudit, magnitude: float, classes: Sequence[int | str]) -> Any:
    """Heatmap of the flip matrix at ``magnitude``: row = true class, column = prediction
    after augmentation; cells are the share of the row's correctly classified items (the
    diagonal, items kept, is left blank). ``classes`` labels the rows and columns (ids or
    names)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rates = t.at(magnitude).flip_rates.astype(float).copy()
    np.fill_diagonal(rates, np.nan)
    k = len(classes)
    size = min(6.0, 1.2 + 0.42 * k)
    fig, ax = plt.subplots(figsize=(size, size))
    im = ax.imshow(rates * 100, cmap="Reds", vmin=0, vmax=max(10.0, np.nanmax(rates) * 100))
    labels = [str(c) for c in classes]
    long = max(len(c) for c in labels) > 3
    ax.set_xticks(range(k), labels, rotation=45 if long else 0, ha="right" if long else "center")
    ax.set_yticks(range(k), labels)
    ax.set_xlabel("predicted after augmentation")
    ax.set_ylabel("true class")
    ax.set_title(f"{t.name} at magnitude {magnitude:g}: % of class flipped", fontsize=9)
    if k <= 20:
        for i in range(k):
            for j in range(k):
                if i != j and rates[i, j] >= 0.05:
                    ax.text(j, i, f"{100 * rates[i, j]:.0f}", ha="center", va="center", fontsize=7)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return fig


def _examples_png(t: TransformAudit) -> str:
    tiles = [im for pair in t.example_images for im in pair]  # clean, augmented, ...
    return image_grid_png(tiles, n_cols=8, max_images=len(tiles))


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _summary_table(result: AuditResult) -> str:
    rows = []
    for t in result.transforms:
        cls = "bad" if t.flagged or t.error else "good"
        safe = "-" if t.max_safe_magnitude is None else f"{t.max_safe_magnitude:g}"
        if t.safe_params:
            safe += (
                "<br><span class=note>"
                + escape(", ".join(f"{k}={v}" for k, v in t.safe_params.items()))
                + "</span>"
            )
        by_mag = " / ".join(f"{m.magnitude:g}: {100 * m.flip_rate:.0f}%" for m in t.magnitudes)
        one = next((m for m in t.magnitudes if m.magnitude == 1.0), None)
        aff = "-" if one is None else f"{one.affinity:.2f}"
        div = "-" if one is None else f"{one.diversity:.3g}"
        boxes = (
            ""
            if one is None or one.box_survival is None
            else (
                f"<br><span class=note>boxes kept {_pct(one.box_survival)}, visible "
                f"{_pct(one.box_visibility)}</span>"
            )
        )
        rows.append(
            f"<tr><td>{escape(t.name)}<br><span class=note>{escape(t.path)}</span></td>"
            f"<td class={cls}>{escape(t.verdict)}</td><td class=num>{safe}</td>"
            f"<td>{by_mag}</td><td class=num>{aff}</td><td class=num>{div}{boxes}</td></tr>"
        )
    return (
        "<table><tr><th>transform</th><th>finding</th><th>largest safe magnitude</th>"
        "<th>label-flip rate by magnitude</th><th>affinity (as configured)</th>"
        "<th>diversity (as configured)</th></tr>" + "".join(rows) + "</table>"
    )


def _detail(t: TransformAudit, result: AuditResult) -> str:
    if t.error or not t.magnitudes:
        return ""
    mag = t.example_magnitude if t.example_magnitude is not None else t.magnitudes[-1].magnitude
    m = t.at(mag)
    parts = [
        f"<h3>{escape(t.name)} <span class=note>{escape(t.path)}</span></h3>",
        f"<p class=note>Config: <code>{escape(str(t.config))}</code></p>",
    ]
    if m.flags:
        items = "".join(f"<li>{escape(f)}</li>" for f in m.flags)
        parts.append(f"<p>At magnitude {mag:g}:</p><ul class=bad>{items}</ul>")
    figs = []
    if m.flip_counts.sum() > np.trace(m.flip_counts):
        matrix = flip_matrix_figure(t, mag, result.class_names)
        figs.append(image_figure(figure_png(matrix, dpi=100), f"flip matrix of {t.name}"))
    if t.example_images is not None and len(t.example_images):
        pairs = ", ".join(
            f"{result.name_of(f['true'])} \u2192 {result.name_of(f['predicted'])}"
            for f in m.flipped
        )
        caption = (
            f"Flipped items at magnitude {mag:g}, clean then augmented, left to right: {pairs}"
        )
        figs.append(image_figure(_examples_png(t), f"flipped examples of {t.name}", caption))
    if figs:
        parts.append("<div class=grids>" + "".join(figs) + "</div>")
    return "".join(parts)


def render_audit_page(result: AuditResult, title: str = "Augmentation audit") -> str:
    """A self-contained HTML page: summary table, flip rate by magnitude, flip-matrix
    heatmaps and flipped examples per transform."""
    th = result.thresholds
    warn = "".join(f"<p class=bad>{escape(w)}</p>" for w in result.warnings)
    n_flag = len(result.flagged)
    head = (
        f"<p>Oracle <b>{escape(result.oracle)}</b> trained on {result.n_train} clean real "
        f"images; {100 * result.clean_accuracy:.1f}% accuracy on {result.n_audited} held-out "
        f"images it never trained on, where every rate below is measured (seed {result.seed}). "
        f"<b class={'bad' if n_flag else 'good'}>{n_flag} of {len(result.transforms)} "
        "flagged as configured.</b></p>"
        f"<p class=note>Unsafe when: label-flip rate &gt; {100 * th.max_flip_rate:g}%; one class "
        f"turns into another in &ge; {100 * th.max_class_flip_rate:g}% of its items (and &ge; "
        f"{th.min_class_flips}); affinity (augmented accuracy / clean accuracy) &lt; "
        f"{th.min_affinity:g}; boxes kept &lt; {100 * th.min_box_survival:g}% or visible "
        f"&lt; {100 * th.min_box_visibility:g}%. Magnitude 1 is the transform as configured, 0 "
        "is neutral. Diversity: the oracle's cross-entropy on augmented training images over "
        "clean ones (1 = no new variation; informational).</p>"
    )
    curve = ""
    if any(len(t.magnitudes) > 1 for t in result.transforms):
        curve = "<h2>Label-flip rate by magnitude</h2>" + image_figure(
            figure_png(flip_rate_figure(result), dpi=100), "flip rate by magnitude"
        )
    details = "".join(_detail(t, result) for t in result.transforms)
    body = (
        f"{head}{warn}<h2>Transforms</h2>{_summary_table(result)}{curve}<h2>Details</h2>{details}"
    )
    return page(title, body)
