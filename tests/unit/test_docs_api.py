"""``make docs`` builds the API reference from the docstrings (docs/build_api.py, pdoc)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_api_reference_is_written_from_the_docstrings(tmp_path):
    pytest.importorskip("pdoc", reason="pdoc (dev extra) is not installed")
    spec = importlib.util.spec_from_file_location("build_api", ROOT / "docs" / "build_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    index = module.build(tmp_path / "api", ["synthaug.report"])
    assert index.is_file()
    page = (tmp_path / "api" / "synthaug" / "report.html").read_text()
    assert "write_text_atomic" in page and "too few seeds to tell" in page
    assert all(m.startswith("synthaug") for m in module.MODULES)
