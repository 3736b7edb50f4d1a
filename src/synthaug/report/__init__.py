"""The one layer of HTML blocks, figures and styles that every synthaug page uses.

Every page synthaug writes (``synthaug evaluate``, ``synthaug audit``, ``synthaug tabular
evaluate`` and the experiment report) is one HTML file that opens offline: CSS inline,
matplotlib figures and image grids embedded as base64 PNG, no scripts. The blocks return HTML
*fragments* (strings) that a page function joins:

>>> from synthaug.report import metric_table, page, section
>>> body = section("Metrics", metric_table([{"name": "FID", "value": "1.2", "reading": "close"}]))
>>> html_page = page("Example", body)
>>> html_page.startswith("<!doctype html>") and "<td>FID</td>" in html_page
True

Text is always escaped by the blocks (:func:`escape`); a block never escapes HTML it is given
as ``body``, so build bodies from blocks or escape text yourself. Numbers go through
:func:`number`, :func:`percent` and :func:`interval`, which never print ``None`` or ``NaN`` and
never print an interval from too few seeds.

Modules: :mod:`~synthaug.report.blocks` (tables, sections, callouts, the page),
:mod:`~synthaug.report.figures` (PNG embedding, image grids, one colour per arm),
:mod:`~synthaug.report.numbers` (formatting), :mod:`~synthaug.report.style` (the CSS) and
:mod:`~synthaug.report.files` (atomic writes).
"""

from __future__ import annotations

from synthaug.report.blocks import (
    answer_list,
    bullet_list,
    callout,
    escape,
    metric_table,
    page,
    section,
    table,
)
from synthaug.report.figures import (
    colour_for,
    figure_png,
    image_figure,
    image_grid_png,
    palette,
)
from synthaug.report.files import write_text_atomic
from synthaug.report.numbers import MIN_SEEDS_FOR_INTERVAL, interval, number, percent, signed
from synthaug.report.style import PAGE_CSS

__all__ = [
    "MIN_SEEDS_FOR_INTERVAL",
    "PAGE_CSS",
    "answer_list",
    "bullet_list",
    "callout",
    "colour_for",
    "escape",
    "figure_png",
    "image_figure",
    "image_grid_png",
    "interval",
    "metric_table",
    "number",
    "page",
    "palette",
    "percent",
    "section",
    "signed",
    "table",
    "write_text_atomic",
]
