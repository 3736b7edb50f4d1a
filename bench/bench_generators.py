"""Learned generators at 28 x 28: cGAN (DiffAugment) and cVAE on real MNIST-28 digits.

Data: the 5,000 real MNIST-28 digits of ``bench/datasets.py``, split once (stratified, seed 0)
into 3,500 **training** digits (the generators and the feature extractor see only these) and
1,500 held-out **scoring** digits that no generator sees.

For each generator: train with a step budget (``--steps``) and a wall-clock cap
(``--max-minutes``, the estimators' ``max_minutes``), checkpointing to ``bench/.cache`` so an
interrupted run resumes where it stopped; then measure

* FID against the scoring digits in the feature space of ``synthaug.evaluate.FeatureExtractor``
  (a CNN trained on the 3,500 real training digits), with the real-vs-real FID (1,500 training
  digits vs the scoring digits) as the reference;
* train-synthetic-test-real accuracy: ``synthaug.evaluate.utility`` (RBF SVC on pixels) trained
  on 3,500 class-balanced samples, scored on the scoring digits, beside the same SVC trained on
  the 3,500 real training digits;
* process CPU seconds and wall seconds of training (the machine may be shared: CPU seconds / 2
  is what two free cores would need).

Writes a sample grid per generator to ``docs/img/`` and the table into docs/synth.md between
``<!-- bench_generators:begin -->`` and ``<!-- bench_generators:end -->``.

    OMP_NUM_THREADS=1 nice -n 5 python bench/bench_generators.py --steps 2500 --max-minutes 30
    (or one process per generator, ``--train cgan --no-evaluate`` / ``--train cvae
    --no-evaluate``, then ``--train`` alone to score the saved models and write the table)
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

from synthaug.evaluate import FeatureExtractor, fid, utility
from synthaug.synth import ConditionalGAN, ConditionalVAE
from synthaug.synth import load as synth_load

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache" / "bench_generators"
RESULTS = ROOT / "bench" / "results" / "generators_mnist28"  # one JSON per generator
DOC = ROOT / "docs" / "synth.md"
IMG = ROOT / "docs" / "img"
BEGIN, END = "<!-- bench_generators:begin -->", "<!-- bench_generators:end -->"
GENERATORS = {"cvae": ConditionalVAE, "cgan": ConditionalGAN}


def split(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stratified 3,500 / 1,500 split of MNIST-28 (seed 0): generator training, scoring."""
    from sklearn.model_selection import train_test_split

    return train_test_split(np.arange(len(y)), test_size=1500, stratify=y, random_state=0)


