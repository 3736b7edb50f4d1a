"""The worked examples of docs/labels.md run as doctests (pose with pairs, oriented boxes,
instances)."""

from __future__ import annotations

import doctest
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "labels.md"


def test_labels_page_examples_run():
    result = doctest.testfile(
        str(DOC), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted >= 15
    assert result.failed == 0
