"""Results of the augmentation audit, the statistical tests and the rules that read them.

The procedure is described in :mod:`synthaug.evaluate.audit`. This module holds the result
records, :func:`excess_flip_test` (a transform's flip rate against the oracle's noise floor),
the per-cell class-flip test and :func:`summarise`, which turns the evidence into one of the
verdict categories :data:`SAFE`, :data:`SHIFT` and :data:`CHANGES_LABELS`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from synthaug.augment.serialize import to_plain

__all__ = [
    "CHANGES_LABELS",
    "NOT_AUDITED",
    "SAFE",
    "SHIFT",
    "AuditResult",
    "AuditThresholds",
    "FlipTest",
    "MagnitudeAudit",
    "NoiseFloor",
    "TransformAudit",
    "class_flips",
    "describe_class_flips",
    "excess_flip_test",
    "judge_magnitude",
    "summarise",
]

#: verdict categories (``TransformAudit.category``)
SAFE = "safe"
SHIFT = "distribution shift (absorbed by training with it)"
CHANGES_LABELS = "changes labels"
NOT_AUDITED = "not audited"


@dataclass
class AuditThresholds:
    """How the audit decides (see :mod:`synthaug.evaluate.audit`).

    ``margin``: how far above the oracle's noise floor a flip rate must be shown to lie
    (absolute, 0.02 = 2 percentage points); ``alpha``: the one-sided significance level of
    that test. A class flip ``i -> j`` needs a rate >= ``max_class_flip_rate``, at least
    ``min_class_flips`` items and its own significant binomial test against the floor; a
    *class swap* (the transform maps two classes onto each other) needs that both ways, a
    rate >= ``min_swap_rate`` each way, and at least ``min_landed_share`` of the flipped
    images landing among real images of the class they are read as (one of their five
    nearest real training images, in pixels, is of that class, and the nearest is at most
    twice as far as held-out real images are from theirs, in the median). The last condition keeps off-distribution images, which a model may assign to
    classes in any pattern, from reading as a swap.
    ``min_affinity`` only words the reading (affinity is reported, never flagged on its own).
    Box thresholds flag box loss.
    """

    margin: float = 0.02
    alpha: float = 0.01
    max_class_flip_rate: float = 0.10
    min_class_flips: int = 3
    min_swap_rate: float = 0.25
    min_landed_share: float = 0.5
    min_affinity: float = 0.90
    min_box_survival: float = 0.90
    min_box_visibility: float = 0.75


@dataclass
class FlipTest:
    """One-sided test that a flip rate exceeds a noise floor by more than ``margin``.

    ``n_flipped`` of ``n_trials`` correctly classified items changed class under the
    transform; the floor is ``n_floor_flipped`` of ``n_floor_trials`` under label-preserving
    perturbations. ``p_value`` is for H0: rate <= floor + margin.
    """

    n_flipped: int
    n_trials: int
    n_floor_flipped: int
    n_floor_trials: int
    margin: float
    z: float
    p_value: float
    significant: bool

    @property
    def rate(self) -> float:
        """Flip rate under the transform."""
        return self.n_flipped / max(self.n_trials, 1)

    @property
    def floor(self) -> float:
        """Flip rate under label-preserving perturbations."""
        return self.n_floor_flipped / max(self.n_floor_trials, 1)

    def describe(self) -> str:
        """``'17.0% (85/500) vs floor 3.0% (15/500) + 2 pts, p < 0.001'``."""
        return (
            f"{100 * self.rate:.1f}% ({self.n_flipped}/{self.n_trials}) vs floor "
            f"{100 * self.floor:.1f}% ({self.n_floor_flipped}/{self.n_floor_trials}) + "
            f"{100 * self.margin:g} pts, {_p(self.p_value)}"
        )

    def short(self) -> str:
        """``'17.0% (85/500) vs floor 3.0%, p < 0.001'``."""
        return (
            f"{100 * self.rate:.1f}% ({self.n_flipped}/{self.n_trials}) vs floor "
            f"{100 * self.floor:.1f}%, {_p(self.p_value)}"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form with the rates."""
        return to_plain({**asdict(self), "rate": self.rate, "floor": self.floor})


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def excess_flip_test(
    n_flipped: int,
    n_trials: int,
    n_floor_flipped: int,
    n_floor_trials: int,
    margin: float = 0.02,
    alpha: float = 0.01,
) -> FlipTest:
    """Is a flip rate above the noise floor plus ``margin``? One-sided two-proportion test.

    The statistic is the Agresti-Caffo adjusted Wald statistic for a difference of two
    proportions with a non-zero null difference: one success and one failure are added to
    each group, ``p~ = (k + 1) / (n + 2)``, and
    ``z = (p~_t - p~_0 - margin) / sqrt(p~_t (1 - p~_t) / (n_t + 2) + p~_0 (1 - p~_0) / (n_0 + 2))``.
    The adjustment keeps the test sensible when a rate is 0 (the Wald test would divide by
    zero). ``p_value`` is the upper normal tail of ``z``; significant when below ``alpha``.

    Examples
    --------
    >>> excess_flip_test(85, 500, 15, 500).significant
    True
    >>> excess_flip_test(20, 500, 15, 500).significant
    False
    """
    a = (n_flipped + 1) / (n_trials + 2)
    b = (n_floor_flipped + 1) / (n_floor_trials + 2)
    se = math.sqrt(a * (1 - a) / (n_trials + 2) + b * (1 - b) / (n_floor_trials + 2))
    z = (a - b - margin) / se
    p = 0.5 * math.erfc(z / math.sqrt(2))
    return FlipTest(
        int(n_flipped),
        int(n_trials),
        int(n_floor_flipped),
        int(n_floor_trials),
        float(margin),
        float(z),
        float(p),
        bool(n_trials > 0 and p < alpha),
    )


