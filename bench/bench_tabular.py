"""Speed, memory and quality of synthaug's table generators (peers in the same run when installed).

Usage::

    OMP_NUM_THREADS=1 python bench/bench_tabular.py --rows 100000          # speed + breast cancer
    OMP_NUM_THREADS=1 python bench/bench_tabular.py --rows 1000000 --only-speed   # memory check

Speed: a table of ``--rows`` rows and 20 columns (8 numeric, 4 integer, 6 categorical,
2 boolean; 5 % missing in four of them) drawn from a known joint law (a Gaussian latent with
correlation 0.5 between neighbours); CPU seconds of fit and of sampling as many rows, and the
process's peak resident memory. Quality: scikit-learn's breast cancer table split 50/50 into
training rows and a holdout, fitted, sampled (as many rows as training) and evaluated by
:func:`synthaug.tabular.evaluate_table` with target ``target``. SDV's GaussianCopula runs on the
same data when ``sdv`` is importable (it is not a synthaug dependency). Times are CPU time
(``time.process_time``), not wall clock, because the machine may be shared.
"""

from __future__ import annotations

import argparse
import resource
import time

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


def quality() -> list[dict[str, object]]:
    from sklearn.datasets import load_breast_cancer

    from synthaug.tabular import GaussianCopula, evaluate_table

    df = load_breast_cancer(as_frame=True).frame
    df["target"] = df["target"].map({0: "malignant", 1: "benign"})
    idx = np.random.default_rng(0).permutation(len(df))
    k = len(df) // 2
    train, holdout = (
        df.iloc[idx[:k]].reset_index(drop=True),
        df.iloc[idx[k:]].reset_index(drop=True),
    )
    makers = {
        "synthaug GaussianCopula": lambda: GaussianCopula().fit(train).sample(len(train), seed=0)
    }
    try:
        from sdv.metadata import Metadata
        from sdv.single_table import GaussianCopulaSynthesizer

        def sdv_copula() -> pd.DataFrame:
            synth = GaussianCopulaSynthesizer(Metadata.detect_from_dataframe(train))
            synth.fit(train)
            return synth.sample(len(train))

        makers["SDV GaussianCopula"] = sdv_copula
    except ImportError:
        pass
    rows = []
    for name, make in makers.items():
        t0 = time.process_time()
        syn = make()
        cpu = time.process_time() - t0
        r = evaluate_table(train, holdout, syn, target="target", seed=0)
        rows.append(
            {
                "generator": name,
                "fit+sample CPU s": round(cpu, 3),
                "mean column distance": round(r.fidelity.mean_column_distance, 3),
                "association diff": round(r.fidelity.association_difference, 3),
                "two-sample AUC": round(r.fidelity.two_sample_auc, 2),
                "TSTR/TRTR": round(r.utility.ratio, 3),
                "DCR ratio": round(r.privacy.dcr["dcr_ratio"], 2),
                "membership AUC": round(r.privacy.dcr["membership_auc"], 2),
                "exact copies": r.privacy.exact_copy_share,
                "leaks": r.privacy.leaks,
            }
        )
    return rows


def _markdown(rows: list[dict[str, object]]) -> str:
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(r[h]) for h in head) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--only-speed", action="store_true")
    args = p.parse_args()
    print(_markdown([speed(args.rows)]))
    if not args.only_speed:
        print()
        print("breast cancer, 50/50 split, target 'target'")
        print(_markdown(quality()))


if __name__ == "__main__":
    main()
