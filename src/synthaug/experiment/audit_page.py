"""The augmentation audit as a self-contained HTML page, built from the shared page blocks of
:mod:`synthaug.report` (figures and image grids embedded as PNG, inline CSS)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from synthaug.evaluate.audit import AuditResult, TransformAudit
from synthaug.evaluate.audit_result import CHANGES_LABELS, SAFE, SHIFT, FlipTest
from synthaug.report import (
    escape,
    figure_png,
    image_figure,
    image_grid_png,
    page,
)

__all__ = ["flip_matrix_figure", "flip_rate_figure", "render_audit_page"]

_CLASS = {SAFE: "good", SHIFT: "neutral", CHANGES_LABELS: "bad"}
_SHORT = {SAFE: "safe", SHIFT: "shift", CHANGES_LABELS: "label change"}


def flip_rate_figure(result: AuditResult) -> Any:
    """Label-flip rate of the clean-trained oracle against magnitude, one line per scalable
    transform, with the noise floor plus margin that the tests compare against; hollow
    markers are the oracle trained with the transform, where it was trained."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for t in result.transforms:
        if len(t.magnitudes) > 1:
            ms = [m.magnitude for m in t.magnitudes]
            (line,) = ax.plot(
                ms, [100 * m.flip_rate for m in t.magnitudes], "o-", label=f"{t.name} {t.path}"
            )
            again = [(m.magnitude, m.retrained_test.rate) for m in t.magnitudes if m.retrained_test]
            if again:
                ax.plot(
                    [a for a, _ in again],
                    [100 * r for _, r in again],
                    "o",
                    mfc="none",
                    color=line.get_color(),
                )
    if result.floor is not None:
        level = 100 * (result.floor.rate + result.thresholds.margin)
        ax.axhline(level, color="#555", ls="--", lw=1, label="noise floor + margin")
    ax.set_xlabel("magnitude (1 = as configured)")
    ax.set_ylabel("label-flip rate (%)")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="upper left")
    return fig


