"""Optional experiment tracking: results go to MLflow when it is installed, nowhere otherwise.

Install with ``pip install "synthaug[mlflow]"``. The tracking URI and experiment come from
MLflow's own environment variables (``MLFLOW_TRACKING_URI``; default ``./mlruns``).
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Any

__all__ = ["log_to_mlflow", "mlflow_available"]

log = logging.getLogger(__name__)


def mlflow_available() -> bool:
    """True when the ``mlflow`` package can be imported."""
    return importlib.util.find_spec("mlflow") is not None


def log_to_mlflow(result: Any, out_dir: str | Path) -> str | None:
    """Log an experiment's config, summary metrics and report to MLflow; return the run id.

    Does nothing (returns None) when MLflow is not installed. One MLflow run per experiment;
    metric names are ``acc/<arm>/<size>`` (mean over seeds) with ``_ci_low``/``_ci_high``.
    """
    if not mlflow_available():
        return None
    import mlflow

    cfg = result.config
    mlflow.set_experiment(f"synthaug-{cfg.name}")
    with mlflow.start_run(run_name=cfg.name) as run:
        mlflow.log_params(
            {
                "dataset": cfg.data.dataset,
                "model": cfg.model.kind,
                "sizes": ",".join(map(str, cfg.sizes)),
                "seeds": ",".join(map(str, cfg.seeds)),
                "arms": ",".join(a.name for a in cfg.arms),
            }
        )
        for row in result.summary:
            key = (
                f"acc/{row['label']}/{row['size']}".replace(" ", "_")
                .replace(":", "-")
                .replace("@", "at")
            )
            mlflow.log_metric(key, row["mean"])
            mlflow.log_metric(key + "_ci_low", row["ci_low"])
            mlflow.log_metric(key + "_ci_high", row["ci_high"])
        for name in ("metrics.json", "report.html"):
            path = Path(out_dir) / name
            if path.exists():
                mlflow.log_artifact(str(path))
        log.info("logged experiment %s to MLflow run %s", cfg.name, run.info.run_id)
        return run.info.run_id
