"""Domain adaptation from synthetic (source) to real (target) data.

Methods share one contract: ``fit(source_X, source_y, target_X)`` (the target is unlabelled),
then ``predict(X)``. :func:`make` builds one by name with the experiment runner's budget.

- :class:`DANN`: domain-adversarial training with gradient reversal.
- :class:`DeepCORAL`: aligns feature covariances.
- :class:`AdaBN`: re-estimates batch-norm statistics on the target.
- :class:`SelfTraining`: confidence-thresholded, class-balanced pseudo-labels.

Hyperparameters are the papers' defaults; :func:`select_without_target_labels` picks among
candidates with source validation and target entropy only (see ``selection.py``).
"""

from __future__ import annotations

from typing import Any

from synthaug.adapt.adabn import AdaBN
from synthaug.adapt.base import Adapter, SourceOnly, coral_loss
from synthaug.adapt.coral import DeepCORAL
from synthaug.adapt.dann import DANN, GradientReversal, grl_lambda
from synthaug.adapt.selection import select_without_target_labels
from synthaug.adapt.self_training import SelfTraining
from synthaug.errors import ConfigError

__all__ = [
    "METHODS",
    "NAMES",
    "DANN",
    "AdaBN",
    "Adapter",
    "DeepCORAL",
    "GradientReversal",
    "SelfTraining",
    "SourceOnly",
    "coral_loss",
    "grl_lambda",
    "make",
    "select_without_target_labels",
]

METHODS = {"dann": DANN, "coral": DeepCORAL, "adabn": AdaBN, "self_training": SelfTraining}
#: every name :func:`make` accepts: the methods plus the ``source_only`` baseline
NAMES = {"source_only": SourceOnly, **METHODS}


def make(
    name: str, model: Any = None, n_classes: int | None = None, seed: int = 0, **params: Any
) -> Adapter:
    """Build an adaptation method by name.

    ``model`` is an experiment ``ModelConfig`` (or anything with ``max_steps``, ``epochs``,
    ``batch_size``, ``lr``, ``width`` attributes): the method gets the same training budget as
    the experiment's other arms.
    """
    if name not in NAMES:
        raise ConfigError(f"adapt: unknown method {name!r}; expected one of {sorted(NAMES)}")
    budget: dict[str, Any] = {}
    if model is not None:
        steps = getattr(model, "max_steps", None) or 30 * getattr(model, "epochs", 20)
        budget = {
            "steps": int(steps),
            "batch_size": model.batch_size,
            "lr": model.lr,
            "width": model.width,
        }
    return NAMES[name](n_classes=n_classes, seed=seed, **{**budget, **params})
