"""Safe image decoding and atomic writing."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from synthaug.data.images import (
    TMP_PREFIX,
    ImageError,
    atomic_write_bytes,
    decode_image,
    encode_image,
    header_size,
    read_image,
)


def _rgb(h=12, w=16, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_png_round_trip_is_lossless_and_keeps_rgb_order():
    img = _rgb()
    assert np.array_equal(decode_image(encode_image(img, ".png")), img)


def test_grey_and_rgba_keep_their_channels():
    grey = _rgb()[:, :, 0].copy()
    rgba = np.dstack([_rgb(), np.full((12, 16), 200, np.uint8)])
    assert np.array_equal(decode_image(encode_image(grey, ".png")), grey)
    assert np.array_equal(decode_image(encode_image(rgba, ".png")), rgba)


def test_jpeg_encoding_is_deterministic():
    img = _rgb(48, 48)
    assert encode_image(img, ".jpg", 95) == encode_image(img.copy(), ".jpg", 95)
    assert encode_image(img, ".jpg", 95) != encode_image(img, ".jpg", 50)


def test_header_size_reads_png_and_jpeg_dimensions():
    img = _rgb(12, 16)
    assert header_size(encode_image(img, ".png")) == (16, 12)
    assert header_size(encode_image(img, ".jpg")) == (16, 12)
    assert header_size(b"hello world, not an image") is None


def _png_header_only(w, h):
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )


def test_pixel_limit_refuses_from_the_header_before_decoding():
    with pytest.raises(ImageError) as err:
        decode_image(_png_header_only(100_000, 100_000), "huge.png", max_pixels=1_000_000)
    assert err.value.reason == "too_many_pixels" and "10000000000" in str(err.value)


def test_pixel_limit_applies_to_a_real_image():
    data = encode_image(_rgb(40, 40), ".png")
    assert decode_image(data, max_pixels=1600).shape == (40, 40, 3)
    with pytest.raises(ImageError) as err:
        decode_image(data, max_pixels=1599)
    assert err.value.reason == "too_many_pixels"


def test_truncated_jpeg_is_detected_not_grey_padded():
    data = encode_image(_rgb(48, 48), ".jpg")
    with pytest.raises(ImageError) as err:
        decode_image(data[: len(data) // 2], "cut.jpg")
    assert err.value.reason == "truncated_image"


def test_truncated_png_is_detected():
    data = encode_image(_rgb(48, 48), ".png")
    with pytest.raises(ImageError) as err:
        decode_image(data[:-20], "cut.png")
    assert err.value.reason == "truncated_image"


def test_non_image_bytes_are_corrupt():
    with pytest.raises(ImageError) as err:
        decode_image(b"this is a text file" * 10, "notes.jpg")
    assert err.value.reason == "corrupt_image"


def test_missing_file_reason(tmp_path):
    with pytest.raises(ImageError) as err:
        read_image(tmp_path / "absent.png")
    assert err.value.reason == "missing_image"


def test_atomic_write_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "a.bin"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["a.bin"]
    assert not list(tmp_path.rglob(TMP_PREFIX + "*"))


def _tiff_declaring(w: int, h: int) -> bytes:
    """A TIFF header declaring w x h 8-bit pixels, with (almost) no pixel data."""
    tags = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1)]
    tags += [(273, 4, 1, 8), (277, 3, 1, 1), (278, 4, 1, h), (279, 4, 1, min(w * h, 2**32 - 1))]
    ifd = struct.pack("<H", len(tags)) + b"".join(struct.pack("<HHII", *t) for t in tags)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0)


def test_tiff_size_comes_from_the_header_and_is_refused_before_decoding():
    data = _tiff_declaring(80_000, 80_000)  # 6.4 GB of pixels declared in 130 bytes
    assert header_size(data) == (80_000, 80_000)
    with pytest.raises(ImageError) as err:
        decode_image(data, "huge.tif")
    assert err.value.reason == "too_many_pixels" and "6400000000" in str(err.value)


def test_multipage_tiff_is_judged_by_its_largest_page():
    import io

    import tifffile

    buf = io.BytesIO()
    with tifffile.TiffWriter(buf) as tif:
        tif.write(np.zeros((4, 4), np.uint8))
        tif.write(np.zeros((300, 200), np.uint8))
    assert header_size(buf.getvalue()) == (200, 300)


def test_formats_known_to_pil_only_give_their_size_without_decoding():
    ppm = b"P6\n30000 20000\n255\n" + b"\x00" * 16  # header of a 1.8 GB image
    w, h = header_size(ppm)
    assert w * h >= 30000 * 20000
    with pytest.raises(ImageError) as err:
        decode_image(ppm, "big.ppm")
    assert err.value.reason == "too_many_pixels"


def test_jpeg_cut_in_its_scan_data_with_an_end_marker_is_truncated():
    data = encode_image(_rgb(48, 48), ".jpg")
    forged = data[: len(data) * 2 // 3] + b"\xff\xd9"
    with pytest.raises(ImageError) as err:
        decode_image(forged, "forged.jpg")
    assert err.value.reason == "truncated_image"
    assert decode_image(data, "whole.jpg").shape == (48, 48, 3)  # the whole file still passes


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_on_read_as_pil_displays_it(orientation):
    import io

    from PIL import Image, ImageOps

    img = np.zeros((12, 20, 3), np.uint8)
    img[:4, :6] = 255  # a bright top-left corner shows where the image went
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=100, exif=exif.tobytes())
    ours = decode_image(buf.getvalue())
    shown = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(buf.getvalue()))))
    assert ours.shape == shown.shape
    assert np.abs(ours.astype(int) - shown.astype(int)).max() <= 2
