"""``synthaug augment`` with a pipeline file that runs an RGB colour transform on three bands
of 13-band Sentinel-2-like tiles (OnBands, issue 24)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

import synthaug
from synthaug.cli import app
from synthaug.data.images import read_image

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PIPELINE = """\
transforms:
  - name: HorizontalFlip
    p: 1.0
  - name: OnBands
    bands: [3, 2, 1]
    transforms:
      - name: HueSaturationValue
        p: 1.0
      - name: ColorJitter
        p: 1.0
  - name: VerticalFlip
    p: 1.0
"""


def test_augment_writes_13_band_tiles_with_only_the_chosen_bands_recoloured(tmp_path):
    src, dst = tmp_path / "tiles", tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(Path(synthaug.__file__).resolve().parents[1])}
    subprocess.run(
        [sys.executable, str(EXAMPLES / "multispectral.py"), str(src), "--n", "2", "--size", "32"],
        check=True,
        capture_output=True,
        env=env,
        timeout=120,
    )
    (tmp_path / "p.yaml").write_text(PIPELINE)
    args = ["augment", str(src), str(dst), "-p", str(tmp_path / "p.yaml"), "--seed", "0"]
    result = CliRunner().invoke(app, [*args, "--workers", "1"])
    assert result.exit_code == 0, result.output
    inputs = sorted((src / "images").glob("*.tif"))
    outputs = sorted((dst / "images").glob("*.tif"))
    assert len(inputs) == len(outputs) == 2
    rest = [b for b in range(13) if b not in (3, 2, 1)]
    for before_path, after_path in zip(inputs, outputs, strict=True):
        before, after = read_image(before_path), read_image(after_path)
        assert after.dtype == np.uint16 and after.shape == (32, 32, 13)
        flipped = before[::-1, ::-1]  # both flips move every band alike
        assert np.array_equal(after[..., rest], flipped[..., rest])
        assert not np.array_equal(after[..., [3, 2, 1]], flipped[..., [3, 2, 1]])
