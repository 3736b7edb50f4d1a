"""The worked example of docs/multiband.md runs as written: procedural 13-band uint16 tiles
with known masks, augmented with ``synthaug augment``, every mask still on its spectrum."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import synthaug

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "multiband.md"


def _worked_example() -> tuple[str, str]:
    text = DOC.read_text()
    section = text.split("## Worked example", 1)[1].split("\n## ", 1)[0]
    bash = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    python = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(bash) == 1 and len(python) == 1, "docs/multiband.md: worked example changed shape"
    return bash[0], python[0]


def test_multiband_worked_example_runs_as_written(tmp_path):
    bash, python = _worked_example()
    # `python` and `synthaug` as a user's shell finds them: this interpreter and its package
    shims = tmp_path / "bin"
    shims.mkdir()
    for name, run in (("python", ""), ("synthaug", " -m synthaug.cli")):
        shim = shims / name
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}"{run} "$@"\n')
        shim.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    (work / "examples").symlink_to(ROOT / "examples")
    env = {
        **os.environ,
        "PATH": f"{shims}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(Path(synthaug.__file__).resolve().parents[1]),
        "COLUMNS": "120",
    }
    done = subprocess.run(
        ["bash", "-euc", bash], cwd=work, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "skipped" in done.stdout and (work / "tiles-aug" / "errors.jsonl").exists() is False
    checked = subprocess.run(
        [sys.executable, "-c", python],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode == 0, checked.stderr
    said = re.search(r"(\d+) of (\d+) masks carry their class's spectrum", checked.stdout)
    assert said and said.group(1) == said.group(2) and int(said.group(2)) >= 30
    assert f"{said.group(1)} of {said.group(2)}" in DOC.read_text()  # the doc says what it prints
