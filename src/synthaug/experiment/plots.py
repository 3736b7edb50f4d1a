"""Figures of an experiment (matplotlib, Agg backend): returned as Figure objects."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["accuracy_by_arm", "accuracy_vs_ratio", "accuracy_vs_size"]


def _rows(summary: list[dict[str, Any]], **where: Any) -> list[dict[str, Any]]:
    return [r for r in summary if all(r.get(k) == v for k, v in where.items())]


def accuracy_by_arm(summary: list[dict[str, Any]], sizes: list[int]) -> plt.Figure:
    """Grouped bars: mean test accuracy per arm (and ratio) per labelled size, 95% CI whiskers."""
    labels = list(dict.fromkeys(r["label"] for r in summary))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(labels) + 2), 3.8))
    width = 0.8 / max(1, len(sizes))
    for j, size in enumerate(sizes):
        xs, means, err = [], [], [[], []]
        for i, lab in enumerate(labels):
            rows = _rows(summary, label=lab, size=size)
            if not rows:
                continue
            r = rows[0]
            xs.append(i + (j - (len(sizes) - 1) / 2) * width)
            means.append(100 * r["mean"])
            err[0].append(100 * (r["mean"] - r["ci_low"]))
            err[1].append(100 * (r["ci_high"] - r["mean"]))
        ax.bar(xs, means, width, yerr=err, capsize=3, label=f"{size} per class")
    ax.set_xticks(range(len(labels)), labels, rotation=25, ha="right", fontsize=8)
    ax.set_ylabel("test accuracy (%)")
    lo = min(100 * r["ci_low"] for r in summary) if summary else 0
    ax.set_ylim(max(0, lo - 10), 100)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Accuracy on the real test set (mean over seeds, 95% CI)")
    fig.tight_layout()
    return fig


def accuracy_vs_ratio(summary: list[dict[str, Any]], baseline: str) -> plt.Figure | None:
    """Accuracy against the synthetic:real ratio, one line per arm and size (log x-axis)."""
    swept = sorted({r["arm"] for r in summary if r["ratio"] is not None})
    if not swept:
        return None
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for arm in swept:
        for size in sorted({r["size"] for r in summary}):
            rows = sorted(_rows(summary, arm=arm, size=size), key=lambda r: r["ratio"])
            if not rows:
                continue
            x = [r["ratio"] for r in rows]
            m = np.array([100 * r["mean"] for r in rows])
            lo = np.array([100 * r["ci_low"] for r in rows])
            hi = np.array([100 * r["ci_high"] for r in rows])
            (line,) = ax.plot(x, m, marker="o", label=f"{arm}, {size}/class")
            ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.15)
            base = _rows(summary, arm=baseline, size=size)
            if base:
                ax.axhline(100 * base[0]["mean"], color=line.get_color(), ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("synthetic images per real labelled image")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"Where synthetic data helps and hurts (dotted: {baseline})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def accuracy_vs_size(summary: list[dict[str, Any]]) -> plt.Figure:
    """Accuracy against labelled examples per class, one line per arm (best ratio per arm)."""
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for arm in dict.fromkeys(r["arm"] for r in summary):
        sizes = sorted({r["size"] for r in summary if r["arm"] == arm})
        best = [max(_rows(summary, arm=arm, size=s), key=lambda r: r["mean"]) for s in sizes]
        m = np.array([100 * r["mean"] for r in best])
        lo = np.array([100 * r["ci_low"] for r in best])
        hi = np.array([100 * r["ci_high"] for r in best])
        (line,) = ax.plot(sizes, m, marker="o", label=arm)
        ax.fill_between(sizes, lo, hi, color=line.get_color(), alpha=0.15)
    ax.set_xscale("log")
    ax.set_xlabel("labelled real examples per class")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("Accuracy against labelled size (best ratio per arm)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
