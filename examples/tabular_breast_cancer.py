"""Worked example of docs/tabular.md: fit, sample and evaluate scikit-learn's breast cancer table.

    OMP_NUM_THREADS=1 python examples/tabular_breast_cancer.py --out /tmp/tabular-example

Splits the 569 rows 50/50 into training rows and a holdout (seed 0), then runs the three CLI
commands exactly as a user would, for the Gaussian copula and for TVAE, and prints the numbers
the docs quote (from each run's metrics.json). The HTML reports are in OUT/eval-*/report.html.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer


def synthaug(*args: str) -> None:
    cmd = [sys.executable, "-m", "synthaug.cli", *args]
    print("$ synthaug " + " ".join(args), flush=True)
    subprocess.run(cmd, check=True)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--out", type=Path, default=Path("tabular-example"))
    p.add_argument("--tvae-epochs", type=int, default=300)
    args = p.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    df = load_breast_cancer(as_frame=True).frame
    df["target"] = df["target"].map({0: "malignant", 1: "benign"})
    idx = np.random.default_rng(0).permutation(len(df))
    k = len(df) // 2
    df.iloc[idx[:k]].to_csv(out / "train.csv", index=False)
    df.iloc[idx[k:]].to_csv(out / "holdout.csv", index=False)
    rows = []
    for name, extra in (("copula", []), ("tvae", ["--epochs", str(args.tvae_epochs)])):
        synthaug(
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
        f, u, pr = m["fidelity"], m["utility"], m["privacy"]
        rows.append(
            (
                name,
                f"{f['mean_column_distance']:.3f} ({f['holdout_mean_column_distance']:.3f})",
                f"{f['association_difference']:.3f} ({f['holdout_association_difference']:.3f})",
                f"{f['two_sample_auc']:.2f}",
                f"{u['tstr']:.3f} / {u['trtr']:.3f}",
                f"{pr['dcr']['dcr_ratio']:.2f}",
                f"{100 * pr['dcr']['near_copy_share']:.1f}%",
                f"{pr['dcr']['membership_auc']:.2f}",
                "yes" if pr["leaks"] else "no",
            )
        )
    head = (
        "generator",
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


if __name__ == "__main__":
    main()
