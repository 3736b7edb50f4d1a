"""The ``synthaug tabular evaluate`` page: verdict first, then fidelity, utility and privacy.

Built from the shared page blocks of :mod:`synthaug.report` (one HTML layer for every
page synthaug writes); figures are matplotlib (Agg) embedded as PNG, so the page opens offline.
"""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from synthaug.report import (
    escape,
    figure_png,
    image_figure,
    metric_table,
    page,
    section,
    table,
)
from synthaug.tabular.evaluate import TableEvaluation, association_matrix, numeric_view
from synthaug.tabular.schema import SchemaOverrides, TableSchema, infer_schema

__all__ = ["render_table_report"]

_REAL, _SYN = "#4a6fa5", "#e07b39"
#: Marginal plots shown (the columns the synthetic table matches worst come first).
MAX_MARGINALS = 12


def _status(ok: bool) -> str:
    return "good" if ok else "bad"


def _verdict(ev: TableEvaluation) -> str:
    rows = [
        ("Privacy", ev.privacy.reading(), not ev.privacy.leaks),
        ("Fidelity", ev.fidelity.reading(), ev.fidelity.close),
    ]
    if ev.utility is not None:
        rows.append(("Utility", ev.utility.reading(), ev.utility.ratio >= 0.9))
    dp = ev.dp_reading()
    if dp:
        rows.append(("Differential privacy", dp, bool(ev.generator and ev.generator.get("dp"))))
    items = "".join(
        f'<li><span class="{_status(ok)}">{escape(name)}:</span> {escape(text)}</li>'
        for name, text, ok in rows
    )
    headline = (
        "Do not share: the synthetic table leaks training records."
        if ev.privacy.leaks
        else "No sign of leakage under these tests"
        + (
            "; the table is close to real."
            if ev.fidelity.close
            else "; but the table is not faithful to the real one."
        )
    )
    cls = "bad" if ev.privacy.leaks else "good" if ev.fidelity.close else "neutral"
    return f'<p class="{cls}" style="font-size:1.2em">{escape(headline)}</p><ul>{items}</ul>'


def _key_numbers(ev: TableEvaluation) -> list[dict[str, Any]]:
    f, p, d = ev.fidelity, ev.privacy, ev.privacy.dcr
    rows = [
        {
            "name": "mean column distance (KS / TV)",
            "value": f"{f.mean_column_distance:.3f}",
            "reading": f"holdout {f.holdout_mean_column_distance:.3f}",
            "status": _status(f.mean_column_distance <= f.holdout_mean_column_distance + 0.1),
        },
        {
            "name": "association difference",
            "value": f"{f.association_difference:.3f}",
            "reading": f"holdout {f.holdout_association_difference:.3f}",
            "status": _status(f.association_difference <= f.holdout_association_difference + 0.1),
        },
        {
            "name": "two-sample AUC",
            "value": f"{f.two_sample_auc:.2f}",
            "reading": f"holdout {f.holdout_two_sample_auc:.2f}; 0.5 = indistinguishable",
        },
    ]
    if ev.utility is not None:
        u = ev.utility
        rows.append(
            {
                "name": f"utility {u.metric} on holdout ({u.target})",
                "value": f"TSTR {u.tstr:.3f} / TRTR {u.trtr:.3f}",
                "reading": f"ratio {u.ratio:.2f}",
                "status": _status(u.ratio >= 0.9),
            }
        )
    rows += [
        {
            "name": "DCR ratio (synthetic / holdout median)",
            "value": f"{d['dcr_ratio']:.2f}",
            "reading": "about 1 = no closer to training rows than unseen real rows",
            "status": _status(d["dcr_ratio"] >= 0.5),
        },
        {
            "name": "exact copies of training rows",
            "value": f"{100 * p.exact_copy_share:.1f}%",
            "reading": f"rows duplicated within training: {100 * p.train_duplicate_share:.1f}%",
            "status": _status(p.exact_copy_share <= p.train_duplicate_share + 0.01),
        },
        {
            "name": "near copies",
            "value": f"{100 * d['near_copy_share']:.1f}%",
            "reading": "about 1% by chance",
            "status": _status(d["near_copy_share"] <= 0.05),
        },
        {
            "name": "membership-inference AUC",
            "value": f"{d['membership_auc']:.2f}",
            "reading": "0.5 = membership not revealed",
            "status": _status(d["membership_auc"] <= 0.6),
        },
    ]
    for a in p.attribute_disclosure:
        rows.append(
            {
                "name": f"attribute disclosure: {a['column']}",
                "value": f"{100 * a['synthetic_hit_rate']:.0f}%",
                "reading": f"population baseline {100 * a['baseline_hit_rate']:.0f}%",
                "status": _status(a["synthetic_hit_rate"] <= a["baseline_hit_rate"] + 0.1),
            }
        )
    return rows


