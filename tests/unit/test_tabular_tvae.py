"""TVAE: modes of a bimodal column, categories, determinism and the model folder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from synthaug.errors import ConfigError
from synthaug.tabular import TVAE, load_generator


@pytest.fixture(scope="module")
def fitted():
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    side = rng.random(300) < 0.5
    df = pd.DataFrame(
        {
            "x": np.where(side, rng.normal(-3, 0.3, 300), rng.normal(3, 0.3, 300)),
            "g": np.where(side, "left", "right"),
            "n": rng.integers(0, 5, 300),
        }
    )
    df.loc[::10, "n"] = None
    return df, TVAE(epochs=40, seed=0).fit(df)


def test_bimodal_column_keeps_both_modes_and_their_labels(fitted):
    _, gen = fitted
    out = gen.sample(600, seed=0)
    assert (out["x"].abs() > 1.5).mean() > 0.85  # little mass between the modes
    assert 0.3 < (out["x"] > 0).mean() < 0.7
    agree = ((out["x"] > 0) == (out["g"] == "right")).mean()
    assert agree > 0.65  # independent columns would agree half the time
    assert str(out["n"].dtype) == "Int64" and 0.03 < out["n"].isna().mean() < 0.2


def test_same_seed_same_rows_and_save_load(fitted, tmp_path):
    _, gen = fitted
    assert gen.sample(40, seed=5).equals(gen.sample(40, seed=5))
    gen.save(tmp_path / "m")
    assert load_generator(tmp_path / "m").sample(40, seed=5).equals(gen.sample(40, seed=5))


def test_condition_by_rejection_and_bad_parameters(fitted):
    df, gen = fitted
    assert (gen.sample(30, seed=1, conditions={"g": "left"})["g"] == "left").all()
    with pytest.raises(ConfigError, match="epochs: expected a positive integer, got 0"):
        TVAE(epochs=0).fit(df)


def test_dp_training_reports_the_accountants_epsilon(fitted, tmp_path):
    pytest.importorskip("opacus")
    df, _ = fitted
    gen = TVAE(epochs=3, dp_epsilon=2.0, seed=0).fit(df)
    assert 0 < gen.dp_["epsilon"] <= 2.0 and gen.dp_["noise_multiplier"] > 0
    assert "not the schema" in gen.dp_["covers"]
    gen.save(tmp_path / "dp")
    assert load_generator(tmp_path / "dp").dp_["epsilon"] == gen.dp_["epsilon"]


def test_dp_without_opacus_names_the_package(fitted, monkeypatch):
    import sys

    df, _ = fitted
    monkeypatch.setitem(sys.modules, "opacus", None)  # import opacus -> ImportError
    with pytest.raises(ConfigError, match=r"pip install opacus==1.6.0"):
        TVAE(epochs=1, dp_epsilon=1.0).fit(df)


def test_mode_fit_that_stops_early_prints_no_warning():
    # regression: 31 ConvergenceWarnings reached the terminal of 'synthaug tabular fit --generator tvae'
    import warnings

    from sklearn.datasets import load_breast_cancer

    from synthaug.tabular.tvae import _fit_modes

    x = load_breast_cancer(as_frame=True).frame["mean area"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        means, stds = _fit_modes(x, 10, seed=0)
    assert 1 <= len(means) <= 10 and (stds > 0).all()
