"""synthaug evaluate from the command line."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from synthaug.cli import app
from synthaug.data import load_dataset


def test_evaluate_writes_metrics_and_page_and_flags_copies(tmp_path):
    X, y = load_dataset("digits")
    np.savez(tmp_path / "train.npz", X=X[:600], y=y[:600])
    np.savez(tmp_path / "hold.npz", X=X[600:1000], y=y[600:1000])
    np.savez(tmp_path / "copies.npz", X=X[:200])  # no labels: utility is skipped
    res = CliRunner().invoke(
        app,
        [
            "evaluate",
            "--real",
            str(tmp_path / "train.npz"),
            "--synthetic",
            str(tmp_path / "copies.npz"),
            "--holdout",
            str(tmp_path / "hold.npz"),
            "--out",
            str(tmp_path / "out"),
            "--space",
            "pca",
        ],
    )
    assert res.exit_code == 0, res.output
    metrics = {
        m["name"]: m for m in json.loads((tmp_path / "out" / "metrics.json").read_text())["metrics"]
    }
    assert "memorisation risk" in metrics["privacy (pixel space)"]["reading"]
    assert "utility (TSTR / TRTR)" not in metrics
    assert "data:image/png;base64," in (tmp_path / "out" / "index.html").read_text()


def test_evaluate_refuses_mismatched_shapes_with_a_clear_error(tmp_path):
    np.savez(tmp_path / "small.npz", X=np.zeros((10, 4, 4), np.float32))
    res = CliRunner().invoke(
        app,
        [
            "evaluate",
            "--real",
            "digits",
            "--synthetic",
            str(tmp_path / "small.npz"),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert res.exit_code == 2
    assert "must match" in res.output
