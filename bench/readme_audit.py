"""Run the two audits the README quotes and keep their figures in docs/results/.

The README's audit section quotes two runs of ``synthaug audit``:

* ``synthaug audit --pipeline examples/audit_digits.yaml --data digits --out audit-digits``
* ``python examples/photo_patches.py photo-patches``, then
  ``synthaug audit --pipeline examples/audit_photos.yaml --data photo-patches --out audit-photos``

This script runs exactly those commands (in a temporary folder, one after the other, with
``OMP_NUM_THREADS=1``) and writes ``docs/results/audit_digits.json`` and
``docs/results/audit_photos.json``: each run's ``audit.json`` trimmed to what the README
quotes (clean accuracy, noise floor, and per transform its verdict, flip rate, test against
the floor, the retrained oracle's test and the largest safe magnitude), with the command,
the commit, the CPU seconds and the load average. A few CPU-minutes per audit::

    PYTHONPATH=src python bench/readme_audit.py [--out docs/results]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = {
    "digits": {
        "prepare": None,
        "audit": "--pipeline examples/audit_digits.yaml --data digits --out audit-digits",
    },
    "photos": {
        "prepare": "examples/photo_patches.py photo-patches",
        "audit": "--pipeline examples/audit_photos.yaml --data photo-patches --out audit-photos",
    },
}


def _test(test: dict | None) -> dict | None:
    if test is None:
        return None
    keep = ("rate", "floor", "p_value", "n_flipped", "n_trials", "significant")
    return {k: test[k] for k in keep}


def trim(result: dict) -> dict:
    """The figures of an ``audit.json`` the README quotes, per transform at magnitude 1."""
    transforms = []
    for t in result["transforms"]:
        one = next((m for m in t["magnitudes"] if m["magnitude"] == 1.0), None)
        transforms.append(
            {
                "name": t["name"],
                "path": t["path"],
                "config": t["config"],
                "category": t["category"],
                "flagged": t["flagged"],
                "verdict": t["verdict"],
                "max_safe_magnitude": t["max_safe_magnitude"],
                "safe_params": t["safe_params"],
                "flip_rate": None if one is None else one["flip_rate"],
                "test": None if one is None else _test(one.get("test")),
                "retrained_test": None if one is None else _test(one.get("retrained_test")),
                "retrained_floor": (t.get("retrained_floor") or {}).get("floor"),
            }
        )
    floor = result.get("noise_floor") or {}
    return {
        "oracle": result["oracle"],
        "seed": result["seed"],
        "clean_accuracy": result["clean_accuracy"],
        "n_train": result["n_train"],
        "n_val": result["n_val"],
        "n_audited": result["n_audited"],
        "floor": floor.get("floor"),
        "transforms": transforms,
        "warnings": result.get("warnings", []),
    }


def _run(args: list[str], cwd: Path) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p
    )
    subprocess.run([sys.executable, *args], cwd=cwd, env=env, check=True)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=list(RUNS), help=f"of {', '.join(RUNS)}")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "results")
    args = ap.parse_args(argv)
    unknown = sorted(set(args.names) - set(RUNS))
    if unknown:
        ap.error(f"unknown audit {unknown}: expected some of {', '.join(RUNS)}")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    for name in args.names:
        run = RUNS[name]
        with tempfile.TemporaryDirectory(prefix="synthaug-readme-audit-") as tmp:
            work = Path(tmp)
            for sub in ("examples",):
                (work / sub).symlink_to(ROOT / sub)
            load_start, cpu_start, wall = os.getloadavg(), _cpu(), time.perf_counter()
            if run["prepare"]:
                _run(run["prepare"].split(), work)
            _run(["-m", "synthaug.cli", "audit", *run["audit"].split(), "--quiet"], work)
            out_dir = run["audit"].split("--out ")[1]
            result = json.loads((work / out_dir / "audit.json").read_text())
        commands = ([f"python {run['prepare']}"] if run["prepare"] else []) + [
            f"synthaug audit {run['audit']}"
        ]
        page = {
            "written_by": "PYTHONPATH=src python bench/readme_audit.py " + name,
            "commands": commands,
            "commit": commit,
            "cpu_seconds": round(_cpu() - cpu_start, 1),
            "wall_seconds": round(time.perf_counter() - wall, 1),
            "load_average_start_end": [round(load_start[0], 2), round(os.getloadavg()[0], 2)],
            "logical_cores": os.cpu_count(),
            "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
            **trim(result),
        }
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / f"audit_{name}.json"
        path.write_text(json.dumps(page, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path} ({page['cpu_seconds']} CPU s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
