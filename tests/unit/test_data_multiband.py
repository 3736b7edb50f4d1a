"""16-bit, float and many-band images: reading, writing and the offline job keeping them."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import tifffile

from synthaug.data.images import ImageError, decode_image, encode_image, header_size
from synthaug.engine import AugmentJob, run_job
from synthaug.errors import DataError

DTYPES = (np.uint8, np.uint16, np.float32)


def _bands(dtype, n_bands, h=5, w=7, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        image = rng.normal(0.0, 1000.0, (h, w, n_bands)).astype(dtype)  # own range, not [0, 1]
    else:
        image = rng.integers(0, np.iinfo(dtype).max, (h, w, n_bands), endpoint=True, dtype=dtype)
    return image[:, :, 0] if n_bands == 1 else image


@pytest.mark.parametrize("suffix", [".tif", ".npy"])
@pytest.mark.parametrize("n_bands", [1, 2, 3, 4, 13, 33])
@pytest.mark.parametrize("dtype", DTYPES)
def test_tiff_and_npy_round_trip_every_dtype_and_band_count_exactly(dtype, n_bands, suffix):
    image = _bands(dtype, n_bands)
    out = decode_image(encode_image(image, suffix), f"x{suffix}")
    assert out.dtype == image.dtype and out.shape == image.shape
    assert out.tobytes() == image.tobytes()


@pytest.mark.parametrize("n_bands", [1, 3, 4])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_png_round_trips_8_and_16_bit_exactly(dtype, n_bands):
    image = _bands(dtype, n_bands)
    out = decode_image(encode_image(image, ".png"), "x.png")
    assert out.dtype == image.dtype and out.tobytes() == image.tobytes()


def test_png_refuses_float_and_13_bands_naming_what_holds_them():
    with pytest.raises(DataError, match=r"float32 .*'\.png'.*use \.tif or \.npy"):
        encode_image(_bands(np.float32, 3), ".png")
    with pytest.raises(DataError, match=r"13 band\(s\)"):
        encode_image(_bands(np.uint16, 13), ".png")
    with pytest.raises(DataError, match="uint16"):
        encode_image(_bands(np.uint16, 3), ".jpg")


def _tiff(image_chw, **kw) -> bytes:
    buf = io.BytesIO()
    tifffile.imwrite(buf, image_chw, **kw)
    return buf.getvalue()


GEO_TAGS = [
    (33550, 12, 3, (10.0, 10.0, 0.0), True),
    (33922, 12, 6, (0.0, 0.0, 0.0, 500000.0, 4000000.0, 0.0), True),
    (34735, 3, 8, (1, 1, 0, 1, 3072, 0, 1, 32633), True),
    (34737, 2, 0, "WGS 84 / UTM zone 33N|", True),
]


@pytest.mark.parametrize("layout", ["planar", "interleaved", "page_per_band"])
def test_multiband_tiff_layouts_read_bands_last(layout):
    chw = _bands(np.uint16, 13).transpose(2, 0, 1).copy()
    if layout == "planar":
        data = _tiff(chw, photometric="minisblack", planarconfig="separate")
    elif layout == "interleaved":
        data = _tiff(chw.transpose(1, 2, 0), photometric="minisblack", planarconfig="contig")
    else:
        data = _tiff(chw, photometric="minisblack")  # tifffile's shaped multi-page stack
    out = decode_image(data, "x.tif")
    assert out.shape == (5, 7, 13)
    assert np.array_equal(out, chw.transpose(1, 2, 0))
    again = decode_image(encode_image(out, ".tif", source=data))
    assert np.array_equal(again, out)


def test_tiff_tags_of_the_source_are_written_back():
    chw = _bands(np.uint16, 13).transpose(2, 0, 1).copy()
    src = _tiff(
        chw,
        photometric="minisblack",
        planarconfig="separate",
        description="Sentinel-2 L1C tile",
        resolution=(10, 20),
        resolutionunit=3,
        compression="zlib",
        extratags=GEO_TAGS,
    )
    out = encode_image(decode_image(src), ".tif", source=src)
    with tifffile.TiffFile(io.BytesIO(out)) as tif:
        page = tif.pages[0]
        assert page.description == "Sentinel-2 L1C tile"
        assert page.tags[282].value == (10, 1) and page.tags[283].value == (20, 1)
        assert int(page.tags[296].value) == 3
        assert int(page.planarconfig) == 2 and int(page.compression) == 8
        assert page.tags[33550].value == (10.0, 10.0, 0.0)
        assert page.tags[33922].value[3:5] == (500000.0, 4000000.0)
        assert page.tags[34735].value == (1, 1, 0, 1, 3072, 0, 1, 32633)
        assert page.tags[34737].value.startswith("WGS 84 / UTM zone 33N")


def test_georeference_is_dropped_but_the_crs_kept_when_the_grid_moved():
    src = _tiff(_bands(np.uint16, 4), photometric="minisblack", extratags=GEO_TAGS)
    out = encode_image(decode_image(src)[:, ::-1], ".tif", source=src, keep_georeference=False)
    with tifffile.TiffFile(io.BytesIO(out)) as tif:
        tags = tif.pages[0].tags
        assert 33550 not in tags and 33922 not in tags
        assert 34735 in tags and 34737 in tags


def test_tifffile_shape_description_of_the_source_is_not_copied_to_a_cropped_output():
    # regression: copying '{"shape": [5, 7, 13]}' made tifffile reshape the 3 x 7 crop on read
    src = _tiff(_bands(np.uint16, 13), photometric="minisblack", planarconfig="contig")
    crop = decode_image(src)[:3]
    assert decode_image(encode_image(crop, ".tif", source=src)).shape == (3, 7, 13)


def test_tiff_with_too_many_decoded_bytes_is_refused_before_decoding():
    data = _tiff(
        np.zeros((40, 8, 8), np.float32), photometric="minisblack", planarconfig="separate"
    )
    # 64 pixels of 40 float32 bands = 10240 bytes > 32 bytes x 100 pixels
    with pytest.raises(ImageError) as err:
        decode_image(data, "deep.tif", max_pixels=100)
    assert err.value.reason == "too_many_pixels" and "40 float32 bands" in str(err.value)


def test_truncated_tiff_is_detected():
    data = encode_image(_bands(np.uint16, 13, 32, 32), ".tif")
    with pytest.raises(ImageError) as err:
        decode_image(data[: len(data) // 2], "cut.tif")
    assert err.value.reason == "truncated_image"


@pytest.mark.parametrize(
    ("array", "named"),
    [
        (np.zeros((4, 4), np.int16), "int16 pixels"),
        (np.zeros((4, 4), np.float64), "float64 pixels"),
        (np.zeros((2, 4, 4, 3), np.uint8), "shape (2, 4, 4, 3)"),
        (np.zeros((0, 4), np.uint8), "shape (0, 4)"),
    ],
)
def test_npy_of_other_dtypes_or_shapes_is_refused_naming_them(array, named):
    buf = io.BytesIO()
    np.save(buf, array)
    with pytest.raises(ImageError) as err:
        decode_image(buf.getvalue(), "x.npy")
    assert err.value.reason == "unsupported_image" and named in str(err.value)


def test_npy_of_objects_is_refused_without_unpickling():
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ImageError) as err:
        decode_image(buf.getvalue(), "evil.npy")
    assert err.value.reason == "unsupported_image" and "objects" in str(err.value)


def test_npy_header_declaring_a_huge_array_is_refused_before_reading():
    header = "{'descr': '<u2', 'fortran_order': False, 'shape': (100000, 100000, 13), }"
    header += " " * (118 - len(header)) + "\n"
    data = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()
    assert header_size(data) == (100000, 100000)
    with pytest.raises(ImageError) as err:
        decode_image(data, "huge.npy")
    assert err.value.reason == "too_many_pixels"


def test_truncated_npy_is_detected():
    data = encode_image(_bands(np.float32, 9), ".npy")
    with pytest.raises(ImageError) as err:
        decode_image(data[:-8], "cut.npy")
    assert err.value.reason == "truncated_image"


def test_fortran_ordered_and_big_endian_npy_read_as_native_arrays():
    image = _bands(np.uint16, 3)
    for variant in (np.asfortranarray(image), image.astype(">u2")):
        buf = io.BytesIO()
        np.save(buf, variant)
        out = decode_image(buf.getvalue())
        assert out.dtype == np.uint16 and np.array_equal(out, image)


# --- the offline job ---------------------------------------------------------------------

FLIP = {"transforms": [{"name": "HorizontalFlip", "p": 1.0}]}
IDENTITY = {"transforms": [{"name": "HorizontalFlip", "p": 0.0}]}


def _write(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_augment_job_keeps_dtype_and_bands_of_uint8_grey_rgb_and_13_band_files(tmp_path):
    src = tmp_path / "src"
    files = {
        "a/grey.png": _bands(np.uint8, 1),
        "a/rgb.png": _bands(np.uint8, 3),
        "b/rgba.tif": _bands(np.uint8, 4),
        "b/ms.tif": _bands(np.uint8, 13),
        "b/ms.npy": _bands(np.uint8, 6),
    }
    for key, image in files.items():
        _write(src / key, encode_image(image, "." + key.rsplit(".", 1)[1]))
    summary = run_job(AugmentJob(str(src), str(tmp_path / "dst"), FLIP, seed=0))
    assert summary.n_skipped == 0 and summary.n_written == len(files)
    for key, image in files.items():
        stem, ext = key.rsplit(".", 1)
        out = decode_image((tmp_path / "dst" / f"{stem}_aug0.{ext}").read_bytes())
        assert out.dtype == image.dtype and out.shape == image.shape
        assert np.array_equal(out, image[:, ::-1])


def test_augment_job_keeps_the_tie_point_while_the_grid_stays_and_moves_it_with_a_flip(tmp_path):
    src = tmp_path / "src"
    image = _bands(np.uint8, 13)
    _write(src / "t.tif", _tiff(image, photometric="minisblack", extratags=GEO_TAGS))
    for name, pipe, kept in (("same", IDENTITY, True), ("flip", FLIP, False)):
        run_job(AugmentJob(str(src), str(tmp_path / name), pipe, seed=0))
        with tifffile.TiffFile(tmp_path / name / "t_aug0.tif") as tif:
            tags = tif.pages[0].tags
            assert (33922 in tags) is kept and 34735 in tags
            if not kept:  # mirrored: a model transformation with the x axis reversed
                width = decode_image((src / "t.tif").read_bytes()).shape[1]
                t = tags[34264].value
                assert t[0] == -10.0 and t[3] == 500000.0 + 10.0 * width


def test_depth_in_metres_is_augmented_in_its_range_and_a_nan_image_is_listed_unsupported(
    tmp_path,
):
    src = tmp_path / "src"
    depth = _bands(np.float32, 1)  # values of +-1000, not [0, 1]
    holes = depth.copy()
    holes[0, 0] = np.nan  # a NaN nodata value
    _write(src / "depth.npy", encode_image(depth, ".npy"))
    _write(src / "holes.npy", encode_image(holes, ".npy"))
    summary = run_job(AugmentJob(str(src), str(tmp_path / "dst"), FLIP, seed=0))
    assert summary.n_read == 1 and summary.skipped_by_reason == {"unsupported_image": 1}
    out = decode_image((tmp_path / "dst" / "depth_aug0.npy").read_bytes())
    assert out.dtype == np.float32 and np.array_equal(out, depth[:, ::-1])
    errors = {e["key"]: e for e in map(json.loads, (tmp_path / "dst" / "errors.jsonl").open())}
    assert "float32 image with 1 band(s)" in errors["holes.npy"]["message"]
    assert "NaN" in errors["holes.npy"]["message"]


def test_uint16_13_band_tiff_is_flipped_and_written_as_uint16_13_bands(tmp_path):
    src = tmp_path / "src"
    image = _bands(np.uint16, 13)
    # interleaved H x W x 13 (without planarconfig, tifffile writes an H x W x C array as H
    # pages of W x C: the strict xfail hid that this test wrote a 5-page file)
    tiff = _tiff(image, photometric="minisblack", planarconfig="contig", extratags=GEO_TAGS)
    _write(src / "ms16.tif", tiff)
    summary = run_job(AugmentJob(str(src), str(tmp_path / "dst"), FLIP, seed=0))
    assert summary.n_skipped == 0
    out = decode_image((tmp_path / "dst" / "ms16_aug0.tif").read_bytes())
    assert out.dtype == np.uint16 and np.array_equal(out, image[:, ::-1])


def _multispectral_example():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "multispectral.py"
    spec = importlib.util.spec_from_file_location("multispectral_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_float32_13_band_coco_tiles_keep_masks_on_their_spectra_through_a_rotation(tmp_path):
    import cv2

    from synthaug.data.masks import rle_to_mask

    ex = _multispectral_example()
    src = ex.write_multispectral_dataset(tmp_path / "src", n=2, size=32, dtype="float32", seed=2)
    pipe = {"transforms": [{"name": "Rotate", "limit": 25, "p": 1.0}]}
    summary = run_job(AugmentJob(str(src), str(tmp_path / "dst"), pipe, seed=0))
    assert summary.n_skipped == 0 and summary.n_written == 2
    doc = json.loads((tmp_path / "dst" / "annotations" / "instances.json").read_text())
    files = {im["id"]: im["file_name"] for im in doc["images"]}
    checked = 0
    for ann in doc["annotations"]:
        image = decode_image((tmp_path / "dst" / "images" / files[ann["image_id"]]).read_bytes())
        assert image.dtype == np.float32 and image.shape == (32, 32, 13)
        inner = cv2.erode(rle_to_mask(ann["segmentation"]), np.ones((3, 3), np.uint8)) > 0
        if inner.sum() < 10:
            continue
        spectrum = image[inner].mean(0)
        assert np.abs(spectrum - ex.SIGNATURES[ann["category_id"] - 1]).max() < 0.04
        checked += 1
    assert checked >= 4


@pytest.mark.parametrize("compression", ["tiff_lzw", "jpeg"])
def test_lzw_and_jpeg_tiff_decode_without_imagecodecs_and_write_back_compressed(compression):
    # regression: moving TIFF to tifffile lost the LZW/JPEG TIFFs OpenCV used to decode
    from PIL import Image

    rgb = _bands(np.uint8, 3, 20, 30)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "TIFF", compression=compression)
    image = decode_image(buf.getvalue(), "x.tif")
    assert image.shape == (20, 30, 3) and image.dtype == np.uint8
    if compression == "tiff_lzw":
        assert np.array_equal(image, rgb)
    out = encode_image(image, ".tif", source=buf.getvalue())
    with tifffile.TiffFile(io.BytesIO(out)) as tif:
        assert int(tif.pages[0].compression) == 8  # lossless deflate, tifffile's own
    assert np.array_equal(decode_image(out), image)


def test_lzw_tiff_of_13_bands_without_imagecodecs_names_the_package(monkeypatch):
    import struct

    import synthaug.data.images as images

    monkeypatch.setattr(images, "_has_imagecodecs", lambda: False)
    data = encode_image(_bands(np.uint16, 13), ".tif")
    entry = struct.pack("<HHIH", 259, 3, 1, 1)  # Compression = none ...
    assert data.count(entry) == 1
    lzw = data.replace(entry, struct.pack("<HHIH", 259, 3, 1, 5))  # ... declared as LZW
    with pytest.raises(ImageError) as err:
        decode_image(lzw, "lzw.tif")
    assert err.value.reason == "unsupported_image" and "imagecodecs" in str(err.value)


def test_validate_warns_only_about_items_the_engine_does_not_take(tmp_path):
    from synthaug.data.validate import validate_dataset

    holes = _bands(np.float32, 9)
    holes[1, 2, 3] = np.nan
    _write(tmp_path / "d" / "ms16.tif", encode_image(_bands(np.uint16, 13), ".tif"))
    _write(tmp_path / "d" / "f32.tif", encode_image(_bands(np.float32, 9), ".tif"))
    _write(tmp_path / "d" / "holes.tif", encode_image(holes, ".tif"))
    report = validate_dataset(tmp_path / "d")
    assert report.n_ok == 3
    warned = [(i.key, i.severity) for i in report.issues if i.reason == "unsupported_image"]
    assert warned == [("holes.tif", "warning")]  # uint16 and float bands are augmented
