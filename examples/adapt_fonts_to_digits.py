"""Synthetic-to-real: train on FontGlyphs digits only, adapt to the real scikit-learn digits.

All 1,797 real digits are the unlabelled target; their labels are used only to score. Prints
a Markdown table: target accuracy per method (mean +- std over seeds) and the domain gap
between source and target features (MMD^2 and proxy A-distance) before (source-only model)
and after adaptation, with the CPU seconds of each run.

    OMP_NUM_THREADS=1 .venv/bin/python examples/adapt_fonts_to_digits.py --seeds 0 1 2 \\
        --write docs/results/adapt_fonts.md --docs README.md docs/adapt.md

``--write`` writes the results page (settings, table, CPU time, load average); ``--docs``
copies the table between the ``adapt-fonts`` markers of each page given.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from report import replace_block

from synthaug import adapt, synth
from synthaug.data import load_dataset
from synthaug.evaluate import mmd, proxy_a_distance

BEGIN, END = "<!-- adapt-fonts:begin -->", "<!-- adapt-fonts:end -->"
LABELS = {
    "source_only": "source only",
    "dann": "DANN",
    "coral": "Deep CORAL",
    "adabn": "AdaBN",
    "self_training": "self-training",
}


def gap(model, Xs, Xt, seed):
    """MMD^2 and proxy A-distance between the model's embeddings of 800 source and target images."""
    fs, ft = model.embed(Xs[:800]), model.embed(Xt[:800])
    return mmd(fs, ft, n_permutations=20, seed=seed).mmd2, proxy_a_distance(
        fs, ft, seed=seed
    ).distance


def table(rows: dict[str, list[tuple[float, float, float, float]]]) -> str:
    """The Markdown table: accuracy mean +- std over seeds, mean gaps and CPU seconds per run."""
    lines = [
        "| method | real-digit accuracy | MMD^2 source-target features | proxy A-distance "
        "| CPU s / run |",
        "|---|---|---|---|---|",
    ]
    for name, vals in rows.items():
        v = np.array(vals)
        lines.append(
            f"| {LABELS[name]} | {100 * v[:, 0].mean():.1f}% +- {100 * v[:, 0].std():.1f} "
            f"| {v[:, 1].mean():.3g} | {v[:, 2].mean():.2f} | {v[:, 3].mean():.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--n-source", type=int, default=3000)
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--write", type=Path, help="write the results page (e.g. docs/results/...)")
    ap.add_argument("--docs", type=Path, nargs="*", default=[], help="pages to copy the table to")
    args = ap.parse_args()
    torch.set_num_threads(1)
    load_start, cpu_start = os.getloadavg(), time.process_time()
    X, y = load_dataset("digits")
    rows: dict[str, list[tuple[float, float, float, float]]] = {}
    for seed in args.seeds:
        Xs, ys = synth.FontGlyphs(like="sklearn-digits").fit().sample(args.n_source, seed=seed)
        for name in ["source_only", *adapt.METHODS]:
            t = time.process_time()
            m = adapt.make(name, steps=args.steps, seed=seed).fit(Xs, ys, X)
            rows.setdefault(name, []).append(
                (m.score(X, y), *gap(m, Xs, X, seed), time.process_time() - t)
            )
    body = table(rows)
    cpu = time.process_time() - cpu_start
    load_end = os.getloadavg()
    print(f"FontGlyphs ({args.n_source} images) -> {len(X)} real digits (unlabelled)\n")
    print(body)
    if args.write:
        seeds = " ".join(map(str, args.seeds))
        page = (
            "# FontGlyphs -> real 8 x 8 digits: domain adaptation\n\n"
            "Written by `OMP_NUM_THREADS=1 python examples/adapt_fonts_to_digits.py --seeds "
            f"{seeds} --write {args.write.as_posix()}` (do not edit by hand); README.md and "
            "docs/adapt.md copy its table (`--docs`).\n\n"
            f"Source: {args.n_source} FontGlyphs images per seed, the only labelled data. "
            f"Target: all {len(X)} real scikit-learn digits, unlabelled (labels only score). "
            f"{args.steps} steps per method, one torch thread; accuracy is mean +- std over "
            f"seeds {seeds}; the domain gap is measured on the model's embedding of 800 source "
            "and 800 target images.\n\n"
            f"{BEGIN}\n{body}\n{END}\n\n"
            f"CPU time of the whole run: {cpu:.0f} s. 1-minute load average "
            f"{load_start[0]:.2f} at the start and {load_end[0]:.2f} at the end on "
            f"{os.cpu_count()} logical cores ({time.strftime('%Y-%m-%d %H:%M', time.gmtime())} "
            "UTC).\n"
        )
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(page, encoding="utf-8")
    for doc in args.docs:
        replace_block(doc, BEGIN, END, body)


if __name__ == "__main__":
    main()
