"""Known answers of the calibrated augmentation audit on real image sets.

For each set the CNN oracle (synthaug's default) is trained on 70 % of the images, its noise
floor is measured, and each transform is audited as configured (magnitude 1), with a second
oracle trained with the transform wherever the first one's flips exceed its floor:

* ``digits`` (scikit-learn, 8x8) and ``mnist28`` (real MNIST digits, 28x28; a seeded 1,000 of
  the 5,000): a half turn (``Rotate(limit=(180, 180))``) changes labels (6 <-> 9); a shift of
  up to 1 px (``Affine(translate_px=1)``) does not; on MNIST also up to 2 px. On digits a
  full-circle rotation, both flips and a 10-degree rotation, on MNIST the horizontal flip,
  are listed for reference (no expected answer).
* ``lfw`` (scikit-image ``lfw_subset``: 100 faces, 100 non-faces, 25x25): a mirrored face is a
  face, so ``HorizontalFlip`` does not change labels.

    PYTHONPATH=src python bench/bench_audit.py [digits lfw mnist28] [--write docs/audit.md]

Prints a Markdown table, writes bench/results/audit_known_answers_<dataset>.json (and, with
``--write``, the table between the ``bench_audit`` markers of that page), and exits 1 when a
known answer fails. MNIST-28 uses a seeded subset of 1,000 of its 5,000 images.
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

import datasets
import report

from synthaug import augment as A
from synthaug.evaluate import audit

CHANGES, SHIFT, SAFE = "changes labels", "distribution shift (absorbed by training with it)", "safe"
NOT_CHANGED = (SHIFT, SAFE)

#: dataset -> [(label, transform, expected categories or None, expected swap or None)]
CASES = {
    "digits": [
        ("Rotate 180 (half turn)", A.Rotate(limit=(180, 180), p=1.0), (CHANGES,), "6 and 9"),
        ("shift <= 1 px", A.Affine(translate_px=1.0, p=1.0), NOT_CHANGED, None),
        ("Rotate +-180 (full circle)", A.Rotate(limit=180, p=1.0), None, None),
        ("HorizontalFlip", A.HorizontalFlip(p=1.0), None, None),
        ("VerticalFlip", A.VerticalFlip(p=1.0), None, None),
        ("Rotate +-10", A.Rotate(limit=10, p=1.0), None, None),
    ],
    "mnist28": [
        ("Rotate 180 (half turn)", A.Rotate(limit=(180, 180), p=1.0), (CHANGES,), "6 and 9"),
        ("shift <= 1 px", A.Affine(translate_px=1.0, p=1.0), NOT_CHANGED, None),
        ("shift <= 2 px", A.Affine(translate_px=2.0, p=1.0), NOT_CHANGED, None),
        ("HorizontalFlip", A.HorizontalFlip(p=1.0), None, None),
    ],
    "lfw": [
        ("HorizontalFlip", A.HorizontalFlip(p=1.0), NOT_CHANGED, None),
        ("shift <= 1 px", A.Affine(translate_px=1.0, p=1.0), NOT_CHANGED, None),
        ("Rotate 180 (half turn)", A.Rotate(limit=(180, 180), p=1.0), None, None),
        ("VerticalFlip", A.VerticalFlip(p=1.0), None, None),
    ],
}


#: images per set (a seeded random subset; None = all): MNIST-28's 5,000 at 28x28 would take
#: the CNN oracles several CPU-minutes each on a shared 2-core machine
N_IMAGES = {"mnist28": 1000}


def run(name: str, seed: int = 0) -> list[dict]:
    X, y = datasets.load(name)
    if N_IMAGES.get(name):
        keep = np.sort(np.random.default_rng(seed).permutation(len(X))[: N_IMAGES[name]])
        X, y = X[keep], y[keep]
    cases = CASES[name]
    t0 = time.process_time()
    result = audit(
        [t for _, t, _, _ in cases],
        X,
        y,
        oracle="cnn",
        magnitudes=[1.0],
        seed=seed,
        include_pipeline=False,
    )
    cpu = time.process_time() - t0
    rows = []
    for (label, _, expected, swap), row in zip(cases, result.transforms, strict=True):
        m = row.at(1.0)
        ok = expected is None or row.category in expected
        if swap is not None:
            ok = ok and any(f"swaps {swap}" in f for f in row.flags)
        rows.append(
            {
                "dataset": name,
                "n_images": len(X),
                "transform": label,
                "oracle_accuracy": result.clean_accuracy,
                "floor": result.floor.to_dict(),
                "clean_test": m.test.to_dict(),
                "retrained_test": None if m.retrained_test is None else m.retrained_test.to_dict(),
                "retrained_floor": None
                if row.retrained_floor is None
                else row.retrained_floor.to_dict(),
                "category": row.category,
                "flags": row.flags,
                "verdict": row.verdict,
                "expected": None if expected is None else list(expected),
                "expected_swap": swap,
                "ok": ok,
                "audit_cpu_s": cpu,
            }
        )
    return rows


def _test(t: dict | None) -> str:
    if t is None:
        return "-"
    p = "< 0.001" if t["p_value"] < 0.001 else f"{t['p_value']:.3f}"
    return (
        f"{100 * t['rate']:.1f}% ({t['n_flipped']}/{t['n_trials']}) vs "
        f"{100 * t['floor']:.1f}%, p {p}"
    )


BEGIN, END = "<!-- bench_audit:begin -->", "<!-- bench_audit:end -->"
STUB = """# Audit known answers