def class_flips(
    counts: np.ndarray, correct: np.ndarray, floor: float, th: AuditThresholds
) -> np.ndarray:
    """Boolean ``(k, k)`` matrix of class flips ``i -> j`` that stand out: rate >=
    ``max_class_flip_rate``, count >= ``min_class_flips`` and an exact binomial test of the
    count against ``floor + margin`` (the whole floor is an upper bound of one cell's share)
    below ``alpha``."""
    from scipy.stats import binom

    counts = np.asarray(counts)
    n = np.maximum(np.asarray(correct), 1)[:, None]
    rates = counts / n
    p0 = min(1.0, floor + th.margin)
    pvals = binom.sf(counts - 1, np.broadcast_to(n, counts.shape), p0)
    hot = (rates >= th.max_class_flip_rate) & (counts >= th.min_class_flips) & (pvals < th.alpha)
    np.fill_diagonal(hot, False)
    return hot


@dataclass
class NoiseFloor:
    """An oracle's flip rates under perturbations that cannot change a label.

    ``rates`` maps each perturbation to its flip rate over ``n_trials`` correctly classified
    held-out items; the floor is the largest of them (``worst``), with its count.
    """

    rates: dict[str, float]
    n_flipped: dict[str, int]
    n_trials: int

    @property
    def worst(self) -> str:
        """The perturbation with the highest flip rate."""
        return max(self.rates, key=lambda k: (self.rates[k], k))

    @property
    def rate(self) -> float:
        """The floor: the largest flip rate."""
        return self.rates[self.worst]

    @property
    def count(self) -> int:
        """Flips under the worst perturbation."""
        return self.n_flipped[self.worst]

    def describe(self) -> str:
        """``'identity 0.0%, noise 0.2%, half-pixel shift 1.1% of 540 items'``."""
        parts = ", ".join(f"{k} {100 * v:.1f}%" for k, v in self.rates.items())
        return f"{parts} of {self.n_trials} items"

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return to_plain(
            {
                "rates": self.rates,
                "n_flipped": self.n_flipped,
                "n_trials": self.n_trials,
                "floor": self.rate,
                "worst": self.worst,
            }
        )


