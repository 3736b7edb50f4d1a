"""Every figure in README.md and docs/*.md comes from a file a command in the repo writes.

A figure is a number with a decimal point, a percentage, a ratio (``2.3x``) or a count with
thousands separators (``25,241``). Outside fenced code and outside the blocks that scripts
write themselves (``<!-- name:begin -->`` ... ``<!-- name:end -->``), a figure may only stand
inside a *sourced region*::

    <!-- figures: bench/results/labels.txt, docs/results/audit.md -->
    ... prose or tables quoting figures ...
    <!-- /figures -->

and each figure of the region must be a number of one of its sources, at the precision
quoted (``71.4`` matches ``71.43``; ``71.4 %`` also matches the fraction ``0.714``). Sources
are results files written by a bench script or ``make docs``, or the code or config file
that defines a quoted setting. So a README figure that a rerun changes fails here until the
text is brought in line, and a figure typed by hand has nowhere to come from.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# pages a script writes whole, each with the test that holds it to its script
WHOLE_PAGES = {
    "transforms.md": "tests/unit/test_catalog.py (python -m synthaug.augment.catalog)",
    "models.md": "tests/unit/test_models_page.py (bench/bench_models.py --doc-only)",
}
PAGES = [doc for doc in DOCS if doc.name not in WHOLE_PAGES]

_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.S | re.M)
_GENERATED = re.compile(r"<!-- ([\w.-]+):begin -->.*?<!-- \1:end -->", re.S)
_REGION = re.compile(r"<!-- figures: (.*?) -->(.*?)<!-- /figures -->", re.S)
_OPEN = re.compile(r"<!-- figures:|<!-- /figures -->")
# a figure: 1,234 | 12.5 | 12 % | 12.5% | 2.3x | 2x (not inside words, versions or paths)
_FIGURE = re.compile(
    r"(?<![\w.,/-])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d+(?= ?%)|\d+(?=x\b))"
    r"(?:( ?%)|x\b)?(?![\w/]|\.\d|,\d{3})"
)
_VERSIONED = {"Python", "python", "OpenCV", "torch", "numpy", "version", "versions"}
# the confidence level of an interval is a convention, not a figure
_LEVEL = re.compile(r" ?(CI|confidence|t-interval)")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:[,_]\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _strip(text: str) -> str:
    """The text without fenced code and script-written blocks (lines kept for messages)."""

    def blank(match: re.Match[str]) -> str:
        return "\n" * match.group(0).count("\n")

    return _GENERATED.sub(blank, _FENCE.sub(blank, text))


def figures(text: str) -> list[tuple[str, bool]]:
    """The figures of ``text``: (number as written, without separators; quoted as a percent)."""
    out = []
    for match in _FIGURE.finditer(text):
        # a version (3.11, 2.0.8) or a dotted name is not a figure
        before = text[max(0, match.start() - 1) : match.start()]
        word = text[max(0, match.start() - 12) : match.start()].split()
        if (
            before in ("v", "=")
            or (word and word[-1] in _VERSIONED)
            or (match.group(2) and _LEVEL.match(text, match.end()))
        ):
            continue
        out.append((match.group(1).replace(",", ""), bool(match.group(2))))
    return out


def _source_numbers(paths: list[str]) -> list[float]:
    numbers: list[float] = []
    for path in paths:
        file = ROOT / path
        assert file.is_file(), f"figures source {path} does not exist"
        numbers += [
            float(n.replace(",", "").replace("_", "")) for n in _NUMBER.findall(file.read_text())
        ]
    return numbers


def matches(figure: str, percent: bool, numbers: list[float]) -> bool:
    """Whether ``figure`` (as quoted) is one of ``numbers`` at the quoted precision."""
    digits = len(figure.split(".")[1]) if "." in figure else 0
    value = float(figure)
    tolerance = 0.5 * 10.0**-digits + 1e-9
    for n in numbers:
        for candidate in (abs(n), abs(n) * 100.0) if percent else (abs(n),):
            if abs(round(candidate, digits) - value) < 1e-9 or (
                digits == 0 and abs(candidate - value) < tolerance
            ):
                return True
    return False


def regions(text: str) -> list[tuple[int, list[str], str]]:
    """(line number, sources, body) of each sourced region of ``text`` (already stripped)."""
    out = []
    for match in _REGION.finditer(text):
        sources = [s.strip() for s in match.group(1).split(",") if s.strip()]
        out.append((text.count("\n", 0, match.start()) + 1, sources, match.group(2)))
    return out


def unsourced(text: str) -> list[tuple[int, str]]:
    """(line, figure) of every figure standing outside a sourced region."""
    body = _strip(text)
    outside = _REGION.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    found = []
    for number, line in enumerate(outside.splitlines(), start=1):
        found += [(number, f + (" %" if p else "")) for f, p in figures(line)]
    return found


def wrong(text: str) -> list[tuple[int, str, list[str]]]:
    """(line, figure, sources) of every figure of a region that none of its sources holds."""
    bad = []
    for start, sources, body in regions(_strip(text)):
        numbers = _source_numbers(sources)
        for offset, line in enumerate(body.splitlines()):
            bad += [
                (start + offset, f + (" %" if p else ""), sources)
                for f, p in figures(line)
                if not matches(f, p, numbers)
            ]
    return bad


@pytest.mark.parametrize("doc", PAGES, ids=lambda p: p.name)
def test_every_figure_stands_in_a_sourced_region(doc: Path):
    text = doc.read_text()
    stripped = _strip(text)
    assert len(_OPEN.findall(stripped)) == 2 * len(regions(stripped)), (
        f"{doc.name}: a '<!-- figures: ... -->' without its '<!-- /figures -->' (or the reverse)"
    )
    loose = unsourced(text)
    assert not loose, f"{doc.name}: figures outside a sourced region (line, figure): {loose}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_sourced_figure_is_in_its_source(doc: Path):
    bad = wrong(doc.read_text())
    assert not bad, (
        f"{doc.name}: figures none of their sources holds (line, figure, sources): {bad}"
    )


def test_each_page_written_whole_has_the_test_that_holds_it_to_its_script():
    for name, checker in WHOLE_PAGES.items():
        assert (ROOT / "docs" / name).is_file(), name
        test_file = ROOT / checker.split()[0]
        assert test_file.is_file(), f"{name}: {test_file} missing"
        assert name in test_file.read_text(), f"{test_file.name} does not read {name}"


# --- the checker checks: known answers --------------------------------------------------


def test_figures_finds_decimals_percents_ratios_and_thousands_but_not_versions():
    text = (
        "71.4 % of 25,241 pipelines, 1.76x faster, 12% and 3 seeds, 2x; a 95 % CI; "
        "Albumentations 2.0.8, v1.2, 1.5.0"
    )
    assert figures(text) == [
        ("71.4", True),
        ("25241", False),
        ("1.76", False),
        ("12", True),
        ("2", False),
    ]


def test_matches_reads_the_quoted_precision_and_fractions_for_percents():
    assert matches("71.4", False, [71.43])
    assert not matches("71.4", False, [71.46])
    assert matches("71.4", True, [0.714])
    assert not matches("71.4", False, [0.714])
    assert matches("25241", False, [25241.0])
    assert not matches("2.27", False, [2.2, 2.3])


def test_a_figure_outside_a_region_and_a_wrong_figure_inside_are_caught(tmp_path, monkeypatch):
    source = tmp_path / "r.json"
    source.write_text('{"flips": 0.714, "n": 25241}')
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    ok = "<!-- figures: r.json -->\n71.4 % of 25,241\n<!-- /figures -->\n"
    assert unsourced(ok) == [] and wrong(ok) == []
    assert unsourced("flips 71.4 %\n") == [(1, "71.4 %")]
    typo = "<!-- figures: r.json -->\n71.5 % of 25,241\n<!-- /figures -->\n"
    assert wrong(typo) == [(2, "71.5 %", ["r.json"])]
    code = "```\n1.23x\n```\n<!-- t:begin -->\n9.99\n<!-- t:end -->\n"
    assert unsourced(code) == []
