"""Experiment configuration, splits and statistics."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from synthaug.errors import ConfigError
from synthaug.experiment import DEMO_CONFIG, QUICK_CONFIG, load_config, parse_config
from synthaug.experiment.models import cnn_epochs
from synthaug.experiment.splits import few_shot_split
from synthaug.experiment.stats import mean_ci, paired_comparison


def base(**over):
    d = {"arms": [{"name": "real"}], "model": {"kind": "svm"}}
    d.update(over)
    return d


def test_shipped_configs_validate():
    for path in (DEMO_CONFIG, QUICK_CONFIG):
        cfg = load_config(path)
        assert cfg.arms[0].name == "real"


def test_unknown_field_is_named_with_its_path_and_the_closest_key():
    with pytest.raises(
        ConfigError,
        match=r"<cfg>: arms\[0\]\.ratio: unknown key 'ratio' \(did you mean 'ratios'\?\), got 3",
    ):
        parse_config(base(arms=[{"name": "real", "ratio": 3}]), "<cfg>")


def test_misspelt_top_level_key_gets_a_suggestion_and_a_wild_one_none():
    # regression (issue 22): a misspelt key got pydantic's "Extra inputs are not permitted"
    with pytest.raises(ConfigError, match=r"sises: unknown key 'sises' \(did you mean 'sizes'\?\)"):
        parse_config(base(sises=[1]), "<cfg>")
    with pytest.raises(ConfigError) as info:
        parse_config(base(zzzqqq=1), "<cfg>")
    assert "unknown key 'zzzqqq', got 1" in str(info.value) and "did you mean" not in str(
        info.value
    )


def test_reference_to_missing_pipeline_is_reported():
    with pytest.raises(ConfigError, match=r"arms\[1\]\.pipeline: 'heavy' is not in pipelines"):
        parse_config(base(arms=[{"name": "real"}, {"name": "a", "pipeline": "heavy", "copies": 2}]))


def test_bad_pipeline_inside_experiment_config_is_located():
    with pytest.raises(ConfigError, match=r"pipelines\.light: transforms\[0\] \(Rotate\)\.limit"):
        parse_config(base(pipelines={"light": {"transforms": [{"name": "Rotate", "limit": "x"}]}}))


def test_arm_using_unlabelled_data_must_say_so_in_its_name():
    with pytest.raises(ConfigError, match="must say 'unlabelled'"):
        parse_config(
            base(
                arms=[
                    {"name": "real"},
                    {"name": "selftrain", "adapt": "self_training", "unlabelled": True},
                ]
            )
        )
    with pytest.raises(ConfigError, match="set 'unlabelled: true'"):
        parse_config(base(arms=[{"name": "real"}, {"name": "x", "adapt": "dann"}]))


def test_sizes_must_be_positive():
    with pytest.raises(ConfigError, match=r"sizes: .*expected a non-empty list of sizes >= 1"):
        parse_config(base(sizes=[0, 5]))


def test_few_shot_split_is_disjoint_stratified_nested_and_test_fixed_per_seed():
    y = np.repeat(np.arange(10), 50)
    s1 = few_shot_split(y, 1, 0.5, seed=3)
    s5 = few_shot_split(y, 5, 0.5, seed=3)
    assert np.array_equal(s1.test, s5.test)
    assert set(s1.labelled) <= set(s5.labelled)
    assert np.all(np.bincount(y[s5.labelled]) == 5)
    assert not (set(s5.labelled) | set(s5.unlabelled)) & set(s5.test)
    assert len(s5.labelled) + len(s5.unlabelled) + len(s5.test) == len(y)
    other = few_shot_split(y, 5, 0.5, seed=4)
    assert not np.array_equal(other.test, s5.test)


def test_split_refuses_more_labels_than_a_class_has():
    y = np.array([0] * 10 + [1] * 2)
    with pytest.raises(ConfigError, match="class 1 has only 1"):
        few_shot_split(y, 2, 0.5, seed=0)


def test_mean_ci_matches_t_interval():
    m, lo, hi = mean_ci(np.array([0.8, 0.9, 1.0]))
    assert m == pytest.approx(0.9)
    assert hi - m == pytest.approx(4.302653 * 0.1 / np.sqrt(3), rel=1e-5)


def test_paired_comparison_verdicts():
    c = paired_comparison(
        "real+syn",
        "real",
        5,
        np.array([0.90, 0.92, 0.91, 0.93, 0.90]),
        np.array([0.84, 0.86, 0.86, 0.86, 0.85]),
    )
    assert c.diff == pytest.approx(5.8)
    assert c.verdict.startswith("real+syn beats real by 5.8 points at 5 per class, 95% CI [+")
    assert c.verdict.endswith("over 5 seeds")
    worse = paired_comparison(
        "a",
        "real",
        1,
        np.array([0.5, 0.52, 0.49, 0.5, 0.51]),
        np.array([0.6, 0.61, 0.62, 0.6, 0.6]),
    )
    assert "is worse than real" in worse.verdict
    unclear = paired_comparison(
        "a", "real", 1, np.array([0.5, 0.7, 0.6, 0.5, 0.7]), np.array([0.6, 0.6, 0.6, 0.6, 0.6])
    )
    assert unclear.verdict.startswith("no clear difference")


def test_fewer_than_five_seeds_never_print_a_zero_width_interval():
    # issue 22: two seeds with the same difference printed "95% CI [+1.3, +1.3]"
    c = paired_comparison("a", "real", 1, np.array([0.613, 0.623]), np.array([0.6, 0.61]))
    assert c.verdict == (
        "a vs real: +1.3 points at 1 per class over 2 seeds: too few seeds to tell "
        "(an interval needs 5)"
    )
    same = paired_comparison("a", "real", 1, np.full(5, 0.613), np.full(5, 0.6))
    assert "[+1.3, +1.3]" not in same.verdict and "no spread over 5 seeds" in same.verdict


def test_max_steps_gives_every_arm_the_same_number_of_steps():
    cfg = load_config(DEMO_CONFIG).model
    for n in (10, 100, 1000, 5000):
        epochs = cnn_epochs(cfg, n)
        steps = epochs * -(-n // cfg.batch_size)
        assert cfg.max_steps <= steps < cfg.max_steps + -(-n // cfg.batch_size)


@pytest.mark.parametrize("bad", [".nan", ".inf", "-1", "0"])
def test_arm_ratios_refuse_nan_inf_and_non_positive(bad):
    from synthaug.experiment.config import ArmConfig

    data = yaml.safe_load(f"{{name: a, generator: fonts, ratios: [1, {bad}]}}")
    with pytest.raises(ValueError, match="ratios must be finite numbers > 0"):
        ArmConfig(**data)


def test_adapt_params_need_a_method_and_names_it_takes(tmp_path):
    from synthaug.experiment.runner import plan_tasks

    st = {"name": "st (unlabelled)", "adapt": "self_training", "unlabelled": True}
    with pytest.raises(ConfigError, match="'adapt_params' needs an 'adapt' method"):
        parse_config(base(arms=[{"name": "real", "adapt_params": {"rounds": 1}}]))
    cfg = parse_config(base(arms=[{"name": "real"}, {**st, "adapt_params": {"roundz": 1}}]))
    with pytest.raises(ConfigError, match=r"arms\[1\]\.adapt_params\.roundz: 'self_training'"):
        plan_tasks(cfg, tmp_path, [str(c) for c in range(10)])
    ok = parse_config(base(arms=[{"name": "real"}, {**st, "adapt_params": {"rounds": 1}}]))
    assert len(plan_tasks(ok, tmp_path, [str(c) for c in range(10)])) > 0
