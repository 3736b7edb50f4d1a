"""``synthaug augment`` on the procedural GeoTIFF tiles: every output pixel sits at the map
position of the source pixel it came from, read from the output's own georeference."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import tifffile
from typer.testing import CliRunner

from synthaug.cli import app
from synthaug.data.images import read_image

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PIPELINE = """\
transforms:
  - name: Rotate90
    k: [1, 2, 3]
  - name: HorizontalFlip
    p: 0.5
  - name: RandomCrop
    height: 20
    width: 20
  - name: Pad
    padding: [2, 1, 0, 3]
"""


def _affine(path: Path) -> np.ndarray:
    """The 3 x 3 map from raster (pixel corner) to map coordinates of a GeoTIFF."""
    with tifffile.TiffFile(path) as tif:
        tags = tif.pages[0].tags
        if 34264 in tags:
            assert 33550 not in tags and 33922 not in tags
            t = np.asarray(tags[34264].value).reshape(4, 4)
            return np.vstack([t[:2, [0, 1, 3]], [0.0, 0.0, 1.0]])
        sx, sy, _ = tags[33550].value
        i, j, _, x, y, _ = tags[33922].value
        return np.array([[sx, 0.0, x - i * sx], [0.0, -sy, y + j * sy], [0.0, 0.0, 1.0]])


def test_augmented_tiles_carry_a_georeference_that_places_every_pixel(tmp_path):
    src, dst = tmp_path / "tiles", tmp_path / "tiles-aug"
    script = EXAMPLES / "multispectral.py"
    subprocess.run(
        [sys.executable, str(script), str(src), "--n", "2", "--size", "32"],
        check=True,
        capture_output=True,
    )
    (tmp_path / "pipe.yaml").write_text(PIPELINE)
    args = ["augment", str(src), str(dst), "-p", str(tmp_path / "pipe.yaml"), "-k", "4"]
    res = CliRunner().invoke(app, [*args, "--seed", "0", "--workers", "1"])
    assert res.exit_code == 0, res.output
    outputs = sorted((dst / "images").glob("*_aug*.tif"))
    assert len(outputs) == 8
    forms = set()
    for out_path in outputs:
        src_path = src / "images" / (out_path.name.split("_aug")[0] + ".tif")
        source, image = read_image(src_path), read_image(out_path)
        assert image.shape == (24, 22, 13)
        with tifffile.TiffFile(out_path) as tif:
            forms.add("transformation" if 34264 in tif.pages[0].tags else "tie point")
        # output pixel centre -> map -> source raster -> source pixel
        to_source = np.linalg.inv(_affine(src_path)) @ _affine(out_path)
        jj, ii = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
        centres = np.stack([ii.ravel() + 0.5, jj.ravel() + 0.5, np.ones(ii.size)])
        si, sj = np.floor((to_source @ centres)[:2]).astype(int)
        crop = np.zeros(image.shape[:2], bool)
        crop[1:21, 2:22] = True  # inside the pad (left 2, top 1, right 0, bottom 3)
        crop = crop.ravel()
        assert np.all((si[crop] >= 0) & (si[crop] < 32) & (sj[crop] >= 0) & (sj[crop] < 32))
        got = image[jj.ravel()[crop], ii.ravel()[crop]]
        assert np.array_equal(got, source[sj[crop], si[crop]])
        assert not image[jj.ravel()[~crop], ii.ravel()[~crop]].any()  # zero padding
    assert forms == {"transformation"} or len(forms) == 2