@dataclass
class MagnitudeAudit:
    """What one transform does at one magnitude (rates in [0, 1]).

    ``flip_*`` and ``test`` are for the oracle trained on clean data; ``retrained_*`` for
    the oracle trained with the transform (``None`` where it was not needed: the clean
    oracle's flips were within its noise floor).
    """

    magnitude: float
    params: dict[str, Any]
    n_items: int
    n_correct_clean: int
    flip_rate: float
    flip_counts: np.ndarray
    class_correct: np.ndarray
    accuracy: float
    affinity: float
    diversity: float
    train_loss: float
    test: FlipTest | None = None
    retrained_test: FlipTest | None = None
    retrained_flip_counts: np.ndarray | None = None
    retrained_class_correct: np.ndarray | None = None
    retrained_accuracy: float | None = None
    landed_counts: np.ndarray | None = None
    box_survival: float | None = None
    box_visibility: float | None = None
    category: str = SAFE
    flags: list[str] = field(default_factory=list)
    flipped: list[dict[str, int]] = field(default_factory=list)

    @property
    def safe(self) -> bool:
        """No flag raised (a distribution shift that training absorbs is safe)."""
        return not self.flags

    @property
    def flip_rates(self) -> np.ndarray:
        """``flip_counts`` with row ``i`` divided by the correct clean items of class ``i``."""
        return self.flip_counts / np.maximum(self.class_correct, 1)[:, None]

    @property
    def retrained_flip_rates(self) -> np.ndarray | None:
        """The retrained oracle's flip matrix as rates (``None`` if not retrained)."""
        if self.retrained_flip_counts is None or self.retrained_class_correct is None:
            return None
        return self.retrained_flip_counts / np.maximum(self.retrained_class_correct, 1)[:, None]

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready)."""
        d = asdict(self)
        d["test"] = None if self.test is None else self.test.to_dict()
        d["retrained_test"] = None if self.retrained_test is None else self.retrained_test.to_dict()
        d["safe"] = self.safe
        d["flip_rates"] = self.flip_rates
        d["retrained_flip_rates"] = self.retrained_flip_rates
        return to_plain(d)


@dataclass
class TransformAudit:
    """The audit of one leaf transform over the magnitudes."""

    name: str
    path: str
    config: dict[str, Any]
    scalable: bool
    magnitudes: list[MagnitudeAudit] = field(default_factory=list)
    max_safe_magnitude: float | None = None
    safe_params: dict[str, Any] | None = None
    flagged: bool = False
    category: str = SAFE
    reason: str = ""
    verdict: str = ""
    retrained_floor: NoiseFloor | None = None
    retrained_magnitude: float | None = None
    skipped: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    #: (n, 2, ...) clean and augmented images of flipped items (not in ``to_dict``)
    example_images: np.ndarray | None = field(default=None, repr=False)
    example_magnitude: float | None = None

    @property
    def flags(self) -> list[str]:
        """Flags raised as configured (magnitude 1)."""
        return next((m.flags for m in self.magnitudes if m.magnitude == 1.0), [])

    def at(self, magnitude: float) -> MagnitudeAudit:
        """The result at one audited magnitude."""
        for m in self.magnitudes:
            if m.magnitude == magnitude:
                return m
        raise KeyError(f"{self.name}: magnitude {magnitude} was not audited")

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready); example images are left out."""
        return to_plain(
            {
                "name": self.name,
                "path": self.path,
                "config": self.config,
                "scalable": self.scalable,
                "flagged": self.flagged,
                "category": self.category,
                "reason": self.reason,
                "flags": self.flags,
                "verdict": self.verdict,
                "max_safe_magnitude": self.max_safe_magnitude,
                "safe_params": self.safe_params,
                "retrained_floor": None
                if self.retrained_floor is None
                else self.retrained_floor.to_dict(),
                "retrained_magnitude": self.retrained_magnitude,
                "example_magnitude": self.example_magnitude,
                "skipped": self.skipped,
                "error": self.error,
                "magnitudes": [m.to_dict() for m in self.magnitudes],
            }
        )


