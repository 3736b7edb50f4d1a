"""The demo as a library call: the digits experiment, its report and the augmentation preview."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synthaug.experiment.runner import Callback, ExperimentResult

__all__ = ["run_demo"]


def run_demo(
    out: str | Path, quick: bool = False, workers: int = 0, callback: Callback | None = None
) -> tuple[ExperimentResult, list[Path]]:
    """Run ``synthaug demo`` into ``out``; return the experiment result and the files written."""
    import os

    from synthaug.augment.demo import run_augment_demo
    from synthaug.experiment import DEMO_CONFIG, QUICK_CONFIG, load_config, run_experiment
    from synthaug.experiment.render import write_outputs

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = load_config(QUICK_CONFIG if quick else DEMO_CONFIG)
    n = workers or max(1, os.cpu_count() or 1)
    result = run_experiment(cfg, out, callback=callback, workers=n)
    if callback:
        callback({"event": "phase", "phase": "report", "total": 2})
    paths = write_outputs(result, out)
    if callback:
        callback({"event": "phase", "phase": "preview", "total": 1})
    paths += run_augment_demo(out, n_per_photo=4 if quick else 8, seed=0)
    return result, paths


def _unused(x: Any) -> Any:
    return x
