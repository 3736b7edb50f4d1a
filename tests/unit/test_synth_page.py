"""The script-written blocks of docs/synth.md are the rendering of their stored results.

``bench/bench_synth_digits.py`` writes ``bench/results/synth_digits.json`` and the blocks
``synth_fonts`` and ``synth_shipped``; a hand edit of a block fails here.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

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


def test_synth_digits_blocks_are_the_rendering_of_the_stored_results():
    bench = _bench("bench_synth_digits")
    page = (ROOT / "docs" / "synth.md").read_text(encoding="utf-8")
    blocks = bench.blocks(json.loads(bench.RESULTS.read_text()))
    assert set(blocks) == {"synth_fonts", "synth_shipped"}
    for name, body in blocks.items():
        assert f"<!-- {name}:begin -->\n{body}\n<!-- {name}:end -->" in page, name


def test_shipped_rows_quote_the_recorded_training_time_and_every_seed():
    bench = _bench("bench_synth_digits")
    saved = json.loads(bench.RESULTS.read_text())
    saved["shipped"]["digits-cvae"]["fit_seconds"] = 99.94
    saved["shipped"]["digits-cvae"]["holdout"] = [0.5, 0.25, 1.0]
    table = bench.blocks(saved)["synth_shipped"]
    assert "| `digits-cvae` | ConditionalVAE | 50.0 % / 25.0 % / 100.0 % | 99.9 s (" in table
