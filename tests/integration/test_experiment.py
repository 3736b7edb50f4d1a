"""The experiment runner end to end: demo, worker invariance, leakage guards."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from synthaug.errors import LeakageError
from synthaug.experiment import parse_config, run_experiment


def tiny(**over):
    d = {
        "name": "tiny",
        "sizes": [2, 5],
        "seeds": [0, 1],
        "model": {"kind": "logreg"},
        "generators": {"fonts": {"kind": "FontGlyphs", "params": {"like": "sklearn-digits"}}},
        "pipelines": {"light": {"transforms": [{"name": "Affine", "rotate": 10, "p": 1.0}]}},
        "arms": [
            {"name": "real"},
            {"name": "real+aug", "pipeline": "light", "copies": 2},
            {"name": "real+fonts", "generator": "fonts", "ratios": [2, 6]},
        ],
        "evaluate_quality": False,
    }
    d.update(over)
    return parse_config(d, "<tiny>")


@pytest.mark.slow
def test_results_are_identical_for_one_and_two_workers(tmp_path):
    a = run_experiment(tiny(), tmp_path / "a", workers=1)
    b = run_experiment(tiny(), tmp_path / "b", workers=2)
    assert [r.__dict__ | {"seconds": 0} for r in a.records] == [
        r.__dict__ | {"seconds": 0} for r in b.records
    ]
    assert len(a.records) == 2 * 2 * 4


def test_synthetic_data_changes_results_and_seeds_change_splits(tmp_path):
    res = run_experiment(tiny(sizes=[2], seeds=[0, 1]), tmp_path, workers=1)
    acc = {(r.arm, r.ratio, r.seed): r.accuracy for r in res.records}
    assert acc[("real", None, 0)] != acc[("real+fonts", 6.0, 0)]
    assert acc[("real", None, 0)] != acc[("real", None, 1)]
    counts = {(r.arm, r.ratio): (r.n_real, r.n_synthetic) for r in res.records}
    assert counts[("real+fonts", 6.0)] == (20, 120)
    assert counts[("real+aug", None)] == (20, 0)


def test_pretrained_weights_with_more_labels_are_refused(tmp_path):
    cfg = tiny(
        generators={"ready": {"pretrained": "digits-cvae"}},
        arms=[{"name": "real"}, {"name": "real+ready", "generator": "ready", "ratios": [1]}],
    )
    with pytest.raises(LeakageError, match="trained on .* labelled per class"):
        run_experiment(cfg, tmp_path, workers=1)


@pytest.mark.slow
def test_quick_demo_writes_report_metrics_and_preview(tmp_path):
    out = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "synthaug.cli", "demo", "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # the plan with its ETA comes first, then one bar per phase with counts (issue 22)
    assert "ETA about" in done.stdout and "train arms" in done.stdout, done.stdout[:2000]
    assert "procedural bank" in done.stdout and "audit" in done.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    arms = {r["arm"] for r in metrics["runs"]}
    assert {"real", "real+aug", "real+fonts", "fonts only"} <= arms
    assert all(0.0 <= r["accuracy"] <= 1.0 for r in metrics["runs"])
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "Verdicts" in html
    assert (out / "augment_preview.png").stat().st_size > 10_000


def test_folder_data_names_its_classes_in_results_and_report(tmp_path, digit_folders):
    from synthaug.experiment.render import render_experiment_report

    root = digit_folders({0: "zero", 1: "one", 6: "six"}, 40)
    cfg = tiny(
        data={"dataset": str(root), "test_fraction": 0.5},
        sizes=[5],
        seeds=[0],
        generators={},
        arms=[{"name": "real"}, {"name": "real+aug", "pipeline": "light", "copies": 2}],
        pipelines={"flip": {"transforms": [{"name": "VerticalFlip", "p": 1.0}]}}
        | {"light": {"transforms": [{"name": "Affine", "rotate": 10, "p": 1.0}]}},
        audit="flip",
    )
    res = run_experiment(cfg, tmp_path / "out", workers=1)
    assert res.data_info["class_names"] == ["one", "six", "zero"]
    assert res.audit["class_names"] == ["one", "six", "zero"]
    page = render_experiment_report(res)
    assert "One column per class: one, six, zero." in page
    json.dumps(res.to_dict())  # metrics.json stays serialisable


def test_each_learned_generator_is_fitted_once_per_seed_and_labelled_subset(tmp_path, monkeypatch):
    """Regression (issue 22): the runner fitted the cVAE once per group and again for the
    quality table and sample grids (a parent cache that knew nothing of the groups')."""
    from synthaug.synth import ConditionalVAE

    fits = []
    original = ConditionalVAE.fit

    def counting_fit(self, X, y, callback=None):
        fits.append(len(X))
        return original(self, X, y, callback)

    monkeypatch.setattr(ConditionalVAE, "fit", counting_fit)
    cfg = tiny(
        generators={"cvae": {"kind": "ConditionalVAE", "params": {"epochs": 2}}},
        arms=[{"name": "real"}, {"name": "real+cvae", "generator": "cvae", "ratios": [1, 2]}],
        evaluate_quality=True,
    )
    res = run_experiment(cfg, tmp_path, workers=1)
    assert sorted(fits) == [20, 20, 50, 50]  # 2 seeds x sizes 2 and 5, ten classes
    assert len(list((tmp_path / "cache").glob("cvae-*.safetensors"))) == 4
    assert "cvae" in res.quality and "synthetic (cvae)" in res.samples
    assert set(res.timing) == {"generators", "arms", "reference", "quality"}
