"""Known answers of the table evaluation on scikit-learn's breast cancer and wine tables.

A copy of the training table must be flagged as leaking; an unseen real sample (the holdout's
twin split) must look real and safe; columns shuffled independently (marginals kept, joint
destroyed) must fail fidelity on associations.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_wine

from synthaug.errors import ConfigError, LeakageError
from synthaug.tabular import GaussianCopula
from synthaug.tabular.evaluate import association_matrix, evaluate_table, numeric_view
from synthaug.tabular.schema import infer_schema


def _splits(loader) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    df = loader(as_frame=True).frame
    df["target"] = df["target"].map(lambda v: f"class{v}")
    idx = np.random.default_rng(0).permutation(len(df))
    k = len(df) // 3
    return tuple(df.iloc[idx[i * k : (i + 1) * k]].reset_index(drop=True) for i in range(3))


def _shuffled(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {c: np.random.default_rng(i).permutation(df[c].to_numpy()) for i, c in enumerate(df)}
    )


@pytest.fixture(scope="module", params=[load_breast_cancer, load_wine], ids=["cancer", "wine"])
def splits(request):
    return _splits(request.param)


def test_copy_of_training_table_is_flagged_as_leaking(splits):
    train, holdout, _ = splits
    r = evaluate_table(train, holdout, train.copy(), target="target")
    assert r.privacy.leaks
    assert r.privacy.exact_copy_share == 1.0
    assert r.privacy.dcr["membership_auc"] > 0.95
    assert r.verdict().startswith("Privacy: leaks")


def test_unseen_real_twin_looks_real_and_safe(splits):
    train, holdout, twin = splits
    r = evaluate_table(train, holdout, twin, target="target")
    assert not r.privacy.leaks, r.privacy.risks
    assert r.fidelity.close
    assert 0.3 < r.fidelity.two_sample_auc < 0.7
    assert r.utility.ratio > 0.85


def test_shuffled_columns_fail_fidelity_on_associations(splits):
    train, holdout, _ = splits
    r = evaluate_table(train, holdout, _shuffled(train), target="target")
    assert r.fidelity.mean_column_distance == 0.0  # marginals are the real ones
    assert r.fidelity.association_difference > 0.25
    assert not r.fidelity.close
    assert r.utility.ratio < 0.6
    assert r.fidelity.reading().startswith("not faithful")


def test_copula_sample_on_breast_cancer_is_close_useful_and_not_copied():
    train, holdout, _ = _splits(load_breast_cancer)
    syn = GaussianCopula().fit(train).sample(len(train), seed=0)
    r = evaluate_table(train, holdout, syn, target="target")
    assert r.fidelity.close and r.utility.ratio > 0.9
    assert r.privacy.exact_copy_share == 0.0 and r.privacy.dcr["dcr_ratio"] > 0.8


def test_overlapping_holdout_is_refused():
    train, holdout, _ = _splits(load_wine)
    leaky = pd.concat([holdout, train.iloc[[5]]], ignore_index=True)
    with pytest.raises(LeakageError, match=r"holdout: 1 of 60 rows also appear.*row 59"):
        evaluate_table(train, leaky, train)


def test_same_seed_same_numbers_and_json_ready():
    train, holdout, twin = _splits(load_wine)
    a = evaluate_table(train, holdout, twin, target="target", seed=3).to_dict()
    b = evaluate_table(train, holdout, twin, target="target", seed=3).to_dict()
    assert json.dumps(a) == json.dumps(b)


def test_attribute_disclosure_flags_a_copied_secret_but_not_a_twin():
    # a secret unrelated to the other columns: only a copy of the training rows can reveal it
    tables = []
    for i, t in enumerate(_splits(load_wine)):
        t = t.copy()
        t["secret"] = np.random.default_rng(10 + i).choice(["s1", "s2", "s3", "s4"], len(t))
        tables.append(t)
    train, holdout, twin = tables
    safe = evaluate_table(train, holdout, twin, sensitive=["secret"])
    leak = evaluate_table(train, holdout, train, sensitive=["secret"])
    a, b = safe.privacy.attribute_disclosure[0], leak.privacy.attribute_disclosure[0]
    assert b["synthetic_hit_rate"] == 1.0 and a["synthetic_hit_rate"] < 0.5
    assert any("'secret' is disclosed" in r for r in leak.privacy.risks)
    assert not any("disclosed" in r for r in safe.privacy.risks)


def test_regression_target_and_unknown_target():
    train, holdout, twin = _splits(load_wine)
    r = evaluate_table(train, holdout, twin, target="alcohol")
    assert r.utility.task == "regression" and r.utility.metric == "R2"
    with pytest.raises(ConfigError, match="'nope' is not among"):
        evaluate_table(train, holdout, twin, target="nope")


def test_association_matrix_reads_dependence_of_every_kind_pair():
    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    df = pd.DataFrame(
        {"x": x, "y": -x, "g": np.where(x > 0, "a", "b"), "h": np.where(x > 0, "u", "v")}
    )
    s = infer_schema(df)
    A = association_matrix(numeric_view(df, s), s)
    assert A[0, 1] == pytest.approx(-1.0) and A[2, 3] == pytest.approx(1.0)
    assert A[0, 2] > 0.7