def _marginals_figure(Vr: np.ndarray, Vs: np.ndarray, ts: TableSchema, order: list[int]) -> Any:
    n = len(order)
    n_cols = min(4, n)
    n_rows = (n + n_cols - 1) // n_cols
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(3.2 * n_cols, 2.3 * n_rows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    for ax, j in zip(axes.ravel(), order, strict=False):
        spec = ts.columns[j]
        r, s = Vr[:, j], Vs[:, j]
        if spec.kind in ("numeric", "integer", "datetime"):
            rr, ss = r[~np.isnan(r)], s[~np.isnan(s)]
            both = np.r_[rr, ss]
            bins = np.linspace(both.min(), both.max(), 30) if len(both) else 10
            ax.hist(rr, bins=bins, density=True, alpha=0.55, color=_REAL, label="real")
            ax.hist(ss, bins=bins, density=True, alpha=0.55, color=_SYN, label="synthetic")
            ax.set_yticks([])
        else:
            k = len(spec.categories)
            labels = [str(c)[:10] for c in spec.categories] + ["(missing)"]
            pr = np.bincount(np.where(np.isnan(r), k, r).astype(int).clip(0), minlength=k + 1)
            ps = np.bincount(np.where(np.isnan(s), k, s).astype(int).clip(0), minlength=k + 1)
            keep = (pr + ps) > 0
            x = np.arange(int(keep.sum()))
            ax.bar(x - 0.2, (pr / pr.sum())[keep], 0.4, color=_REAL, label="real")
            ax.bar(x + 0.2, (ps / ps.sum())[keep], 0.4, color=_SYN, label="synthetic")
            ax.set_xticks(
                x,
                [lab for lab, kk in zip(labels, keep, strict=True) if kk],
                rotation=45,
                fontsize=7,
            )
        ax.set_title(spec.name[:28], fontsize=9)
        ax.tick_params(labelsize=7)
    axes.ravel()[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def _association_figure(Ar: np.ndarray, As: np.ndarray, names: list[str]) -> Any:
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.3))
    show = [(Ar, "real", -1), (As, "synthetic", -1), (np.abs(As - Ar), "|difference|", 0)]
    small = len(names) <= 20
    for ax, (A, title, lo) in zip(axes, show, strict=True):
        im = ax.imshow(A, vmin=lo, vmax=1, cmap="RdBu_r" if lo < 0 else "Reds")
        ax.set_title(title)
        ticks = np.arange(len(names))
        ax.set_xticks(ticks, [n[:12] for n in names] if small else [], rotation=90, fontsize=6)
        ax.set_yticks(ticks, [n[:12] for n in names] if small else [], fontsize=6)
        fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig


