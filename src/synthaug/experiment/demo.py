"""The demo as a library call: the digits experiment, its report and the augmentation preview.

:func:`run_demo` is what ``synthaug demo`` (and ``make demo``) runs, and what
``bench/demo_time.py`` times; the CLI only adds the terminal (plan, progress bars, summary).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synthaug.experiment.runner import Callback, ExperimentResult

__all__ = [
    "accuracy_table",
    "demo_results_markdown",
    "run_demo",
    "trim_metrics",
    "write_demo_results",
]


def run_demo(
    out: str | Path, quick: bool = False, workers: int = 0, callback: Callback | None = None
) -> tuple[ExperimentResult, list[Path]]:
    """Run the demo into ``out``: the experiment of ``digits_demo.yaml`` (``digits_quick.yaml``
    with ``quick``), ``metrics.json`` and ``report.html``, and ``augment_preview.png``.

    ``workers=0`` uses one process per CPU core, and more are never started than there are
    cores (each worker runs one thread). ``callback`` receives the experiment's events
    (:func:`synthaug.experiment.run_experiment`), then ``{"event": "phase", "phase",
    "total"}`` and ``{"event": "progress", "phase", "done", "total"}`` for the report and the
    preview. Returns the experiment result and the paths written.
    """
    from synthaug.augment.demo import run_augment_demo
    from synthaug.experiment import DEMO_CONFIG, QUICK_CONFIG, load_config, run_experiment
    from synthaug.experiment.render import write_outputs
    from synthaug.experiment.tasks import available_cores

    def say(event: dict) -> None:
        if callback:
            callback(event)

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = load_config(QUICK_CONFIG if quick else DEMO_CONFIG)
    cores = available_cores()
    n = min(workers, cores) if workers > 0 else cores
    result = run_experiment(cfg, out, callback=callback, workers=n)
    say({"event": "phase", "phase": "report", "total": 1})
    paths = write_outputs(result, out)
    say({"event": "progress", "phase": "report", "done": 1, "total": 1})
    say({"event": "phase", "phase": "preview", "total": 1})
    paths += run_augment_demo(out, n_per_photo=4 if quick else 8, seed=0)
    say({"event": "progress", "phase": "preview", "done": 1, "total": 1})
    return result, paths


# --------------------------------------------------------------------------- generated docs
# The README quotes the demo's numbers from docs/results/demo.md, which this module writes
# from a recorded run (docs/results/demo_metrics.json, a trimmed metrics.json, and
# docs/results/demo_time.json from bench/demo_time.py); tests/unit/test_experiment_demo_docs.py fails
# when a number quoted in the README's demo section is not in that file.
TABLE_BEGIN, TABLE_END = "<!-- demo-table:begin -->", "<!-- demo-table:end -->"
TIMING_BEGIN, TIMING_END = "<!-- demo-timing:begin -->", "<!-- demo-timing:end -->"


def trim_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """The parts of a ``metrics.json`` the generated pages quote (no per-run rows, no audit
    examples), small enough to keep in the repository."""
    audit = metrics.get("audit") or {}
    return {
        "name": metrics["name"],
        "config": metrics["config"],
        "data": metrics["data"],
        "summary": metrics["summary"],
        "comparisons": metrics["comparisons"],
        "baseline": {k: v for k, v in metrics["baseline"].items() if k != "runs"},
        "quality": {
            key: {
                "metrics": [{"name": r["name"], "value": r["value"]} for r in q.get("metrics", [])]
            }
            for key, q in metrics.get("quality", {}).items()
        },
        "audit": {
            "oracle": audit.get("oracle"),
            "clean_accuracy": audit.get("clean_accuracy"),
            "error": audit.get("error"),
            "transforms": [
                {k: t.get(k) for k in ("name", "category", "flagged", "max_safe_magnitude")}
                for t in audit.get("transforms", [])
            ],
        },
        "seconds": metrics.get("seconds"),
        "timing": metrics.get("timing", {}),
    }


def _pct(row: dict[str, Any]) -> str:
    return f"{100 * row['mean']:.1f} [{100 * row['ci_low']:.1f}, {100 * row['ci_high']:.1f}]"


def accuracy_table(metrics: dict[str, Any]) -> str:
    """The README's demo table: test accuracy %, mean [95% CI] per arm and labelled size, with
    the logistic-regression reference row last."""
    sizes = metrics["config"]["sizes"]
    lines = [
        "| arm | " + " | ".join(f"{s} per class" for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    rows = metrics["summary"] + metrics["baseline"].get("summary", [])
    for label in dict.fromkeys(r["label"] for r in rows):
        by_size = {r["size"]: r for r in rows if r["label"] == label}
        cells = [_pct(by_size[s]) if s in by_size else "-" for s in sizes]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _fmt_s(s: float) -> str:
    return f"{s:.0f} s" if s < 90 else f"{int(s // 60)} min {s - 60 * int(s // 60):02.0f} s"


def timing_line(timing: dict[str, Any]) -> str:
    """One sentence: wall and CPU time of the recorded run, workers, cores and load average."""
    t = timing["total"]
    a, b = timing["load_average_start"][0], timing["load_average_end"][0]
    return (
        f"{_fmt_s(t['wall_s'])} wall and {t['cpu_s']:.0f} s of CPU ({timing['workers']} workers "
        f"on {timing['cores']} cores; 1-minute load average {a:.2f} at the start and {b:.2f} at "
        f"the end, from other jobs sharing the machine; {timing['when']})"
    )


def demo_results_markdown(metrics: dict[str, Any], timing: dict[str, Any] | None) -> str:
    """docs/results/demo.md: the accuracy table, verdicts, quality rows, audit and timing."""
    n_seeds = len(metrics["config"]["seeds"])
    out = [
        "# The demo's results",
        "",
        "Written by `bench/demo_time.py --write docs/results` (a fresh `synthaug demo` run) or "
        "`make docs` (from the recorded `docs/results/demo_metrics.json` and "
        "`demo_time.json`); do not edit by hand. README.md quotes this file, and "
        "`tests/unit/test_experiment_demo_docs.py` fails when they disagree.",
        "",
        f"## Test accuracy %, mean [95% CI] over {n_seeds} seeds",
        "",
        TABLE_BEGIN,
        accuracy_table(metrics),
        TABLE_END,
        "",
        "## Verdicts (paired over seeds, against the real-only arm)",
        "",
    ]
    out += [f"- {c['verdict']}" for c in metrics["comparisons"]]
    out += ["", "## Generators: fidelity, privacy, utility", ""]
    for key, q in metrics.get("quality", {}).items():
        out += [f"### {key}", "", "| metric | value |", "|---|---|"]
        out += [f"| {r['name']} | {r['value']} |" for r in q.get("metrics", [])]
        out.append("")
    audit = metrics.get("audit") or {}
    if audit.get("transforms"):
        out += [
            f"## Audit of the demo's pipeline (oracle {audit['oracle']}, "
            f"{100 * audit['clean_accuracy']:.1f}% clean accuracy)",
            "",
        ]
        for t in audit["transforms"]:
            safe = t["max_safe_magnitude"]
            out.append(
                f"- {t['name']}: {t['category']}"
                + ("" if safe is None else f" (largest safe magnitude {safe:g})")
            )
        out.append("")
    if timing is not None:
        out += [
            "## Time",
            "",
            TIMING_BEGIN,
            timing_line(timing),
            TIMING_END,
            "",
            "Per phase: [demo_time.md](demo_time.md).",
        ]
    return "\n".join(out).rstrip() + "\n"


def write_demo_results(
    metrics_path: str | Path, out_md: str | Path, timing: dict[str, Any] | None = None
) -> Path:
    """Write ``out_md`` (docs/results/demo.md) and, beside it, ``demo_metrics.json`` (the trimmed
    metrics) from a run's ``metrics.json`` (or an already trimmed file). Without ``timing``
    the measurement labelled ``after`` (else the newest) of ``demo_time.json`` beside it is
    used when present."""
    from synthaug.report import write_text_atomic

    out_md = Path(out_md)
    metrics = trim_metrics(json.loads(Path(metrics_path).read_text()))
    store = out_md.parent / "demo_metrics.json"
    if Path(metrics_path).resolve() != store.resolve():
        write_text_atomic(store, json.dumps(metrics, indent=1) + "\n")
    if timing is None:
        runs_path = out_md.parent / "demo_time.json"
        if runs_path.exists():
            runs = json.loads(runs_path.read_text())
            timing = runs.get("after") or (list(runs.values())[-1] if runs else None)
    write_text_atomic(out_md, demo_results_markdown(metrics, timing))
    return out_md


def main(argv: list[str] | None = None) -> int:
    """``python -m synthaug.experiment.demo [docs/results]``: rewrite demo.md from the
    recorded demo_metrics.json and demo_time.json in that folder (``make docs``)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0] if args else "docs/results")
    write_demo_results(folder / "demo_metrics.json", folder / "demo.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
