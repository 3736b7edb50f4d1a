"""``synthaug tabular fit | sample | evaluate`` end to end on a small table."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_wine
from typer.testing import CliRunner

from synthaug.cli import app

runner = CliRunner()


@pytest.fixture()
def wine_files(tmp_path):
    df = load_wine(as_frame=True).frame
    df["target"] = df["target"].map(lambda v: f"cultivar{v}")
    df.insert(0, "patient_id", [f"id{i:04d}" for i in range(len(df))])
    idx = np.random.default_rng(0).permutation(len(df))
    k = len(df) // 2
    df.iloc[idx[:k]].to_csv(tmp_path / "train.csv", index=False)
    df.iloc[idx[k:]].to_parquet(tmp_path / "holdout.parquet", index=False)
    (tmp_path / "s.yaml").write_text(
        "primary_key: patient_id\nsensitive: [target]\ncolumns:\n  magnesium: {type: integer, min: 0}\n"
    )
    return tmp_path


def test_fit_sample_evaluate_writes_model_table_metrics_and_page(wine_files):
    d = wine_files
    res = runner.invoke(
        app,
        [
            "tabular",
            "fit",
            str(d / "train.csv"),
            "--out",
            str(d / "model"),
            "--schema",
            str(d / "s.yaml"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert (d / "model" / "model.safetensors").is_file() and "patient_id" in res.output
    res = runner.invoke(
        app,
        [
            "tabular",
            "sample",
            str(d / "model"),
            "-n",
            "120",
            "--out",
            str(d / "syn.parquet"),
            "--seed",
            "3",
        ],
    )
    assert res.exit_code == 0, res.output
    syn = pd.read_parquet(d / "syn.parquet")
    assert len(syn) == 120 and "patient_id" not in syn
    # declared integer, stored as float64 in the input: the dtype is kept and values are whole
    assert syn["magnesium"].dtype == np.float64 and (syn["magnesium"] % 1 == 0).all()
    res = runner.invoke(
        app,
        [
            "tabular",
            "evaluate",
            "--real",
            str(d / "train.csv"),
            "--holdout",
            str(d / "holdout.parquet"),
            "--synthetic",
            str(d / "syn.parquet"),
            "--target",
            "target",
            "--schema",
            str(d / "s.yaml"),
            "--out",
            str(d / "eval"),
            "--model",
            str(d / "model"),
        ],
    )
    assert res.exit_code == 0, res.output
    metrics = json.loads((d / "eval" / "metrics.json").read_text())
    assert metrics["utility"]["target"] == "target"
    assert metrics["generator"] == {"class": "GaussianCopula", "dp": None}
    assert "Differential privacy: none: GaussianCopula was trained without" in metrics["verdict"]
    assert metrics["privacy"]["attribute_disclosure"][0]["column"] == "target"
    page = (d / "eval" / "report.html").read_text()
    assert page.startswith("<!doctype html>") and page.count("data:image/png;base64,") == 3
    assert "Verdict" in page and "Privacy" in page


def test_same_seed_gives_identical_csv(wine_files):
    d = wine_files
    runner.invoke(app, ["tabular", "fit", str(d / "train.csv"), "--out", str(d / "m")])
    for name in ("a.csv", "b.csv"):
        runner.invoke(app, ["tabular", "sample", str(d / "m"), "-n", "50", "--out", str(d / name)])
    assert (d / "a.csv").read_bytes() == (d / "b.csv").read_bytes()


def test_overlapping_holdout_is_refused_in_two_lines(wine_files):
    d = wine_files
    res = runner.invoke(
        app,
        [
            "tabular",
            "evaluate",
            "--real",
            str(d / "train.csv"),
            "--holdout",
            str(d / "train.csv"),
            "--synthetic",
            str(d / "train.csv"),
            "--out",
            str(d / "e"),
        ],
    )
    assert res.exit_code == 2
    assert "rows also appear in the training table" in " ".join(res.output.split())
    assert "Traceback" not in res.output and not (d / "e").exists()


def test_bad_schema_and_condition_are_one_line_errors(wine_files):
    d = wine_files
    (d / "bad.yaml").write_text("columns:\n  alcohol: {type: float}\n")
    res = runner.invoke(
        app,
        [
            "tabular",
            "fit",
            str(d / "train.csv"),
            "--out",
            str(d / "m"),
            "--schema",
            str(d / "bad.yaml"),
        ],
    )
    assert res.exit_code == 2 and "columns.alcohol.type" in res.output
    runner.invoke(app, ["tabular", "fit", str(d / "train.csv"), "--out", str(d / "m")])
    res = runner.invoke(
        app,
        [
            "tabular",
            "sample",
            str(d / "m"),
            "-n",
            "5",
            "--out",
            str(d / "x.csv"),
            "--condition",
            "target=nope",
        ],
    )
    assert res.exit_code == 2 and "'nope' is not one of the 3 categories" in " ".join(
        res.output.split()
    )
    assert not (d / "x.csv").exists()
