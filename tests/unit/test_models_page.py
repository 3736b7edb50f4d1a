"""docs/models.md is the rendering of bench/results/models.json by bench/bench_models.py.

The page is written whole by the bench script; a hand edit of the page (or of the stored
results) makes it differ from ``bench_models.py --doc-only --write docs/models.md``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = Path("docs/models.md")


def _bench_models():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        spec = importlib.util.spec_from_file_location(
            "bench_models", ROOT / "bench/bench_models.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return module


def test_models_page_is_the_rendering_of_the_stored_results():
    bench = _bench_models()
    saved = json.loads(bench.RESULTS.read_text())
    assert (ROOT / PAGE).read_text(encoding="utf-8") == bench.render_saved(saved, PAGE)


def test_a_changed_result_changes_the_rendered_table():
    bench = _bench_models()
    saved = json.loads(bench.RESULTS.read_text())
    name, size, n_test, means, _, n_seeds, _ = saved["rows"][0]
    start = f"| {name} | {size} | {n_test} | {n_seeds} | "
    cell = f"{means['default'][0]:.1f} ± {means['default'][1]:.1f}"

    def first_row() -> str:
        page = bench.render_saved(saved, PAGE)
        return next(line for line in page.splitlines() if line.startswith(start))

    assert first_row().startswith(start + cell)
    means["default"][0] += 1.0
    assert not first_row().startswith(start + cell)
