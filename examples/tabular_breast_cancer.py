"""Worked example of docs/tabular.md: fit, sample and evaluate scikit-learn's breast cancer table.

    OMP_NUM_THREADS=1 python examples/tabular_breast_cancer.py --out /tmp/tabular-example \
        --json bench/results/tabular_breast_cancer.json

Splits the 569 rows 50/50 into training rows and a holdout (seed 0), then runs the three CLI
commands exactly as a user would, for the Gaussian copula and for TVAE, and prints the numbers
the docs quote (from each run's metrics.json, plus the CPU seconds of each ``fit``). The HTML
reports are in OUT/eval-*/report.html; ``--json`` also writes the numbers to a file (the one
docs/tabular.md quotes is bench/results/tabular_breast_cancer.json).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer


def synthaug(*args: str) -> float:
    """Run ``synthaug ARGS`` as a user would; return its CPU seconds (user + system)."""
    cmd = [sys.executable, "-m", "synthaug.cli", *args]
    print("$ synthaug " + " ".join(args), flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--out", type=Path, default=Path("tabular-example"))
    p.add_argument("--tvae-epochs", type=int, default=300)
    p.add_argument("--json", type=Path, help="also write the numbers of the table here")
    args = p.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    df = load_breast_cancer(as_frame=True).frame
    df["target"] = df["target"].map({0: "malignant", 1: "benign"})
    idx = np.random.default_rng(0).permutation(len(df))
    k = len(df) // 2
    df.iloc[idx[:k]].to_csv(out / "train.csv", index=False)
    df.iloc[idx[k:]].to_csv(out / "holdout.csv", index=False)
    rows, numbers = [], {}
    for name, extra in (("copula", []), ("tvae", ["--epochs", str(args.tvae_epochs)])):
        fit_cpu_s = synthaug(
            "tabular",
            "fit",
            str(out / "train.csv"),
            "--out",
            str(out / f"model-{name}"),
            "--generator",
            name,
            *extra,
        )
        synthaug(
            "tabular",
            "sample",
            str(out / f"model-{name}"),
            "-n",
            str(k),
            "--out",
            str(out / f"syn-{name}.csv"),
            "--seed",
            "0",
        )
        synthaug(
            "tabular",
            "evaluate",
            "--real",
            str(out / "train.csv"),
            "--holdout",
            str(out / "holdout.csv"),
            "--synthetic",
            str(out / f"syn-{name}.csv"),
            "--target",
            "target",
            "--out",
            str(out / f"eval-{name}"),
        )
        m = json.loads((out / f"eval-{name}" / "metrics.json").read_text())
        f, u, d = m["fidelity"], m["utility"], m["privacy"]["dcr"]
        numbers[name] = {
            "fit_cpu_s": fit_cpu_s,
            "column_distance": f["mean_column_distance"],
            "holdout_column_distance": f["holdout_mean_column_distance"],
            "association_difference": f["association_difference"],
            "holdout_association_difference": f["holdout_association_difference"],
            "two_sample_auc": f["two_sample_auc"],
            "tstr": u["tstr"],
            "trtr": u["trtr"],
            "tstr_over_trtr": u["tstr"] / u["trtr"],
            "dcr_ratio": d["dcr_ratio"],
            "near_copy_share": d["near_copy_share"],
            "membership_auc": d["membership_auc"],
            "leaks": m["privacy"]["leaks"],
        }
        n = numbers[name]
        rows.append(
            (
                name,
                f"{n['fit_cpu_s']:.1f}",
                f"{n['column_distance']:.3f} ({n['holdout_column_distance']:.3f})",
                f"{n['association_difference']:.3f} ({n['holdout_association_difference']:.3f})",
                f"{n['two_sample_auc']:.2f}",
                f"{n['tstr']:.3f} / {n['trtr']:.3f}",
                f"{n['dcr_ratio']:.2f}",
                f"{100 * n['near_copy_share']:.1f}%",
                f"{n['membership_auc']:.2f}",
                "yes" if n["leaks"] else "no",
            )
        )
    head = (
        "generator",
        "fit command CPU s",
        "column distance (holdout)",
        "association diff (holdout)",
        "two-sample AUC",
        "TSTR / TRTR accuracy",
        "DCR ratio",
        "near copies",
        "membership AUC",
        "leaks",
    )
    print()
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    if args.json:
        shape = {"rows": len(df), "train_rows": k, "tvae_epochs": args.tvae_epochs}
        args.json.write_text(json.dumps({**shape, **numbers}, indent=1) + "\n")


if __name__ == "__main__":
    main()
