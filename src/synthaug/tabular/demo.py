"""``synthaug demo --tabular``: synthetic penguins, read against a holdout, in about a minute.

The Palmer penguins table (344 rows, mixed types, missing values) is split at random into two
disjoint halves: the generators train on one (the "real" table) and never see the other (the
holdout). Three generators are fitted: :class:`~synthaug.tabular.GaussianCopula` (seconds),
:class:`~synthaug.tabular.TVAE` and the same TVAE trained with DP-SGD to epsilon 3. Each draws as
many rows as it was trained on, and :func:`~synthaug.tabular.evaluate_table` measures fidelity,
utility (TSTR/TRTR on ``species``) and privacy (distance to closest record against the holdout,
copies, membership inference, disclosure of ``sex``). Written under ``out``: one folder per
generator (``synthetic.csv``, ``metrics.json``, ``report.html``) and ``index.html``, a table
of the three with links. The library never prints: progress goes to a callback.
"""

from __future__ import annotations

import json
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["TabularDemoResult", "run_tabular_demo"]

#: ``progress(message)`` before each step of the demo.
Progress = Callable[[str], None]


@dataclass
class TabularDemoResult:
    """One generator of the tabular demo: what it cost and what the evaluation read."""

    name: str
    folder: Path
    fit_seconds: float
    evaluation: dict[str, Any]

    def row(self) -> dict[str, str]:
        """The generator's line in the summary: fidelity, utility, privacy and epsilon."""
        ev = self.evaluation
        u = ev["utility"]
        dp = (ev.get("generator") or {}).get("dp")
        return {
            "generator": self.name,
            "fit (CPU s)": f"{self.fit_seconds:.2f}",
            "fidelity": ev["fidelity"]["reading"],
            "utility (TSTR / TRTR)": f"{u['tstr']:.3f} / {u['trtr']:.3f} ({u['metric']})"
            if u
            else "not measured",
            "privacy": ev["privacy"]["reading"],
            "differential privacy": f"epsilon {dp['epsilon']:.3g}, delta {dp['delta']:.2g}"
            if dp
            else "none",
        }


