"""The table of Albumentations names this layer provides, generated from the code.

``python -m synthaug.albumentations.catalog docs/migrating-from-albumentations.md`` rewrites the
table between the ``names:start``/``names:end`` markers of that file; a test checks that the
committed doc matches.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from synthaug.albumentations import legacy
from synthaug.albumentations.signatures import REQUIRED, SIGNATURES
from synthaug.albumentations.transforms import MISSING, TRANSFORMS

__all__ = ["names_table", "write_names_table"]

# arguments that have no default, filled in only to build each transform once for the table
_EXAMPLE = {"height": 8, "width": 8, "size": (8, 8), "min_max_height": (4, 8)}


def _engine_name(name: str) -> str:
    args = {k: _EXAMPLE.get(k) for k, d in SIGNATURES[name] if d == REQUIRED}
    if name == "CropAndPad":  # needs px or percent
        args = {"percent": 0.1}
    if name in ("LongestMaxSize", "SmallestMaxSize"):  # needs max_size or max_size_hw
        args = {"max_size": 64}
    return type(TRANSFORMS[name](**args).engine).__name__


def names_table() -> str:
    """Markdown: each Albumentations name, what it builds, and the names not available."""
    rows = ["| Albumentations name | synthaug step it builds |", "|---|---|"]
    for name in sorted(TRANSFORMS):
        if name in legacy.RENAMED:
            rows.append(f"| {name} (1.x) | read as {legacy.RENAMED[name]} |")
        else:
            rows.append(f"| {name} | {_engine_name(name)} |")
    rows.append("")
    rows.append(f"Not available (a ConfigError naming it): {', '.join(MISSING)}.")
    return "\n".join(rows)


def write_names_table(path: str | Path) -> None:
    """Replace the table between ``<!-- names:start -->`` and ``<!-- names:end -->``."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    new = re.sub(
        r"(<!-- names:start -->\n).*?(<!-- names:end -->)",
        lambda m: m.group(1) + names_table() + "\n" + m.group(2),
        text,
        flags=re.S,
    )
    p.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    write_names_table(sys.argv[1])
