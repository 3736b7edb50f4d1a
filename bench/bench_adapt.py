"""Domain adaptation where it matters: rendered digits (FontGlyphs) -> real MNIST-28 digits.

Source: ``synth.FontGlyphs(like="mnist")`` renders 28 x 28 digits (fonts and pen-stroke
templates, MNIST's 20 x 20 box centred by mass): the only labelled data. Target: the 5,000 real
MNIST-28 digits of ``bench/datasets.py``, split once (stratified, seed 0) into a 2,500-image
**pool**, given to the methods without labels, and a disjoint 2,500-image **scoring split** whose
labels are used only to score. The upper bound is the same network trained on the pool *with*
its labels (what a team with 2,500 labelled real digits would get).

Every method gets the same budget (``--steps`` optimiser steps of ``synthaug.nn.SmallCNN`` of
``--width``, batch 64; small, because the bench ran on a heavily shared 2-core machine); per seed the source sample, the initialisation and the batches change. Results are
cached per (method, seed) in ``bench/results/adapt_mnist28/seed<N>.json`` (seeds may run in
parallel processes, ``--no-doc``; a last call with all seeds assembles the table); the table (mean accuracy with a 95 % t-interval over seeds, and each method's paired
difference from source-only with its own 95 % interval) goes into docs/adapt.md between
``<!-- bench_adapt:begin -->`` and ``<!-- bench_adapt:end -->``, and its numbers (with the
settings and the share of the gap each method closes) into
``bench/results/adapt_mnist28/summary.json``, which the page's prose quotes.

    nice -n 10 env OMP_NUM_THREADS=1 python bench/bench_adapt.py --seeds 0 1 2 3 4
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report
from datasets import load

from synthaug import adapt, synth

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "adapt_mnist28"  # one JSON per seed
DOC = ROOT / "docs" / "adapt.md"
BEGIN, END = "<!-- bench_adapt:begin -->", "<!-- bench_adapt:end -->"
METHODS = ["source_only", "dann", "coral", "adabn", "self_training"]
LABELS = {
    "source_only": "source only",
    "dann": "DANN",
    "coral": "Deep CORAL",
    "adabn": "AdaBN",
    "self_training": "self-training",
    "target_trained": "target-trained (upper bound)",
}
COMMAND = "nice -n 10 env OMP_NUM_THREADS=1 python bench/bench_adapt.py --seeds {seeds}"


def split_target(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stratified halves of MNIST-28 (seed 0): the unlabelled pool and the scoring split."""
    from sklearn.model_selection import train_test_split

    pool, score = train_test_split(np.arange(len(y)), test_size=0.5, stratify=y, random_state=0)
    return pool, score


def t_interval(values: list[float]) -> tuple[float, float]:
    """Mean and half-width of the 95 % Student-t interval (0 for a single value)."""
    from scipy import stats

    v = np.asarray(values, dtype=float)
    if len(v) < 2:
        return float(v.mean()), 0.0
    half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return float(v.mean()), float(half)


def run_one(name: str, seed: int, data: dict, steps: int, n_source: int, width: int) -> dict:
    """Train one method for one seed; accuracy on the scoring split, CPU and wall seconds."""
    Xs, ys = synth.FontGlyphs(like="mnist").fit().sample(n_source, seed=seed)
    cpu, wall = time.process_time(), time.perf_counter()
    if name == "target_trained":
        model = adapt.make("source_only", steps=steps, width=width, seed=seed, n_classes=10)
        model.fit(data["X_pool"], data["y_pool"], data["X_pool"])
    else:
        model = adapt.make(name, steps=steps, width=width, seed=seed, n_classes=10)
        model.fit(Xs, ys, data["X_pool"])  # the pool's labels are never passed
    return {
        "accuracy": model.score(data["X_score"], data["y_score"]),
        "cpu_s": time.process_time() - cpu,
        "wall_s": time.perf_counter() - wall,
    }


def table(results: dict, seeds: list[int]) -> list[str]:
    """Markdown rows: accuracy (95 % CI), paired difference from source only, CPU / wall s."""
    rows = [
        "| method | accuracy on real scoring split (95% CI) | vs source only, paired (95% CI) "
        "| CPU s / run | wall s / run |",
        "|---|---|---|---|---|",
    ]
    base = [results[f"source_only/{s}"]["accuracy"] for s in seeds]
    for name in [*METHODS, "target_trained"]:
        runs = [results[f"{name}/{s}"] for s in seeds]
        acc = [r["accuracy"] for r in runs]
        m, h = t_interval(acc)
        if name == "source_only":
            diff = "-"
        else:
            dm, dh = t_interval([a - b for a, b in zip(acc, base, strict=True)])
            diff = f"{100 * dm:+.1f} ({100 * (dm - dh):+.1f} to {100 * (dm + dh):+.1f})"
        cpu = np.mean([r["cpu_s"] for r in runs])
        wall = np.mean([r["wall_s"] for r in runs])
        rows.append(
            f"| {LABELS[name]} | {100 * m:.1f}% ({100 * (m - h):.1f} to {100 * (m + h):.1f}) "
            f"| {diff} | {cpu:.0f} | {wall:.0f} |"
        )
    return rows


