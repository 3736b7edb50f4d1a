"""The answers at the top of the ``synthaug evaluate`` page (synthaug.evaluate.answers).

Known answers on real data: a copy of the generator's training set reads as not private, noise
reads as far from the real data and not useful, an unseen real split of the same digits reads
as close, useful and private. Then each rule on recorded numbers at its threshold.
"""

from __future__ import annotations

import numpy as np
import pytest

from synthaug.data import load_dataset
from synthaug.evaluate import quality_report
from synthaug.evaluate.answers import (
    CLOSE_FACTOR,
    evaluation_answers,
    fidelity_reading,
    utility_reading,
)
from synthaug.evaluate.page import render_evaluation_page
from synthaug.evaluate.privacy import DCR_RATIO_RISK, MEMBERSHIP_AUC_RISK, NEAR_COPY_RISK
from synthaug.evaluate.utility import USEFUL_RATIO, WEAKER_RATIO


@pytest.fixture(scope="module")
def digits():
    X, y = load_dataset("digits")
    p = np.random.default_rng(0).permutation(len(X))
    train, holdout, twin = p[:600], p[600:1200], p[1200:]
    return X, y, train, holdout, twin


def answers_for(digits, X_syn, y_syn):
    X, y, train, holdout, _ = digits
    report = quality_report(
        X[train], y[train], X_syn, y_syn, train=(X[train], y[train]),
        holdout=(X[holdout], y[holdout]), space="pca", seed=0,
    )  # fmt: skip
    close, useful, private = evaluation_answers(report)
    return close, useful, private


def test_a_copy_of_the_training_set_reads_as_not_private(digits):
    X, y, train, _, _ = digits
    close, useful, private = answers_for(digits, X[train], y[train])
    assert private.status == "bad" and private.text.startswith("No: memorisation risk")
    assert "100.0% near-copies" in private.text and "attack AUC 1.00" in private.text
    # a copy is as close and as useful as the data it copies: only privacy tells
    assert close.status == "good" and useful.status == "good"


def test_noise_reads_as_not_close_and_not_useful(digits):
    X, y, train, _, _ = digits
    noise = np.random.default_rng(1).random((600, 8, 8)).astype(np.float32)
    close, useful, _ = answers_for(digits, noise, y[train])
    assert close.status == "bad" and close.text.startswith("No: it is far from the real data")
    assert "as close" not in close.text
    assert useful.status == "bad" and useful.text.startswith("No:")


def test_an_unseen_real_split_reads_as_close_useful_and_private(digits):
    X, y, _, _, twin = digits
    close, useful, private = answers_for(digits, X[twin], y[twin])
    assert [a.status for a in (close, useful, private)] == ["good"] * 3
    assert close.text.startswith("Yes: as close to the real data as another real sample")
    assert useful.text.startswith("Yes:") and private.text.startswith("No sign of copying")


def report_with(fid=1.0, kid=1e-4, utility=None, privacy=None):
    details = {"fid": {"value": fid}, "kid": {"value": kid, "std": 1e-5}, "c2st": {"auc": 0.5}}
    if utility is not None:
        details["utility"] = utility
    if privacy is not None:
        details["privacy"] = privacy
    reference = {"fid": {"value": 1.0}, "kid": {"value": 1e-4, "std": 1e-5}}
    return {"details": details, "reference": reference}


def test_close_only_under_twice_the_real_vs_real_fid_and_kid():
    assert evaluation_answers(report_with(fid=CLOSE_FACTOR - 0.1))[0].status == "good"
    near = evaluation_answers(report_with(fid=CLOSE_FACTOR + 0.1))[0]
    assert near.status == "neutral" and near.text.startswith("Not quite")
    kid_far = evaluation_answers(report_with(fid=1.0, kid=13e-4))[0]
    assert kid_far.status != "good" and "KID 13.0x" in kid_far.text


def test_a_negative_kid_is_quoted_as_a_value_not_a_backwards_ratio():
    text, _ = fidelity_reading(report_with(fid=1.0, kid=-3e-4))
    assert "KID -0.0003 (real vs real 0.0001)" in text and "-3.0x" not in text


def utility(tstr, trtr, n_classes=10):
    return {"tstr": tstr, "trtr": trtr, "n_classes": n_classes, "model": "SVC"}


@pytest.mark.parametrize(
    ("tstr", "verdict", "status"),
    [
        (0.8 * (USEFUL_RATIO + 1e-3), "useful", "good"),
        (0.8 * (WEAKER_RATIO + 1e-3), "partly", "neutral"),
        (0.8 * (WEAKER_RATIO - 1e-3), "weak", "bad"),
        (0.1, "chance", "bad"),
    ],
)
def test_useful_reads_the_tstr_over_trtr_ratio_and_chance(tstr, verdict, status):
    report = report_with(utility=utility(tstr, 0.8))
    assert utility_reading(report)[1] == verdict
    assert evaluation_answers(report)[1].status == status


def test_a_real_trained_model_at_chance_leaves_utility_undecided():
    answer = evaluation_answers(report_with(utility=utility(0.3, 0.1)))[1]
    assert answer.status == "neutral" and answer.text.startswith("Cannot tell")


@pytest.mark.parametrize(
    "privacy",
    [
        {"dcr_ratio": DCR_RATIO_RISK - 0.01, "near_copy_share": 0.0, "membership_auc": 0.5},
        {"dcr_ratio": 1.0, "near_copy_share": NEAR_COPY_RISK + 0.01, "membership_auc": 0.5},
        {"dcr_ratio": 1.0, "near_copy_share": 0.0, "membership_auc": MEMBERSHIP_AUC_RISK + 0.01},
    ],
)
def test_each_privacy_threshold_alone_reads_as_not_private(privacy):
    assert evaluation_answers(report_with(privacy=privacy))[2].status == "bad"


def test_unmeasured_utility_and_privacy_say_what_they_need():
    _, useful, private = evaluation_answers(report_with())
    assert useful.status == private.status == "neutral"
    assert useful.text.startswith("Not measured") and "--holdout" in useful.text
    assert private.text.startswith("Not measured") and "--holdout" in private.text


def test_the_page_opens_with_the_answers():
    report = report_with(privacy={"dcr_ratio": 0.1, "near_copy_share": 0.5, "membership_auc": 0.9})
    report["metrics"] = [{"name": "FID", "value": "1.0", "reading": "as close"}]
    html = render_evaluation_page(report, {"real": np.zeros((4, 8, 8))})
    assert html.index("<h2>Answers</h2>") < html.index("<h2>Metrics</h2>")
    assert '<li class="bad"><b>Is it private (does it copy training records)?</b> No:' in html
