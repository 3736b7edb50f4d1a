"""Every experiment trains a linear baseline and warns when the model falls below it."""

from __future__ import annotations

import json

import pytest

from synthaug.experiment import parse_config, run_experiment, write_outputs
from synthaug.experiment.baseline import BASELINE_LABEL, real_arm


def config(model):
    return parse_config(
        {
            "name": "baseline-check",
            "sizes": [3],
            "seeds": [0, 1],
            "model": model,
            "arms": [{"name": "real"}],
            "evaluate_quality": False,
        }
    )


@pytest.fixture(scope="module")
def crippled(tmp_path_factory):
    # lr 1e-6 and width 4: the CNN cannot move from its initialisation (a chance-level model)
    cfg = config({"kind": "cnn", "lr": 1e-6, "width": 4, "max_steps": 1})
    out = tmp_path_factory.mktemp("crippled")
    result = run_experiment(cfg, out, workers=1)
    write_outputs(result, out)
    return result, out


def test_crippled_model_triggers_the_weak_baseline_warning_everywhere(crippled):
    result, out = crippled
    assert len(result.warnings) == 1 and "below a logistic regression" in result.warnings[0]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["warnings"] == result.warnings
    check = metrics["baseline"]["check"][0]
    assert check["below"] and check["margin"] < -1.0
    assert len(metrics["baseline"]["runs"]) == 2  # one per seed
    html = (out / "report.html").read_text()
    assert "WARNING: weak baseline" in html
    assert html.index("WARNING: weak baseline") < html.index("<h2>Verdicts</h2>")  # headline
    assert f'<tr class="reference"><td>{BASELINE_LABEL}</td>' in html


def test_baseline_runs_are_not_arms_and_not_compared(crippled):
    result, _ = crippled
    assert {r.arm for r in result.records} == {"real"}
    assert all(c["arm"] != BASELINE_LABEL for c in result.comparisons)
    assert {r.seed for r in result.baseline_runs} == {0, 1}


def test_competent_model_reads_as_a_competent_baseline(tmp_path):
    result = run_experiment(config({"kind": "logreg"}), tmp_path, workers=1)
    assert result.warnings == []
    assert result.baseline["check"][0]["margin"] == pytest.approx(0.0, abs=1e-9)
    write_outputs(result, tmp_path)
    html = (tmp_path / "report.html").read_text()
    assert "Competent baseline" in html and "WARNING" not in html


def test_cli_summary_warns_loudly(crippled):
    from synthaug.cli.experiment import console, print_summary

    with console.capture() as cap:
        print_summary(crippled[0])
    text = cap.get()
    assert "WARNING: weak baseline." in text and BASELINE_LABEL in text


def test_real_arm_is_the_first_arm_on_real_labels_alone():
    cfg = parse_config(
        {
            "pipelines": {"p": {"transforms": [{"name": "Affine", "rotate": 5, "p": 1.0}]}},
            "arms": [{"name": "real+aug", "pipeline": "p", "copies": 1}, {"name": "plain"}],
        }
    )
    assert real_arm(cfg) == "plain"
    assert real_arm(parse_config({"arms": [{"name": "a", "pipeline": None, "copies": 0}]})) == "a"
