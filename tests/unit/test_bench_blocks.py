"""Script-written blocks of the docs are the rendering of their stored results.

``bench/bench_synth_digits.py`` writes ``bench/results/synth_digits.json`` and the blocks
``synth_fonts`` and ``synth_shipped`` of docs/synth.md; ``bench/bench_ray.py`` writes
``bench/results/ray.json`` and the blocks ``bench_ray_rule`` and ``bench_ray`` of
docs/scale-out.md. A hand edit of a block (or of its results file) fails here.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench(name: str):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return module


@pytest.mark.parametrize(
    ("script", "doc", "names"),
    [
        ("bench_synth_digits", "synth.md", {"synth_fonts", "synth_shipped"}),
        ("bench_ray", "scale-out.md", {"bench_ray_rule", "bench_ray"}),
    ],
)
def test_blocks_are_the_rendering_of_the_stored_results(script, doc, names):
    bench = _bench(script)
    page = (ROOT / "docs" / doc).read_text(encoding="utf-8")
    blocks = bench.blocks(json.loads(bench.RESULTS.read_text()))
    assert set(blocks) == names
    for name, body in blocks.items():
        assert f"<!-- {name}:begin -->\n{body}\n<!-- {name}:end -->" in page, name


def test_shipped_rows_quote_the_recorded_training_time_and_every_seed():
    bench = _bench("bench_synth_digits")
    saved = json.loads(bench.RESULTS.read_text())
    saved["shipped"]["digits-cvae"]["fit_seconds"] = 99.94
    saved["shipped"]["digits-cvae"]["holdout"] = [0.5, 0.25, 1.0]
    table = bench.blocks(saved)["synth_shipped"]
    assert "| `digits-cvae` | ConditionalVAE | 50.0 % / 25.0 % / 100.0 % | 99.9 s (" in table


def test_ray_ratios_are_read_against_the_local_engines_better_row():
    bench = _bench("bench_ray")
    rows = [("local, 1 worker", 200.0), ("local, 2 workers", 100.0), ("Ray, x", 50.0)]
    run = {"load_before": 1.0, "rows": [{"engine": e, "images_per_s": r} for e, r in rows]}
    run["rows"][2]["connect_s"] = 2.0
    results = {"runs": [run], "settings": {"size": 128}, "command": "", "cpu_count": 2,
               "machine": "x"}  # fmt: skip
    assert bench.summary(results)["ratio"] == (0.25, 0.25)
    assert (
        "In 1 of 1 runs the local engine wrote fewer images" in bench.blocks(results)["bench_ray"]
    )
