"""The report's answers are read from the numbers they quote (issue 22 part 3's reading rules)."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug.experiment.answers import (
    CLASS_HARM_POINTS,
    answer_questions,
    class_harm,
    effect_of,
    fidelity_reading,
    privacy_reading,
)

CLASSES = ["0", "1", "2"]


def comparison(arm, size, diff, lo, hi, n=5):
    return {"arm": arm, "baseline": "real", "size": size, "diff": diff, "ci_low": lo,
            "ci_high": hi, "n_seeds": n, "verdict": ""}  # fmt: skip


def metrics(comparisons=(), arms=None, runs=(), quality=None, audit=None, pipelines=None,
            audit_name=None, baseline=None):  # fmt: skip
    arms = arms or [
        {"name": "real"},
        {"name": "real+aug", "pipeline": "p", "copies": 4},
        {"name": "real+gen", "generator": "gen", "ratios": [1.0, 4.0]},
    ]
    return {
        "config": {
            "arms": arms,
            "seeds": [0, 1, 2, 3, 4],
            "sizes": [1, 5],
            "pipelines": pipelines or {},
            "audit": audit_name,
        },  # fmt: skip
        "data": {"class_names": CLASSES, "n_test": 100},
        "summary": [],
        "comparisons": list(comparisons),
        "runs": list(runs),
        "quality": quality or {},
        "audit": audit,
        "baseline": baseline or {},
    }


def by_question(m):
    return {a.question: a for a in answer_questions(m)}


# --------------------------------------------------------------------------- seeds and intervals
def test_an_effect_helps_or_hurts_only_when_its_interval_excludes_zero():
    assert effect_of(comparison("a", 1, 2.0, 0.5, 3.5)).outcome == "helps"
    assert effect_of(comparison("a", 1, -2.0, -3.5, -0.5)).outcome == "hurts"
    assert effect_of(comparison("a", 1, 2.0, -0.5, 4.5)).outcome == "unclear"


def test_fewer_than_five_seeds_reads_too_few_seeds_to_tell_with_no_interval():
    m = metrics([comparison("real+aug", 1, 1.3, 1.3, 1.3, n=2)])  # the "[+1.3, +1.3]"
    e = effect_of(m["comparisons"][0])
    assert e.outcome == "few" and e.short() == "+1.3 at 1/class"
    text = by_question(m)["Does augmentation help?"].text
    assert "too few seeds to tell" in text and "[" not in text
    sure = by_question(m)["How sure are we?"]
    assert sure.status == "bad" and "an interval needs 5" in sure.text


def test_augmentation_answer_quotes_each_size_with_its_interval():
    m = metrics(
        [comparison("real+aug", 1, 5.1, -2.8, 12.9), comparison("real+aug", 5, 2.8, 0.01, 5.5)]
    )
    a = by_question(m)["Does augmentation help?"]
    assert a.status == "good" and a.text.startswith("Yes.")
    assert "helps at 5 per class (+2.8 [+0.01, +5.5] at 5/class)" in a.text
    assert "no clear difference at 1 per class (+5.1 [-2.8, +12.9] at 1/class)" in a.text


def test_synthetic_answer_names_the_best_ratio_and_what_hurts():
    m = metrics(
        [
            comparison("real+gen @1:1", 1, 3.0, 1.0, 5.0),
            comparison("real+gen @1:4", 1, 6.0, 4.0, 8.0),
            comparison("real+gen @1:1", 5, -4.0, -6.0, -2.0),
            comparison("real+gen @1:4", 5, -1.0, -3.0, 1.0),
        ]
    )
    text = by_question(m)["Does synthetic data help, and at which ratio?"].text
    assert "yes at 1 per class (best at 1:4: +6.0 [+4.0, +8.0] at 1/class" in text
    assert "so more may help more" in text  # the only gain is at the largest ratio tried
    assert "it hurts at 1:1 -4.0 [-6.0, -2.0] at 5/class" in text


# --------------------------------------------------------------------------- per-class harm
def _runs(label, per_class_by_seed, size=5):
    return [{"label": label, "arm": label, "size": size, "seed": s, "accuracy": float(np.mean(pc)),
             "per_class": pc} for s, pc in enumerate(per_class_by_seed)]  # fmt: skip


def test_class_harm_names_the_class_that_pays_worst_first():
    rng = np.random.default_rng(0)
    base = [[0.9, 0.9, 0.9]] * 5
    arm = [[0.9 + rng.normal(0, 0.01), 0.6 + rng.normal(0, 0.01), 0.87] for _ in range(5)]
    m = metrics(runs=_runs("real", base) + _runs("real+gen @1:1", arm))
    harm = class_harm(m, "real+gen @1:1", 5)
    assert [h[0] for h in harm] == ["1"]  # class 2 loses 3 points: below the bar
    name, mean, lo, hi, n = harm[0]
    assert mean == pytest.approx(-30, abs=2) and hi < 0 and n == 5


def test_hurting_arm_lists_its_per_class_harm_and_gains_hiding_losses_are_named():
    base = [[0.9, 0.9, 0.9]] * 5
    worse = [[0.9, 0.5 + 0.01 * s, 0.9] for s in range(5)]
    better = [[1.0, 1.0, 0.8 - 0.01 * s] for s in range(5)]
    m = metrics(
        [
            comparison("real+gen @1:1", 5, -13.0, -14.0, -12.0),
            comparison("real+aug", 5, 3.0, 1.0, 5.0),
        ],  # fmt: skip
        runs=_runs("real", base) + _runs("real+gen @1:1", worse) + _runs("real+aug", better),
    )
    a = by_question(m)["What hurts?"]
    assert a.status == "bad"
    assert (
        "real+gen @1:1 -13.0 [-14.0, -12.0] at 5/class (classes that pay most: class 1 -38.0"
        in a.text
    )
    assert "gains hide losses: real+aug at 5/class costs class 2 -12.0" in a.text


def test_nothing_hurts_reads_good_only_when_no_class_pays():
    m = metrics([comparison("real+aug", 5, 3.0, 1.0, 5.0)])
    a = by_question(m)["What hurts?"]
    assert a.status == "good" and f"{CLASS_HARM_POINTS:g} points" in a.text


# --------------------------------------------------------------------------- generators
def quality_entry(fid, kid, auc=0.9, kid_std=1e-4, priv=None):
    return {
        "trained_on_labelled": 100,
        "details": {
            "fid": {"value": fid},
            "kid": {"value": kid, "std": kid_std},
            "c2st": {"auc": auc},
            "privacy": priv or {"dcr_ratio": 1.1, "near_copy_share": 0.0, "membership_auc": 0.52},
        },  # fmt: skip
        "reference": {"fid": {"value": 0.1}, "kid": {"value": 1e-4, "std": 1e-4}},
    }


def test_kid_far_above_real_vs_real_never_reads_as_close_as_real():
    # the case: KID 13x the real-vs-real value, read "as close as real"
    text, ratio = fidelity_reading(quality_entry(fid=0.15, kid=13e-4, kid_std=1e-3))
    assert ratio == pytest.approx(1.5)
    assert "as close" not in text and "KID 13.0x" in text


def test_fid_and_kid_within_twice_real_vs_real_read_as_close():
    text, _ = fidelity_reading(quality_entry(fid=0.15, kid=1.5e-4))
    assert text.startswith("as close to the real data as another real sample")
    far, _ = fidelity_reading(quality_entry(fid=1.5, kid=1.5e-4))
    assert far.startswith("far from the real data")


def test_closest_generator_is_named_only_when_every_measure_agrees():
    agree = metrics(
        quality={"a": quality_entry(0.2, 2e-4, 0.7), "b": quality_entry(0.3, 9e-4, 0.9)}
    )
    text = by_question(agree)["Which generator is best on fidelity and privacy?"].text
    assert "a is closest on every measure" in text
    split = metrics(
        quality={"a": quality_entry(0.2, 9e-4, 0.7), "b": quality_entry(0.3, 2e-4, 0.9)}
    )
    text = by_question(split)["Which generator is best on fidelity and privacy?"].text
    assert "no generator is closest on every measure" in text
    assert "FID favours a (a 2.0x vs b 3.0x), KID favours b (b 2.0x vs a 9.0x)" in text


def test_privacy_reading_uses_the_privacy_module_thresholds():
    leaky = quality_entry(0.2, 2e-4, priv={"dcr_ratio": 0.4, "near_copy_share": 0.065,
                                           "membership_auc": 0.64})  # fmt: skip
    text, leaks = privacy_reading(leaky)
    assert leaks and "6.5% near-copies" in text and "attack AUC 0.64" in text
    text, leaks = privacy_reading(quality_entry(0.2, 2e-4))
    assert leaks is False and text.startswith("no sign of copying")
    assert privacy_reading({"details": {}}) == ("privacy not measured", None)


# --------------------------------------------------------------------------- baseline and audit
def test_baseline_margin_below_zero_is_not_read_as_at_or_above():
    m = metrics(baseline={"tolerance_points": 1.0, "check": [{"size": 1, "margin": -0.7}]})
    text = by_question(m)["How sure are we?"].text
    assert "within 1 point of or above" in text and "at or above" not in text


AFFINE = {"transforms": [{"name": "Affine", "rotate": 40, "p": 1.0}]}
SAFER = {"transforms": [{"name": "Affine", "rotate": 10, "p": 1.0}]}
FLAG = {"transforms": [{"name": "Affine", "path": "transforms[0]", "flagged": True,
                        "category": "changes labels", "reason": "flips 6 and 9",
                        "safe_params": {"rotate": [-10.0, 10.0]}}]}  # fmt: skip


def test_audit_flag_on_a_used_pipeline_says_the_safer_setting_was_not_measured():
    m = metrics(pipelines={"p": AFFINE}, audit=FLAG, audit_name="p")
    a = by_question(m)["Does the audit flag a pipeline the experiment uses?"]
    assert a.status == "bad" and "flags Affine (transforms[0]): changes labels" in a.text
    assert "used by real+aug" in a.text and "was not measured" in a.text


def test_audit_flag_shows_the_measured_effect_of_the_safer_twin_arm():
    arms = [{"name": "real"}, {"name": "real+aug", "pipeline": "p", "copies": 4},
            {"name": "real+safe aug", "pipeline": "safe", "copies": 4}]  # fmt: skip
    runs = []
    for s in range(5):
        runs.append({"label": "real+aug", "size": 5, "seed": s, "accuracy": 0.80 + 0.002 * s})
        runs.append({"label": "real+safe aug", "size": 5, "seed": s, "accuracy": 0.83 + 0.003 * s})
    m = metrics(arms=arms, runs=runs, pipelines={"p": AFFINE, "safe": SAFER}, audit=FLAG,
                audit_name="p")  # fmt: skip
    text = by_question(m)["Does the audit flag a pipeline the experiment uses?"].text
    assert (
        "Measured effect of the safer setting: real+safe aug against real+aug at 5/class +3.2"
        in text
    )
    assert "not measured" not in text
