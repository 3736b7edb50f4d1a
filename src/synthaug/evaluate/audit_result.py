"""Results of the augmentation audit and the rules that flag them.

The measures and thresholds are described in :mod:`synthaug.evaluate.audit`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from synthaug.augment.serialize import to_plain

__all__ = [
    "AuditResult",
    "AuditThresholds",
    "MagnitudeAudit",
    "TransformAudit",
    "flag_magnitude",
    "summarise",
]


@dataclass
class AuditThresholds:
    """When a magnitude counts as unsafe (see :mod:`synthaug.evaluate.audit`)."""

    max_flip_rate: float = 0.05
    max_class_flip_rate: float = 0.10
    min_class_flips: int = 3
    min_affinity: float = 0.90
    min_box_survival: float = 0.90
    min_box_visibility: float = 0.75


@dataclass
class MagnitudeAudit:
    """What one transform does at one magnitude (rates in [0, 1])."""

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
    box_survival: float | None = None
    box_visibility: float | None = None
    flags: list[str] = field(default_factory=list)
    flipped: list[dict[str, int]] = field(default_factory=list)

    @property
    def safe(self) -> bool:
        """No flag raised."""
        return not self.flags

    @property
    def flip_rates(self) -> np.ndarray:
        """``flip_counts`` with row ``i`` divided by the correct clean items of class ``i``."""
        return self.flip_counts / np.maximum(self.class_correct, 1)[:, None]

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready)."""
        d = asdict(self)
        d["safe"] = self.safe
        d["flip_rates"] = self.flip_rates
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
    verdict: str = ""
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
                "flags": self.flags,
                "verdict": self.verdict,
                "max_safe_magnitude": self.max_safe_magnitude,
                "safe_params": self.safe_params,
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
        """The transforms unsafe as configured."""
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
                "warnings": self.warnings,
                "transforms": [t.to_dict() for t in self.transforms],
            }
        )


def flag_magnitude(
    m: MagnitudeAudit, th: AuditThresholds, classes: Sequence[int | str]
) -> list[str]:
    """Plain-word flags for one magnitude: label flips, class swaps first then one-way class
    flips (largest first), low affinity, box loss. Empty when the magnitude is safe.

    ``classes`` names the classes in index order: ids or names. Numbers read "turns 12% of
    6s into 9"; other names are quoted ("turns 12% of 'cat' into 'dog'").
    """
    flags = []
    if m.flip_rate > th.max_flip_rate:
        flags.append(
            f"label flips: the oracle's answer changes on {100 * m.flip_rate:.0f}% of images "
            f"(limit {100 * th.max_flip_rate:.0f}%)"
        )
    rates, counts = m.flip_rates, m.flip_counts
    hot = (rates >= th.max_class_flip_rate) & (counts >= th.min_class_flips)
    np.fill_diagonal(hot, False)
    numeric = all(str(c).lstrip("-").isdigit() for c in classes)
    label = [str(c) if numeric else repr(str(c)) for c in classes]
    swaps, one_way = [], []
    for i, j in sorted(zip(*np.nonzero(hot), strict=True), key=lambda ij: -rates[ij]):
        a, b = label[i], label[j]
        if hot[j, i] and i < j:
            swaps.append(
                f"class flips: swaps {a} and {b} ({a}->{b} {100 * rates[i, j]:.0f}%, "
                f"{b}->{a} {100 * rates[j, i]:.0f}%)"
            )
        elif not hot[j, i]:
            plural = f"{a}s" if numeric else a
            one_way.append(f"class flips: turns {100 * rates[i, j]:.0f}% of {plural} into {b}")
    flags += swaps + one_way  # swaps first: they are what a reader must see
    if m.affinity < th.min_affinity:
        flags.append(
            f"low affinity: images leave the data's distribution (the clean-trained oracle keeps "
            f"{100 * m.affinity:.0f}% of its accuracy, limit {100 * th.min_affinity:.0f}%)"
        )
    if m.box_survival is not None and m.box_survival < th.min_box_survival:
        flags.append(f"box loss: drops {100 * (1 - m.box_survival):.0f}% of boxes")
    if m.box_visibility is not None and m.box_visibility < th.min_box_visibility:
        flags.append(f"box loss: kept boxes show only {100 * m.box_visibility:.0f}% of their area")
    return flags


def summarise(row: TransformAudit) -> None:
    """Largest safe magnitude, flagged and the verdict in plain words."""
    safe: MagnitudeAudit | None = None
    for m in sorted(row.magnitudes, key=lambda m: m.magnitude):
        if not m.safe:
            break
        safe = m
    row.max_safe_magnitude = None if safe is None else safe.magnitude
    row.safe_params = None if safe is None else safe.params
    row.flagged = bool(row.flags)
    limit = ""
    if safe is not None and safe.params:
        limit = " (" + ", ".join(f"{k}={_show(v)}" for k, v in safe.params.items()) + ")"
    if row.error:
        row.verdict = f"not audited: {row.error}"
    elif not row.flagged:
        row.verdict = "safe as configured"
        if safe is not None and safe.magnitude > 1.0:
            row.verdict += f"; stays safe up to magnitude {safe.magnitude:g}{limit}"
    elif not row.scalable:
        row.verdict = f"UNSAFE whenever applied: {_brief(row.flags)}"
    elif safe is None or safe.magnitude == 0.0:
        row.verdict = f"UNSAFE at every audited magnitude above 0: {_brief(row.flags)}"
    else:
        row.verdict = (
            f"UNSAFE as configured: {_brief(row.flags)}. "
            f"Safe up to magnitude {safe.magnitude:g}{limit}"
        )


def _brief(flags: list[str], n_class: int = 3) -> str:
    """The flags, with at most ``n_class`` class flips (the rest counted)."""
    cls = [f for f in flags if f.startswith("class flips")]
    shown = [f for f in flags if not f.startswith("class flips")]
    shown[1:1] = cls[:n_class]
    if len(cls) > n_class:
        shown.insert(1 + n_class, f"{len(cls) - n_class} more class flips")
    return "; ".join(shown)


def _show(v: Any) -> str:
    if isinstance(v, (tuple, list)):
        return "(" + ", ".join(f"{x:g}" for x in v) + ")"
    return f"{v:g}" if isinstance(v, float) else str(v)
