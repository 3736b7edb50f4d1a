"""Pages as a reader sees them: rendered in headless Chromium, they must not overflow
horizontally, lose an image or log a console error (issue 22 part 6). Skipped, saying why, where
no browser is installed."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug.report import page, section, table
from synthaug.report.browser import BrowserMissing, check_page, find_browser


@pytest.fixture(scope="module", autouse=True)
def browser():
    try:
        return find_browser()
    except BrowserMissing as exc:
        pytest.skip(f"browser check skipped: {exc}")


@pytest.mark.parametrize("n_seeds", [2, 5])
def test_experiment_report_fits_the_window_with_every_image_and_no_console_error(
    tmp_path, fake_experiment_result, n_seeds
):
    from synthaug.experiment.render import write_outputs

    write_outputs(fake_experiment_result(n_seeds), tmp_path)
    check = check_page(tmp_path / "report.html")
    assert check.problems() == []
    assert check.scroll_width <= check.client_width


def test_evaluation_page_fits_the_window(tmp_path):
    from synthaug.evaluate.page import render_evaluation_page

    rng = np.random.default_rng(0)
    report = {
        "space": "pca",
        "metrics": [
            {"name": "FID", "value": "0.437 +- 0.026 (real vs real 0.149)", "reading": "x " * 80},
            {"name": "privacy (pixel space)", "value": None, "reading": "not measured"},
        ],
    }
    sets = {"real": rng.random((40, 8, 8)), "synthetic": rng.random((40, 8, 8))}
    path = tmp_path / "index.html"
    path.write_text(render_evaluation_page(report, sets, sources={"real": "digits"}))
    assert check_page(path).problems() == []


def test_a_wide_audit_style_table_wraps_instead_of_overflowing(tmp_path):
    # issue 22: the photo audit's 8-column table overflowed a 1280 px window
    long = "the clean-trained oracle's answer changes on 16.4% (44/268) vs floor 6.3% + 2 pts"
    rows = [[f"RandomResizedCrop{i}", "UNSAFE: changes labels", long, long, "0.25",
             "0: 0%<br>0.25: 3%", "0.84", "0.123"] for i in range(4)]  # fmt: skip
    path = tmp_path / "wide.html"
    path.write_text(page("wide", section("t", table([f"column {i}" for i in range(8)], rows))))
    assert check_page(path).problems() == []


def test_the_check_itself_catches_overflow_missing_images_and_console_errors(tmp_path):
    path = tmp_path / "broken.html"
    path.write_text(
        "<!doctype html><html><head></head><body><div style='width:3000px'>wide</div>"
        "<img alt='gone' src='missing.png'><script>console.error('boom')</script></body></html>"
    )
    problems = check_page(path).problems()
    assert any(p.startswith("horizontal overflow") for p in problems)
    assert "image does not load: gone" in problems
    assert "console error: boom" in problems
