"""Fixtures shared by unit tests."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug.experiment import parse_config
from synthaug.experiment.baseline import BASELINE_LABEL, baseline_check
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
            "details": {
                "fid": {"value": 1.3, "std": 0.1, "n_subsets": 5},
                "kid": {"value": None, "std": None, "n_subsets": 10, "subset_size": 100},
            },
            "reference": {"fid": {"value": 0.1, "std": 0.01, "n_subsets": 5}},
        }  # fmt: skip
    }
    audit = {"oracle": "cnn", "clean_accuracy": 0.99, "n_audited": 100, "transforms": [
        {"name": "Affine", "path": "transforms[0]", "flagged": False, "category": "safe",
         "reason": "within the floor", "max_safe_magnitude": None, "safe_params": None}]}  # fmt: skip
    return ExperimentResult(
        config=cfg,
        records=records,
        summary=summarise(records),
        comparisons=compare(cfg, records),
        quality=quality,
        audit=audit,
        samples={"real": np.zeros((6, 8, 8), np.float32)},
        data_info={
            "dataset": "digits",
            "n_classes": 3,
            "class_names": ["a", "b", "c"],
            "image_shape": [8, 8],
            "n_test": 50,
            "n_images": 100,
        },  # fmt: skip
        baseline=baseline_check(cfg, records, base),
        baseline_runs=base,
    )


@pytest.fixture()
def fake_experiment_result():
    """``fake_result(n_seeds)``: an experiment's result built by hand (no training): arms real,
    real+aug and real+fonts at ratios 1 and 4 (ratio 1 costs class "b" 20 points), sizes 1 and
    5, a fonts quality entry with a missing KID, and a clean audit of the pipeline."""
    return fake_result
