"""Figures of an experiment (matplotlib, Agg backend), returned as Figure objects.

Conventions shared by every figure: one colour per arm (:func:`synthaug.report.palette`, the
baseline arm in grey-black), a legend, plain axes: effects are differences from the baseline arm
in accuracy points with a zero line, ratios and sizes are evenly spaced categories (no log axes).
Whiskers and bands show 95% intervals only where there are enough seeds
(:data:`synthaug.report.MIN_SEEDS_FOR_INTERVAL`); with fewer, hollow markers show the mean alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from synthaug.report import MIN_SEEDS_FOR_INTERVAL, colour_for
from synthaug.report.numbers import finite

__all__ = ["accuracy_vs_size", "class_difference_heatmap", "effect_forest", "effect_vs_ratio"]


def _enough(row: Mapping[str, Any]) -> bool:
    return int(row.get("n_seeds") or 0) >= MIN_SEEDS_FOR_INTERVAL and all(
        finite(row.get(k)) for k in ("ci_low", "ci_high")
    )


def _legend(
    ax: Any, names: Sequence[str], colours: Mapping[str, str], few: bool, **kw: Any
) -> None:
    handles = [
        Line2D([], [], color=colour_for(n, colours), marker="o", ls="", label=n) for n in names
    ]
    if few:
        handles.append(
            Line2D(
                [],
                [],
                color="#777",
                marker="o",
                mfc="none",
                ls="",
                label=f"mean only (< {MIN_SEEDS_FOR_INTERVAL} seeds)",
            )  # fmt: skip
        )
    ax.legend(handles=handles, fontsize=9, frameon=False, **kw)


def _arm_of(label: str, arms: Sequence[str]) -> str:
    """The arm a comparison label belongs to (``real+fonts @1:4`` -> ``real+fonts``)."""
    base = label.split(" @1:")[0]
    return base if base in arms else label


def effect_forest(
    comparisons: Sequence[Mapping[str, Any]],
    sizes: Sequence[int],
    arms: Sequence[str],
    colours: Mapping[str, str],
    baseline: str,
) -> Any | None:
    """Each arm's difference from ``baseline`` in accuracy points, one panel per labelled size:
    a dot per arm (and ratio) with its 95% interval, the zero line is the baseline."""
    labels = list(dict.fromkeys(c["arm"] for c in comparisons))
    if not labels:
        return None
    sizes = [s for s in sizes if any(c["size"] == s for c in comparisons)]
    fig, axes = plt.subplots(
        1, len(sizes), figsize=(2.9 * len(sizes) + 3.6, 0.36 * len(labels) + 1.7),
        sharey=True, squeeze=False,
    )  # fmt: skip
    y = {lab: i for i, lab in enumerate(labels)}
    few = False
    for ax, size in zip(axes[0], sizes, strict=True):
        ax.axvline(0, color=colour_for(baseline, colours), lw=1.2)
        for c in (c for c in comparisons if c["size"] == size):
            col = colour_for(_arm_of(c["arm"], arms), colours)
            if not finite(c.get("diff")):
                continue
            if _enough(c):
                ax.errorbar(
                    c["diff"], y[c["arm"]], xerr=[[c["diff"] - c["ci_low"]], [c["ci_high"] - c["diff"]]],
                    fmt="o", color=col, ms=5, capsize=2, lw=1.5,
                )  # fmt: skip
            else:
                few = True
                ax.plot(c["diff"], y[c["arm"]], "o", mfc="none", color=col, ms=6)
        ax.set_title(f"{size} labelled per class", fontsize=9)
        ax.set_xlabel(f"points vs {baseline}", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(labelsize=9)
    axes[0][0].set_yticks(range(len(labels)), labels)
    axes[0][0].invert_yaxis()
    _legend(axes[0][-1], [a for a in arms if a != baseline], colours, few,
            loc="upper left", bbox_to_anchor=(1.02, 1.0))  # fmt: skip
    spread = "hollow: mean only, too few seeds" if few else "whiskers: 95% CI over seeds"
    fig.suptitle(
        f"Test-accuracy difference from {baseline} (0 = {baseline}; {spread})", fontsize=10
    )
    fig.tight_layout()
    return fig


def effect_vs_ratio(
    comparisons: Sequence[Mapping[str, Any]],
    ratios_by_arm: Mapping[str, Sequence[float]],
    sizes: Sequence[int],
    colours: Mapping[str, str],
    baseline: str,
) -> Any | None:
    """Difference from ``baseline`` (points) against the synthetic:real ratio, one line per
    swept arm, one panel per labelled size; ratios are evenly spaced categories."""
    if not ratios_by_arm:
        return None
    ratios = sorted({float(r) for rs in ratios_by_arm.values() for r in rs})
    x_of = {r: i for i, r in enumerate(ratios)}
    fig, axes = plt.subplots(
        1, len(sizes), figsize=(3.0 * len(sizes) + 2.8, 3.0), sharey=True, squeeze=False
    )
    few = False
    for ax, size in zip(axes[0], sizes, strict=True):
        ax.axhline(0, color=colour_for(baseline, colours), lw=1.2)
        for arm, rs in ratios_by_arm.items():
            rows = [
                next((c for c in comparisons if c["arm"] == f"{arm} @1:{r:g}" and c["size"] == size), None)
                for r in sorted(rs)
            ]  # fmt: skip
            pts = [(x_of[float(r)], c) for r, c in zip(sorted(rs), rows, strict=True)
                   if c is not None and finite(c.get("diff"))]  # fmt: skip
            if not pts:
                continue
            col = colour_for(arm, colours)
            xs = [p[0] for p in pts]
            ms = [p[1]["diff"] for p in pts]
            if all(_enough(c) for _, c in pts):
                ax.plot(xs, ms, "o-", color=col)
                ax.fill_between(
                    xs, [c["ci_low"] for _, c in pts], [c["ci_high"] for _, c in pts],
                    color=col, alpha=0.15, lw=0,
                )  # fmt: skip
            else:
                few = True
                ax.plot(xs, ms, "o--", color=col, mfc="none")
        ax.set_xticks(range(len(ratios)), [f"1:{r:g}" for r in ratios], fontsize=9)
        ax.set_xlim(-0.4, len(ratios) - 0.6)
        ax.set_title(f"{size} labelled per class", fontsize=9)
        ax.set_xlabel("real : synthetic images", fontsize=9)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=9)
    axes[0][0].set_ylabel(f"points vs {baseline}", fontsize=9)
    _legend(axes[0][-1], list(ratios_by_arm), colours, few,
            loc="upper left", bbox_to_anchor=(1.02, 1.0))  # fmt: skip
    spread = "dashed: means only, too few seeds" if few else "bands: 95% CI over seeds"
    fig.suptitle(f"Where synthetic data helps and hurts (0 = {baseline}; {spread})", fontsize=10)
    fig.tight_layout()
    return fig


def accuracy_vs_size(
    summary: Sequence[Mapping[str, Any]], arms: Sequence[str], colours: Mapping[str, str]
) -> Any | None:
    """Test accuracy (%) against labelled examples per class, one line per arm (its best
    ratio at each size); sizes are evenly spaced categories."""
    sizes = sorted({int(r["size"]) for r in summary})
    if not sizes:
        return None
    fig, ax = plt.subplots(figsize=(7.8, 3.4))
    few = False
    for arm in arms:
        best = []
        for s in sizes:
            rows = [r for r in summary if r["arm"] == arm and r["size"] == s and finite(r["mean"])]
            if rows:
                best.append((sizes.index(s), max(rows, key=lambda r: r["mean"])))
        if not best:
            continue
        col = colour_for(arm, colours)
        xs = [b[0] for b in best]
        ms = [100 * b[1]["mean"] for b in best]
        if all(_enough(r) for _, r in best):
            ax.plot(xs, ms, "o-", color=col, label=arm)
            ax.fill_between(
                xs, [100 * r["ci_low"] for _, r in best], [100 * r["ci_high"] for _, r in best],
                color=col, alpha=0.12, lw=0,
            )  # fmt: skip
        else:
            few = True
            ax.plot(xs, ms, "o--", color=col, mfc="none", label=arm)
    ax.set_xticks(range(len(sizes)), [str(s) for s in sizes])
    ax.set_xlim(-0.2, len(sizes) - 0.8)
    ax.set_xlabel("labelled real examples per class")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("Accuracy against labelled size (each arm at its best ratio)", fontsize=10)
    ax.grid(alpha=0.3)
    _legend(ax, arms, colours, few, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return fig


def class_difference_heatmap(
    labels: Sequence[str],
    classes: Sequence[str],
    diffs: Mapping[int, np.ndarray],
    baseline: str,
) -> Any | None:
    """Per-class test-accuracy difference from ``baseline`` (points), rows ``labels`` (arms),
    columns ``classes``, one panel per size (``diffs[size]`` is ``len(labels) x len(classes)``,
    NaN where not measured). Red cells are classes an arm costs, blue ones it helps."""
    if not diffs or not labels:
        return None
    sizes = sorted(diffs)
    finite_vals = np.concatenate([np.abs(d[np.isfinite(d)]) for d in diffs.values()])
    lim = max(5.0, float(np.percentile(finite_vals, 98))) if finite_vals.size else 5.0
    w = 0.36 * len(classes) + 0.6
    fig, axes = plt.subplots(
        1, len(sizes), figsize=(w * len(sizes) + 3.4, 0.3 * len(labels) + 1.9),
        sharey=True, squeeze=False, layout="constrained",
    )  # fmt: skip
    im = None
    for ax, size in zip(axes[0], sizes, strict=True):
        d = diffs[size]
        im = ax.imshow(d, cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
        ax.set_xticks(range(len(classes)), [str(c)[:6] for c in classes], fontsize=7)
        ax.set_title(f"{size} labelled per class", fontsize=9)
        ax.set_xlabel("class", fontsize=9)
        for i in range(d.shape[0]):
            for j in range(d.shape[1]):
                if np.isfinite(d[i, j]) and abs(d[i, j]) >= 5:
                    ax.text(j, i, f"{d[i, j]:+.0f}", ha="center", va="center", fontsize=7,
                            color="white" if abs(d[i, j]) > 0.6 * lim else "black")  # fmt: skip
    axes[0][0].set_yticks(range(len(labels)), labels, fontsize=9)
    if im is not None:
        bar = fig.colorbar(im, ax=list(axes[0]), fraction=0.03, pad=0.02)
        bar.set_label(f"points vs {baseline}", fontsize=9)
    fig.suptitle(
        f"Per-class accuracy difference from {baseline} (mean over seeds; |difference| >= 5 "
        "points written in the cell)",
        fontsize=10,
    )
    return fig