@dataclass
class AuditResult:
    """Everything :func:`audit` measured; ``to_dict()`` is what ``audit.json`` holds."""

    transforms: list[TransformAudit]
    classes: list[int]
    oracle: str
    clean_accuracy: float
    train_loss_clean: float
    n_train: int
    n_val: int
    n_audited: int
    seed: int
    thresholds: AuditThresholds
    floor: NoiseFloor | None = None
    warnings: list[str] = field(default_factory=list)
    class_names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.class_names:
            self.class_names = [str(c) for c in self.classes]

    def name_of(self, class_id: int) -> str:
        """The display name of a class id (the id as text when none was given)."""
        return self.class_names[self.classes.index(class_id)]

    @property
    def flagged(self) -> list[TransformAudit]:
        """The transforms unsafe as configured (they change labels or lose boxes)."""
        return [t for t in self.transforms if t.flagged]

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready)."""
        return to_plain(
            {
                "oracle": self.oracle,
                "clean_accuracy": self.clean_accuracy,
                "train_loss_clean": self.train_loss_clean,
                "classes": self.classes,
                "class_names": self.class_names,
                "n_train": self.n_train,
                "n_val": self.n_val,
                "n_audited": self.n_audited,
                "seed": self.seed,
                "thresholds": asdict(self.thresholds),
                "noise_floor": None if self.floor is None else self.floor.to_dict(),
                "warnings": self.warnings,
                "transforms": [t.to_dict() for t in self.transforms],
            }
        )


def _labels(classes: Sequence[int | str]) -> tuple[list[str], bool]:
    numeric = all(str(c).lstrip("-").isdigit() for c in classes)
    return [str(c) if numeric else repr(str(c)) for c in classes], numeric


def describe_class_flips(
    counts: np.ndarray, correct: np.ndarray, hot: np.ndarray, classes: Sequence[int | str]
) -> list[str]:
    """Plain words for the class flips in ``hot``: swaps first ("swaps 6 and 9 (6->9 40%,
    9->6 35%)"), then one-way flips, largest first. Numbers read "turns 12% of 6s into 9";
    other names are quoted ("turns 12% of 'cat' into 'dog'")."""
    rates = np.asarray(counts) / np.maximum(np.asarray(correct), 1)[:, None]
    label, numeric = _labels(classes)
    swaps, one_way = [], []
    for i, j in sorted(zip(*np.nonzero(hot), strict=True), key=lambda ij: -rates[ij]):
        a, b = label[i], label[j]
        if hot[j, i] and i < j:
            swaps.append(
                f"swaps {a} and {b} ({a}->{b} {100 * rates[i, j]:.0f}%, "
                f"{b}->{a} {100 * rates[j, i]:.0f}%)"
            )
        elif not hot[j, i]:
            plural = f"{a}s" if numeric else a
            one_way.append(f"turns {100 * rates[i, j]:.0f}% of {plural} into {b}")
    return swaps + one_way  # swaps first: they are what a reader must see


def judge_magnitude(
    m: MagnitudeAudit,
    th: AuditThresholds,
    classes: Sequence[int | str],
) -> None:
    """Set ``m.category`` and ``m.flags`` from its tests.

    * clean oracle within its floor (test not significant): :data:`SAFE`;
    * beyond it, and either the clean oracle's flip matrix shows a *swap* (``i -> j`` and
      ``j -> i`` both stand out: the transform maps classes onto each other, as a half turn
      maps 6 onto 9 and 9 onto 6) or the retrained oracle also flips beyond *its* floor:
      :data:`CHANGES_LABELS` (flagged);
    * beyond it, no swap, and the retrained oracle within its floor: :data:`SHIFT` (not
      flagged: training with the transform absorbs it);
    * beyond it, no swap, never retrained: :data:`CHANGES_LABELS` is assumed (flagged, and
      the flag says the audit could not tell).

    A swap counts on its own because a model can learn to tell a turned 6 from a 9 by the
    writer's strokes (a CNN trained with half turns on the 8x8 digits does), yet the picture
    a reader labels is a 9. Box loss is flagged in every category.
    """
    flags: list[str] = []
    if m.test is None or not m.test.significant:
        m.category = SAFE
    else:
        hot = class_flips(m.flip_counts, m.class_correct, m.test.floor, th)
        swap = hot & (m.flip_rates >= th.min_swap_rate)
        if m.landed_counts is not None:  # the flipped images sit among real ones of class j
            swap &= m.landed_counts / np.maximum(m.flip_counts, 1) >= th.min_landed_share
        swap &= swap.T
        persists = m.retrained_test is not None and m.retrained_test.significant
        if not (swap.any() or persists or m.retrained_test is None):
            m.category = SHIFT
        else:
            m.category = CHANGES_LABELS
            if m.retrained_test is None:
                flags.append(
                    f"label flips {m.test.describe()}; not retrained, so a label change cannot "
                    "be told from a distribution shift"
                )
                flags += [
                    f"class flips: {c}"
                    for c in describe_class_flips(m.flip_counts, m.class_correct, hot, classes)
                ]
            if swap.any():
                flags += [
                    f"class swap: {c}"
                    for c in describe_class_flips(m.flip_counts, m.class_correct, swap, classes)
                ]
            if persists:
                counts, correct = m.retrained_flip_counts, m.retrained_class_correct
                again = class_flips(counts, correct, m.retrained_test.floor, th)
                cls = describe_class_flips(counts, correct, again, classes)
                flags.append(
                    f"label flips persist after training with it: {m.retrained_test.describe()}"
                    + ("" if cls else " (no single class mapping: the class evidence is erased)")
                )
                flags += [f"class flips (oracle trained with it): {c}" for c in cls]
    if m.box_survival is not None and m.box_survival < th.min_box_survival:
        flags.append(f"box loss: drops {100 * (1 - m.box_survival):.0f}% of boxes")
    if m.box_visibility is not None and m.box_visibility < th.min_box_visibility:
        flags.append(f"box loss: kept boxes show only {100 * m.box_visibility:.0f}% of their area")
    m.flags = flags


def _reason(m: MagnitudeAudit, th: AuditThresholds) -> str:
    """Why ``m`` got its category, with the numbers."""
    if m.test is None:
        return "no correctly classified held-out item to test"
    clean = f"the clean-trained oracle's answer changes on {m.test.describe()}"
    aff = f"; affinity {m.affinity:.2f}" + (
        " (images leave the data's distribution)" if m.affinity < th.min_affinity else ""
    )
    if m.category == SAFE:
        return f"within the oracle's noise floor: {clean}{aff}"
    if m.retrained_test is None:
        return f"{clean}{aff}; no retrained oracle to tell a label change from a shift"
    again = f"an oracle trained with it: {m.retrained_test.describe()}"
    if m.category == SHIFT:
        return f"{clean}{aff}, but {again}: training with the transform absorbs the shift"
    swaps = [f.removeprefix("class swap: ") for f in m.flags if f.startswith("class swap")]
    cls = [f.split(": ", 1)[1] for f in m.flags if f.startswith("class flips (")]
    if not m.retrained_test.significant:
        return (
            f"it maps classes onto each other ({', '.join(swaps[:3])}): {clean}; {again}, so "
            "a model can learn to tell them apart, but the picture reads as the other class"
        )
    mapping = f"; {', '.join((swaps + cls)[:3])}" if swaps + cls else "; no single class mapping"
    return f"{clean}, and the flips persist for {again}{mapping}"


def summarise(row: TransformAudit, th: AuditThresholds | None = None) -> None:
    """Largest safe magnitude, flagged, category, reason and the verdict in plain words."""
    th = th or AuditThresholds()
    safe: MagnitudeAudit | None = None
    for m in sorted(row.magnitudes, key=lambda m: m.magnitude):
        if not m.safe:
            break
        safe = m
    row.max_safe_magnitude = None if safe is None else safe.magnitude
    row.safe_params = None if safe is None else safe.params
    row.flagged = bool(row.flags)
    one = next((m for m in row.magnitudes if m.magnitude == 1.0), None)
    limit = ""
    if safe is not None and safe.params:
        limit = " (" + ", ".join(f"{k}={_show(v)}" for k, v in safe.params.items()) + ")"
    if row.error or one is None:
        row.category = NOT_AUDITED
        row.reason = row.error or "magnitude 1 could not be audited"
        row.verdict = f"not audited: {row.reason}"
        return
    row.category = one.category
    row.reason = _reason(one, th)
    boxes = [f for f in one.flags if f.startswith("box loss")]
    if not row.flagged:
        row.verdict = f"{one.category}: {row.reason}"
        if safe is not None and safe.magnitude > 1.0:
            row.verdict += f"; stays safe up to magnitude {safe.magnitude:g}{limit}"
        return
    head = "UNSAFE, " + (one.category if one.category == CHANGES_LABELS else "box loss")
    detail = row.reason if one.category == CHANGES_LABELS else "; ".join(boxes)
    if one.category == CHANGES_LABELS and boxes:
        detail += "; " + "; ".join(boxes)
    if not row.scalable:
        row.verdict = f"{head} whenever applied: {detail}"
    elif safe is None or safe.magnitude == 0.0:
        row.verdict = f"{head} at every audited magnitude above 0: {detail}"
    else:
        row.verdict = (
            f"{head} as configured: {detail}. Safe up to magnitude {safe.magnitude:g}{limit}"
        )


def _show(v: Any) -> str:
    if isinstance(v, (tuple, list)):
        return "(" + ", ".join(f"{x:g}" for x in v) + ")"
    return f"{v:g}" if isinstance(v, float) else str(v)
