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
from types import SimpleNamespace

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
    failing: Counter = Counter()  # pipelines with a failure of an asserted label check
    ambiguous: Counter = Counter()  # pipelines whose only label failures border copies explain
    out_of_range: Counter = Counter()  # pipelines whose float32 image left [0, 1]
    per_check = {g: Counter() for g in groups}
    per_transform = {g: Counter() for g in groups}
    per_option = {g: Counter() for g in groups}
    errors: Counter = Counter()
    shown: dict[tuple[str, str], list[str]] = {}
    cases = []
    for i in range(n):
        case = painted.run_case(seed, i)
        cases.append(SimpleNamespace(resampler=case.resampler, offsets=case.offsets))
        g = "constant" if case.spec.border == "constant" else "other"
        totals[g] += 1
        if case.error:
            errors[case.error[:100]] += 1
            continue
        checks = sorted({f.check for f in case.failures})
        labels = [c for c in checks if c != "image_range" and not c.endswith(painted.COPIES)]
        out_of_range[g] += "image_range" in checks
        ambiguous[g] += any(c.endswith(painted.COPIES) for c in checks) and not labels
        failing[g] += bool(labels)
        pipe = case.spec.pipe
        for c in checks:
            per_check[g][c] += 1
            per_option[g][f"{c} fuse={pipe.fuse} boxes_from_masks={case.spec.from_masks}"] += 1
            shown.setdefault((g, c), [])
            if len(shown[(g, c)]) < examples:
                shown[(g, c)].append(f"{case.seed}:{case.index} {'+'.join(case.spec.names)}")
        for name in sorted(set(case.spec.names)) if labels else ():
            per_transform[g][name] += 1
    cpu = time.process_time() - t0
    out = [f"bench_labels: {n} pipelines, seed {seed}, {cpu:.1f} s CPU"]
    for g, title in groups.items():
        out.append(f"{title}: {totals[g]} pipelines")
        rows = [("with a label failure", failing[g])]
        if g == "other":
            rows.append(("with only failures border copies explain (*~copies)", ambiguous[g]))
        rows.append(("float32 image outside [0, 1] (image_range)", out_of_range[g]))
        for what, k in rows:
            out.append(f"  {what}: {k} ({100.0 * k / max(totals[g], 1):.2f}%)")
        out += _table("failing pipelines per check", per_check[g], totals[g])
        out += _table(
            "pipelines with a label failure, per transform they contain",
            per_transform[g],
            totals[g],
        )
        out += _table("per check and Compose options", per_option[g], totals[g])
        for (gg, c), ids in sorted(shown.items()):
            if gg == g:
                out.append(f"    e.g. {c}: " + "; ".join(ids))
    for kind in ("mask", "kp"):
        biased = painted.biased_resamplers(cases, kind)
        out.append(f"{kind} offset against the paint after one resampling, biased groups:")
        out += [f"    {name:<34} {text}" for name, text in biased.items()] or ["    (none)"]
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
