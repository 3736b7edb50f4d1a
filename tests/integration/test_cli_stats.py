"""``synthaug stats`` and ``synthaug preview --bands`` on the procedural multispectral dataset."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from synthaug.cli import app
from synthaug.data.images import decode_image, read_image

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "multispectral.py"


def _example():
    spec = importlib.util.spec_from_file_location("multispectral_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tiles(tmp_path_factory):
    root = tmp_path_factory.mktemp("ms") / "tiles"
    return _example().write_multispectral_dataset(root, n=3, size=24, dtype="uint16", seed=1)


def test_example_tiles_carry_each_class_signature_under_their_known_mask(tiles):
    ex = _example()
    image = read_image(tiles / "images" / "tile_000.tif")
    classes = decode_image((tiles / "masks" / "tile_000.png").read_bytes())
    assert image.shape == (24, 24, 13) and image.dtype == np.uint16
    for cls in np.unique(classes):
        mean = image[classes == cls].mean(0) / 10000.0
        assert np.abs(mean - ex.SIGNATURES[cls - 1]).max() < 0.03  # shading +-15 %, noise
    doc = json.loads((tiles / "annotations" / "instances.json").read_text())
    assert {a["category_id"] for a in doc["annotations"] if a["image_id"] == 1} == set(
        np.unique(classes).tolist()
    )


def test_example_writes_the_same_bytes_for_the_same_seed(tmp_path):
    ex = _example()
    a = ex.write_multispectral_dataset(tmp_path / "a", n=1, size=16, seed=4)
    b = ex.write_multispectral_dataset(tmp_path / "b", n=1, size=16, seed=4)
    for rel in ("images/tile_000.tif", "masks/tile_000.png", "annotations/instances.json"):
        assert (a / rel).read_bytes() == (b / rel).read_bytes()


def test_stats_table_and_normalize_snippet(tiles):
    res = runner.invoke(app, ["stats", str(tiles)], terminal_width=200)
    assert res.exit_code == 0, res.output
    assert "3 images, uint16, 13 band(s), 1728 values per band" in " ".join(res.output.split())
    snippet = res.output[res.output.index("- name: Normalize") :]
    step = yaml.safe_load(snippet)[0]
    assert step["max_pixel_value"] == 65535 and len(step["mean"]) == 13


def test_stats_json_matches_numpy_and_max_items(tiles):
    res = runner.invoke(app, ["stats", str(tiles), "--json", "--max-items", "2"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    pooled = np.concatenate(
        [read_image(tiles / "images" / f"tile_00{i}.tif").reshape(-1, 13) for i in (0, 1)]
    ).astype(np.float64)
    assert data["n_images"] == 2 and data["dtype"] == "uint16" and data["n_bands"] == 13
    np.testing.assert_allclose(data["mean"], pooled.mean(0), rtol=1e-12)
    np.testing.assert_allclose(data["normalize"]["std"], pooled.std(0) / 65535, rtol=1e-10)
    assert data["p_high"] == list(np.percentile(pooled, 99, axis=0))


def test_stats_of_a_missing_folder_is_a_short_error(tmp_path):
    res = runner.invoke(app, ["stats", str(tmp_path / "absent")])
    assert res.exit_code == 2 and "dataset not found" in res.output


def test_preview_renders_a_band_triplet_of_uint16_tiles(tiles, tmp_path):
    pipe = tmp_path / "flip.yaml"
    pipe.write_text("transforms:\n  - name: HorizontalFlip\n    p: 1.0\n")
    out = tmp_path / "p.png"
    res = runner.invoke(
        app,
        ["preview", str(tiles), "-p", str(pipe), "--bands", "4,3,2", "--n", "1", "-o", str(out)],
        terminal_width=200,
    )
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())  # rich wraps at the terminal width
    assert "uint16, 13 band(s), showing 4,3,2, stretched" in text
    assert "does not take" not in text  # the pipeline ran on the 13 uint16 bands
    grid = read_image(out)
    assert grid.dtype == np.uint8 and grid.ndim == 3 and grid.shape[2] == 3


def test_preview_without_a_pipeline_shows_the_original(tiles, tmp_path):
    out = tmp_path / "one.png"
    tif = tiles / "images" / "tile_002.tif"
    res = runner.invoke(app, ["preview", str(tif), "--bands", "8", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert read_image(out).shape[0] >= 24


def test_multiband_doc_shows_what_its_stats_command_prints(tmp_path, monkeypatch):
    import re

    doc = (EXAMPLE.parents[1] / "docs" / "multiband.md").read_text()
    shown = re.search(r"Output of `python examples/multispectral.py tiles && synthaug stats tiles`:"
                      r"\n\n```\n(.*?)```", doc, flags=re.S)  # fmt: skip
    assert shown, "docs/multiband.md lost its stats output"
    monkeypatch.chdir(tmp_path)
    _example().write_multispectral_dataset("tiles")  # the script's defaults
    res = runner.invoke(app, ["stats", "tiles"])
    assert res.exit_code == 0, res.output
    printed = [line.strip() for line in res.output.splitlines()]
    for line in shown.group(1).splitlines():
        assert line.strip() in printed, line

    code = re.search(r"```python\n(.*?)```", doc, flags=re.S).group(1)
    exec(compile(code, "docs/multiband.md", "exec"), {})  # the Python example, on these tiles


def test_transforms_json_lists_the_images_each_transform_takes():
    listing = runner.invoke(app, ["transforms", "HueSaturationValue", "--json"])
    assert listing.exit_code == 0, listing.output
    hsv = json.loads(listing.output)["HueSaturationValue"]
    assert hsv["dtypes"] == ["uint8", "uint16", "float32"] and hsv["channels"] == [1, 3]
    assert hsv["float_range"] == "unit"
    rotate = json.loads(runner.invoke(app, ["transforms", "Rotate", "--json"]).output)["Rotate"]
    assert rotate["channels"] is None and rotate["float_range"] == "any"
