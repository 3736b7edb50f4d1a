"""GaussianCopula: marginals, dependence, conditions, determinism and the model folder."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from synthaug.errors import ConfigError, InvalidInputError, ModelFormatError
from synthaug.tabular import GaussianCopula, load_generator
from synthaug.tabular.schema import SchemaOverrides


def _table(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    df = pd.DataFrame(
        {
            "x": x,
            "y": 2 * x + rng.normal(size=n),
            "age": rng.integers(18, 90, n).astype(float),
            "g": np.where(x > 0, "a", "b"),
            "flag": x > 1,
            "day": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 300, n), "D"),
            "city": np.where(rng.random(n) > 0.5, "Paris", "Rome"),
        }
    )
    df["country"] = df["city"].map({"Paris": "FR", "Rome": "IT"})
    df.loc[::5, "age"] = np.nan
    return df


@pytest.fixture(scope="module")
def fitted() -> tuple[pd.DataFrame, GaussianCopula]:
    df = _table()
    return df, GaussianCopula().fit(df, SchemaOverrides(fixed_combinations=[["city", "country"]]))


def test_sample_keeps_dtypes_ranges_categories_and_missing_rate(fitted):
    df, gen = fitted
    out = gen.sample(4000, seed=1)
    assert list(out.columns) == list(df.columns)
    assert str(out["age"].dtype) == "Int64" and out["flag"].dtype == bool
    assert out["age"].min() >= 18 and out["age"].max() <= 89
    assert set(out["g"].unique()) == {"a", "b"}
    assert abs(out["age"].isna().mean() - 0.2) < 0.03
    assert out["day"].dt.normalize().equals(out["day"])  # dates stay dates


def test_correlation_of_numbers_is_kept(fitted):
    df, gen = fitted
    out = gen.sample(4000, seed=1)
    assert abs(out["x"].corr(out["y"]) - df["x"].corr(df["y"])) < 0.03


def test_fixed_combinations_only_yield_seen_pairs(fitted):
    _, gen = fitted
    pairs = set(map(tuple, gen.sample(2000, seed=3)[["city", "country"]].to_numpy()))
    assert pairs == {("Paris", "FR"), ("Rome", "IT")}


def test_same_seed_same_rows_other_seed_other_rows(fitted):
    _, gen = fitted
    assert gen.sample(50, seed=7).equals(gen.sample(50, seed=7))
    assert not gen.sample(50, seed=7).equals(gen.sample(50, seed=8))


def test_numeric_condition_shifts_correlated_column(fitted):
    _, gen = fitted
    out = gen.sample(500, seed=0, conditions={"x": 1.5})
    assert (out["x"] == 1.5).all()  # exactly the condition, not 1.4999999
    assert 2.2 < out["y"].mean() < 3.8  # E[y | x=1.5] = 3 under the data's law


def test_categorical_condition_by_rejection(fitted):
    _, gen = fitted
    out = gen.sample(300, seed=0, conditions={"g": "a", "country": "IT"})
    assert (out["g"] == "a").all() and (out["city"] == "Rome").all()
    assert out["x"].mean() > 0.3


def test_bad_conditions_are_refused(fitted):
    _, gen = fitted
    with pytest.raises(ConfigError, match="outside the training range"):
        gen.sample(5, conditions={"x": 100.0})
    with pytest.raises(ConfigError, match="not one of the 2 categories"):
        gen.sample(5, conditions={"g": "zzz"})
    with pytest.raises(ConfigError, match="'nope' is not in the table"):
        gen.sample(5, conditions={"nope": 1})


def test_save_load_round_trip_is_json_and_safetensors(fitted, tmp_path):
    _, gen = fitted
    gen.save(tmp_path / "m")
    assert json.loads((tmp_path / "m" / "model.json").read_text())["class"] == "GaussianCopula"
    assert load_generator(tmp_path / "m").sample(30, seed=2).equals(gen.sample(30, seed=2))


def test_load_refuses_a_pickle(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "model.json").write_text('{"format": "synthaug.tabular"}')
    (tmp_path / "m" / "model.safetensors").write_bytes(b"\x80\x04\x95pickle")
    with pytest.raises(ModelFormatError):
        load_generator(tmp_path / "m")


def test_fit_refuses_too_small_table_and_unfitted_sample():
    with pytest.raises(InvalidInputError, match="at least 2"):
        GaussianCopula().fit(pd.DataFrame({"a": [1.0]}))
    with pytest.raises(ConfigError, match="not fitted"):
        GaussianCopula().sample(3)
