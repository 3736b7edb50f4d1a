"""The experiment page: answers first, no raw None/NaN, intervals only from enough seeds, and
rendered again from metrics.json (results built by hand here: no training)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from synthaug.experiment import parse_config
from synthaug.experiment.baseline import BASELINE_LABEL
from synthaug.experiment.render import read_outputs, render_experiment_report, write_outputs
from synthaug.experiment.runner import ExperimentResult, RunRecord, compare, summarise

PIPE = {"transforms": [{"name": "Affine", "rotate": 10, "p": 1.0}]}


def fake_result(n_seeds: int) -> ExperimentResult:
    cfg = parse_config(
        {
            "name": "fake",
            "sizes": [1, 5],
            "seeds": list(range(n_seeds)),
            "pipelines": {"p": PIPE},
            "generators": {"fonts": {"kind": "FontGlyphs"}},
            "audit": "p",
            "arms": [
                {"name": "real"},
                {"name": "real+aug", "pipeline": "p", "copies": 2},
                {"name": "real+fonts", "generator": "fonts", "ratios": [1, 4]},
            ],
        }
    )
    rng = np.random.default_rng(0)
    records, base = [], []
    for size in cfg.sizes:
        for seed in cfg.seeds:
            for arm, ratio, shift in (("real", None, 0), ("real+aug", None, 0.03),
                                      ("real+fonts", 1.0, -0.05), ("real+fonts", 4.0, 0.06)):  # fmt: skip
                pc = np.clip(0.7 + shift + rng.normal(0, 0.02, 3), 0, 1)
                if arm == "real+fonts" and ratio == 1.0:
                    pc[1] -= 0.2  # class 1 pays
                records.append(RunRecord(arm, ratio, size, seed, float(pc.mean()), 10, 0, 1.0,
                                         tuple(map(float, pc))))  # fmt: skip
            base.append(RunRecord(BASELINE_LABEL, None, size, seed, 0.6, 10, 0, 0.1))
    quality = {
        "fonts": {
            "n_synthetic": 200,
            "trained_on_labelled": 30,
            "metrics": [{"name": "FID", "value": "1.3", "raw": None, "reading": "old text"}],
            "details": {"fid": {"value": 1.3, "std": 0.1, "n_subsets": 5},
                        "kid": {"value": None, "std": None, "n_subsets": 10, "subset_size": 100}},
            "reference": {"fid": {"value": 0.1, "std": 0.01, "n_subsets": 5}},
        }  # fmt: skip
    }
    audit = {"oracle": "cnn", "clean_accuracy": 0.99, "n_audited": 100, "transforms": [
        {"name": "Affine", "path": "transforms[0]", "flagged": False, "category": "safe",
         "reason": "within the floor", "max_safe_magnitude": None, "safe_params": None}]}  # fmt: skip
    from synthaug.experiment.baseline import baseline_check

    return ExperimentResult(
        config=cfg,
        records=records,
        summary=summarise(records),
        comparisons=compare(cfg, records),
        quality=quality,
        audit=audit,
        samples={"real": np.zeros((6, 8, 8), np.float32)},
        data_info={"dataset": "digits", "n_classes": 3, "class_names": ["a", "b", "c"],
                   "image_shape": [8, 8], "n_test": 50, "n_images": 100},  # fmt: skip
        baseline=baseline_check(cfg, records, base),
        baseline_runs=base,
    )


def visible_text(page: str) -> str:
    body = re.sub(r"<style>.*?</style>", "", page, flags=re.DOTALL)
    body = re.sub(r'src="data:[^"]*"', "", body)
    return re.sub(r"<[^>]+>", " ", body)


@pytest.mark.parametrize("n_seeds", [2, 5])
def test_page_has_no_raw_none_or_nan(n_seeds):
    text = visible_text(render_experiment_report(fake_result(n_seeds)))
    assert not re.search(r"\b(None|nan|NaN|inf)\b", text), re.findall(r".{40}\bNone\b.{20}", text)


def test_two_seeds_print_no_interval_anywhere_and_say_too_few_seeds():
    page = render_experiment_report(fake_result(2))
    text = visible_text(page)
    assert "too few seeds to tell" in text
    assert not re.search(r"\[[+-]?\d+\.\d+, [+-]?\d+\.\d+\]", text)  # no interval at all


def test_five_seeds_print_intervals_and_never_a_zero_width_or_inverted_one():
    text = visible_text(render_experiment_report(fake_result(5)))
    pairs = re.findall(r"\[([+-]?\d+\.\d+), ([+-]?\d+\.\d+)\]", text)
    assert pairs and all(float(lo) < float(hi) for lo, hi in pairs)


def test_answers_come_first_and_name_the_class_that_pays():
    page = render_experiment_report(fake_result(5))
    assert page.index("<h2>Answers</h2>") < page.index("<h2>Verdicts</h2>")
    answers = page[page.index("<h2>Answers</h2>") : page.index("<h2>Verdicts</h2>")]
    assert "What hurts?" in answers and "class b" in answers
    assert "Does the audit flag a pipeline the experiment uses?" in answers


def test_quality_readings_are_recomputed_from_the_recorded_numbers():
    page = render_experiment_report(fake_result(5))
    assert "old text" not in page and "13.0x the real-vs-real value: far" in page


def test_report_renders_again_from_metrics_json_and_samples(tmp_path):
    result = fake_result(5)
    write_outputs(result, tmp_path)
    assert (tmp_path / "samples.npz").is_file()
    again = read_outputs(tmp_path)
    assert again.records == result.records and again.config == result.config
    assert render_experiment_report(again) == (tmp_path / "report.html").read_text()


def test_metrics_json_without_per_class_records_still_renders(tmp_path):
    write_outputs(fake_result(5), tmp_path)
    m = json.loads((tmp_path / "metrics.json").read_text())
    for r in m["runs"]:
        del r["per_class"]  # a metrics.json written before per-class accuracies were kept
    (tmp_path / "metrics.json").write_text(json.dumps(m))
    page = render_experiment_report(read_outputs(tmp_path))
    assert "Not recorded: this run's metrics.json has no per-class accuracies." in page


def test_reading_a_folder_without_metrics_names_the_file(tmp_path):
    from synthaug.errors import ConfigError

    with pytest.raises(ConfigError, match="metrics.json: no such file"):
        read_outputs(tmp_path)
