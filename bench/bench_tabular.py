"""Speed, memory and quality of synthaug's table generators (peers in the same run when installed).

Usage::

    OMP_NUM_THREADS=1 python bench/bench_tabular.py --rows 100000          # speed + breast cancer
    OMP_NUM_THREADS=1 python bench/bench_tabular.py --rows 1000000 --only-speed   # memory check

``--json PATH`` also writes the rows as JSON (bench/results/tabular_speed_*.json are such runs).

Speed: a table of ``--rows`` rows and 20 columns (8 numeric, 4 integer, 6 categorical,
2 boolean; 5 % missing in four of them) drawn from a known joint law (a Gaussian latent with
correlation 0.5 between neighbours); CPU seconds of fit and of sampling as many rows, and the
process's peak resident memory. Quality: each table of ``--datasets`` (scikit-learn's breast
cancer, the Palmer penguins, and ``known50k``: 100,000 rows of the known table, seed 1) is split
50/50 at random (seed 0) into training rows and a holdout; every generator is fitted on the
training rows, samples as many, and :func:`synthaug.tabular.evaluate_table` reads the result
against the holdout (utility target: ``target``, ``species``, ``cat12``). The deep generators
(synthaug's TVAE, SDV's CTGAN) get the same epochs. SDV's GaussianCopula and CTGAN run in the
same process when ``sdv`` is importable (it is not a synthaug dependency: install it in the
bench environment). Times are CPU time (``time.process_time``, one torch thread), not wall
clock, because the machine may be shared. ``--docs`` writes both tables into docs/tabular.md.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


def known_table(n: int, seed: int = 0) -> pd.DataFrame:
    """20 mixed columns from a Gaussian latent with neighbour correlation 0.5."""
    rng = np.random.default_rng(seed)
    k = 20
    cov = np.eye(k) + 0.5 * (np.eye(k, k=1) + np.eye(k, k=-1))
    Z = rng.standard_normal((n, k)).astype(np.float32) @ np.linalg.cholesky(cov).T.astype(
        np.float32
    )
    cols: dict[str, np.ndarray] = {}
    for j in range(8):
        cols[f"num{j}"] = np.exp(Z[:, j]) if j % 2 else Z[:, j] * 3 + 10
    for j in range(8, 12):
        cols[f"int{j}"] = np.round(Z[:, j] * 10 + 50).astype(np.int64)
    labels = np.array(["a", "b", "c", "d", "e"], dtype=object)
    for j in range(12, 18):
        cols[f"cat{j}"] = labels[np.clip(((Z[:, j] + 2.5) // 1).astype(int), 0, 4)]
    for j in range(18, 20):
        cols[f"bool{j}"] = Z[:, j] > 0.3
    df = pd.DataFrame(cols)
    for name in ("num1", "int9", "cat13", "num6"):
        df.loc[rng.random(n) < 0.05, name] = None
    return df


def speed(rows: int) -> dict[str, float]:
    from synthaug.tabular import GaussianCopula

    df = known_table(rows)
    t0 = time.process_time()
    gen = GaussianCopula().fit(df)
    t_fit = time.process_time() - t0
    t0 = time.process_time()
    out = gen.sample(rows, seed=0)
    t_sample = time.process_time() - t0
    rho_real = df["num2"].corr(df["num3"], method="spearman")
    rho_syn = out["num2"].corr(out["num3"], method="spearman")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "rows": rows,
        "fit CPU s": round(t_fit, 2),
        "sample CPU s": round(t_sample, 2),
        "peak RSS MB": round(peak_mb),
        "Spearman num2-num3 real": round(float(rho_real), 3),
        "synthetic": round(float(rho_syn), 3),
    }


def _splits(name: str) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Training rows, holdout rows (a random 50/50 split, seed 0) and the utility target."""
    from synthaug.tabular.datasets import load_table

    if name == "known50k":
        df, target = known_table(100_000, seed=1), "cat12"
    else:
        df = load_table(name)
        target = "species" if name == "penguins" else "target"
        if name == "breast_cancer":
            df["target"] = df["target"].map({0: "malignant", 1: "benign"})
    idx = np.random.default_rng(0).permutation(len(df))
    k = len(df) // 2
    return df.iloc[idx[:k]].reset_index(drop=True), df.iloc[idx[k:]].reset_index(drop=True), target


def _makers(train: pd.DataFrame, epochs: int) -> dict[str, object]:
    """Every generator of the comparison: synthaug's, and SDV's when ``sdv`` is importable."""
    from synthaug.tabular import TVAE, GaussianCopula

    makers: dict[str, object] = {
        "synthaug GaussianCopula": lambda: GaussianCopula().fit(train).sample(len(train), seed=0),
        "synthaug TVAE": lambda: TVAE(epochs=epochs, seed=0).fit(train).sample(len(train), seed=0),
    }
    try:
        from sdv.metadata import Metadata
        from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer
    except ImportError:
        return makers

    def sdv(cls: type, **kw: object) -> pd.DataFrame:
        # SDV 2.x: metadata and data are dicts of named tables, also for a single table
        meta = Metadata.detect_from_dataframes({"table": train}, infer_keys=None)
        synth = cls(meta, **kw)
        synth.fit({"table": train})
        out = synth.sample(len(train))
        return out["table"] if isinstance(out, dict) else out

    makers["SDV GaussianCopula"] = lambda: sdv(GaussianCopulaSynthesizer)
    makers["SDV CTGAN"] = lambda: sdv(CTGANSynthesizer, epochs=epochs, enable_gpu=False)
    return makers


