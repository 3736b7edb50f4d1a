"""Answers first: is a synthetic set close to the real data, useful, private?

:func:`evaluation_answers` reads a :func:`~synthaug.evaluate.quality_report` dict (what
``synthaug evaluate`` writes to ``metrics.json``) into three plain sentences, each quoting the
numbers it is read from, for the top of the ``synthaug evaluate`` page. The experiment report
reads its generators with the same functions (:mod:`synthaug.experiment.answers`).

Reading rules (tested in ``tests/unit/test_evaluate_answers.py``):

* **Close** only when FID is under :data:`CLOSE_FACTOR` times and KID at most
  :data:`CLOSE_FACTOR` times their real-vs-real values (KID: within two standard deviations
  of 0 when the real-vs-real value is <= 0), the thresholds of
  :mod:`synthaug.evaluate.fidelity`; "far" at 10x the real-vs-real FID and more.
* **Useful** when TSTR / TRTR is at least :data:`~synthaug.evaluate.utility.USEFUL_RATIO`,
  "partly" from :data:`~synthaug.evaluate.utility.WEAKER_RATIO`; a TSTR at or below chance
  (1 / number of classes) is never useful.
* **Private** ("no sign of copying") unless the DCR ratio is below
  :data:`~synthaug.evaluate.privacy.DCR_RATIO_RISK`, the near-copy share above
  :data:`~synthaug.evaluate.privacy.NEAR_COPY_RISK` or the membership-inference AUC above
  :data:`~synthaug.evaluate.privacy.MEMBERSHIP_AUC_RISK`. No sign of copying is not a formal
  guarantee.

Examples
--------
>>> report = {
...     "details": {"fid": {"value": 40.0}, "kid": {"value": 0.5, "std": 0.01}},
...     "reference": {"fid": {"value": 1.0}, "kid": {"value": 0.01, "std": 0.01}},
... }
>>> evaluation_answers(report)[0].text
'No: it is far from the real data (FID 40.0x, KID 50.0x the real-vs-real value).'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthaug.evaluate.privacy import DCR_RATIO_RISK, MEMBERSHIP_AUC_RISK, NEAR_COPY_RISK
from synthaug.evaluate.utility import USEFUL_RATIO, WEAKER_RATIO
from synthaug.report.numbers import finite, number

__all__ = [
    "CLOSE_FACTOR",
    "FAR_FACTOR",
    "Answer",
    "evaluation_answers",
    "fidelity_parts",
    "fidelity_reading",
    "privacy_reading",
    "utility_reading",
]

#: FID and KID at or under this multiple of their real-vs-real value read "as close as real".
CLOSE_FACTOR = 2.0
#: FID at this multiple of its real-vs-real value and more reads "far from the real data".
FAR_FACTOR = 10.0


@dataclass(frozen=True)
class Answer:
    """One question and its answer: ``status`` is ``good``, ``bad`` or ``neutral``."""

    question: str
    text: str
    status: str = "neutral"


def fidelity_parts(q: Mapping[str, Any]) -> tuple[str, str, float | None]:
    """``(words, evidence, FID ratio)`` of a quality report (see :func:`fidelity_reading`)."""
    det, ref = q.get("details", {}), q.get("reference", {})
    fid, rfid = det.get("fid", {}).get("value"), ref.get("fid", {}).get("value")
    kid, rkid = det.get("kid", {}), ref.get("kid", {})
    auc = det.get("c2st", {}).get("auc")
    ratio = float(fid) / float(rfid) if finite(fid) and finite(rfid) and rfid > 0 else None
    if ratio is None:
        return "FID not measured", "", None
    kid_close = False
    evidence = [f"FID {ratio:.1f}x"]
    suffix = " the real-vs-real value"
    if finite(kid.get("value")) and finite(rkid.get("value")):
        kv, rv = float(kid["value"]), float(rkid["value"])
        noise = 2.0 * float(np.hypot(kid.get("std") or 0.0, rkid.get("std") or 0.0))
        kid_close = kv <= CLOSE_FACTOR * rv if rv > 0 else kv <= noise
        if rv > 0 and kv >= 0:
            evidence.append(f"KID {kv / rv:.1f}x")
        else:  # KID is unbiased, so it can fall below 0: a ratio would read backwards
            evidence[0] += suffix
            evidence.append(f"KID {number(kv, '.2g')} (real vs real {number(rv, '.2g')})")
            suffix = ""
    evidence[-1] += suffix
    if finite(auc):
        evidence.append(f"classifier AUC {float(auc):.2f}")
    if ratio < CLOSE_FACTOR and kid_close:
        words = "as close to the real data as another real sample"
    elif ratio < FAR_FACTOR:
        words = "further from the real data than real data is from itself"
    else:
        words = "far from the real data"
    return words, ", ".join(evidence), ratio


def fidelity_reading(q: Mapping[str, Any]) -> tuple[str, float | None]:
    """``(reading, FID ratio)`` of a quality report (or an experiment generator's quality
    entry), from its recorded numbers.

    The ratio is FID over the real-vs-real FID (None when either is missing). The reading says
    "as close to the real data as another real sample" only when FID is under
    :data:`CLOSE_FACTOR` times and KID at most :data:`CLOSE_FACTOR` times (or, for a
    real-vs-real KID <= 0, within two standard deviations of) their real-vs-real values;
    otherwise "further from the real data than real data is from itself" (FID under
    :data:`FAR_FACTOR` times) or "far from the real data". The evidence in brackets quotes the
    ratios and the two-sample classifier's AUC.
    """
    words, evidence, ratio = fidelity_parts(q)
    return (f"{words} ({evidence})" if evidence else words), ratio


def privacy_reading(q: Mapping[str, Any]) -> tuple[str, bool | None]:
    """``(reading, leaks)`` of a quality report's privacy numbers (None: not measured), with
    the thresholds of :meth:`synthaug.evaluate.privacy.PrivacyResult.reading`."""
    p = q.get("details", {}).get("privacy")
    if not p:
        return "privacy not measured", None
    ratio, share, auc = p.get("dcr_ratio"), p.get("near_copy_share"), p.get("membership_auc")
    risks = []
    if finite(ratio) and ratio < DCR_RATIO_RISK:
        risks.append(f"records sit close to training records (DCR ratio {ratio:.2f})")
    if finite(share) and share > NEAR_COPY_RISK:
        risks.append(f"{100 * share:.1f}% near-copies of training images")
    if finite(auc) and auc > MEMBERSHIP_AUC_RISK:
        risks.append(f"membership leaks (attack AUC {auc:.2f})")
    if risks:
        return "memorisation risk: " + ", ".join(risks), True
    return (
        f"no sign of copying (DCR ratio {number(ratio, '.2f')}, "
        f"{number(100 * share if finite(share) else None, '.1f')}% near-copies, "
        f"membership AUC {number(auc, '.2f')})",
        False,
    )


def utility_reading(q: Mapping[str, Any]) -> tuple[str, str | None]:
    """``(reading, verdict)`` of a quality report's utility numbers, None when utility was not
    measured. The verdict is ``chance`` when TSTR is at or below chance (1 / number of
    classes), ``uninformative`` when the real-trained model is, else ``useful``, ``partly`` or
    ``weak`` by the TSTR / TRTR ratio."""
    u = q.get("details", {}).get("utility")
    if not u or not finite(u.get("tstr")) or not finite(u.get("trtr")):
        return "utility not measured", None
    tstr, trtr, n_classes = float(u["tstr"]), float(u["trtr"]), int(u.get("n_classes") or 0)
    on = str(u.get("test_name") or "held-out real data")
    quote = (
        f"{u.get('model') or 'a model'} trained on it: {100 * tstr:.1f}% on {on}; trained on "
        f"the real training set: {100 * trtr:.1f}%"
    )
    chance = 1.0 / n_classes if n_classes > 1 else 0.0
    if tstr <= chance:
        guess = f"guessing among {n_classes} classes ({100 * chance:.1f}%)"
        return f"{quote}: no better than {guess}", "chance"
    if trtr <= chance:
        return f"{quote}: the real-trained model is at chance, so the ratio tells nothing", (
            "uninformative"
        )
    ratio = tstr / trtr
    verdict = "useful" if ratio >= USEFUL_RATIO else "partly" if ratio >= WEAKER_RATIO else "weak"
    rule = {
        "useful": f"{USEFUL_RATIO:g} or more reads useful",
        "partly": f"{WEAKER_RATIO:g} to {USEFUL_RATIO:g} reads useful but weaker",
        "weak": f"under {WEAKER_RATIO:g} reads much weaker than real data",
    }[verdict]
    return f"{quote} (TSTR / TRTR {ratio:.2f}; {rule})", verdict


def _close(report: Mapping[str, Any]) -> Answer:
    q = "Is the synthetic data close to the real data?"
    words, evidence, ratio = fidelity_parts(report)
    if ratio is None:
        return Answer(q, "Not measured: no real-vs-real FID to read it against.")
    if ratio < CLOSE_FACTOR and words.startswith("as close"):
        return Answer(q, f"Yes: {words} ({evidence}).", "good")
    if ratio < FAR_FACTOR:
        return Answer(q, f"Not quite: it is {words} ({evidence}).", "neutral")
    return Answer(q, f"No: it is {words} ({evidence}).", "bad")


def _useful(report: Mapping[str, Any]) -> Answer:
    q = "Is it useful for training?"
    text, verdict = utility_reading(report)
    if verdict is None:
        return Answer(
            q,
            "Not measured: utility needs labels for the synthetic set and a labelled real "
            "hold-out the generator never saw (--holdout).",
        )
    lead, status = {
        "useful": ("Yes", "good"),
        "partly": ("Partly", "neutral"),
        "weak": ("No", "bad"),
        "chance": ("No", "bad"),
        "uninformative": ("Cannot tell", "neutral"),
    }[verdict]
    return Answer(q, f"{lead}: {text}.", status)


def _private(report: Mapping[str, Any]) -> Answer:
    q = "Is it private (does it copy training records)?"
    text, leaks = privacy_reading(report)
    if leaks is None:
        return Answer(
            q,
            "Not measured: privacy needs a real hold-out the generator never saw (--holdout).",
        )
    if leaks:
        return Answer(q, f"No: {text}.", "bad")
    rule = (
        f"a DCR ratio under {DCR_RATIO_RISK:g}, more than {100 * NEAR_COPY_RISK:g}% near-copies "
        f"or a membership AUC over {MEMBERSHIP_AUC_RISK:g} would flag it"
    )
    text = text[0].upper() + text[1:]
    return Answer(q, f"{text}; {rule}. No sign of copying is not a formal guarantee.", "good")


def evaluation_answers(report: Mapping[str, Any]) -> list[Answer]:
    """Close? Useful? Copies? The answers of a :func:`~synthaug.evaluate.quality_report` dict,
    in reading order, each quoting the numbers it reads."""
    return [_close(report), _useful(report), _private(report)]