def _dcr_figure(ev_dcr: tuple[np.ndarray, np.ndarray]) -> Any:
    d_syn, d_hold = ev_dcr
    fig, ax = plt.subplots(figsize=(6, 3))
    top = float(np.percentile(np.r_[d_syn, d_hold], 99)) or 1.0
    bins = np.linspace(0, top, 40)
    ax.hist(d_hold, bins=bins, density=True, alpha=0.55, color=_REAL, label="holdout -> training")
    ax.hist(d_syn, bins=bins, density=True, alpha=0.55, color=_SYN, label="synthetic -> training")
    ax.set_xlabel("distance to closest training record (standardised encoding)")
    ax.set_yticks([])
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def render_table_report(
    ev: TableEvaluation,
    real: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: SchemaOverrides | None = None,
    sources: dict[str, str] | None = None,
    title: str = "synthaug tabular evaluate",
) -> str:
    """The self-contained HTML page of an evaluation (verdict, figures, privacy panel)."""
    from synthaug.evaluate.privacy import distance_to_closest_record
    from synthaug.tabular.evaluate import MAX_ROWS, _column_distances, _design

    ts = infer_schema(real, schema)
    rng = np.random.default_rng(0)

    def view(df: pd.DataFrame) -> np.ndarray:
        V = numeric_view(df, ts)
        return V if len(V) <= MAX_ROWS else V[rng.choice(len(V), MAX_ROWS, replace=False)]

    Vr, Vh, Vs = view(real), view(holdout), view(synthetic)
    src = sources or {}
    data = table(
        ("table", "source", "rows"),
        [
            ("real (training)", src.get("real", ""), ev.n_real),
            ("holdout", src.get("holdout", ""), ev.n_holdout),
            ("synthetic", src.get("synthetic", ""), ev.n_synthetic),
        ],
        numeric=(2,),
    )
    body = section("Verdict", _verdict(ev) + metric_table(_key_numbers(ev)))
    by_distance = sorted(range(len(ts.columns)), key=lambda j: -ev.fidelity.columns[j]["distance"])
    order = sorted(by_distance[:MAX_MARGINALS])
    hold_d = {c["column"]: c["distance"] for c in _column_distances(Vr, Vh, ts)}
    col_rows = [
        (
            c["column"],
            c["kind"],
            c["metric"],
            f"{c['distance']:.3f}",
            f"{hold_d[c['column']]:.3f}",
            f"{c['missing_rate_difference']:.3f}",
        )
        for c in ev.fidelity.columns
    ]
    figs = image_figure(
        figure_png(_marginals_figure(Vr, Vs, ts, order)),
        "marginals",
        f"Marginals, real (blue) and synthetic (orange); {len(order)} of {len(ts.columns)} "
        "columns, the least faithful ones.",
    )
    figs += image_figure(
        figure_png(
            _association_figure(association_matrix(Vr, ts), association_matrix(Vs, ts), ts.names)
        ),
        "associations",
        "Association matrices (Spearman / Cramer's V / correlation ratio) side by side.",
    )
    body += section(
        "Fidelity",
        escape(ev.fidelity.reading())
        + figs
        + table(
            (
                "column",
                "kind",
                "metric",
                "synthetic vs real",
                "holdout vs real",
                "missing-rate diff",
            ),
            col_rows,
            numeric=(3, 4, 5),
        ),
        note="Distances are 0 for identical distributions and 1 for disjoint ones; the holdout "
        "column shows what an unseen real sample scores.",
    )
    if ev.utility is not None:
        body += section(
            "Utility",
            escape(ev.utility.reading()),
            note="Histogram gradient boosting trained on the real training rows (TRTR) or on the "
            "synthetic rows (TSTR), both scored on the holdout.",
        )
    Dr, Dh, Ds = (_design(V, ts, Vr) for V in (Vr, Vh, Vs))
    dcr_fig = _dcr_figure((distance_to_closest_record(Ds, Dr), distance_to_closest_record(Dh, Dr)))
    body += section(
        "Privacy",
        f"<p>{escape(ev.privacy.reading())}</p>"
        + image_figure(
            figure_png(dcr_fig),
            "distance to closest record",
            "Synthetic rows should be no closer to the training rows than the holdout's rows are.",
        )
        + data,
        note="Numbers z-scored with the training table's statistics, categories one-hot (two "
        "different labels at distance 1). Declared sensitive columns are tested for attribute "
        "disclosure against the holdout as a population baseline.",
    )
    return page(title, body)
