"""synthaug evaluate from the command line."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from synthaug.cli import app
from synthaug.data import load_dataset


def _evaluate(real, synthetic, out, holdout=None, space=None):
    """``synthaug evaluate`` through the CLI runner; paths or built-in names."""
    args = ["evaluate", "--real", str(real), "--synthetic", str(synthetic), "--out", str(out)]
    if holdout is not None:
        args += ["--holdout", str(holdout)]
    if space is not None:
        args += ["--space", space]
    return CliRunner().invoke(app, args)


def test_evaluate_writes_metrics_and_page_and_flags_copies(tmp_path):
    X, y = load_dataset("digits")
    np.savez(tmp_path / "train.npz", X=X[:600], y=y[:600])
    np.savez(tmp_path / "hold.npz", X=X[600:1000], y=y[600:1000])
    np.savez(tmp_path / "copies.npz", X=X[:200])  # no labels: utility is skipped
    res = _evaluate(
        str(tmp_path / "train.npz"),
        str(tmp_path / "copies.npz"),
        str(tmp_path / "out"),
        holdout=str(tmp_path / "hold.npz"),
        space="pca",
    )
    assert res.exit_code == 0, res.output
    metrics = {
        m["name"]: m for m in json.loads((tmp_path / "out" / "metrics.json").read_text())["metrics"]
    }
    assert "memorisation risk" in metrics["privacy (pixel space)"]["reading"]
    assert "utility (TSTR / TRTR)" not in metrics
    page = (tmp_path / "out" / "index.html").read_text()
    assert "data:image/png;base64," in page
    # the space and the sample sizes are said in words, in the table, the page and the terminal
    assert metrics["compared"]["value"] == "200 synthetic vs 200 real"
    assert "200 of 200 synthetic rows with 200 of 600 real" in metrics["compared"]["reading"]
    assert "200 synthetic vs 200 real" in page and "principal components" in page
    assert "compared:" in res.output


def test_evaluate_refuses_mismatched_shapes_with_a_clear_error(tmp_path):
    np.savez(tmp_path / "small.npz", X=np.zeros((10, 4, 4), np.float32))
    res = _evaluate("digits", str(tmp_path / "small.npz"), str(tmp_path / "o"))
    assert res.exit_code == 2
    assert "must match" in res.output


def _write_folder(root, X, y):
    import cv2

    for i, (img, label) in enumerate(zip(X, y, strict=True)):
        (root / str(label)).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / str(label) / f"{i}.png"), np.round(img * 255).astype(np.uint8))


def test_evaluate_reads_image_folders_and_a_labelled_holdout_for_utility(tmp_path):
    X, y = load_dataset("digits")
    # digits are ordered by writer: shuffle so the three sets share one distribution
    idx = np.random.default_rng(0).permutation(len(X))
    X, y = X[idx], y[idx]
    _write_folder(tmp_path / "real", X[:400], y[:400])
    _write_folder(tmp_path / "synthetic", X[1000:1200], y[1000:1200])  # unseen real: a good set
    np.savez(tmp_path / "hold.npz", X=X[400:700], y=y[400:700])
    res = _evaluate(
        str(tmp_path / "real"),
        str(tmp_path / "synthetic"),
        str(tmp_path / "out"),
        holdout=str(tmp_path / "hold.npz"),
        space="pixels",
    )
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "out" / "metrics.json").read_text())
    metrics = {m["name"]: m for m in report["metrics"]}
    assert "no sign of copying" in metrics["privacy (pixel space)"]["reading"]
    assert metrics["utility (TSTR / TRTR)"]["raw"] > 0.85  # real images used as "synthetic"
    reading = metrics["utility (TSTR / TRTR)"]["reading"]
    assert "on held-out real data (" in reading and "hold.npz), 300 images" in reading
    assert "real test data" not in reading
    assert "hard to tell apart" in metrics["classifier two-sample test"]["reading"]
    page = (tmp_path / "out" / "index.html").read_text()
    assert page.count("data:image/png;base64,") == 3  # real, synthetic and holdout grids
    assert "hold.npz" in page


def test_evaluate_refuses_a_holdout_of_another_shape(tmp_path):
    np.savez(tmp_path / "h.npz", X=np.zeros((10, 4, 4), np.float32), y=np.zeros(10, np.int64))
    res = _evaluate("digits", "digits", str(tmp_path / "o"), holdout=str(tmp_path / "h.npz"))
    assert res.exit_code == 2
    assert "--holdout images are (4, 4)" in res.output


def test_evaluate_refuses_a_holdout_that_overlaps_the_training_set(tmp_path):
    # regression (issue 23): the image evaluator took a holdout that shared rows with --real, so
    # memorised copies read as "as close as unseen real data"; tables already refused this
    X, y = load_dataset("digits")
    np.savez(tmp_path / "train.npz", X=X[:600], y=y[:600])
    np.savez(tmp_path / "hold.npz", X=X[590:900], y=y[590:900])  # 10 rows shared
    np.savez(tmp_path / "syn.npz", X=X[1000:1200], y=y[1000:1200])
    res = _evaluate(
        str(tmp_path / "train.npz"),
        str(tmp_path / "syn.npz"),
        str(tmp_path / "out"),
        holdout=str(tmp_path / "hold.npz"),
        space="pca",
    )
    assert res.exit_code == 2, res.output
    assert "holdout: 10 of 310 rows equal a row" in res.output
    assert "first: holdout row 0" in res.output
    assert not (tmp_path / "out" / "metrics.json").exists()
    assert "Traceback" not in res.output
