"""Per-band dataset statistics (``synthaug.data.stats``) against numpy on the pooled pixels."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug.data.images import encode_image
from synthaug.data.stats import BandAccumulator, DatasetStats, dataset_stats


def _images(dtype, n_bands, seed=0):
    """Three images of different sizes, each band with its own level and spread."""
    rng = np.random.default_rng(seed)
    out = []
    for h, w in ((9, 11), (4, 20), (13, 6)):
        if np.dtype(dtype).kind == "f":
            img = rng.normal(np.arange(n_bands) * 100.0, 30.0, (h, w, n_bands))
        else:
            top = np.iinfo(dtype).max
            img = rng.integers(0, top // (np.arange(n_bands) + 1), (h, w, n_bands), endpoint=True)
        out.append(img.astype(dtype))
    return out


def _write(folder, images, suffix):
    folder.mkdir(parents=True, exist_ok=True)
    for i, img in enumerate(images):
        (folder / f"{i:03d}{suffix}").write_bytes(encode_image(img, suffix))


@pytest.mark.parametrize(
    ("dtype", "n_bands", "suffix"),
    [(np.uint8, 3, ".png"), (np.uint16, 13, ".tif"), (np.uint16, 1, ".png")],
)
def test_integer_stats_equal_numpy_on_the_pooled_pixels_exactly(tmp_path, dtype, n_bands, suffix):
    images = _images(dtype, n_bands)
    if n_bands == 1:
        images = [im[:, :, 0] for im in images]
    _write(tmp_path / "d", images, suffix)
    s = dataset_stats(tmp_path / "d")
    pooled = np.concatenate([im.reshape(-1, n_bands) for im in images]).astype(np.float64)
    assert (s.dtype, s.n_bands, s.n_images, s.n_skipped) == (np.dtype(dtype).name, n_bands, 3, 0)
    np.testing.assert_allclose(s.mean, pooled.mean(0), rtol=1e-12)
    np.testing.assert_allclose(s.std, pooled.std(0), rtol=1e-10)
    assert s.min == list(pooled.min(0)) and s.max == list(pooled.max(0))
    assert s.p_low == list(np.percentile(pooled, 1, axis=0))  # exact, from histograms
    assert s.p_high == list(np.percentile(pooled, 99, axis=0))
    assert s.percentiles_exact and s.n_values == [len(pooled)] * n_bands


def test_float_stats_keep_their_range_and_leave_nan_out(tmp_path):
    images = _images(np.float32, 9)
    images[1][0, 0, 2] = np.nan
    _write(tmp_path / "d", images, ".npy")
    s = dataset_stats(tmp_path / "d")
    pooled = np.concatenate([im.reshape(-1, 9) for im in images]).astype(np.float64)
    np.testing.assert_allclose(s.mean, np.nanmean(pooled, 0), rtol=1e-9)
    np.testing.assert_allclose(s.std, np.nanstd(pooled, 0), rtol=1e-9)
    assert s.max[8] > 700.0  # no clip to [0, 1]
    assert s.n_nonfinite[2] == 1 and s.n_values[2] == len(pooled) - 1
    assert s.percentiles_exact and s.max_pixel_value == 1.0  # every value fit in the sample
    np.testing.assert_allclose(s.p_low, np.nanpercentile(pooled, 1, 0), rtol=1e-12)


def test_float_percentiles_from_a_subsample_are_close_and_marked_approximate(tmp_path):
    rng = np.random.default_rng(3)
    images = [rng.normal(0.0, 1.0, (60, 60, 2)).astype(np.float32) for _ in range(3)]
    _write(tmp_path / "d", images, ".npy")
    s = dataset_stats(tmp_path / "d", sample_size=300)  # 100 values per band and image
    pooled = np.concatenate([im.reshape(-1, 2) for im in images]).astype(np.float64)
    assert not s.percentiles_exact and any("estimated from" in n for n in s.notes)
    np.testing.assert_allclose(s.p_high, np.percentile(pooled, 99, 0), atol=0.5)
    np.testing.assert_allclose(s.mean, pooled.mean(0), rtol=1e-9)  # mean/std stay exact


def test_welford_merge_is_exact_for_a_large_offset():
    # a naive float sum of squares loses everything here; the pairwise merge does not
    acc = BandAccumulator(np.dtype(np.float32), 1)
    base = np.float32(1e6)
    for k in range(5):
        acc.add(np.full((50, 50), base, np.float32) + np.float32(k % 2))
    assert acc.mean[0] == pytest.approx(1e6 + 0.4, abs=1e-9)
    assert acc.std()[0] == pytest.approx(np.sqrt(0.24), rel=1e-9)


def test_normalize_args_divide_by_max_pixel_value_and_build_a_working_normalize(tmp_path):
    from synthaug.augment import Compose, Normalize
    from synthaug.augment.sample import Sample

    images = _images(np.uint8, 3)
    _write(tmp_path / "d", images, ".png")
    s = dataset_stats(tmp_path / "d")
    args = s.normalize_args()
    assert args["max_pixel_value"] == 255.0
    np.testing.assert_allclose(args["mean"], np.asarray(s.mean) / 255.0)
    pooled = np.concatenate([im.reshape(-1, 3) for im in images])
    out = Compose([Normalize(**args)])(Sample(pooled.reshape(1, -1, 3)), seed=0).image
    np.testing.assert_allclose(out.reshape(-1, 3).mean(0), 0.0, atol=1e-4)
    np.testing.assert_allclose(out.reshape(-1, 3).std(0), 1.0, atol=1e-4)


def test_normalize_yaml_loads_as_a_pipeline_step(tmp_path):
    import yaml

    from synthaug.augment import from_dict

    _write(tmp_path / "d", _images(np.uint16, 4), ".tif")
    text = dataset_stats(tmp_path / "d").normalize_yaml()
    step = from_dict({"transforms": yaml.safe_load(text)})
    assert type(step.transforms[0]).__name__ == "Normalize"
    assert step.transforms[0].max_pixel_value == 65535


def test_constant_band_gets_std_one_in_the_snippet_and_a_note(tmp_path):
    img = np.dstack([np.full((4, 4), 7, np.uint8), np.arange(16, dtype=np.uint8).reshape(4, 4)])
    _write(tmp_path / "d", [img], ".tif")
    s = dataset_stats(tmp_path / "d")
    assert s.std[0] == 0.0 and s.normalize_args()["std"][0] == 1.0
    assert any("band 1 is constant" in n for n in s.notes)


def test_mixed_band_counts_and_bad_files_are_skipped_with_reasons(tmp_path):
    _write(tmp_path / "d", _images(np.uint8, 3)[:2], ".png")
    (tmp_path / "d" / "grey.png").write_bytes(encode_image(np.zeros((3, 3), np.uint8), ".png"))
    (tmp_path / "d" / "broken.png").write_bytes(b"not an image")
    s = dataset_stats(tmp_path / "d")
    assert s.n_images == 2
    assert sorted(x["reason"] for x in s.skipped) == ["corrupt_image", "mixed_images"]


def test_max_items_reads_only_the_first_items(tmp_path):
    images = _images(np.uint8, 3)
    _write(tmp_path / "d", images, ".png")
    seen = []
    s = dataset_stats(tmp_path / "d", max_items=1, callback=seen.append)
    assert s.n_images == 1 and seen == [{"done": 1, "total": 1, "skipped": 0}]
    np.testing.assert_allclose(s.mean, images[0].reshape(-1, 3).mean(0))


def test_to_dict_is_json_ready():
    import json

    s = DatasetStats("d", "folder", 1, 0, "uint8", 1, [4], [0], [1.0], [1.0], [0.0], [2.0],
                     [0.0], [2.0])  # fmt: skip
    assert json.loads(json.dumps(s.to_dict()))["normalize"]["max_pixel_value"] == 255.0