def headline(results: list[TabularDemoResult]) -> str:
    """The answer first: the most useful generator, which ones leak, what privacy cost."""
    useful = [r for r in results if r.evaluation["utility"]]
    best = max(useful, key=lambda r: r.evaluation["utility"]["ratio"])
    u = best.evaluation["utility"]
    parts = [
        f"Most useful: {best.name} (a species classifier trained on its rows scores "
        f"{u['tstr']:.3f} on the holdout, against {u['trtr']:.3f} trained on the real rows)."
    ]
    leaking = [r.name for r in results if r.evaluation["privacy"]["leaks"]]
    parts.append(
        "Privacy flags raised for: " + ", ".join(leaking) + "."
        if leaking
        else "No generator shows signs of leakage on this holdout."
    )
    private = [r for r in useful if (r.evaluation.get("generator") or {}).get("dp")]
    plain = [r for r in useful if not (r.evaluation.get("generator") or {}).get("dp")]
    if private and plain:
        p = private[0]
        same = [
            r
            for r in plain
            if r.evaluation["generator"]["class"] == p.evaluation["generator"]["class"]
        ]
        q = max(same, key=lambda r: r.evaluation["utility"]["ratio"], default=None)
        if q is not None:
            parts.append(
                f"The formal guarantee ({p.row()['differential privacy']}) costs utility: "
                f"{p.evaluation['utility']['tstr']:.3f} against {q.evaluation['utility']['tstr']:.3f} "
                f"for {q.name} without it."
            )
    return " ".join(parts)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def run_tabular_demo(
    out: str | Path,
    seed: int = 0,
    quick: bool = False,
    progress: Progress | None = None,
) -> list[TabularDemoResult]:
    """Fit, sample and evaluate three generators on the penguins table; write the pages.

    Parameters
    ----------
    out : folder to write (created; its ``index.html`` links the three reports).
    seed : seed of the split, the generators and the evaluation.
    quick : fewer TVAE epochs (a smoke run: the numbers are not the demo's).
    progress : called with a short message before each step.
    """
    import torch

    from synthaug.report import escape, page, section, write_text_atomic
    from synthaug.tabular.copula import GaussianCopula
    from synthaug.tabular.datasets import load_table
    from synthaug.tabular.evaluate import evaluate_table
    from synthaug.tabular.report import render_table_report
    from synthaug.tabular.schema import write_table
    from synthaug.tabular.tvae import TVAE

    say = progress or (lambda message: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    df = load_table("penguins")
    order = np.random.default_rng(seed).permutation(len(df))
    half = len(df) // 2
    real = df.iloc[np.sort(order[:half])].reset_index(drop=True)
    holdout = df.iloc[np.sort(order[half:])].reset_index(drop=True)
    epochs = 40 if quick else 300
    generators: list[tuple[str, Any]] = [
        ("GaussianCopula", GaussianCopula()),
        ("TVAE", TVAE(epochs=epochs, seed=seed)),
        ("TVAE, DP epsilon 3", TVAE(epochs=epochs // 3, seed=seed, dp_epsilon=3.0)),
    ]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a small network on a few hundred rows: one thread is fastest
    results = []
    try:
        for i, (name, gen) in enumerate(generators, 1):
            say(f"[{i}/{len(generators)}] {name}: fitting on {len(real)} penguins")
            t0 = time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # opacus' notices about its RNG and hooks
                gen.fit(real)
            fit_seconds = time.process_time() - t0
            synthetic = gen.sample(len(real), seed=seed)
            say(f"[{i}/{len(generators)}] {name}: evaluating against {len(holdout)} unseen rows")
            ev = evaluate_table(
                real, holdout, synthetic, target="species", sensitive=["sex"], seed=seed
            )
            ev.generator = {"class": type(gen).__name__, "dp": getattr(gen, "dp_", None)}
            folder = out / _slug(name)
            folder.mkdir(exist_ok=True)
            write_table(synthetic, folder / "synthetic.csv")
            write_text_atomic(folder / "metrics.json", json.dumps(ev.to_dict(), indent=2))
            write_text_atomic(
                folder / "report.html",
                render_table_report(
                    ev,
                    real,
                    holdout,
                    synthetic,
                    sources={
                        "real": f"penguins, {len(real)} rows (seed {seed})",
                        "holdout": f"penguins, the other {len(holdout)} rows",
                        "synthetic": f"{name}, {len(synthetic)} rows",
                    },
                    title=f"synthaug demo --tabular: {name} on the Palmer penguins",
                ),
            )
            results.append(TabularDemoResult(name, folder, fit_seconds, ev.to_dict()))
    finally:
        torch.set_num_threads(threads)
    rows = [r.row() for r in results]
    head = "".join(f"<th>{escape(h)}</th>" for h in rows[0])
    lines = [
        f'<tr><td><a href="{escape(r.folder.name)}/report.html">{escape(r.name)}</a></td>'
        + "".join(
            f"<td class=num>{escape(v)}</td>" if k.startswith("fit") else f"<td>{escape(v)}</td>"
            for k, v in row.items()
            if k != "generator"
        )
        + "</tr>"
        for r, row in zip(results, rows, strict=True)
    ]
    body = f"<table><tr>{head}</tr>{''.join(lines)}</table>"
    intro = (
        f"The Palmer penguins table ({len(df)} rows: species, island and sex are categories, "
        f"four measurements are numbers, {int(df.isna().sum().sum())} values are missing) was "
        f"split at random (seed {seed}) into {len(real)} training rows and {len(holdout)} "
        "holdout rows that no generator saw. Each generator drew as many rows as it trained on. "
        "Utility trains a classifier of species on synthetic rows and tests it on the holdout "
        "(TSTR), against one trained on the real rows (TRTR). Privacy compares distances from "
        "synthetic and from holdout rows to the training rows, counts copies, runs a "
        "membership-inference attack, and tests whether sex can be inferred from the others."
    )
    write_text_atomic(
        out / "index.html",
        page(
            "synthaug demo --tabular: synthetic penguins",
            section("The answer", f"<p>{escape(headline(results))}</p>")
            + section("Three generators, one holdout", body),
            intro=intro,
        ),
    )
    return results
