"""Where the page blocks used to live; kept so that old imports keep working.

The blocks are in :mod:`synthaug.report` (the one HTML layer of every page) and the evaluation
page in :mod:`synthaug.evaluate.page`; import them from there.
"""

from __future__ import annotations

from synthaug.evaluate.page import render_evaluation_page
from synthaug.report import (
    PAGE_CSS,
    escape,
    figure_png,
    image_figure,
    image_grid_png,
    metric_table,
    page,
    section,
    table,
    write_text_atomic,
)

__all__ = [
    "PAGE_CSS",
    "escape",
    "figure_png",
    "image_figure",
    "image_grid_png",
    "metric_table",
    "page",
    "render_evaluation_page",
    "section",
    "table",
    "write_text_atomic",
]
