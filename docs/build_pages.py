"""Build one page of each kind synthaug writes, check each in a headless browser, and keep a
screenshot of its top in docs/img (``make docs``).

Usage: ``python docs/build_pages.py [--out build/pages] [--img docs/img] [--experiment DIR]``

Pages, each made with the command a user would run, on built-in or scikit-learn data:

* experiment: ``report.html`` rendered again from ``DIR/metrics.json`` (default ``demo-output``,
  written by ``make demo``); without one, the quick demo config is run first (about two
  minutes on two cores);
* audit: ``synthaug audit`` of ``examples/audit_digits.yaml`` (SVC oracle, three magnitudes);
* evaluate: ``synthaug evaluate`` of FontGlyphs digits against the real digits;
* tabular: ``synthaug tabular fit | sample | evaluate`` on the wine table.

Every page is checked with :func:`synthaug.report.browser.check_page` (horizontal overflow,
missing images, console errors); the script exits 1 naming each problem, so a page a reader
would stumble on fails ``make docs``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args: str) -> None:
    cmd = [sys.executable, "-m", "synthaug.cli", *args]
    print("$ synthaug " + " ".join(args), flush=True)
    subprocess.run(cmd, check=True)


def experiment_page(out: Path, source: Path) -> Path:
    """``report.html`` of a finished experiment, or of the quick demo run now."""
    from synthaug.experiment import QUICK_CONFIG
    from synthaug.experiment.render import read_outputs, render_experiment_report
    from synthaug.report import write_text_atomic

    folder = out / "experiment"
    if (source / "metrics.json").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        print(f"rendering {source / 'metrics.json'} again", flush=True)
        return write_text_atomic(
            folder / "report.html", render_experiment_report(read_outputs(source))
        )
    _cli("experiment", str(QUICK_CONFIG), "--out", str(folder), "--quiet")
    return folder / "report.html"


def audit_page(out: Path) -> Path:
    """The audit page of the shipped digits example (fast settings)."""
    folder = out / "audit"
    _cli("audit", "-p", str(ROOT / "examples" / "audit_digits.yaml"), "-d", "digits",
         "--oracle", "svc", "--magnitudes", "0,0.5,1", "--max-items", "300", "-o", str(folder),
         "--quiet")  # fmt: skip
    return folder / "index.html"


def evaluate_page(out: Path) -> Path:
    """``synthaug evaluate`` of 400 FontGlyphs digits against real digits, with a hold-out."""
    from synthaug.data import load_dataset
    from synthaug.synth import FontGlyphs

    folder = out / "evaluate"
    folder.mkdir(parents=True, exist_ok=True)
    X, y = load_dataset("digits")
    gen = FontGlyphs(like="sklearn-digits").fit(X[:600], y[:600])
    Xs, ys = gen.sample(400, seed=0)
    np.savez(folder / "real.npz", X=X[:600], y=y[:600])
    np.savez(folder / "holdout.npz", X=X[600:1000], y=y[600:1000])
    np.savez(folder / "fonts.npz", X=np.asarray(Xs), y=np.asarray(ys))
    _cli("evaluate", "--real", str(folder / "real.npz"), "--synthetic", str(folder / "fonts.npz"),
         "--holdout", str(folder / "holdout.npz"), "--space", "pca", "--out", str(folder))  # fmt: skip
    return folder / "index.html"


def tabular_page(out: Path) -> Path:
    """``synthaug tabular`` fit, sample and evaluate on the wine table (GaussianCopula)."""
    from sklearn.datasets import load_wine

    folder = out / "tabular"
    folder.mkdir(parents=True, exist_ok=True)
    df = load_wine(as_frame=True).frame
    df["target"] = df["target"].map(lambda v: f"cultivar{v}")
    idx = np.random.default_rng(0).permutation(len(df))
    k = len(df) // 2
    df.iloc[idx[:k]].to_csv(folder / "train.csv", index=False)
    df.iloc[idx[k:]].to_csv(folder / "holdout.csv", index=False)
    _cli("tabular", "fit", str(folder / "train.csv"), "--out", str(folder / "model"))
    _cli("tabular", "sample", str(folder / "model"), "-n", str(k), "--out",
         str(folder / "synthetic.csv"), "--seed", "0")  # fmt: skip
    _cli("tabular", "evaluate", "--real", str(folder / "train.csv"), "--holdout",
         str(folder / "holdout.csv"), "--synthetic", str(folder / "synthetic.csv"), "--target",
         "target", "--model", str(folder / "model"), "--out", str(folder / "eval"))  # fmt: skip
    return folder / "eval" / "report.html"


def main(argv: list[str] | None = None) -> int:
    """Build, check and photograph every page; return the exit status."""
    from synthaug.report.browser import BrowserMissing, check_page, screenshot

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=ROOT / "build" / "pages")
    p.add_argument("--img", type=Path, default=ROOT / "docs" / "img")
    p.add_argument("--experiment", type=Path, default=ROOT / "demo-output")
    p.add_argument("--only", nargs="*", default=["experiment", "audit", "evaluate", "tabular"])
    a = p.parse_args(argv)
    builders = {
        "experiment": lambda: experiment_page(a.out, a.experiment),
        "audit": lambda: audit_page(a.out),
        "evaluate": lambda: evaluate_page(a.out),
        "tabular": lambda: tabular_page(a.out),
    }
    failed = []
    for name in a.only:
        page = builders[name]()
        try:
            problems = check_page(page).problems()
            shot = screenshot(page, a.img / f"page-{name}.png", width=1280, height=1500)
        except BrowserMissing as exc:
            print(f"{name}: {page} built; not checked: {exc}")
            continue
        for line in problems:
            print(f"{name}: {page}: {line}")
        failed += problems
        print(f"{name}: {page} checked ({len(problems)} problems); top of the page in {shot}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