def flip_matrix_figure(
    t: TransformAudit, magnitude: float, classes: Sequence[int | str], retrained: bool = False
) -> Any:
    """Heatmap of the flip matrix at ``magnitude``: row = true class, column = prediction
    after augmentation; cells are the share of the row's correctly classified items (the
    diagonal, items kept, is left blank). ``retrained`` shows the oracle trained with the
    transform. ``classes`` labels the rows and columns (ids or names)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = t.at(magnitude)
    source = m.retrained_flip_rates if retrained else m.flip_rates
    rates = np.asarray(source, dtype=float).copy()
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
    who = "oracle trained with it" if retrained else "clean-trained oracle"
    ax.set_title(f"{t.name} at {magnitude:g}, {who}: % of class flipped", fontsize=9)
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


def _test_cell(test: FlipTest | None, what: str) -> str:
    if test is None:
        return f"<span class=note>{escape(what)}</span>"
    cls = "bad" if test.significant else "good"
    return f"<span class={cls}>{escape(test.short())}</span>"


def _summary_table(result: AuditResult) -> str:
    rows = []
    for t in result.transforms:
        cls = "bad" if t.flagged or t.error else _CLASS.get(t.category, "neutral")
        safe = "-" if t.max_safe_magnitude is None else f"{t.max_safe_magnitude:g}"
        if t.safe_params:
            safe += "".join(
                f"<br><span class=note>{escape(k)}={escape(v)}</span>"
                for k, v in t.safe_params.items()
            )
        by_mag = "<br>".join(
            f"{m.magnitude:g}: {100 * m.flip_rate:.0f}%&nbsp;<span class=note>"
            f"{escape(_SHORT.get(m.category, m.category))}</span>"
            for m in t.magnitudes
        )
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
        clean = "-" if one is None else _test_cell(one.test, "-")
        again = (
            "-"
            if one is None
            else _test_cell(
                one.retrained_test,
                "not needed" if one.category == SAFE else "not trained",
            )
        )
        head = ("UNSAFE: " if t.flagged else "") + t.category
        rows.append(
            f"<tr><td>{escape(t.name)}<br><span class=note>{escape(t.path)}</span></td>"
            f"<td class={cls}>{escape(head)}</td><td>{clean}</td><td>{again}</td>"
            f"<td>{safe}</td><td>{by_mag}</td><td class=num>{aff}</td>"
            f"<td class=num>{div}{boxes}</td></tr>"
        )
    return (
        "<table><tr><th>transform</th><th>verdict (as configured)</th>"
        "<th>clean-trained oracle: flips vs its floor</th>"
        "<th>oracle trained with it: flips vs its floor</th><th>largest safe magnitude</th>"
        "<th>flip rate by magnitude</th><th>affinity</th><th>diversity</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _detail(t: TransformAudit, result: AuditResult) -> str:
    if t.error or not t.magnitudes:
        return ""
    mag = t.example_magnitude if t.example_magnitude is not None else t.magnitudes[-1].magnitude
    m = t.at(mag)
    cls = "bad" if t.flagged else _CLASS.get(t.category, "neutral")
    parts = [
        f"<h3>{escape(t.name)} <span class=note>{escape(t.path)}</span></h3>",
        f"<p class=note>Config: <code>{escape(str(t.config))}</code></p>",
        f"<p><span class={cls}>{escape(t.category)}</span>: {escape(t.reason)}</p>",
    ]
    if t.retrained_floor is not None:
        parts.append(
            f"<p class=note>Oracle trained with it (at magnitude {t.retrained_magnitude:g}): "
            f"noise floor {escape(t.retrained_floor.describe())}.</p>"
        )
    if m.flags:
        items = "".join(f"<li>{escape(f)}</li>" for f in m.flags)
        parts.append(f"<p>At magnitude {mag:g}:</p><ul class=bad>{items}</ul>")
    figs = []
    if m.category != SAFE and m.flip_counts.sum() > np.trace(m.flip_counts):
        matrix = flip_matrix_figure(t, mag, result.class_names)
        figs.append(image_figure(figure_png(matrix, dpi=100), f"flip matrix of {t.name}"))
    if m.retrained_flip_counts is not None:
        matrix = flip_matrix_figure(t, mag, result.class_names, retrained=True)
        figs.append(
            image_figure(figure_png(matrix, dpi=100), f"flip matrix of {t.name}, retrained oracle")
        )
    if t.example_images is not None and len(t.example_images):
        pairs = ", ".join(
            f"{result.name_of(f['true'])} \u2192 {result.name_of(f['predicted'])}"
            for f in m.flipped
        )
        caption = (
            f"Items the clean-trained oracle flips at magnitude {mag:g}, clean then augmented, "
            f"left to right: {pairs}"
        )
        figs.append(
            image_figure(_examples_png(t), f"flipped examples of {t.name}", caption, pixels=True)
        )
    if figs:
        parts.append("<div class=grids>" + "".join(figs) + "</div>")
    return "".join(parts)


def _counts(result: AuditResult) -> str:
    cats = [t.category for t in result.transforms]
    parts = [
        f"<b class=bad>{len(result.flagged)} flagged</b>",
        f"<b class=bad>{cats.count(CHANGES_LABELS)} change labels</b>",
        f"<b class=neutral>{cats.count(SHIFT)} distribution shift (absorbed)</b>",
        f"<b class=good>{cats.count(SAFE)} safe</b>",
    ]
    return f"Of {len(result.transforms)} audited as configured: " + ", ".join(parts) + "."


def render_audit_page(result: AuditResult, title: str = "Augmentation audit") -> str:
    """A self-contained HTML page: the noise floor, a summary table with both oracles' tests,
    flip rate by magnitude, flip-matrix heatmaps (both oracles) and flipped examples."""
    th = result.thresholds
    warn = "".join(f"<p class=bad>{escape(w)}</p>" for w in result.warnings)
    floor = (
        ""
        if result.floor is None
        else (
            f"<p><b>Noise floor</b>: how often the oracle's answer changes under perturbations "
            f"that cannot change a label: {escape(result.floor.describe())}. The floor is the "
            f"largest, {100 * result.floor.rate:.1f}%.</p>"
        )
    )
    head = (
        f"<p>Oracle <b>{escape(result.oracle)}</b> trained on {result.n_train} clean real "
        f"images; {100 * result.clean_accuracy:.1f}% accuracy on {result.n_audited} held-out "
        f"images it never trained on, where every rate below is measured (seed {result.seed}). "
        f"{_counts(result)}</p>{floor}"
        "<p class=note>How to read it. Label-flip rate: among held-out images the oracle gets "
        "right, the share whose answer changes after the transform. Each rate is tested against "
        f"the oracle's noise floor (one-sided two-proportion test of H0: rate &le; floor + "
        f"{100 * th.margin:g} points, significant at p &lt; {th.alpha:g}; the cells read rate "
        "(flipped/tested) vs floor, p). "
        "<b>safe</b>: within the floor. Beyond it, a second oracle is trained with the "
        "transform and the test repeated against its own floor: if the flips vanish, the "
        "transform only moved images away from what the first oracle knew, "
        "<b>distribution shift (absorbed by training with it)</b>, not flagged; if they persist, "
        "or the flips swap two classes (6 &harr; 9: the transform maps classes onto each "
        f"other: each way in &ge; {100 * th.min_swap_rate:g}% of the class and &ge; "
        f"{th.min_class_flips} items, significant against the floor, and at least "
        f"{100 * th.min_landed_share:g}% of those images land among real images of the other "
        "class), it <b>changes labels</b> and is flagged. Boxes kept "
        f"&lt; {100 * th.min_box_survival:g}% or visible &lt; {100 * th.min_box_visibility:g}% "
        "are flagged as box loss. Magnitude 1 is the transform as configured, 0 is neutral. "
        "Affinity: accuracy on augmented images over clean accuracy. Diversity: the oracle's "
        "cross-entropy on augmented training images over clean ones (informational).</p>"
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
