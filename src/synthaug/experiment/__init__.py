"""Train with and without synthetic data, compare on a real test set, and report.

Examples
--------
>>> from synthaug.experiment import load_config, run_experiment, write_outputs
>>> cfg = load_config(DEMO_CONFIG)  # doctest: +SKIP
>>> result = run_experiment(cfg, "out")  # doctest: +SKIP
>>> write_outputs(result, "out")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synthaug.experiment.config import ExperimentConfig, load_config, parse_config

__all__ = [
    "DEMO_CONFIG",
    "QUICK_CONFIG",
    "ExperimentConfig",
    "load_config",
    "parse_config",
    "run_experiment",
    "write_outputs",
]

DEMO_CONFIG = Path(__file__).parent / "configs" / "digits_demo.yaml"
QUICK_CONFIG = Path(__file__).parent / "configs" / "digits_quick.yaml"


def run_experiment(*args: Any, **kwargs: Any):
    """See :func:`synthaug.experiment.runner.run_experiment`."""
    from synthaug.experiment.runner import run_experiment as _run

    return _run(*args, **kwargs)


def write_outputs(*args: Any, **kwargs: Any):
    """See :func:`synthaug.experiment.render.write_outputs`."""
    from synthaug.experiment.render import write_outputs as _write

    return _write(*args, **kwargs)
