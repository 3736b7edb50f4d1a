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


def test_dp_training_removes_the_membership_leak_of_an_overfitted_tvae():
    # known answer (issue 23): a TVAE trained 600 epochs on 60 rows memorises them (the
    # membership attack separates training rows from unseen rows); the same model trained with
    # DP-SGD at epsilon 1 must not: lower attack AUC, and synthetic rows no closer to the
    # training rows than unseen real rows are
    import warnings

    from sklearn.datasets import load_breast_cancer

    from synthaug.tabular import evaluate_table

    torch.set_num_threads(1)
    d = load_breast_cancer(as_frame=True).frame.iloc[:, [0, 1, 2, 3, 4, 5, 30]]
    idx = np.random.default_rng(0).permutation(len(d))
    train = d.iloc[idx[:60]].reset_index(drop=True)
    holdout = d.iloc[idx[60:180]].reset_index(drop=True)
    arch = {"hidden": 256, "latent_dim": 16, "batch_size": 60, "seed": 0}
    plain = TVAE(epochs=600, **arch).fit(train)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # opacus' notices about its secure RNG and hooks
        private = TVAE(epochs=200, dp_epsilon=1.0, **arch).fit(train)
    leak = evaluate_table(train, holdout, plain.sample(120, seed=0), seed=0).privacy
    safe = evaluate_table(train, holdout, private.sample(120, seed=0), seed=0).privacy
    assert leak.dcr["membership_auc"] > 0.62, leak.dcr
    assert any("membership" in r for r in leak.risks)
    assert safe.risks == [], safe.risks
    assert safe.dcr["membership_auc"] < leak.dcr["membership_auc"] - 0.1
    assert safe.dcr["dcr_ratio"] >= 1.0 > leak.dcr["dcr_ratio"]
    assert private.dp_["epsilon"] <= 1.0
