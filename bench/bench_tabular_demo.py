"""Run ``synthaug demo --tabular`` and write its summary table into docs/tabular.md.

    OMP_NUM_THREADS=1 python bench/bench_tabular_demo.py [--out /tmp/tabular-demo]

The table between the ``tabular_demo`` markers of docs/tabular.md is this script's output: the
three generators of the demo on the Palmer penguins (172 training rows, 172 holdout rows, seed 0),
with fit CPU seconds, the evaluation's figures and the wall time of the whole demo.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import replace_block

from synthaug.tabular.demo import headline, run_tabular_demo

DOC = Path(__file__).resolve().parents[1] / "docs" / "tabular.md"
BEGIN, END = "<!-- tabular_demo:begin -->", "<!-- tabular_demo:end -->"


def main() -> None:
    """Run the demo, print the table and write it into docs/tabular.md."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/tabular-demo"))
    ap.add_argument("--no-docs", action="store_true", help="Print only; leave the docs alone.")
    args = ap.parse_args()
    t0, c0 = time.perf_counter(), time.process_time()
    results = run_tabular_demo(args.out, seed=0)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    lines = [
        "| generator | fit CPU s | column distance (holdout) | TSTR / TRTR accuracy | "
        "DCR ratio | near copies | membership AUC | DP |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ev = r.evaluation
        fid, u, d = ev["fidelity"], ev["utility"], ev["privacy"]["dcr"]
        lines.append(
            f"| {r.name} | {r.fit_seconds:.2f} | {fid['mean_column_distance']:.3f} "
            f"({fid['holdout_mean_column_distance']:.3f}) | {u['tstr']:.3f} / {u['trtr']:.3f} | "
            f"{d['dcr_ratio']:.2f} | {100 * d['near_copy_share']:.1f}% | "
            f"{d['membership_auc']:.2f} | {r.row()['differential privacy']} |"
        )
    load = os.getloadavg()[0]
    body = "\n".join(
        [
            *lines,
            "",
            f"Headline of the run: {headline(results)}",
            "",
            f"Whole demo: {wall:.0f} s wall, {cpu:.0f} s CPU in this process (load average "
            f"{load:.1f} on a {os.cpu_count()}-core machine when it finished). Written by "
            "`OMP_NUM_THREADS=1 python bench/bench_tabular_demo.py`.",
        ]
    )
    print(body)
    if not args.no_docs:
        replace_block(DOC, BEGIN, END, body)
        print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
