"""``synthaug demo --tabular`` and the built-in tables."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from synthaug.cli import app
from synthaug.errors import ConfigError
from synthaug.tabular.datasets import BUILTIN_TABLES, load_table


def test_builtin_tables_load_with_their_types_and_missing_values():
    p = load_table("penguins")
    assert p.shape == (344, 8) and int(p.isna().sum().sum()) == 19
    assert set(p["species"].dropna()) == {"Adelie", "Chinstrap", "Gentoo"}
    assert load_table("wine").shape == (178, 14) and load_table("breast_cancer").shape == (569, 31)
    assert all(isinstance(c, str) for c in load_table("wine").columns)
    p.loc[0, "species"] = "changed"
    assert load_table("penguins").loc[0, "species"] == "Adelie"  # a fresh copy each time
    with pytest.raises(
        ConfigError, match=r"table 'penguin': not a built-in table; expected one of"
    ):
        load_table("penguin")
    assert sorted(BUILTIN_TABLES) == ["breast_cancer", "penguins", "wine"]


def test_tabular_demo_writes_three_reports_read_against_a_disjoint_holdout(tmp_path):
    res = CliRunner().invoke(app, ["demo", "--tabular", "--quick", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    out = tmp_path / "tabular"
    folders = {"gaussiancopula", "tvae", "tvae-dp-epsilon-3"}
    assert {p.name for p in out.iterdir() if p.is_dir()} == folders
    index = (out / "index.html").read_text()
    for name in folders:
        assert f'href="{name}/report.html"' in index
        m = json.loads((out / name / "metrics.json").read_text())
        assert m["n_real"] == m["n_holdout"] == m["n_synthetic"] == 172
        assert m["utility"]["target"] == "species" and 0 < m["utility"]["trtr"] <= 1
        syn = pd.read_csv(out / name / "synthetic.csv")
        assert list(syn.columns) == list(load_table("penguins").columns) and len(syn) == 172
        assert set(syn["species"].dropna()) <= {"Adelie", "Chinstrap", "Gentoo"}
        assert "<html" in (out / name / "report.html").read_text()[:200].lower()
    dp = json.loads((out / "tvae-dp-epsilon-3" / "metrics.json").read_text())["generator"]["dp"]
    assert 0 < dp["epsilon"] <= 3.0
    plain = json.loads((out / "tvae" / "metrics.json").read_text())["generator"]
    assert plain["class"] == "TVAE" and plain["dp"] is None
    # the answer comes first and names a generator; the terminal shows the summary table
    answer = re.search(r"<h2>The answer</h2><p>(.*?)</p>", index).group(1)
    assert answer.startswith("Most useful: ") and "holdout" in answer
    assert "epsilon 3" in answer  # what the guarantee cost
    assert "synthetic penguins against 172 unseen real rows" in res.output
    assert "Traceback" not in res.output and "Warning" not in res.output
