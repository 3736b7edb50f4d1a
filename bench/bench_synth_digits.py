"""Train-synthetic-test-real of the shipped digits generators and FontGlyphs (docs/synth.md).

Every figure comes from :func:`synthaug.synth.pretrained.digits_tstr`: scikit-learn's ``SVC()``
(RBF, C=1, gamma="scale") trained only on class-balanced generator samples and scored on the
540 real hold-out digits of the fixed split (``"holdout"``) and on all 1,797 (``"all"``),
beside the same SVC trained on the 1,257 real training digits. For the shipped models
(``digits-cvae``, ``digits-cgan``) the page also gives their recorded training time
(``fit_seconds`` and ``torch_threads`` in the model's JSON, written by ``synthaug synth train``)
and the size of their weight file. Minutes of CPU on one thread:

    OMP_NUM_THREADS=1 nice -n 5 .venv/bin/python bench/bench_synth_digits.py

writes ``bench/results/synth_digits.json`` and the blocks ``synth_fonts`` and
``synth_shipped`` of docs/synth.md (``--doc-only`` renders them again from the JSON).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "synth_digits.json"
DOC = ROOT / "docs" / "synth.md"
SEEDS = (0, 1, 2)
N_SAMPLES = 1000
N_LARGE = 5000  # FontGlyphs is procedural: one more run with more samples
SHIPPED = ("digits-cvae", "digits-cgan")
COMMAND = "OMP_NUM_THREADS=1 nice -n 5 .venv/bin/python bench/bench_synth_digits.py"


def measure() -> dict:
    """Run every train-synthetic-test-real of the page and read the shipped models' records."""
    import torch

    from synthaug.synth import FontGlyphs, load
    from synthaug.synth.pretrained import digits_tstr, pretrained_path

    torch.set_num_threads(1)
    out: dict = {"n_samples": N_SAMPLES, "seeds": list(SEEDS), "shipped": {}}
    for name in SHIPPED:
        path = pretrained_path(name)
        meta = json.loads(path.with_suffix(".json").read_text())["metadata"]
        gen = load(name)
        runs = [digits_tstr(gen, N_SAMPLES, seed=s) for s in SEEDS]
        out["shipped"][name] = {
            "class": type(gen).__name__,
            "holdout": [r["holdout"] for r in runs],
            "fit_seconds": meta["fit_seconds"],
            "torch_threads": meta["torch_threads"],
            "size_mb": path.stat().st_size / 1e6,
        }
        out["train_real_holdout"] = runs[0]["train_real_holdout"]
    fonts = FontGlyphs().fit()
    runs = [digits_tstr(fonts, N_SAMPLES, seed=s) for s in SEEDS]
    large = digits_tstr(fonts, N_LARGE, seed=0)
    out["fonts"] = {
        "holdout": [r["holdout"] for r in runs],
        "all": [r["all"] for r in runs],
        "n_large": N_LARGE,
        "large_holdout": large["holdout"],
        "large_all": large["all"],
    }
    return out


def _pct(values: list[float]) -> str:
    return " / ".join(f"{100 * v:.1f} %" for v in values)


def blocks(r: dict) -> dict[str, str]:
    """The two markdown blocks of docs/synth.md, from a results dict."""
    f, seeds = r["fonts"], ", ".join(map(str, r["seeds"]))
    fonts = (
        f"Measured train-synthetic-test-real on the real digits (SVC(rbf) on {r['n_samples']:,} "
        f"FontGlyphs samples, sampling seeds {seeds}): {_pct(f['holdout'])} on the 540-image "
        f"hold-out, {_pct(f['all'])} on all 1,797; with {f['n_large']:,} samples (seed 0) "
        f"{100 * f['large_holdout']:.1f} % on the hold-out and {100 * f['large_all']:.1f} % on "
        f'all. Written by `{COMMAND}`; see "Figures" below for a caveat.'
    )
    rows = [
        f"Written by `{COMMAND}`: hold-out accuracy at sampling seeds {seeds}; training time and "
        "threads as recorded in the model's JSON (`fit_seconds`, `torch_threads`).",
        "",
        "| name | class | train-synthetic-test-real (hold-out) | training time | size |",
        "|---|---|---|---|---|",
    ]
    for name, s in r["shipped"].items():
        rows.append(
            f"| `{name}` | {s['class']} | {_pct(s['holdout'])} | {s['fit_seconds']:.1f} s "
            f"({s['torch_threads']} threads) | {s['size_mb']:.1f} MB |"
        )
    rows += [
        "",
        f"The same SVC trained on the 1,257 real training digits scores "
        f"{100 * r['train_real_holdout']:.1f} % on the hold-out.",
    ]
    return {"synth_fonts": fonts, "synth_shipped": "\n".join(rows)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--doc-only", action="store_true", help=f"render from {RESULTS.name} only")
    ap.add_argument("--no-doc", action="store_true", help="write the results file only")
    args = ap.parse_args()
    if args.doc_only:
        results = json.loads(RESULTS.read_text())
    else:
        results = measure()
        RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    for name, body in blocks(results).items():
        print(body + "\n")
        if not args.no_doc:
            report.replace_block(DOC, f"<!-- {name}:begin -->", f"<!-- {name}:end -->", body)


if __name__ == "__main__":
    main()
