"""The ``synthaug evaluate`` page: answers first (close? useful? copies?), then the metric table
with readings, then each set and its samples.

Built from the shared blocks of :mod:`synthaug.report`; the answers are
:func:`synthaug.evaluate.answers.evaluation_answers`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from synthaug.evaluate.answers import evaluation_answers
from synthaug.report import (
    answer_list,
    escape,
    image_figure,
    image_grid_png,
    metric_table,
    page,
    section,
    table,
)

__all__ = ["render_evaluation_page"]

_READING_NOTE = (
    "Each reading applies the thresholds documented in synthaug.evaluate: FID and KID are read "
    "against a real-vs-real split of the same data (they have no absolute scale); a two-sample "
    "test AUC of 0.5 means a classifier cannot tell the sets apart; a distance-to-closest-record "
    "ratio near 1 means synthetic records are no closer to the training records than unseen "
    "real records are."
)


def render_evaluation_page(
    report: Mapping[str, Any],
    sets: Mapping[str, np.ndarray | None],
    title: str = "synthaug evaluate",
    sources: Mapping[str, str] | None = None,
) -> str:
    """The ``synthaug evaluate`` page: the answers first (is the synthetic data close to the
    real data, useful, does it copy training records), then the metric table with readings,
    then the data (a sample grid per image set).

    Parameters
    ----------
    report : output of :func:`synthaug.evaluate.quality_report` (``metrics`` rows, ``space``).
    sets : name -> array; image sets get a grid of their first 40 images, tables
        ``(N, D)`` are listed by size only.
    title : page title.
    sources : name -> where the set came from (path or built-in name), shown in a table.
    """
    grids, shapes = [], []
    for name, X in sets.items():
        if X is None:
            continue
        X = np.asarray(X)
        shapes.append(
            (name, (sources or {}).get(name, ""), len(X), "x".join(map(str, X.shape[1:])))
        )
        if X.ndim >= 3 and len(X):
            grids.append(
                image_figure(
                    image_grid_png(X),
                    name,
                    f"{name}: first {min(40, len(X))} of {len(X)}",
                    pixels=True,
                )
            )
    data = table(("set", "source", "rows", "shape per row"), shapes, numeric=(2,))
    space = report.get("space") or "default"
    answers = evaluation_answers(report)
    body = section(
        "Answers",
        answer_list((a.question, a.text, a.status) for a in answers),
        note="Each answer is read from the numbers it quotes, against the real-vs-real "
        "baseline, the real-trained model and the documented privacy thresholds; the table "
        "below has every measure.",
    )
    body += section(
        "Metrics",
        metric_table(report.get("metrics", [])),
        note=f"Fidelity and domain gap in the '{space}' feature space learned from the real set; "
        "privacy and utility need a real hold-out the generator never saw (--holdout).",
    )
    body += section("Data", data + (f"<div class=grids>{''.join(grids)}</div>" if grids else ""))
    body += f"<p class=note>{escape(_READING_NOTE)}</p>"
    return page(title, body)
