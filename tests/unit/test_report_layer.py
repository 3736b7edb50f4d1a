"""The shared page layer (synthaug.report): numbers, blocks and colours every page uses."""

from __future__ import annotations

import math

import pytest

from synthaug.report import (
    MIN_SEEDS_FOR_INTERVAL,
    interval,
    number,
    page,
    palette,
    percent,
    signed,
    table,
)
from synthaug.report.figures import REFERENCE_COLOUR


@pytest.mark.parametrize("missing", [None, math.nan, math.inf, "abc", True])
def test_numbers_never_print_none_or_nan(missing):
    assert number(missing) == "-" and signed(missing) == "-" and percent(missing) == "-"


def test_interval_needs_five_seeds_and_says_so_below():
    assert MIN_SEEDS_FOR_INTERVAL == 5
    assert interval(-2.8, 12.9, 5) == "95% CI [-2.8, +12.9]"
    for n in (1, 2, 4):
        text = interval(1.3, 1.3, n)
        assert text.startswith("too few seeds to tell") and "[" not in text


def test_zero_width_inverted_and_undefined_intervals_are_never_printed():
    assert interval(1.3, 1.3, 5) == "no spread over 5 seeds"  # every seed gave +1.3
    assert interval(1.31, 1.29, 5).startswith("no interval")  # inverted
    assert interval(None, 2.0, 8).startswith("no interval")
    assert interval(math.nan, 2.0, 8).startswith("no interval")


def test_interval_of_accuracies_has_no_signs():
    assert interval(59.8, 73.0, 5, signs=False) == "95% CI [59.8, 73.0]"


def test_table_prints_none_as_a_dash_and_escapes_cells():
    html = table(
        ("a", "b"), [(None, "<x>")], row_classes=["reference"], cell_classes={(0, 1): "bad"}
    )
    assert "<td>-</td>" in html and "&lt;x&gt;" in html and "None" not in html
    assert '<tr class="reference">' in html and "<td class=bad>" in html


def test_page_is_self_contained_without_scripts():
    html = page("T", "<p>x</p>")
    assert html.startswith("<!doctype html>") and "<script" not in html and "<style>" in html


def test_palette_gives_each_arm_one_fixed_colour_and_the_baseline_grey():
    a = palette(["real", "real+aug", "real+fonts"], reference="real")
    b = palette(["real", "real+aug", "real+fonts", "fonts only"], reference="real")
    assert a["real"] == REFERENCE_COLOUR
    assert a["real+aug"] == b["real+aug"] and a["real+fonts"] == b["real+fonts"]
    assert len(set(b.values())) == 4
