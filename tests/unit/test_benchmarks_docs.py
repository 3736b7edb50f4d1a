"""docs/benchmarks.md's script-written blocks are what their scripts write from the stored results.

Each block of the page comes from a results file in bench/results: the tables and the missed
targets from transforms.json (bench/report.py), the 5-op floor from pipeline_budget.json
(bench/pipeline_budget.py) and the single-transform floors from floors.json (bench/floors.py).
Rendering a results file again must give the block byte for byte, so a figure edited by hand
in a block, or a results file replaced without its block, fails here.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
DOC = ROOT / "docs" / "benchmarks.md"
# bench/report.py by its path: putting bench/ on sys.path would shadow other modules
# (bench/datasets.py, bench/specs.py) for the rest of the test session
_SPEC = importlib.util.spec_from_file_location("bench_report", BENCH / "report.py")
assert _SPEC is not None and _SPEC.loader is not None
report = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(report)


def _block(name: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    begin, end = f"<!-- {name}:begin -->\n", f"\n<!-- {name}:end -->"
    assert begin in text and end in text, f"docs/benchmarks.md lacks the {name} block"
    return text[text.index(begin) + len(begin) : text.index(end)]


def test_tables_and_misses_are_rendered_from_transforms_json():
    result = json.loads((BENCH / "results" / "transforms.json").read_text())
    assert _block("bench") == report.markdown(result)
    assert _block("bench-misses") == report.misses_markdown(result)


def test_floor_blocks_are_rendered_from_their_results_files():
    # the two scripts set OpenCV's thread count on import: render them in a child process
    code = (
        "import json, sys; sys.path.insert(0, 'bench'); import pipeline_budget, floors; "
        "print(json.dumps([pipeline_budget.markdown(json.load(open("
        "'bench/results/pipeline_budget.json'))), floors.markdown(json.load(open("
        "'bench/results/floors.json')))]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    budget, floors = json.loads(out.stdout)
    assert _block("pipeline-budget") == budget
    assert _block("floors") == floors


def _result(stats: dict[str, float], target: str) -> dict:
    rates = {k: {"images_per_s": v} for k, v in stats.items()}
    return {"sets": {"256": {"transforms": {"T": {"target": target, "stats": rates}}}}}


def test_misses_say_whether_the_kernel_or_our_call_misses_a_copy_target():
    # kernel 20 us against a 10 us copy: the kernel alone misses 1.5x the copy
    kernel = report.misses_markdown(
        _result({"synthaug": 1e6 / 25, "raw": 1e6 / 20, "numpy_copy": 1e6 / 10}, "copy")
    )
    assert "| T | <= 1.5x copy (2.50) | 25.0 | 20.0 | 10.0 | - |" in kernel
    assert "the raw call alone is 2.00x the copy" in kernel
    # kernel 11 us: within the target; our 9 us on top of it is what misses
    ours = report.misses_markdown(
        _result({"synthaug": 1e6 / 20, "raw": 1e6 / 11, "numpy_copy": 1e6 / 10}, "copy")
    )
    assert "the raw call is 1.10x the copy; our call adds 9.0 us" in ours


def test_misses_list_met_targets_and_transforms_slower_than_albumentations():
    met = report.misses_markdown(
        _result({"synthaug": 1e6 / 11, "raw": 1e6 / 10, "numpy_copy": 1e6 / 2}, "one_call")
    )
    assert "Targets met: T, geometric mean" not in met  # no peer figures, no geometric mean
    assert met.startswith("Image set 256. Targets met: T.")
    slower = report.misses_markdown(
        _result({"synthaug": 1e6 / 11, "raw": 1e6 / 10, "albumentations": 1e6 / 10}, "")
    )
    assert "| T | >= 1x Alb (0.91x) | 11.0 | 10.0 | - | 10.0 |" in slower
    assert "at the raw call: ours 1.10x its time, Albumentations 1.00x" in slower
