"""Run every pipeline of the Albumentations corpus through synthaug.albumentations; report.

    PYTHONPATH=src python bench/albumentations_corpus_report.py

Needs no Albumentations. Each entry of tests/fixtures/albumentations/corpus runs as its Python
call and, where there is one, as its saved file, on an image plus the targets the project
passes (the same data the corpus tests use). Prints the pass rate and writes the per-pipeline
table into docs/migrating-from-albumentations.md between the corpus markers.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "migrating-from-albumentations.md"
sys.path.insert(0, str(ROOT / "tests" / "unit"))

import report  # noqa: E402  (bench/report.py: the one doc-block writer)
import test_albumentations_corpus as corpus  # noqa: E402

import synthaug.albumentations as A  # noqa: E402
from synthaug.errors import ConfigError  # noqa: E402


def _try(fn) -> str:
    try:
        fn()
    except ConfigError as exc:
        return "refused: " + str(exc).splitlines()[-1].strip().replace("|", "/")
    return "runs"


def main() -> None:
    rows = ["| pipeline | Python call | saved file |", "|---|---|---|"]
    n_py = n_file = n_files = 0
    for name, entry in sorted(corpus.CORPUS.items()):
        data = corpus._data(entry)
        py = _try(lambda e=entry, d=data: e["build"](A, corpus.ToTensorV2)(**d))
        path = corpus.HERE / f"{name}.json"
        if path.exists():
            n_files += 1
            fl = _try(lambda p=path, d=data: A.load(p)(**d))
        else:
            fl = "none (Albumentations 2.0.8 cannot build it)"
        n_py += py == "runs"
        n_file += fl == "runs"
        rows.append(f"| {name} | {py} | {fl} |")
    total = len(corpus.CORPUS)
    summary = (
        f"Python calls: {n_py} of {total} run ({100 * n_py / total:.0f}%); saved files: "
        f"{n_file} of {n_files} run."
    )
    table = summary + "\n\n" + "\n".join(rows)
    print(table)
    report.replace_block(DOC, "<!-- corpus:begin -->", "<!-- corpus:end -->", table)


if __name__ == "__main__":
    main()
