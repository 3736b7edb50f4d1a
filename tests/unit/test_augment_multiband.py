"""Kernels and transforms on uint16, float32 in its own range and many bands (issue 24)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from scipy.ndimage import median_filter

from synthaug import augment as A
from synthaug.augment.functional import color as C
from synthaug.augment.functional import geometric as G
from synthaug.augment.functional import pixel as F
from synthaug.errors import InvalidInputError


def _bands(dtype, n=13, h=24, w=28, seed=0):
    rng = np.random.default_rng(seed)
    if dtype == np.uint16:
        return rng.integers(0, 65536, (h, w, n)).astype(np.uint16)
    return rng.uniform(-5.0, 50.0, (h, w, n)).astype(np.float32)  # e.g. depth in metres


def test_uint16_brightness_is_a_fraction_of_65535_and_saturates():
    img = np.array([[100, 65000]], np.uint16)
    out = F.brightness_contrast_image(img, 0.01, 1.0)
    assert out.dtype == np.uint16 and out.tolist() == [[100 + 655, 65535]]


def test_normalize_defaults_to_65535_for_uint16_and_takes_one_value_per_band():
    img = np.full((2, 2, 13), 65535, np.uint16)
    out = A.Normalize(mean=[0.5] * 13, std=[0.25] * 13, p=1.0)(image=img, seed=0).image
    assert out.dtype == np.float32 and np.allclose(out, 2.0)


def test_float_depth_keeps_its_range_through_rotate_blur_and_noise():
    depth = np.full((32, 32), 42.0, np.float32)
    depth[8:24, 8:24] = 7.5
    pipe = A.Compose(
        [
            A.Rotate(limit=(30, 30), border_mode="reflect", interpolation="cubic", p=1.0),
            A.GaussianBlur(p=1.0),
            A.GaussianNoise(std=(0.01, 0.01), p=1.0),
        ]
    )
    out = pipe(image=depth, seed=0).image
    assert out.dtype == np.float32 and out.max() > 40.0 and out.min() < 9.0
    # cubic overshoot is clipped to the input's own range, not to [0, 1]
    plain = A.Rotate(limit=(30, 30), border_mode="reflect", interpolation="cubic", p=1.0)
    rot = plain(image=depth, seed=0).image
    assert rot.min() >= 7.5 and rot.max() <= 42.0


def test_gaussian_blur_of_13_bands_equals_the_blur_of_each_band():
    img = _bands(np.uint16)
    out = F.gaussian_blur_image(img, 5, 1.3)
    each = np.stack([F.gaussian_blur_image(img[:, :, k], 5, 1.3) for k in range(13)], axis=2)
    assert np.array_equal(out, each)


@pytest.mark.parametrize("dtype", [np.uint16, np.float32])
def test_median_blur_with_a_large_kernel_is_exact_not_quantised(dtype):
    # regression: float32 medians with ksize > 5 went through 8-bit levels (OpenCV's limit)
    img = _bands(dtype, n=5)
    out = F.median_blur_image(img, 7)
    assert out.dtype == img.dtype
    assert np.array_equal(out, median_filter(img, size=(7, 7, 1), mode="nearest"))


def test_equalize_uint16_uses_all_16_bit_levels():
    img = (np.arange(64 * 64, dtype=np.uint32).reshape(64, 64) * 3 % 5000).astype(np.uint16)
    out = C.equalize_image(img)  # 4096 distinct levels below 5000, spread over 0..65535
    assert out.dtype == np.uint16 and out.min() == 0 and out.max() == 65535
    assert len(np.unique(out)) == len(np.unique(img)) == 4096


def test_invert_posterize_and_solarize_use_the_uint16_range():
    img = np.array([[0, 1000, 40000, 65535]], np.uint16)
    run = lambda t: t(image=img, seed=0).image.tolist()  # noqa: E731
    assert run(A.Invert(p=1.0)) == [[65535, 64535, 25535, 0]]
    assert run(A.Posterize(bits=(2, 2), p=1.0)) == [[0, 0, 32768, 49152]]
    assert run(A.Solarize(threshold=(0.5, 0.5), p=1.0)) == [[0, 1000, 25535, 0]]


def test_channel_dropout_fill_is_scaled_from_255_to_65535():
    img = np.full((4, 4, 13), 7, np.uint16)
    out = A.ChannelDropout(channel_drop_range=(12, 12), fill=255, p=1.0)(image=img, seed=0).image
    assert sorted(set(out[0, 0].tolist())) == [7, 65535]


@pytest.mark.parametrize("dtype", [np.uint16, np.float32])
def test_many_band_flips_transposes_and_quarter_turns_equal_numpy(dtype):
    img = _bands(dtype)
    assert np.array_equal(G.hflip_image(img), img[:, ::-1])
    assert np.array_equal(G.vflip_image(img), img[::-1])
    assert np.array_equal(G.transpose_image(img), img.transpose(1, 0, 2))
    for k in (1, 2, 3):
        assert np.array_equal(G.rot90_image(img, k), np.rot90(img, k))


@pytest.mark.parametrize("interpolation", ["nearest", "linear", "cubic", "lanczos"])
@pytest.mark.parametrize("dtype", [np.uint16, np.float32])
def test_every_interpolation_warps_and_remaps_13_bands(interpolation, dtype):
    # regression: OpenCV's one-call warp of more than 4 channels refuses cubic and Lanczos
    img = _bands(dtype)
    for t in (
        A.Rotate(limit=(20, 20), interpolation=interpolation, p=1.0),
        A.ElasticTransform(interpolation=interpolation, p=1.0),
    ):
        out = t(image=img, seed=0).image
        assert out.dtype == img.dtype and out.shape == img.shape


@pytest.mark.parametrize("interpolation", ["linear", "area", "cubic"])
def test_many_band_resize_equals_the_resize_of_each_band(interpolation):
    img = _bands(np.float32, n=9)
    out = G.resize_image(img, (11, 13), interpolation)
    each = np.stack([G.resize_image(img[:, :, k], (11, 13), interpolation) for k in range(9)], 2)
    assert out.shape == (11, 13, 9) and np.allclose(out, each, rtol=1e-5, atol=1e-4)


def test_an_rgb_colour_transform_refuses_13_bands_naming_itself_and_its_place():
    pipe = A.Compose([A.HorizontalFlip(p=1.0), A.OneOf([A.HueSaturationValue(p=1.0)])])
    with pytest.raises(InvalidInputError, match=r"transforms\[1\]\.transforms\[0\] \(HueSat"):
        pipe(image=_bands(np.uint16), seed=0)


def test_jpeg_compression_refuses_uint16_by_dtype():
    with pytest.raises(InvalidInputError, match="takes uint8 or float32 images, got uint16"):
        A.JPEGCompression(p=1.0)(image=np.zeros((8, 8, 3), np.uint16), seed=0)


# ------------------------------------------------------------------ the finite check's fast path
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", ["first", "middle", "last band of the last pixel"])
def test_nan_and_inf_anywhere_in_a_large_float_image_are_refused(bad, where):
    # large enough for the sum-of-squares fast path; the last value is past any SIMD block
    img = _bands(np.float32, n=13, h=61, w=67)
    index = {"first": (0, 0, 0), "middle": (30, 33, 6)}.get(where, (60, 66, 12))
    img[index] = bad
    with pytest.raises(InvalidInputError, match=rf"NaN or inf \(first at index \[{index[0]}, "):
        A.Compose([A.HorizontalFlip(p=1.0)])(image=img, seed=0)


def test_finite_values_whose_sum_of_squares_overflows_are_not_refused():
    img = np.full((64, 64, 9), 3.0e38, np.float32)  # each square overflows float32
    img[0, 0, 0] = -3.4e38
    out = A.Compose([A.VerticalFlip(p=1.0)])(image=img, seed=0).image
    assert np.array_equal(out, img[::-1])


def test_a_strided_float_view_with_nan_is_refused():
    img = _bands(np.float32, n=9, h=80, w=80)
    img[79, 79, 8] = np.nan
    with pytest.raises(InvalidInputError, match="NaN or inf"):
        A.Compose([A.HorizontalFlip(p=1.0)])(image=img[::-1, 1:], seed=0)


def test_a_nan_in_a_large_float_mask_is_refused():
    img = np.zeros((80, 80, 3), np.uint8)
    mask = np.zeros((80, 80), np.float32)
    mask[79, 79] = np.nan
    with pytest.raises(InvalidInputError, match=r"masks\[0\] contains NaN or inf"):
        A.Compose([A.HorizontalFlip(p=1.0)])(image=img, masks=[mask], seed=0)


# ------------------------------------------------------------------ chunked resizes and warps
@pytest.mark.parametrize("n", [5, 9, 13])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("out_hw", [(11, 13), (40, 50)])
def test_bilinear_resize_of_integer_bands_equals_each_band_resized_alone(n, dtype, out_hw):
    rng = np.random.default_rng(n)
    img = rng.integers(0, np.iinfo(dtype).max + 1, (24, 28, n)).astype(dtype)
    out = G.resize_image(img, out_hw, "linear")
    each = np.stack([G.resize_image(img[:, :, k], out_hw, "linear") for k in range(n)], 2)
    assert out.dtype == dtype and out.tobytes() == each.tobytes()


@pytest.mark.parametrize("n", [5, 9, 13])
def test_bilinear_resize_of_float_bands_is_one_opencv_call(n):
    img = _bands(np.float32, n=n)
    out = G.resize_image(img, (40, 50), "linear")
    assert out.tobytes() == cv2.resize(img, (50, 40), interpolation=cv2.INTER_LINEAR).tobytes()


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_a_resized_crop_of_many_bands_equals_the_resize_of_the_copied_crop(dtype):
    img = _bands(np.uint16, n=9, h=40, w=44).astype(dtype)
    out = G.resized_crop_image(img, 5, 3, 37, 30, None, (20, 21), "linear")
    copied = G.resize_image(np.ascontiguousarray(img[3:30, 5:37]), (20, 21), "linear")
    assert out.tobytes() == copied.tobytes()


@pytest.mark.parametrize("n", [5, 6, 7, 9, 13])  # rests of 1, 2 and 3 bands
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_channel_chunks_write_each_4_band_result_into_its_bands(n, dtype):
    img = _bands(np.uint16, n=n).astype(dtype)
    view = img[2:20, 3:25]  # a crop's strided view is cut without a copy first

    def warp(im, value):
        m = np.float64([[0.9, 0.1, 1.5], [-0.1, 1.1, -2.0]])
        return cv2.warpAffine(im, m, (17, 19), borderMode=cv2.BORDER_CONSTANT, borderValue=value)

    fill = [float(10 * k) for k in range(n)]
    out = G.channel_chunks(view, warp, fill)
    for start in range(0, n, 4):
        part = np.ascontiguousarray(view[:, :, start : start + 4])
        value = (fill[start : start + 4] + [0.0] * 4)[:4]
        want = warp(part if part.shape[2] > 1 else part[:, :, 0], tuple(value))
        assert out[:, :, start : start + 4].tobytes() == want.reshape(19, 17, -1).tobytes()


@pytest.mark.parametrize("n", [5, 9, 13])
def test_bilinear_resize_of_uint8_bands_keeps_the_one_call_bytes(n):
    img = np.random.default_rng(n).integers(0, 256, (24, 28, n)).astype(np.uint8)
    out = G.resize_image(img, (40, 50), "linear")
    assert out.tobytes() == cv2.resize(img, (50, 40), interpolation=cv2.INTER_LINEAR).tobytes()


def test_bilinear_resize_of_uint16_bands_rounds_to_the_nearest_level():
    # OpenCV's one call over more than 4 uint16 channels can be most of a level off the exact
    # bilinear value; the 4-band chunks round to the nearest level as a single band does
    # (up to the fixed-point weights: a few thousandths of a level)
    img = np.random.default_rng(0).integers(0, 65536, (64, 64, 9)).astype(np.uint16)
    exact = np.stack(
        [
            cv2.resize(img[:, :, k].astype(np.float64), (50, 40), interpolation=cv2.INTER_LINEAR)
            for k in range(9)
        ],
        2,
    )
    out = G.resize_image(img, (40, 50), "linear")
    assert np.abs(out - exact).max() <= 0.51
    one_call = cv2.resize(img, (50, 40), interpolation=cv2.INTER_LINEAR)
    assert np.abs(one_call - exact).max() > 0.55  # what the chunks fix


@pytest.mark.parametrize("gamma", [0.5, 0.8, 1.0, 1.2, 2.2])
def test_uint16_gamma_table_is_the_rounded_power_law(gamma):
    levels = np.arange(65536, dtype=np.float64)
    want = np.rint((levels / 65535.0) ** gamma * 65535.0).astype(np.uint16)
    table = F.gamma_lut16(gamma)
    assert table.dtype == np.uint16 and np.array_equal(table, want)
    assert F.gamma_lut16(gamma) is not table  # a fresh table: callers may not share it
