"""Does the fidelity feature space see noise? Precision/recall of noise sets against real data.

For each real set (digits, lfw, mnist28) and feature space (``cnn``: the CNN embedding alone,
the default before 0.x; ``cnn+pixels``: the default now; ``pixels``), the real set is split
into halves A and B as :func:`synthaug.evaluate.quality_report` does; A is the reference, and
B (real vs real), uniform noise, Gaussian noise (mean and std of the real pixels, clipped to
[0, 1]) and a constant image (the real mean intensity) are compared with it by precision and
recall (k = 5). A space that sees noise gives the noise sets precision <= 0.05 and recall 0.
A constant image is noise only where no real image is nearly flat: ``lfw_subset``'s non-face
crops include images of pixel std below 0.01, so there a mean-grey constant is, correctly,
within the real data in every space.

    PYTHONPATH=src python bench/bench_noise_fidelity.py [digits lfw mnist28]

Prints a Markdown table (and writes bench/results/noise_fidelity_<dataset>.json).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datasets

from synthaug.evaluate import FeatureExtractor, prdc


def noise_sets(X: np.ndarray, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Uniform noise, Gaussian noise matched to the real pixels' mean and std, a constant."""
    rng = np.random.default_rng(seed)
    shape = (n, *X.shape[1:])
    mu, sd = float(X.mean()), float(X.std())
    return {
        "uniform noise": rng.uniform(0, 1, shape).astype(np.float32),
        "Gaussian noise": np.clip(rng.normal(mu, sd, shape), 0, 1).astype(np.float32),
        "constant image (mean grey)": np.full(shape, mu, np.float32),
        "constant image (black)": np.zeros(shape, np.float32),
    }


def run(name: str, seed: int = 0) -> list[dict]:
    X, y = datasets.load(name)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(X))
    n = len(X) // 2
    A, B = perm[:n], perm[n : 2 * n]
    rows = []
    # one CNN serves both spaces: "cnn" is the first block of "cnn+pixels" (same seed, same net)
    fx = FeatureExtractor(space="cnn+pixels", seed=seed).fit(X, y)
    embed = {
        "cnn": fx.model_.transform,
        "cnn+pixels": fx.embed,
        "pixels": lambda S: S.reshape(len(S), -1).astype(np.float64),
    }
    others = {"real (other half)": X[B], **noise_sets(X, n, seed)}
    for space, f in embed.items():
        F_a = f(X[A])
        for what, S in others.items():
            r = prdc(F_a, f(S), k=5)
            rows.append(
                {
                    "dataset": name,
                    "space": space,
                    "set": what,
                    "n": n,
                    "precision": r.precision,
                    "recall": r.recall,
                }
            )
    return rows


def main(names: list[str]) -> None:
    torch.set_num_threads(1)
    rows = [r for name in names for r in run(name)]
    print("| dataset | n per set | space | compared set | precision | recall |")
    print("|---|---:|---|---|---:|---:|")
    for r in rows:
        print(
            f"| {r['dataset']} | {r['n']} | {r['space']} | {r['set']} | "
            f"{r['precision']:.2f} | {r['recall']:.2f} |"
        )
    for name in names:
        out = Path(__file__).resolve().parent / "results" / f"noise_fidelity_{name}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps([r for r in rows if r["dataset"] == name], indent=1))


if __name__ == "__main__":
    main(sys.argv[1:] or ["digits", "lfw", "mnist28"])