def train(name: str, X: np.ndarray, y: np.ndarray, args: argparse.Namespace) -> None:
    """Fit one generator within the budget (resuming a checkpoint); save it and its times."""
    gen = GENERATORS[name](seed=args.seed, max_steps=args.steps, max_minutes=args.max_minutes)
    cpu, wall = time.process_time(), time.perf_counter()
    gen.fit(
        X,
        y,
        checkpoint_dir=CACHE / f"{name}-seed{args.seed}",
        resume=True,
    )
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    gen.save(CACHE / f"{name}-seed{args.seed}.safetensors")
    meta = gen.metadata_
    row = {
        "steps": meta["n_steps"],
        "stopped_by": meta["stopped_by"],
        # training time summed over resumed runs (the budget's clock), and this run's times
        "train_seconds": meta["train_seconds"],
        "cpu_s": cpu,
        "wall_s": wall,
        "threads": args.threads,
        "width": getattr(gen, "width_", gen.width),
        "params": gen.get_params(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}-train.json").write_text(json.dumps(row, indent=1) + "\n")
    print(f"{name}: {row}", flush=True)


def grid_png(X: np.ndarray, path: Path) -> None:
    """10 x 10 grid (one class per column) as a PNG, written atomically."""
    import cv2

    rows = [np.concatenate(list(X[r * 10 : r * 10 + 10]), axis=1) for r in range(10)]
    image = np.round(np.concatenate(rows, axis=0) * 255).astype(np.uint8)
    image = cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    tmp = path.with_name(f".{path.name}.tmp.png")
    cv2.imwrite(str(tmp), image)
    os.replace(tmp, path)


def evaluate(gen, fx, data: dict, seed: int) -> dict:
    """FID vs the scoring digits, TSTR accuracy, and a sample grid of the model."""
    Xs, ys = gen.sample(len(data["X_train"]), seed=seed)  # class-balanced
    f_syn = fx.embed(Xs[: len(data["X_score"])])
    f_score = fx.embed(data["X_score"])
    u = utility(Xs, ys, data["X_train"], data["y_train"], data["X_score"], data["y_score"])
    return {"fid": fid(f_syn, f_score, seed=seed).value, "tstr": u.tstr, "trtr": u.trtr}


def write_doc(lines: list[str]) -> None:
    report.replace_block(DOC, BEGIN, END, "\n".join(lines))


def score_all(args: argparse.Namespace) -> None:
    """Train what ``--train`` names, then score every saved generator into scores.json."""
    X, y = load("mnist28")
    tr, sc = split(y)
    assert not set(tr) & set(sc)
    data = {"X_train": X[tr], "y_train": y[tr], "X_score": X[sc], "y_score": y[sc]}
    for name in args.train:
        train(name, data["X_train"], data["y_train"], args)
    if args.no_evaluate:
        return
    # One feature space for both generators, learned from the real training digits only.
    fx = FeatureExtractor(space="cnn", epochs=args.fx_epochs, seed=0)
    fx.fit(data["X_train"], data["y_train"])
    ref = fid(fx.embed(data["X_train"][: len(sc)]), fx.embed(data["X_score"]), seed=0).value
    results = {}
    for name in GENERATORS:
        gen = synth_load(CACHE / f"{name}-seed{args.seed}.safetensors")
        row = json.loads((RESULTS / f"{name}-train.json").read_text())
        row.update(evaluate(gen, fx, data, args.seed))
        grid_png(gen.sample(100, seed=args.seed)[0], IMG / f"mnist28-{name}.png")
        results[name] = row
        print(f"{name}: {row}", flush=True)
    load_average = os.getloadavg()[0]
    (RESULTS / "scores.json").write_text(
        json.dumps(
            {"fid_real_vs_real": ref, "load_average_when_scored": load_average, **results},
            indent=1,
            sort_keys=True,
        )
        + "\n"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--steps", type=int, default=2500, help="optimiser steps per generator")
    ap.add_argument("--max-minutes", type=float, default=30.0, help="wall-clock cap per generator")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--train",
        nargs="*",
        default=list(GENERATORS),
        help="generators to train now (none: only score the saved ones)",
    )
    ap.add_argument("--no-evaluate", action="store_true", help="train only")
    ap.add_argument("--fx-epochs", type=int, default=5, help="epochs of the feature CNN")
    ap.add_argument("--no-doc", action="store_true")
    ap.add_argument(
        "--doc-only", action="store_true", help="only rewrite the doc from bench/results"
    )
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if not args.doc_only:
        score_all(args)
    if args.no_evaluate:
        return
    scores = json.loads((RESULTS / "scores.json").read_text())
    ref = scores.pop("fid_real_vs_real")
    # scores written before the load average was recorded: no load figure on the page
    load = scores.pop("load_average_when_scored", None)
    shared = "" if load is None else f" (load average {load:.1f} on 2 cores when scored)"
    results = {n: scores[n] for n in GENERATORS}
    lines = [
        f"Generated by `OMP_NUM_THREADS=1 nice -n 5 python bench/bench_generators.py --steps "
        f"{args.steps} --max-minutes {args.max_minutes:g} --threads {args.threads}`"
        + (
            " (run as two training processes, `--train cgan --no-evaluate` and `--train cvae "
            "--no-evaluate` with the same options, then `--train` alone to score them;"
            if not args.train
            else " ("
        )
        + f" seed {args.seed}, {args.threads} torch threads, "
        f"{platform.machine()}; the machine was shared with other jobs{shared}, so wall "
        "seconds overstate what two free cores need: CPU seconds / 2 is the better guide).",
        "",
        "| generator | steps (stopped by) | FID to held-out real (real vs real: "
        f"{ref:.3g}) | train-synthetic-test-real | CPU s | wall s |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        label = {"cvae": "ConditionalVAE", "cgan": f"ConditionalGAN (width {r['width']})"}[name]
        lines.append(
            f"| {label} | {r['steps']} ({r['stopped_by']}) | {r['fid']:.3g} | "
            f"{100 * r['tstr']:.1f}% | {r['cpu_s']:.0f} | {r['wall_s']:.0f} |"
        )
    trtr = results["cvae"]["trtr"]
    lines += ["", "What each run got from the shared machine:", ""]
    for name, r in results.items():
        share = r["cpu_s"] / max(r["wall_s"], 1e-9)
        lines.append(
            f"- {name}: {r['cpu_s']:.0f} CPU seconds over {r['wall_s']:.0f} s of wall time "
            f"({100 * share:.0f}% of one core), {r['steps']} steps "
            f"({r['cpu_s'] / r['steps']:.2f} CPU s per step of {r['params']['batch_size']} "
            f"images); ten minutes of two free cores, 1,200 CPU seconds, are "
            f"{2 * 600 / r['cpu_s']:.1f} times this run's CPU time and would be about "
            f"{2 * 600 / (r['cpu_s'] / r['steps']):,.0f} such steps at that rate."
        )
    lines += [
        "",
        f"The same SVC trained on the 3,500 real training digits scores {100 * trtr:.1f}% on the "
        "held-out digits. Samples (one class per column, seed "
        f"{args.seed}): `docs/img/mnist28-cvae.png`, `docs/img/mnist28-cgan.png`.",
    ]
    print("\n".join(lines))
    if not args.no_doc:
        write_doc(lines)


if __name__ == "__main__":
    main()
