"""Write the API reference (HTML, generated from the docstrings with pdoc) into a folder.

Usage: ``python docs/build_api.py [OUT_DIR] [MODULE ...]`` (``make docs`` writes ``docs/api``).
Documents each public package (its ``__all__``) plus the modules that packages export lazily
(the learned generators), with numpydoc docstrings. pdoc is a dev dependency
(``pip install -e .[dev]``).
"""

from __future__ import annotations

import sys
from pathlib import Path

#: The public packages, in the order a reader meets them (DESIGN.md's layout).
MODULES = [
    "synthaug",
    "synthaug.augment",
    "synthaug.albumentations",
    "synthaug.torch",
    "synthaug.data",
    "synthaug.synth",
    "synthaug.synth.cvae",
    "synthaug.synth.cgan",
    "synthaug.synth.scenes",
    "synthaug.evaluate",
    "synthaug.tabular",
    "synthaug.adapt",
    "synthaug.experiment",
    "synthaug.report",
    "synthaug.engine",
    "synthaug.errors",
    "synthaug.seeding",
]


def build(out: Path, modules: list[str]) -> Path:
    """Render ``modules`` with pdoc into ``out``; return the index page's path."""
    try:
        import pdoc
        import pdoc.render
    except ImportError:
        sys.exit("docs/build_api.py: pdoc is not installed; run `pip install -e .[dev]`")
    pdoc.render.configure(docformat="numpy", show_source=False, search=True)
    out.mkdir(parents=True, exist_ok=True)
    pdoc.pdoc(*modules, output_directory=out)
    return out / "index.html"


def main(argv: list[str]) -> None:
    """Command line: ``[OUT_DIR] [MODULE ...]``."""
    out = Path(argv[0]) if argv else Path("docs/api")
    index = build(out, argv[1:] or MODULES)
    print(f"wrote {index}")


if __name__ == "__main__":
    main(sys.argv[1:])
