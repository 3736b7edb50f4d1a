"""Blocks that a script writes into pages stay what its stored results give.

``examples/adapt_fonts_to_digits.py --write docs/results/adapt_fonts.md --docs README.md
docs/adapt.md`` writes its table between the ``adapt-fonts`` markers of each file, and
``bench/bench_dataset.py --json bench/results/dataset_throughput.json --docs README.md`` the
README's throughput sentence; a page edited by hand (or left behind by a partial rerun)
fails here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = {
    ("adapt-fonts", "docs/results/adapt_fonts.md"): ["README.md", "docs/adapt.md"],
}


def _block(path: Path, name: str) -> str:
    text = path.read_text(encoding="utf-8")
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    assert text.count(begin) == 1 and text.count(end) == 1, f"{path}: no single {name} block"
    return text.split(begin, 1)[1].split(end, 1)[0].strip()


@pytest.mark.parametrize(
    ("name", "source", "page"),
    [(name, source, page) for (name, source), pages in BLOCKS.items() for page in pages],
)
def test_page_block_is_the_results_file_block(name, source, page):
    written = _block(ROOT / source, name)
    assert written.startswith("| method |"), f"{source}: the {name} block holds no table"
    assert _block(ROOT / page, name) == written


def test_readme_throughput_sentence_is_written_from_the_stored_results():
    """``bench/bench_dataset.py --json ... --docs README.md`` wrote the sentence; it must still
    be the one its results file gives (rates, load average, command)."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import bench_dataset
    finally:
        sys.path.remove(str(ROOT / "bench"))
    stored = json.loads((ROOT / "bench/results/dataset_throughput.json").read_text())
    written = _block(ROOT / "README.md", "dataset-throughput")
    assert written == bench_dataset.sentence(stored)
    assert f"{stored['results'][0]['images_per_s']:.0f} images/s with 1 worker" in written
