"""MLflow logging is optional: nothing happens without it, everything is logged with it."""

from __future__ import annotations

import sys
import types

from synthaug.experiment import parse_config
from synthaug.experiment.runner import ExperimentResult
from synthaug.experiment.tracking import log_to_mlflow


def _result():
    cfg = parse_config({"name": "t", "arms": [{"name": "real"}], "model": {"kind": "svm"}})
    summary = [{"label": "real", "size": 5, "mean": 0.9, "ci_low": 0.85, "ci_high": 0.95}]
    return ExperimentResult(config=cfg, records=[], summary=summary, comparisons=[])


def test_without_mlflow_nothing_is_logged(monkeypatch, tmp_path):
    monkeypatch.setattr("synthaug.experiment.tracking.mlflow_available", lambda: False)
    assert log_to_mlflow(_result(), tmp_path) is None


def test_with_mlflow_params_metrics_and_artifacts_are_logged(monkeypatch, tmp_path):
    calls: dict[str, list] = {"params": [], "metric": [], "artifact": []}

    class Run:
        info = types.SimpleNamespace(run_id="abc123")

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

    fake = types.SimpleNamespace(
        set_experiment=lambda name: None,
        start_run=lambda run_name: Run(),
        log_params=lambda p: calls["params"].append(p),
        log_metric=lambda k, v: calls["metric"].append((k, v)),
        log_artifact=lambda p: calls["artifact"].append(p),
    )
    monkeypatch.setitem(sys.modules, "mlflow", fake)
    monkeypatch.setattr("synthaug.experiment.tracking.mlflow_available", lambda: True)
    (tmp_path / "metrics.json").write_text("{}")
    assert log_to_mlflow(_result(), tmp_path) == "abc123"
    assert calls["params"][0]["model"] == "svm"
    assert ("acc/real/5", 0.9) in calls["metric"]
    assert calls["artifact"] == [str(tmp_path / "metrics.json")]