def quality(datasets: list[str], epochs_small: int, epochs_large: int) -> list[dict[str, object]]:
    """Fit, sample and evaluate every generator on each dataset's split (same split for all)."""
    import warnings

    import torch

    from synthaug.tabular import evaluate_table

    torch.set_num_threads(1)
    rows = []
    for name in datasets:
        train, holdout, target = _splits(name)
        epochs = epochs_large if len(train) > 10_000 else epochs_small
        for gen, make in _makers(train, epochs).items():
            t0 = time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                syn = make()  # type: ignore[operator]
            cpu = time.process_time() - t0
            r = evaluate_table(train, holdout, syn, target=target, seed=0)
            print(f"  {name}: {gen} {cpu:.1f} s", flush=True)
            rows.append(
                {
                    "table": f"{name} ({len(train)} + {len(holdout)} rows)",
                    "generator": gen
                    + (f" ({epochs} epochs)" if "TVAE" in gen or "CTGAN" in gen else ""),
                    "fit+sample CPU s": round(cpu, 2),
                    "column distance (holdout)": f"{r.fidelity.mean_column_distance:.3f} "
                    f"({r.fidelity.holdout_mean_column_distance:.3f})",
                    "association diff": round(r.fidelity.association_difference, 3),
                    "two-sample AUC": round(r.fidelity.two_sample_auc, 2),
                    "TSTR/TRTR": round(r.utility.ratio, 3) if r.utility else "",
                    "DCR ratio": round(r.privacy.dcr["dcr_ratio"], 2),
                    "membership AUC": round(r.privacy.dcr["membership_auc"], 2),
                    "leaks": "yes" if r.privacy.leaks else "no",
                }
            )
    return rows


def _markdown(rows: list[dict[str, object]]) -> str:
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(r[h]) for h in head) + " |" for r in rows]
    return "\n".join(lines)


def _summary(rows: list[dict[str, object]]) -> str:
    """The issue's two goals, read off the rows: copula speed ratio, deep utility against CTGAN."""
    lines = []
    for table in dict.fromkeys(str(r["table"]) for r in rows):
        by = {str(r["generator"]).split(" (")[0]: r for r in rows if r["table"] == table}
        ours, sdv = by.get("synthaug GaussianCopula"), by.get("SDV GaussianCopula")
        tvae, ctgan = by.get("synthaug TVAE"), by.get("SDV CTGAN")
        if not (ours and sdv and tvae and ctgan):
            continue
        speed = float(sdv["fit+sample CPU s"]) / max(float(ours["fit+sample CPU s"]), 1e-3)
        lines.append(
            f"- {table}: synthaug's GaussianCopula fits and samples {speed:.0f}x faster than "
            f"SDV's (column distance {str(ours['column distance (holdout)']).split()[0]} vs "
            f"{str(sdv['column distance (holdout)']).split()[0]}); TVAE's TSTR/TRTR "
            f"{tvae['TSTR/TRTR']} vs CTGAN's {ctgan['TSTR/TRTR']} at the same epochs."
        )
    return "\n".join(lines)


def _write_json(path: Path, argv: list[str], speed_row: dict, rows: list[dict]) -> None:
    """The run's rows as JSON (the command, the machine's load and CPU count with them)."""
    import json
    import os
    import platform

    result = {
        "command": "OMP_NUM_THREADS=1 python bench/bench_tabular.py " + " ".join(argv),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "load_average_at_end": os.getloadavg()[0],
        "speed": speed_row,
        "quality": rows,
    }
    path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    """Print the speed and quality tables; with --docs write them into docs/tabular.md."""
    import os

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--only-speed", action="store_true")
    p.add_argument(
        "--datasets", default="breast_cancer,penguins,known50k", help="Comma-separated tables."
    )
    p.add_argument("--epochs", type=int, default=300, help="Deep generators' epochs, small tables.")
    p.add_argument(
        "--epochs-large", type=int, default=10, help="Deep generators' epochs on known50k."
    )
    p.add_argument("--docs", action="store_true", help="Write the tables into docs/tabular.md.")
    p.add_argument(
        "--json", type=Path, help="Also write the rows (speed, and quality unless --only-speed)."
    )
    args = p.parse_args()
    speed_row = speed(args.rows)
    speed_table = _markdown([speed_row])
    print(speed_table)
    rows = (
        [] if args.only_speed else quality(args.datasets.split(","), args.epochs, args.epochs_large)
    )
    if args.json:
        _write_json(args.json, sys.argv[1:], speed_row, rows)
    if args.only_speed:
        return
    quality_table = _markdown(rows) + "\n\n" + _summary(rows)
    print(quality_table)
    if args.docs:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from report import replace_block

        load = os.getloadavg()[0]
        cmd = (
            f"OMP_NUM_THREADS=1 python bench/bench_tabular.py --rows {args.rows} --datasets "
            f"{args.datasets} --epochs {args.epochs} --epochs-large {args.epochs_large} --docs"
        )
        body = (
            f"Written by `{cmd}` (load average {load:.1f} on a {os.cpu_count()}-core machine at "
            "the end; CPU seconds, one thread).\n\nSpeed of synthaug's GaussianCopula on the "
            f"known 20-column table:\n\n{speed_table}\n\nQuality on the same 50/50 splits "
            f"(holdout values in brackets):\n\n{quality_table}"
        )
        doc = Path(__file__).resolve().parents[1] / "docs" / "tabular.md"
        replace_block(doc, "<!-- bench_tabular:begin -->", "<!-- bench_tabular:end -->", body)
        print(f"wrote {doc}")


if __name__ == "__main__":
    main()
