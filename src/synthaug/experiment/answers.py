"""The answers at the top of the experiment report, each read from the numbers it quotes.

:func:`answer_questions` turns an experiment's results (the ``metrics.json`` dict, i.e.
:meth:`ExperimentResult.to_dict`) into a few plain sentences, one per question a reader comes
with: does augmentation help, does synthetic data help and at which ratio, what hurts (and
which classes pay), which generator is closest to the real data and which leaks least, how sure
we are, and whether the augmentation audit flags a pipeline the experiment uses.

Reading rules (tested in ``tests/unit/test_experiment_answers.py``):

* An effect "helps" only when its paired 95% interval over seeds lies above zero, "hurts" only
  when it lies below; otherwise "no clear difference". With fewer than
  :data:`~synthaug.report.MIN_SEEDS_FOR_INTERVAL` seeds nothing is read as helping or hurting:
  the sentence says "too few seeds to tell" and quotes the mean difference only.
* Fidelity words come from the metric's own reading rules in :mod:`synthaug.evaluate.fidelity`
  applied to the *recorded numbers* (never from stored text): a generator is "as close to the
  real data as another real sample" only when FID is under 2x and KID at most 2x their
  real-vs-real values; a KID far above the real-vs-real value never reads as close.
* Privacy words come from :class:`synthaug.evaluate.privacy.PrivacyResult`'s thresholds.
* A class "pays" for an arm when its paired per-class difference is at most
  :data:`CLASS_HARM_POINTS` below the baseline and its interval over seeds lies below zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthaug.evaluate.answers import Answer, fidelity_reading, privacy_reading
from synthaug.evaluate.answers import fidelity_parts as _fidelity_parts
from synthaug.experiment.stats import mean_ci
from synthaug.report.numbers import MIN_SEEDS_FOR_INTERVAL, finite, interval, number, signed

__all__ = [
    "CLASS_HARM_POINTS",
    "Answer",
    "Effect",
    "answer_questions",
    "class_harm",
    "effect_of",
    "fidelity_reading",
    "per_class_differences",
    "privacy_reading",
]

#: A class whose accuracy drops by at least this many points (and significantly) is named.
CLASS_HARM_POINTS = 5.0


@dataclass(frozen=True)
class Effect:
    """An arm's paired difference from the baseline at one size, read by the rules above.

    ``outcome`` is ``helps``, ``hurts``, ``unclear`` (the interval spans zero) or ``few``
    (fewer seeds than an interval needs).
    """

    label: str
    size: int
    diff: float
    ci_low: float
    ci_high: float
    n_seeds: int
    outcome: str

    def quote(self) -> str:
        """``+2.8 points, 95% CI [+0.0, +5.5]``, or the mean and "too few seeds to tell"."""
        return f"{signed(self.diff)} points, {interval(self.ci_low, self.ci_high, self.n_seeds)}"

    def short(self) -> str:
        """``+2.8 [+0.0, +5.5] at 5/class``: the interval only where it is read (>= 5 seeds)."""
        ci = interval(self.ci_low, self.ci_high, self.n_seeds)
        ci = ci.removeprefix("95% CI ") if ci.startswith("95% CI") else ""
        return f"{signed(self.diff)}{' ' + ci if ci else ''} at {self.size}/class"


def effect_of(c: Mapping[str, Any]) -> Effect:
    """Read one comparison row of ``metrics.json`` (``arm``, ``size``, ``diff``, ``ci_low``,
    ``ci_high``, ``n_seeds``)."""
    n = int(c.get("n_seeds") or 0)
    lo, hi, d = c.get("ci_low"), c.get("ci_high"), c.get("diff")
    if n < MIN_SEEDS_FOR_INTERVAL or not (finite(lo) and finite(hi) and finite(d)):
        outcome = "few"
    elif lo > 0:
        outcome = "helps"
    elif hi < 0:
        outcome = "hurts"
    else:
        outcome = "unclear"
    return Effect(str(c["arm"]), int(c["size"]), float(d) if finite(d) else float("nan"),
                  float(lo) if finite(lo) else float("nan"),
                  float(hi) if finite(hi) else float("nan"), n, outcome)  # fmt: skip


def _sizes(sizes: Sequence[int]) -> str:
    s = [str(x) for x in sizes]
    return (", ".join(s[:-1]) + " and " + s[-1] if len(s) > 1 else s[0]) + " per class"


def _by_outcome(effects: Sequence[Effect]) -> str:
    """``helps at 5 and 10 per class (+2.8 [+0.0, +5.5] at 5/class, ...); no clear ...``."""
    words = {
        "helps": "helps",
        "hurts": "hurts",
        "unclear": "no clear difference",
        "few": "too few seeds to tell",
    }
    parts = []
    for outcome in ("helps", "hurts", "unclear", "few"):
        group = [e for e in effects if e.outcome == outcome]
        if group:
            quotes = ", ".join(e.short() for e in group)
            parts.append(f"{words[outcome]} at {_sizes([e.size for e in group])} ({quotes})")
    return "; ".join(parts)


def _status(effects: Sequence[Effect]) -> str:
    out = {e.outcome for e in effects}
    if "hurts" in out and "helps" not in out:
        return "bad"
    if "helps" in out and "hurts" not in out:
        return "good"
    return "neutral"


# --------------------------------------------------------------------------- arms
def _arms(m: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(m.get("config", {}).get("arms", []))


def _label(arm: Mapping[str, Any], ratio: float | None) -> str:
    return arm["name"] if ratio is None else f"{arm['name']} @1:{ratio:g}"


def _effects(m: Mapping[str, Any], label: str) -> list[Effect]:
    return sorted(
        (effect_of(c) for c in m.get("comparisons", []) if c["arm"] == label),
        key=lambda e: e.size,
    )


def _augmentation(m: Mapping[str, Any]) -> Answer:
    q = "Does augmentation help?"
    arms = [
        a
        for a in _arms(m)[1:]
        if a.get("pipeline") and not a.get("generator") and not a.get("adapt")
    ]
    if not arms:
        return Answer(q, "Not tested: no arm adds augmentation alone to the real images.")
    texts, effects = [], []
    for a in arms:
        eff = _effects(m, a["name"])
        effects += eff
        if eff:
            texts.append(f"{a['name']} ({a.get('copies', 0)} augmented copies per image): "
                         f"{_by_outcome(eff)}.")  # fmt: skip
    if not texts:
        return Answer(q, "Not measured: the augmented arms have no paired runs.")
    head = {"good": "Yes. ", "bad": "No, it hurts. ", "neutral": ""}[_status(effects)]
    return Answer(q, head + " ".join(texts), _status(effects))


def _synthetic(m: Mapping[str, Any]) -> Answer:
    q = "Does synthetic data help, and at which ratio?"
    arms = [
        a
        for a in _arms(m)[1:]
        if a.get("generator") and not a.get("synthetic_only") and a.get("ratios")
    ]
    if not arms:
        return Answer(q, "Not tested: no arm sweeps a synthetic:real ratio.")
    texts, effects = [], []
    for a in arms:
        ratios = sorted(a["ratios"])
        per_size: dict[int, list[tuple[float, Effect]]] = {}
        for r in ratios:
            for e in _effects(m, _label(a, r)):
                per_size.setdefault(e.size, []).append((r, e))
                effects.append(e)
        best = []
        for size in sorted(per_size):
            r, e = max(per_size[size], key=lambda t: t[1].diff if finite(t[1].diff) else -1e9)
            best.append((r, e))
        if not best:
            continue
        helped = [(r, e) for r, e in best if e.outcome == "helps"]
        hurt = [e for _, es in per_size.items() for _, e in es if e.outcome == "hurts"]
        one = {r for r, _ in best}
        if len(one) == 1:
            (r1,) = one
            quotes = f"best at 1:{r1:g}: " + ", ".join(e.short() for _, e in best)
        else:
            quotes = "best ratio per size: " + ", ".join(f"1:{r:g} {e.short()}" for r, e in best)
        if all(e.outcome == "few" for _, e in best):
            verdict = f"too few seeds to tell ({quotes})"
        elif helped:
            verdict = f"yes at {_sizes([e.size for _, e in helped])} ({quotes})"
            if all(r == ratios[-1] for r, _ in helped) and len(ratios) > 1:
                verdict += "; the best ratio is the largest tried, so more may help more"
        else:
            verdict = "no ratio helps at any size"
        if hurt:
            verdict += "; it hurts at " + ", ".join(
                f"1:{e.label.rsplit('@1:', 1)[-1]} {e.short()}" for e in hurt
            )
        texts.append(f"{a['generator']} ({a['name']}): {verdict}.")
    best_arm = _best_arm(m)
    if best_arm:
        texts.append(best_arm)
    return Answer(q, " ".join(texts), _status(effects))


def _best_arm(m: Mapping[str, Any]) -> str:
    """ "Best overall: X at every size" (or per size) from the summary means."""
    summary = m.get("summary", [])
    sizes = sorted({r["size"] for r in summary})
    best = {s: max((r for r in summary if r["size"] == s), key=lambda r: r["mean"]) for s in sizes}
    if not best:
        return ""
    labels = {r["label"] for r in best.values()}
    if len(labels) == 1:
        (lab,) = labels
        accs = ", ".join(f"{100 * best[s]['mean']:.1f}% at {s}/class" for s in sizes)
        return f"Best arm overall: {lab} at every size ({accs})."
    return (
        "Best arm per size: "
        + "; ".join(f"{s}/class {best[s]['label']} ({100 * best[s]['mean']:.1f}%)" for s in sizes)
        + "."
    )


# --------------------------------------------------------------------------- per-class harm
def per_class_differences(m: Mapping[str, Any], label: str, size: int) -> np.ndarray | None:
    """Per-class test-accuracy differences (points) of arm ``label`` from the first arm at
    ``size``, one row per seed both ran (paired), one column per class; None without
    per-class records (``metrics.json`` written before they were kept)."""
    arms = _arms(m)
    if not arms:
        return None
    base = arms[0]["name"]
    runs: dict[tuple[str, int], dict[int, list[float]]] = {}
    for r in m.get("runs", []):
        if r.get("per_class"):
            runs.setdefault((r["label"], r["size"]), {})[r["seed"]] = r["per_class"]
    a, b = runs.get((label, size), {}), runs.get((base, size), {})
    seeds = sorted(set(a) & set(b))
    if not seeds:
        return None
    diff: np.ndarray = 100 * (
        np.array([a[s] for s in seeds], float) - np.array([b[s] for s in seeds], float)
    )
    return diff


def class_harm(
    m: Mapping[str, Any], label: str, size: int
) -> list[tuple[str, float, float, float, int]]:
    """Classes that pay for arm ``label`` at ``size``: ``(class name, mean difference in
    points, CI low, CI high, n seeds)``, worst first.

    Differences are per-class test accuracies, paired by seed against the first arm; a class
    is listed when its mean drop is at least :data:`CLASS_HARM_POINTS` points and (with enough
    seeds) its interval lies below zero; with too few seeds, drops of that size are listed with
    the seed count so the reader can see they are not established.
    """
    d = per_class_differences(m, label, size)
    if d is None:
        return []
    names = list(m.get("data", {}).get("class_names") or [])
    out = []
    for k in range(d.shape[1]):
        mean, lo, hi = mean_ci(d[:, k])
        enough = len(d) >= MIN_SEEDS_FOR_INTERVAL
        if mean <= -CLASS_HARM_POINTS and (hi < 0 or not enough):
            out.append((names[k] if k < len(names) else str(k), mean, lo, hi, len(d)))
    return sorted(out, key=lambda t: t[1])


def _harm_text(harm: Sequence[tuple[str, float, float, float, int]], most: int = 3) -> str:
    return ", ".join(
        f"class {name} {signed(mean)} points"
        + ("" if n < MIN_SEEDS_FOR_INTERVAL else f" [{signed(lo)}, {signed(hi)}]")
        for name, mean, lo, hi, n in harm[:most]
    ) + (f" and {len(harm) - most} more" if len(harm) > most else "")


def _what_hurts(m: Mapping[str, Any]) -> Answer:
    q = "What hurts?"
    effects = [effect_of(c) for c in m.get("comparisons", [])]
    hurts = [e for e in effects if e.outcome == "hurts"]
    texts = []
    for e in hurts:
        harm = class_harm(m, e.label, e.size)
        texts.append(
            f"{e.label} {e.short()}"
            + (f" (classes that pay most: {_harm_text(harm)})" if harm else "")
        )
    hidden = []
    for e in effects:
        if e.outcome in ("helps", "unclear"):
            harm = [h for h in class_harm(m, e.label, e.size) if h[4] >= MIN_SEEDS_FOR_INTERVAL]
            if harm:
                hidden.append(f"{e.label} at {e.size}/class costs {_harm_text(harm, 2)}")
    if not effects:
        return Answer(q, "Nothing compared: the experiment has a single arm.")
    if all(e.outcome == "few" for e in effects):
        worst = min(effects, key=lambda e: e.diff if finite(e.diff) else 1e9)
        return Answer(
            q,
            f"Too few seeds to tell (an interval needs {MIN_SEEDS_FOR_INTERVAL}). The largest "
            f"drop seen is {worst.label} at {worst.size}/class ({signed(worst.diff)} points over "
            f"{worst.n_seeds} seeds), not established.",
            "neutral",
        )
    if not hurts and not hidden:
        return Answer(q, "Nothing measurably: no arm is below the baseline at any size, and no "
                         f"class loses {CLASS_HARM_POINTS:g} points or more.", "good")  # fmt: skip
    text = (
        ("Worse than the baseline: " + "; ".join(texts) + ".")
        if hurts
        else ("No arm is worse than the baseline overall.")
    )
    if hidden:
        text += (
            " Per class, gains hide losses: "
            + "; ".join(hidden[:4])
            + (f" (and {len(hidden) - 4} more)" if len(hidden) > 4 else "")
            + "."
        )
    return Answer(q, text, "bad" if hurts else "neutral")


# --------------------------------------------------------------------------- generators
def _generators(m: Mapping[str, Any]) -> Answer:
    q = "Which generator is best on fidelity and privacy?"
    quality = {k: v for k, v in (m.get("quality") or {}).items() if "details" in v}
    if not quality:
        return Answer(q, "Not measured: no generator was evaluated (evaluate_quality is off or "
                         "the experiment uses none).")  # fmt: skip
    rows = []
    for name, entry in quality.items():
        words, evidence, ratio = _fidelity_parts(entry)
        priv_text, leaks = privacy_reading(entry)
        rows.append((name, words, evidence, ratio, priv_text, leaks))
    measured = [r for r in rows if r[3] is not None]
    texts = []
    if len(measured) > 1:
        texts.append(_closest(measured, {r[0]: quality[r[0]] for r in measured}))
    else:
        texts += [f"Fidelity of {r[0]}: {r[1]} ({r[2]})." for r in rows]
    safe = [r for r in rows if r[5] is False]
    leaky = [r for r in rows if r[5]]
    lead = ""
    if len(rows) > 1 and len(safe) == 1:
        lead = f"only {safe[0][0]} shows no sign of copying. "
    texts.append("Privacy: " + lead + "; ".join(f"{r[0]}: {r[4]}" for r in rows) + ".")
    first = quality[next(iter(quality))]
    texts.append(
        f"(One fit each, on {first.get('trained_on_labelled', '?')} labelled images: no interval.)"
    )
    status = "bad" if leaky and not safe else "good" if safe and not leaky else "neutral"
    return Answer(q, " ".join(texts), status)


def _ratio(q: Mapping[str, Any], key: str) -> float | None:
    v = q.get("details", {}).get(key, {}).get("value")
    r = q.get("reference", {}).get(key, {}).get("value")
    return float(v) / float(r) if finite(v) and finite(r) and r > 0 else None


def _closest(measured: Sequence[tuple[Any, ...]], quality: Mapping[str, Mapping[str, Any]]) -> str:
    """ "X is closest" only when X wins on every measure recorded (FID and KID ratios to
    real-vs-real, two-sample AUC); otherwise which measure favours which generator."""
    scores = {
        "FID": {n: _ratio(q, "fid") for n, q in quality.items()},
        "KID": {n: _ratio(q, "kid") for n, q in quality.items()},
        "classifier AUC": {
            n: q.get("details", {}).get("c2st", {}).get("auc") for n, q in quality.items()
        },
    }
    fmt = {"FID": "{:.1f}x", "KID": "{:.1f}x", "classifier AUC": "{:.2f}"}
    winners, quotes = {}, {}
    for metric, by in scores.items():
        vals = {n: float(v) for n, v in by.items() if finite(v)}
        if len(vals) == len(quality):
            order = sorted(vals, key=lambda n: vals[n])
            winners[metric] = order[0]
            quotes[metric] = " vs ".join(f"{n} {fmt[metric].format(vals[n])}" for n in order)
    same = len({r[1] for r in measured}) == 1
    tail = f"; {'both are' if len(measured) == 2 else 'all are'} {measured[0][1]}" if same else ""
    if not same:
        tail = "; " + "; ".join(f"{r[0]} is {r[1]}" for r in measured)
    where = (
        "FID and KID as multiples of their real-vs-real values"
        if "KID" in quotes
        else "FID as a multiple of its real-vs-real value"
    )
    if winners and len(set(winners.values())) == 1:
        (best,) = set(winners.values())
        ev = ", ".join(f"{m} {q}" for m, q in quotes.items())
        return f"Fidelity: {best} is closest on every measure ({where}: {ev}){tail}."
    split = ", ".join(f"{m} favours {winners[m]} ({q})" for m, q in quotes.items())
    return f"Fidelity: no generator is closest on every measure ({where}: {split}){tail}."


# --------------------------------------------------------------------------- certainty
def _how_sure(m: Mapping[str, Any]) -> Answer:
    q = "How sure are we?"
    seeds = m.get("config", {}).get("seeds", [])
    comps = m.get("comparisons", [])
    n = min((int(c.get("n_seeds") or 0) for c in comps), default=len(seeds))
    d = m.get("data", {})
    b = m.get("baseline") or {}
    parts = []
    if n < MIN_SEEDS_FOR_INTERVAL:
        parts.append(
            f"Not sure: {n} seed{'s' if n != 1 else ''} per result, and an interval needs "
            f"{MIN_SEEDS_FOR_INTERVAL}; every effect above is a mean only. Rerun with "
            f"seeds: {list(range(MIN_SEEDS_FOR_INTERVAL))} or more."
        )
        status = "bad"
    else:
        parts.append(
            f"{n} seeds per result; intervals are 95% Student t over seeds, paired by seed "
            f"(each seed draws its own labelled set and a {d.get('n_test', '?')}-image test set)."
        )
        n_cmp = len(comps)
        if n_cmp >= 10:
            parts.append(
                f"With {n_cmp} comparisons, about {max(1, round(0.05 * n_cmp))} could exclude "
                "zero by chance alone: trust effects that repeat across sizes."
            )
        status = "good"
    if b.get("warnings"):
        parts.append("The model is below a logistic regression on pixels (see the warning): "
                     "gains over it are overstated.")  # fmt: skip
        status = "bad"
    elif b.get("check"):
        margins = ", ".join(f"{signed(c['margin'])} at {c['size']}/class" for c in b["check"])
        lowest = min(float(c["margin"]) for c in b["check"])
        where = (
            "at or above"
            if lowest >= 0
            else f"within {number(b.get('tolerance_points'), 'g', '1')} point of or above"
        )
        parts.append(
            f"Competent baseline: the model on real data is {where} a logistic regression on "
            f"pixels at every size (margin in points: {margins})."
        )
    return Answer(q, " ".join(parts), status)


# --------------------------------------------------------------------------- audit
def _normalised(pipeline: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The pipeline's transforms with every parameter spelled out (None if it does not load)."""
    try:
        from synthaug.augment import from_dict

        return list(from_dict(dict(pipeline)).to_dict()["transforms"])
    except Exception:  # a pipeline that does not load cannot be compared
        return None


