"""Label exactness over many random geometric pipelines on painted scenes.

The generator and the checks are those of the property suite (``tests/property/painted.py``):
each object of a scene is painted in its own image channel, and after a random pipeline of
1-4 geometric transforms every kept keypoint, box and mask is compared with the paint.

Usage::

    PYTHONPATH=src python bench/bench_labels.py --n 50000 --seed 0
    PYTHONPATH=src python bench/bench_labels.py --case 0:1234    # one case, with its YAML

Prints, for constant borders and for the other border modes apart, how many pipelines failed
each check and which transforms the failing pipelines contained (a failing pipeline counts
once per check and once per distinct transform in it).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "property"))

import painted


def _table(title: str, counts: Counter, total: int) -> list[str]:
    lines = [f"  {title}"]
    for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"    {key:<28} {n:>7}  {100.0 * n / max(total, 1):6.2f}%")
    if not counts:
        lines.append("    (none)")
    return lines


def run(n: int, seed: int, examples: int) -> str:
    """Run ``n`` cases of run ``seed``; the report as text."""
    t0 = time.process_time()
    groups = {"constant": "constant border", "other": "reflect / reflect_edge / wrap / replicate"}
    totals: Counter = Counter()
    failing: Counter = Counter()
    per_check = {g: Counter() for g in groups}
    per_transform = {g: Counter() for g in groups}
    per_option = {g: Counter() for g in groups}
    errors: Counter = Counter()
    shown: dict[tuple[str, str], list[str]] = {}
    for i in range(n):
        case = painted.run_case(seed, i)
        g = "constant" if case.spec.border == "constant" else "other"
        totals[g] += 1
        if case.error:
            errors[case.error.split(":")[0] + ": " + case.error.split(":", 1)[1][:60]] += 1
            continue
        checks = sorted({f.check for f in case.failures})
        if not checks:
            continue
        failing[g] += 1
        pipe = case.spec.pipe
        for c in checks:
            per_check[g][c] += 1
            per_option[g][f"{c} fuse={pipe.fuse} from_masks={pipe.boxes_from_masks}"] += 1
            shown.setdefault((g, c), [])
            if len(shown[(g, c)]) < examples:
                shown[(g, c)].append(f"{case.seed}:{case.index} {'+'.join(case.spec.names)}")
        for name in sorted(set(case.spec.names)):
            per_transform[g][name] += 1
    cpu = time.process_time() - t0
    out = [f"bench_labels: {n} pipelines, seed {seed}, {cpu:.1f} s CPU"]
    for g, title in groups.items():
        out.append(
            f"{title}: {totals[g]} pipelines, {failing[g]} with a label failure "
            f"({100.0 * failing[g] / max(totals[g], 1):.2f}%)"
        )
        out += _table("failing pipelines per check", per_check[g], totals[g])
        out += _table("failing pipelines per transform", per_transform[g], totals[g])
        out += _table("per check and Compose options", per_option[g], totals[g])
        for (gg, c), ids in sorted(shown.items()):
            if gg == g:
                out.append(f"    e.g. {c}: " + "; ".join(ids))
    out.append(f"errors raised by the engine: {sum(errors.values())}")
    out += [f"    {n_err:>6}  {msg}" for msg, n_err in errors.most_common()]
    return "\n".join(out)


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=50_000, help="number of pipelines")
    ap.add_argument("--seed", type=int, default=0, help="run seed")
    ap.add_argument("--examples", type=int, default=3, help="case ids shown per check")
    ap.add_argument("--case", help="SEED:INDEX: run one case and print it")
    args = ap.parse_args()
    if args.case:
        seed, index = (int(v) for v in args.case.split(":"))
        case = painted.run_case(seed, index)
        print(case.report())
        print("OK" if not case.failures and not case.error else "FAILED")
        return
    print(run(args.n, args.seed, args.examples))


if __name__ == "__main__":
    main()