def findings(results: dict, seeds: list[int]) -> list[str]:
    """One sentence per method: helps, hurts or no clear change (paired 95 % interval)."""
    base = [results[f"source_only/{s}"]["accuracy"] for s in seeds]
    top, _ = t_interval([results[f"target_trained/{s}"]["accuracy"] for s in seeds])
    low, _ = t_interval(base)
    out = [
        f"- The gap to close: source only reaches {100 * low:.1f}%, the target-trained network "
        f"{100 * top:.1f}% ({100 * (top - low):.1f} points)."
    ]
    for name in METHODS[1:]:
        acc = [results[f"{name}/{s}"]["accuracy"] for s in seeds]
        dm, dh = t_interval([a - b for a, b in zip(acc, base, strict=True)])
        if dm - dh > 0:
            verdict = (
                f"helps: {100 * dm:+.1f} points, closing {100 * dm / (top - low):.0f}% of the gap"
            )
        elif dm + dh < 0:
            verdict = f"**hurts**: {100 * dm:+.1f} points"
        else:
            verdict = f"no clear change ({100 * dm:+.1f} points; the interval includes 0)"
        out.append(f"- {LABELS[name]} {verdict}.")
    return out


def summary(results: dict, seeds: list[int], settings: dict, n_target: int) -> dict:
    """The table's numbers as fractions: per method the mean accuracy, its 95 % interval, the
    paired difference from source only with its interval and the share of the gap (target-
    trained minus source only) it closes; with the settings and the target's sizes."""
    base = [results[f"source_only/{s}"]["accuracy"] for s in seeds]
    top, _ = t_interval([results[f"target_trained/{s}"]["accuracy"] for s in seeds])
    low, _ = t_interval(base)
    methods = {}
    for name in [*METHODS, "target_trained"]:
        acc = [results[f"{name}/{s}"]["accuracy"] for s in seeds]
        m, h = t_interval(acc)
        dm, dh = t_interval([a - b for a, b in zip(acc, base, strict=True)])
        methods[name] = {
            "accuracy": m,
            "accuracy_ci": [m - h, m + h],
            "vs_source_only": dm,
            "vs_source_only_ci": [dm - dh, dm + dh],
            "gap_closed": dm / (top - low),
            "cpu_s_per_run": float(np.mean([results[f"{name}/{s}"]["cpu_s"] for s in seeds])),
        }
    return {
        "command": COMMAND.format(seeds=" ".join(map(str, seeds))),
        "seeds": seeds,
        "confidence_level": 0.95,
        "settings": settings,
        "n_target": n_target,
        "n_scoring": n_target - settings["pool"],
        "gap": top - low,
        "methods": methods,
    }


def write_doc(lines: list[str]) -> None:
    report.replace_block(DOC, BEGIN, END, "\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--width", type=int, default=16, help="SmallCNN width")
    ap.add_argument("--n-source", type=int, default=3000)
    ap.add_argument("--no-doc", action="store_true", help="print the table only")
    args = ap.parse_args()
    torch.set_num_threads(1)
    X, y = load("mnist28")
    pool, score = split_target(X, y)
    data = {"X_pool": X[pool], "y_pool": y[pool], "X_score": X[score], "y_score": y[score]}
    assert not set(pool) & set(score)
    settings = {
        "steps": args.steps,
        "width": args.width,
        "n_source": args.n_source,
        "pool": len(pool),
    }
    runs: dict[str, dict] = {}
    for seed in args.seeds:
        path = RESULTS / f"seed{seed}.json"
        cache = json.loads(path.read_text()) if path.is_file() else {}
        if cache.get("settings") != settings:
            cache = {"settings": settings, "runs": {}}
        for name in [*METHODS, "target_trained"]:
            key = f"{name}/{seed}"
            if key not in cache["runs"]:
                cache["runs"][key] = run_one(
                    name, seed, data, args.steps, args.n_source, args.width
                )
                print(f"{key}: {cache['runs'][key]}", flush=True)
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                tmp.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n")
                os.replace(tmp, path)
        runs.update(cache["runs"])
    seeds = sorted(args.seeds)
    lines = [
        f"Generated by `{COMMAND.format(seeds=' '.join(map(str, seeds)))}` "
        f"(seeds {', '.join(map(str, seeds))}; {args.n_source} FontGlyphs source images per seed; "
        f"target pool {len(pool)} unlabelled real MNIST-28 digits; scored on the other "
        f"{len(score)}; {args.steps} steps of SmallCNN (width {args.width}), batch 64, one torch "
        "thread; "
        f"{platform.processor() or platform.machine()}, machine shared with other jobs, so "
        "CPU seconds are the better guide).",
        "",
        *table(runs, seeds),
        "",
        *findings(runs, seeds),
    ]
    print("\n".join(lines))
    if not args.no_doc:
        write_doc(lines)
        out = RESULTS / "summary.json"
        out.write_text(json.dumps(summary(runs, seeds, settings, len(y)), indent=1) + "\n")


if __name__ == "__main__":
    main()
