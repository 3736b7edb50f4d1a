"""The experiment page: answers first, no raw None/NaN, intervals only from enough seeds, and
rendered again from metrics.json (results built by hand here: no training)."""

from __future__ import annotations

import json
import re

import pytest

from synthaug.experiment.render import read_outputs, render_experiment_report, write_outputs


@pytest.fixture()
def fake_result(fake_experiment_result):
    return fake_experiment_result


def visible_text(page: str) -> str:
    body = re.sub(r"<style>.*?</style>", "", page, flags=re.DOTALL)
    body = re.sub(r'src="data:[^"]*"', "", body)
    return re.sub(r"<[^>]+>", " ", body)


@pytest.mark.parametrize("n_seeds", [2, 5])
def test_page_has_no_raw_none_or_nan(n_seeds, fake_result):
    text = visible_text(render_experiment_report(fake_result(n_seeds)))
    assert not re.search(r"\b(None|nan|NaN|inf)\b", text), re.findall(r".{40}\bNone\b.{20}", text)


def test_two_seeds_print_no_interval_anywhere_and_say_too_few_seeds(fake_result):
    page = render_experiment_report(fake_result(2))
    text = visible_text(page)
    assert "too few seeds to tell" in text
    assert not re.search(r"\[[+-]?\d+\.\d+, [+-]?\d+\.\d+\]", text)  # no interval at all


def test_five_seeds_print_intervals_and_never_a_zero_width_or_inverted_one(fake_result):
    text = visible_text(render_experiment_report(fake_result(5)))
    pairs = re.findall(r"\[([+-]?\d+\.\d+), ([+-]?\d+\.\d+)\]", text)
    assert pairs and all(float(lo) < float(hi) for lo, hi in pairs)


def test_answers_come_first_and_name_the_class_that_pays(fake_result):
    page = render_experiment_report(fake_result(5))
    assert page.index("<h2>Answers</h2>") < page.index("<h2>Verdicts</h2>")
    answers = page[page.index("<h2>Answers</h2>") : page.index("<h2>Verdicts</h2>")]
    assert "What hurts?" in answers and "class b" in answers
    assert "Does the audit flag a pipeline the experiment uses?" in answers


def test_quality_readings_are_recomputed_from_the_recorded_numbers(fake_result):
    page = render_experiment_report(fake_result(5))
    assert "old text" not in page and "13.0x the real-vs-real value: far" in page


def test_report_renders_again_from_metrics_json_and_samples(tmp_path, fake_result):
    result = fake_result(5)
    write_outputs(result, tmp_path)
    assert (tmp_path / "samples.npz").is_file()
    again = read_outputs(tmp_path)
    assert again.records == result.records and again.config == result.config
    assert render_experiment_report(again) == (tmp_path / "report.html").read_text()


def test_metrics_json_without_per_class_records_still_renders(tmp_path, fake_result):
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
