"""The linear baseline every experiment trains, and the check that the model clears it.

A gain measured against a weak model overstates what augmentation or synthetic data do (issue
25: a default CNN at chance made every comparison one between untrained models). So each run
also fits a logistic regression on pixels (:func:`synthaug.experiment.models.linear_baseline`)
on every seed's real labelled images (those of the real-only arm) and scores it on the same
test set. :func:`baseline_check` compares it, paired by seed, with the experiment's model on
the real-only arm and writes a warning for every labelled size where the model is more than
``TOLERANCE_POINTS`` below it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthaug.experiment.config import ArmConfig, ExperimentConfig
from synthaug.experiment.stats import mean_ci

__all__ = ["BASELINE_LABEL", "TOLERANCE_POINTS", "baseline_check", "real_arm"]

#: how the baseline appears in tables and metrics.json
BASELINE_LABEL = "logistic regression on pixels (reference)"
#: the model may trail the baseline by this many accuracy points before a warning (seed noise)
TOLERANCE_POINTS = 1.0


def _is_real_only(arm: ArmConfig) -> bool:
    return (
        arm.generator is None
        and arm.pipeline is None
        and arm.adapt is None
        and not arm.unlabelled
        and not arm.synthetic_only
    )


def real_arm(cfg: ExperimentConfig) -> str | None:
    """Name of the first arm trained on the real labelled images alone, or None."""
    return next((a.name for a in cfg.arms if _is_real_only(a)), None)


def baseline_check(
    cfg: ExperimentConfig, records: list[Any], baseline: list[Any]
) -> dict[str, Any]:
    """Summary of the baseline runs and, per size, the model's paired margin over it.

    ``records`` and ``baseline`` are :class:`~synthaug.experiment.runner.RunRecord` lists.
    Returns ``{"model", "arm", "tolerance_points", "summary": [...], "check": [...],
    "warnings": [...]}``; a ``check`` row has ``size``, ``model_mean``, ``baseline_mean``,
    ``margin`` (points, model minus baseline) with its 95% CI, and ``below`` (margin <
    -tolerance).
    """
    arm = real_arm(cfg)
    base = {(r.size, r.seed): r.accuracy for r in baseline}
    summary, check, warnings = [], [], []
    for size in cfg.sizes:
        accs = [base[(size, s)] for s in cfg.seeds if (size, s) in base]
        if not accs:
            continue
        m, lo, hi = mean_ci(np.array(accs))
        summary.append(
            {
                "label": BASELINE_LABEL,
                "size": size,
                "mean": m,
                "ci_low": max(0.0, lo),
                "ci_high": min(1.0, hi),
                "n_seeds": len(accs),
            }
        )
        model = {r.seed: r.accuracy for r in records if r.arm == arm and r.size == size}
        seeds = [s for s in cfg.seeds if s in model and (size, s) in base]
        if arm is None or not seeds:
            continue
        d = 100 * (np.array([model[s] for s in seeds]) - np.array([base[(size, s)] for s in seeds]))
        dm, dlo, dhi = mean_ci(d)
        row = {
            "size": size,
            "model_mean": float(np.mean([model[s] for s in seeds])),
            "baseline_mean": float(np.mean([base[(size, s)] for s in seeds])),
            "margin": dm,
            "margin_ci_low": dlo,
            "margin_ci_high": dhi,
            "n_seeds": len(seeds),
            "below": bool(dm < -TOLERANCE_POINTS),
        }
        check.append(row)
        if row["below"]:
            warnings.append(
                f"At {size} labelled per class the model ({cfg.model.kind}) trained on real data "
                f"(arm {arm!r}) scores {100 * row['model_mean']:.1f}%, {-dm:.1f} points below a "
                f"logistic regression on the same pixels ({100 * row['baseline_mean']:.1f}%; "
                f"paired 95% CI of the margin [{dlo:+.1f}, {dhi:+.1f}]): gains over {arm!r} are "
                "measured against a weak baseline. Use a stronger model (the default "
                "'cnn+logreg', or more steps) before reading them."
            )
    return {
        "model": "LogisticRegression(C=1) on flattened pixels",
        "arm": arm,
        "tolerance_points": TOLERANCE_POINTS,
        "summary": summary,
        "check": check,
        "warnings": warnings,
    }
