"""The README's demo numbers come from docs/results/demo.md, generated from a recorded run."""

from __future__ import annotations

import json
import re
from pathlib import Path

from synthaug.experiment.demo import (
    TABLE_BEGIN,
    TABLE_END,
    TIMING_BEGIN,
    TIMING_END,
    accuracy_table,
    demo_results_markdown,
    trim_metrics,
)

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
RESULTS = ROOT / "docs" / "results"
SECTION = "## Does synthetic data help? The demo's answer"


def _section() -> str:
    text = README.read_text()
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start : end if end > 0 else len(text)]


def _block(text: str, begin: str, end: str) -> str:
    assert begin in text and end in text, f"missing {begin} ... {end}"
    return text[text.index(begin) + len(begin) : text.index(end)].strip()


def _recorded_timing() -> dict:
    runs = json.loads((RESULTS / "demo_time.json").read_text())
    return runs.get("after") or list(runs.values())[-1]


def test_readme_demo_table_is_the_generated_table():
    generated = (RESULTS / "demo.md").read_text()
    assert _block(_section(), TABLE_BEGIN, TABLE_END) == _block(generated, TABLE_BEGIN, TABLE_END)


def test_readme_demo_timing_is_the_generated_timing_line():
    generated = (RESULTS / "demo.md").read_text()
    assert _block(_section(), TIMING_BEGIN, TIMING_END) == _block(
        generated, TIMING_BEGIN, TIMING_END
    )


def test_every_decimal_number_in_the_readme_demo_section_is_in_the_generated_page():
    generated = (RESULTS / "demo.md").read_text()
    # signs aside: the page writes "beats real by 25.1 points" where prose says "+25.1 points"
    quoted = set(re.findall(r"(?<![\w.])\d+\.\d+", _section()))
    known = set(re.findall(r"(?<![\w.])\d+\.\d+", generated))
    assert quoted, "the README's demo section quotes no figures"
    assert not sorted(quoted - known), "README figures missing from docs/results/demo.md"


def test_generated_demo_page_is_what_the_recorded_run_gives():
    metrics = json.loads((RESULTS / "demo_metrics.json").read_text())
    assert (RESULTS / "demo.md").read_text() == demo_results_markdown(metrics, _recorded_timing())


def test_readme_demo_table_has_only_table_rows_between_header_and_blank_line():
    """Regression: quality-table lines ("privacy (pixel space) | ...") had been pasted between
    the table's header and its rows."""
    lines = _section().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| arm |"))
    for line in lines[start:]:
        if not line.strip() or line.startswith("<!--"):
            break
        assert line.startswith("|") and line.endswith("|"), line


def _metrics() -> dict:
    def row(label, size, mean, arm=None, ratio=None):
        return {
            "arm": arm or label,
            "ratio": ratio,
            "label": label,
            "size": size,
            "mean": mean,
            "ci_low": mean - 0.01,
            "ci_high": mean + 0.01,
            "n_seeds": 5,
        }

    return {
        "name": "t",
        "config": {"sizes": [1, 10], "seeds": [0, 1, 2, 3, 4]},
        "data": {},
        "runs": [{"arm": "real"}],
        "summary": [
            row("real", 1, 0.5),
            row("real", 10, 0.9),
            row("real+f @1:2", 1, 0.6, "real+f", 2.0),
        ],
        "comparisons": [{"verdict": "real+f beats real by 10.0 points"}],
        "baseline": {
            "summary": [row("logreg (reference)", 1, 0.4), row("logreg (reference)", 10, 0.8)],
            "runs": [{"x": 1}],
        },
        "quality": {
            "f": {"metrics": [{"name": "FID", "value": "1.5", "raw": 1.5, "reading": "r"}]}
        },
        "audit": {
            "oracle": "cnn",
            "clean_accuracy": 0.95,
            "transforms": [
                {
                    "name": "Affine",
                    "category": "safe",
                    "flagged": False,
                    "max_safe_magnitude": 1.0,
                    "magnitudes": [1, 2],
                }
            ],
        },
    }


def test_accuracy_table_lists_arms_then_the_reference_row_with_dashes_for_missing_sizes():
    table = accuracy_table(_metrics()).splitlines()
    assert table[0] == "| arm | 1 per class | 10 per class |"
    assert table[2] == "| real | 50.0 [49.0, 51.0] | 90.0 [89.0, 91.0] |"
    assert table[3] == "| real+f @1:2 | 60.0 [59.0, 61.0] | - |"
    assert table[4] == "| logreg (reference) | 40.0 [39.0, 41.0] | 80.0 [79.0, 81.0] |"


def test_trimmed_metrics_drop_per_run_rows_and_audit_details_but_keep_what_is_quoted():
    trimmed = trim_metrics(_metrics())
    assert "runs" not in trimmed and "runs" not in trimmed["baseline"]
    assert "magnitudes" not in trimmed["audit"]["transforms"][0]
    assert trimmed["quality"]["f"]["metrics"] == [{"name": "FID", "value": "1.5"}]
    page = demo_results_markdown(trimmed, None)
    assert "real+f beats real by 10.0 points" in page and "| FID | 1.5 |" in page
    assert "Affine: safe (largest safe magnitude 1)" in page
