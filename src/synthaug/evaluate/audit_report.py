"""The augmentation audit as a self-contained HTML page (figures embedded as PNG)."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from synthaug.evaluate.audit import AuditResult, TransformAudit

__all__ = ["flip_matrix_figure", "flip_rate_figure", "render_audit_page"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#1d1d1f;line-height:1.45}
h1{font-size:1.7em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}
th,td{border:1px solid #ddd;padding:.3em .6em;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}th{background:#f5f5f7}td.text{text-align:left}
.good{color:#0a7d2c;font-weight:600}.bad{color:#b3261e;font-weight:600}
.note{color:#555;font-size:.9em}img{max-width:100%}
.row{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}
"""


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _img(b64: str, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{b64}">'


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
    import cv2

    from synthaug.augment.draw import grid

    pairs = t.example_images
    tiles = [np.clip(im, 0, 1).astype(np.float32) for pair in pairs for im in pair]
    cell = 48 if max(pairs.shape[2:4]) <= 32 else 96
    png = grid(tiles, n_cols=min(8, len(tiles)), cell=cell, pad=2)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(png, cv2.COLOR_RGB2BGR))
    return base64.b64encode(buf.tobytes()).decode("ascii")


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
                + html.escape(", ".join(f"{k}={v}" for k, v in t.safe_params.items()))
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
            f"<tr><td>{html.escape(t.name)}<br><span class=note>{html.escape(t.path)}</span></td>"
            f"<td class='text {cls}'>{html.escape(t.verdict)}</td><td>{safe}</td>"
            f"<td class=text>{by_mag}</td><td>{aff}</td><td>{div}{boxes}</td></tr>"
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
        f"<h3>{html.escape(t.name)} <span class=note>{html.escape(t.path)}</span></h3>",
        f"<p class=note>Config: <code>{html.escape(str(t.config))}</code></p>",
    ]
    if m.flags:
        items = "".join(f"<li>{html.escape(f)}</li>" for f in m.flags)
        parts.append(f"<p>At magnitude {mag:g}:</p><ul class=bad>{items}</ul>")
    figs = []
    if m.flip_counts.sum() > np.trace(m.flip_counts):
        matrix = flip_matrix_figure(t, mag, result.class_names)
        figs.append(_img(_png(matrix), f"flip matrix of {t.name}"))
    if t.example_images is not None and len(t.example_images):
        caption = ", ".join(
            f"{html.escape(result.name_of(f['true']))}&rarr;"
            f"{html.escape(result.name_of(f['predicted']))}"
            for f in m.flipped
        )
        figs.append(
            "<figure>"
            + _img(_examples_png(t), f"flipped examples of {t.name}")
            + f"<figcaption class=note>Flipped items at magnitude {mag:g}, clean then "
            f"augmented, left to right: {caption}</figcaption></figure>"
        )
    if figs:
        parts.append("<div class=row>" + "".join(figs) + "</div>")
    return "".join(parts)


def render_audit_page(result: AuditResult, title: str = "Augmentation audit") -> str:
    """A self-contained HTML page: summary table, flip rate by magnitude, flip-matrix
    heatmaps and flipped examples per transform."""
    th = result.thresholds
    warn = "".join(f"<p class=bad>{html.escape(w)}</p>" for w in result.warnings)
    n_flag = len(result.flagged)
    head = (
        f"<p>Oracle <b>{html.escape(result.oracle)}</b> trained on {result.n_train} clean real "
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
        curve = "<h2>Label-flip rate by magnitude</h2>" + _img(
            _png(flip_rate_figure(result)), "flip rate by magnitude"
        )
    details = "".join(_detail(t, result) for t in result.transforms)
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(title)}</title>"
        f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>{head}{warn}"
        f"<h2>Transforms</h2>{_summary_table(result)}{curve}"
        f"<h2>Details</h2>{details}</body></html>"
    )