`synthaug audit` (`synthaug.evaluate.audit`) judges each transform against the oracle's own
noise floor and retrains an oracle with the transform where the first one's flips exceed it
(see the module docstring of `synthaug/evaluate/audit.py` and the README's audit section).
This page checks it on transforms whose answer is known, on three real image sets. The table
is written by `bench/bench_audit.py`.
"""


def table(rows: list[dict]) -> list[str]:
    """The Markdown table of the known-answer rows."""
    lines = [
        "| dataset | transform | oracle acc. | clean oracle: flips vs floor | "
        "trained with it: flips vs its floor | class swap | verdict | known answer |",
        "|---|---|---:|---|---|---|---|---|",
    ]
    for r in rows:
        swaps = "; ".join(f.removeprefix("class swap: ") for f in r["flags"] if "swap" in f)
        known = "-" if r["expected"] is None else ("ok" if r["ok"] else "FAILED")
        lines.append(
            f"| {r['dataset']} ({r['n_images']}) | {r['transform']} | "
            f"{100 * r['oracle_accuracy']:.1f}% | "
            f"{_test(r['clean_test'])} | {_test(r['retrained_test'])} | {swaps or '-'} | "
            f"{r['category']} | {known} |"
        )
    return lines


def doc_block(rows: list[dict], names: list[str], write: Path) -> str:
    """The generated part of the docs page: command, conditions, table, CPU per set."""
    cpu = {r["dataset"]: r["audit_cpu_s"] for r in rows}
    n_ok = sum(r["ok"] for r in rows if r["expected"] is not None)
    n_known = sum(r["expected"] is not None for r in rows)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return "\n".join(
        [
            f"Generated by `OMP_NUM_THREADS=1 PYTHONPATH=src nice -n 5 python bench/bench_audit.py "
            f"{' '.join(names)} --write {write}` (seed 0, CNN oracle, one torch thread, "
            f"{platform.machine()}; load average {load:.1f} on 2 cores when it ended). "
            f"Known answers met: {n_ok} of {n_known}.",
            "",
            *table(rows),
            "",
            "Flips are counted on held-out images the clean oracle classifies correctly; the "
            "floor is the oracle's flip rate under changes that cannot alter a label, and p is "
            "the one-sided two-proportion test against it. Audit CPU seconds per set: "
            + ", ".join(f"{k} {v:.0f}" for k, v in cpu.items())
            + ". Per-row JSON: `bench/results/audit_known_answers_<dataset>.json`.",
        ]
    )


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=["digits", "lfw", "mnist28"])
    ap.add_argument("--write", type=Path, help="write the table into this docs page")
    args = ap.parse_args(argv)
    names = args.names
    torch.set_num_threads(1)
    rows = [r for name in names for r in run(name)]
    print("\n".join(table(rows)))
    if args.write:
        report.replace_block(args.write, BEGIN, END, doc_block(rows, names, args.write), STUB)
    for name in names:
        out = Path(__file__).resolve().parent / "results" / f"audit_known_answers_{name}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps([r for r in rows if r["dataset"] == name], indent=1))
    failed = [f"{r['dataset']}: {r['transform']}" for r in rows if not r["ok"]]
    if failed:
        print("known answers FAILED:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
