"""Tables that a script writes into a results file and copies into pages stay identical.

``examples/adapt_fonts_to_digits.py --write docs/results/adapt_fonts.md --docs README.md
docs/adapt.md`` writes its table between the ``adapt-fonts`` markers of each file; a page
edited by hand (or left behind by a partial rerun) fails here.
"""

from __future__ import annotations

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
