"""HTML building blocks of synthaug.report and the synthaug evaluate page."""

from __future__ import annotations

import base64
import re

import cv2
import numpy as np
import pytest

from synthaug.evaluate.page import render_evaluation_page
from synthaug.report import (
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


def _decode(b64: str) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(base64.b64decode(b64), np.uint8), cv2.IMREAD_COLOR)


def test_image_grid_is_a_png_with_one_cell_per_image_up_to_the_limit():
    X = np.zeros((25, 8, 8), np.float32)
    X[:, 2:6, 2:6] = 1.0
    img = _decode(image_grid_png(X, n_cols=10, max_images=12, cell=16))
    # 12 images in rows of 10 -> 2 rows x 10 columns of 16 px cells with 2 px padding
    assert img.shape == (2 * 18 + 2, 10 * 18 + 2, 3)
    assert img[2 + 8, 2 + 8].tolist() == [255, 255, 255]  # centre of the first white square
    assert img[2 + 1, 2 + 1].tolist() == [0, 0, 0]  # its black border


def test_image_grid_accepts_rgb_uint8_and_clips_floats():
    rgb = np.zeros((3, 16, 16, 3), np.uint8)
    rgb[..., 2] = 255  # blue in RGB -> BGR (255, 0, 0) after decoding
    assert _decode(image_grid_png(rgb, cell=16))[10, 10].tolist() == [255, 0, 0]
    over = np.full((2, 8, 8), 3.0, np.float32)
    assert _decode(image_grid_png(over, cell=8))[5, 5].tolist() == [255, 255, 255]
    with pytest.raises(ValueError, match="no images"):
        image_grid_png(np.zeros((0, 8, 8), np.float32))


def test_figure_png_embeds_a_matplotlib_figure_and_closes_it():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    n_open = len(plt.get_fignums())
    img = _decode(figure_png(fig, dpi=50))
    assert img.ndim == 3 and img.shape[0] > 10
    assert len(plt.get_fignums()) == n_open - 1


def test_every_block_escapes_text():
    evil = '<script>alert("x")</script>'
    html = page(evil, section(evil, table([evil], [[evil]]), note=evil), intro=evil)
    html += metric_table([{"name": evil, "value": evil, "reading": evil}])
    html += image_figure("AAAA", alt=evil, caption=evil)
    assert "<script>" not in html
    assert escape(evil) in html and escape("a&b") == "a&amp;b"


def test_metric_table_has_a_reading_column_and_marks_status():
    out = metric_table(
        [
            {"name": "FID", "value": "0.2", "reading": "as close as another real sample"},
            {"name": "C2ST", "value": "0.93", "reading": "easy to tell apart", "status": "bad"},
        ]
    )
    assert re.findall(r"<th>(.*?)</th>", out) == ["metric", "value", "reading"]
    assert '<tr class="bad"><td>C2ST</td><td>0.93</td><td>easy to tell apart</td></tr>' in out


def test_evaluation_page_is_self_contained_with_grids_and_metric_readings(tmp_path):
    rng = np.random.default_rng(0)
    report = {
        "space": "pca",
        "metrics": [{"name": "KID", "value": "0.01", "reading": "as close as another real sample"}],
    }
    sets = {
        "real": rng.random((30, 8, 8), dtype=np.float32),
        "synthetic": rng.random((5, 8, 8, 3), dtype=np.float32),
        "table": rng.random((7, 4)),
        "holdout": None,
    }
    html = render_evaluation_page(report, sets, "eval", sources={"real": "digits"})
    assert html.count("data:image/png;base64,") == 2  # the table gets no grid
    assert "<td>digits</td><td class=num>30</td><td>8x8</td>" in html
    assert "<td>table</td><td></td><td class=num>7</td><td>4</td>" in html
    assert "as close as another real sample" in html and escape("'pca' feature space") in html
    assert not re.search(r"<script|<link|src=\"http", html)
    path = write_text_atomic(tmp_path / "index.html", html)
    assert path.read_text(encoding="utf-8") == html and not (tmp_path / "index.html.tmp").exists()


def test_old_import_path_of_the_blocks_still_works():
    import synthaug.experiment.report as old
    import synthaug.report as new

    assert old.page is new.page and old.render_evaluation_page is render_evaluation_page