def _is_safer(
    candidate: list[dict[str, Any]],
    audited: list[dict[str, Any]],
    flagged: Mapping[int, dict[str, Any]],
) -> bool:
    """``candidate`` is ``audited`` with each flagged transform removed or set to its safe
    parameters, and nothing else changed."""
    with_safe = [{**t, **flagged[i]} if i in flagged else t for i, t in enumerate(audited)]
    without = [t for i, t in enumerate(audited) if i not in flagged]
    return candidate in (with_safe, without)


def _twin(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Arms that differ only in name and pipeline."""
    skip = {"name", "pipeline"}
    return {k: v for k, v in a.items() if k not in skip} == {
        k: v for k, v in b.items() if k not in skip
    }


def _paired(m: Mapping[str, Any], a: str, b: str, size: int) -> Effect | None:
    """``b`` minus ``a`` at ``size``, paired by seed, from the runs (points)."""
    acc: dict[str, dict[int, float]] = {a: {}, b: {}}
    for r in m.get("runs", []):
        if r["size"] == size and r["label"] in acc:
            acc[r["label"]][r["seed"]] = r["accuracy"]
    seeds = sorted(set(acc[a]) & set(acc[b]))
    if not seeds:
        return None
    d = 100 * (np.array([acc[b][s] for s in seeds]) - np.array([acc[a][s] for s in seeds]))
    mean, lo, hi = mean_ci(d)
    return effect_of(
        {"arm": b, "size": size, "diff": mean, "ci_low": lo, "ci_high": hi, "n_seeds": len(seeds)}
    )


def _audit(m: Mapping[str, Any]) -> Answer | None:
    q = "Does the audit flag a pipeline the experiment uses?"
    cfg = m.get("config", {})
    name, audit = cfg.get("audit"), m.get("audit")
    if not name or not audit:
        return None
    if "error" in audit:
        return Answer(q, f"The audit of pipeline {name} failed: {audit['error']}.", "bad")
    users = [a for a in cfg.get("arms", []) if a.get("pipeline") == name]
    used = ", ".join(a["name"] for a in users) or "no arm"
    transforms = audit.get("transforms", [])
    flagged = [t for t in transforms if t.get("flagged")]
    if not flagged:
        cats = "; ".join(f"{t['name']}: {t.get('category', '?')}" for t in transforms)
        return Answer(q, f"No. The audit of pipeline {name} (used by {used}) flags none of its "
                         f"transforms ({cats}).", "good")  # fmt: skip
    what = "; ".join(
        f"{t['name']} ({t.get('path', '?')}): {t.get('category', 'flagged')}, "
        f"{t.get('reason', '')}".rstrip(", ")
        for t in flagged
    )
    text = f"Yes: the audit flags {what}. Pipeline {name} is used by {used}."
    audited = _normalised(cfg.get("pipelines", {}).get(name, {}))
    index = {
        int(str(t.get("path", "")).removeprefix("transforms[").rstrip("]") or -1): (
            t.get("safe_params") or {}
        )
        for t in flagged
        if str(t.get("path", "")).startswith("transforms[")
    }
    measured = []
    if audited is not None and index:
        for key, pipe in cfg.get("pipelines", {}).items():
            if key == name:
                continue
            cand = _normalised(pipe)
            if cand is None or not _is_safer(cand, audited, index):
                continue
            for a in users:
                for b in cfg.get("arms", []):
                    if b.get("pipeline") == key and _twin(a, b):
                        for size in cfg.get("sizes", []):
                            e = _paired(m, a["name"], b["name"], size)
                            if e is not None:
                                measured.append((a["name"], b["name"], e))
    if measured:
        text += (
            " Measured effect of the safer setting: "
            + "; ".join(f"{b} against {a} at {e.size}/class {e.quote()}" for a, b, e in measured)
            + "."
        )
    else:
        safe = "; ".join(
            f"{t['name']} with {t.get('safe_params')}" if t.get("safe_params")
            else f"without {t['name']}" for t in flagged
        )  # fmt: skip
        text += (
            " The effect of the safer setting was not measured: add a pipeline with "
            f"{safe} and an arm that uses it in place of {name}."
        )
    return Answer(q, text, "bad")


def answer_questions(metrics: Mapping[str, Any]) -> list[Answer]:
    """The report's answers, in reading order, from a ``metrics.json`` dict."""
    answers = [
        _augmentation(metrics),
        _synthetic(metrics),
        _what_hurts(metrics),
        _generators(metrics),
        _how_sure(metrics),
    ]
    audit = _audit(metrics)
    if audit is not None:
        answers.append(audit)
    return answers
