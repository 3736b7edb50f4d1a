"""Behaviour of the transforms added beyond the core (distortion, crops, colour, noise, ...)."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug import augment as A
from synthaug.augment.compose import BaseCompose
from synthaug.augment.functional import blur_noise as B
from synthaug.augment.functional import distortion as D
from synthaug.augment.transforms import (
    blur_noise,
    color,
    crops_extra,
    distortion,
    dropout,
    weather,
)
from synthaug.errors import ConfigError, InvalidInputError

NEW = sorted(
    name
    for mod in (blur_noise, color, crops_extra, distortion, dropout, weather)
    for name in mod.__all__
)


def photo(h=48, w=56, c=3, dtype=np.uint8, seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = (np.sin(xx / 5.0) + np.cos(yy / 7.0) + 2) / 4
    img = np.stack([np.roll(base, 5 * k, axis=1) for k in range(c)], axis=2)
    img = np.clip(img + rng.normal(0, 0.03, img.shape), 0, 1)
    return np.rint(img * 255).astype(np.uint8) if dtype == np.uint8 else img.astype(np.float32)


def make(name, **over):
    cls = A.REGISTRY[name]
    kw = {**cls.example_args, **over}
    t = cls(**kw)
    t.p = 1.0
    return t


def test_catalogue_has_at_least_45_leaf_transforms():
    leaves = [n for n, c in A.REGISTRY.items() if not issubclass(c, BaseCompose)]
    assert len(leaves) >= 45


@pytest.mark.parametrize("name", NEW)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_five_channel_images_keep_dtype_channels_and_range(name, dtype):
    img = photo(c=5, dtype=dtype)
    cls = A.REGISTRY[name]
    if cls.channels is not None and 5 not in cls.channels:  # RGB colour: refused by name
        with pytest.raises(InvalidInputError, match=f"{name}.*got 5"):
            A.Compose([make(name)])(image=img, seed=3)
        return
    out = A.Compose([make(name)])(image=img, seed=3)
    assert out.image.dtype == img.dtype and out.image.ndim == 3 and out.image.shape[2] == 5
    if dtype == np.float32:
        assert np.isfinite(out.image).all()


@pytest.mark.parametrize("name", NEW)
def test_new_transforms_change_the_image_for_some_seed(name):
    img = (photo() // 2 + 40).astype(np.uint8)  # mid-range, so stretching has room
    t = make(name)
    if name == "RandomScale":
        t = make(name, scale_limit=(0.2, 0.3))
    if name == "BBoxSafeRandomCrop":  # without boxes it crops by the erosion rate only
        t = make(name, erosion_rate=0.3)
    changed = any(
        A.Compose([t])(image=img, seed=s).image.tobytes() != img.tobytes() for s in range(4)
    )
    assert changed


# --------------------------------------------------------------------------- distortion
def test_remap_points_inverts_the_field():
    hw = (40, 50)
    maps = D.optical_distortion_map(hw, 0.3)
    q = np.array([[10.3, 12.7], [25.0, 20.0], [44.2, 31.9]])
    mx = D._lookup(maps, q)  # where each output point samples the input
    back = D.remap_points(mx, maps)
    assert np.allclose(back, q, atol=0.01)


def test_grid_distortion_with_zero_limit_is_the_identity():
    img = photo()
    s = A.Sample(img, keypoints=np.array([[10.0, 20.0]]), boxes=np.array([[5.0, 6.0, 30, 40]]))
    out = A.GridDistortion(distort_limit=0.0, p=1)(s, seed=0)
    assert np.array_equal(out.image, img)
    assert np.allclose(out.keypoints, [[10.0, 20.0]], atol=1e-3)
    assert np.allclose(out.boxes, [[5.0, 6.0, 30, 40]], atol=1e-3)


def test_barrel_distortion_pulls_corner_keypoints_toward_the_centre():
    s = A.Sample(photo(), keypoints=np.array([[2.0, 2.0], [27.5, 23.5]]))
    out = A.OpticalDistortion(distort_limit=(0.3, 0.3), p=1)(s, seed=0)
    assert out.keypoints[0, 0] > 4 and out.keypoints[0, 1] > 4
    assert np.allclose(out.keypoints[1], [27.5, 23.5], atol=0.2)


def test_elastic_keypoint_angles_and_scales_are_carried():
    s = A.Sample(photo(), keypoints=np.array([[20.0, 20.0, 90.0, 2.0]]))
    out = A.ElasticTransform(alpha=5, sigma_px=6, p=1)(s, seed=1)
    assert out.keypoints.shape == (1, 4)
    assert abs(out.keypoints[0, 2] - 90.0) < 30 and 1.0 < out.keypoints[0, 3] < 4.0


def test_elastic_masks_keep_only_input_values():
    m = np.zeros((48, 56), np.uint8)
    m[10:30, 10:40] = 7
    out = A.ElasticTransform(alpha=60, sigma_px=5, p=1)(A.Sample(photo(), masks=[m]), seed=2)
    assert set(np.unique(out.masks[0])) <= {0, 7}


# --------------------------------------------------------------------------- crops
@pytest.mark.parametrize("seed", range(8))
def test_bbox_safe_crop_never_cuts_a_box_even_after_a_flip(seed):
    boxes = np.array([[10.0, 12.0, 20.0, 30.0], [30.5, 5.0, 41.2, 16.0]])
    pipe = A.Compose([A.HorizontalFlip(p=1), A.BBoxSafeRandomCrop(p=1)])
    out = pipe(image=photo(), boxes=boxes, box_labels=["a", "b"], seed=seed)
    assert out.box_labels == ["a", "b"] and np.allclose(out.box_visibility, 1.0)
    sizes = out.boxes[:, 2:] - out.boxes[:, :2]
    assert np.allclose(sizes, boxes[:, 2:] - boxes[:, :2])
    assert out.width <= 56 and out.height <= 48


def test_bbox_safe_crop_shrinks_the_image_for_some_seed():
    boxes = np.array([[20.0, 20.0, 30.0, 28.0]])
    shapes = {
        A.BBoxSafeRandomCrop(p=1)(image=photo(), boxes=boxes, seed=s).image.shape for s in range(5)
    }
    assert any(sh[0] < 48 or sh[1] < 56 for sh in shapes)


def test_random_sized_bbox_safe_crop_has_the_requested_size_and_keeps_boxes():
    boxes = np.array([[10.0, 12.0, 20.0, 30.0]])
    out = A.RandomSizedBBoxSafeCrop(32, 40, p=1)(image=photo(), boxes=boxes, seed=4)
    assert out.image.shape == (32, 40, 3) and len(out.boxes) == 1
    assert np.allclose(out.box_visibility, 1.0)


def test_crop_and_pad_exact_offsets_move_boxes_exactly():
    t = A.CropAndPad(percent=0.1, keep_size=False, p=1)
    s = A.Sample(photo(40, 50), boxes=np.array([[10.0, 10.0, 20.0, 20.0]]))
    out = t(s, seed=0)
    assert out.image.shape == (48, 60, 3)  # 4 rows and 5 columns added on each side
    assert np.allclose(out.boxes, [[15.0, 14.0, 25.0, 24.0]])


def test_crop_and_pad_keep_size_returns_the_input_size():
    out = A.CropAndPad(percent=(-0.2, 0.2), p=1)(image=photo(), seed=1)
    assert out.image.shape == (48, 56, 3)


def test_pad_then_crop_round_trips_pixels_and_boxes():
    img = photo()
    boxes = np.array([[3.0, 4.0, 10.0, 12.0]])
    pipe = A.Compose([A.Pad((1, 2, 3, 4)), A.Crop(1, 2, 57, 50)])
    out = pipe(image=img, boxes=boxes, seed=0)
    assert np.array_equal(out.image, img) and np.allclose(out.boxes, boxes)


def test_crop_outside_the_image_is_a_clear_error():
    with pytest.raises(InvalidInputError, match="exceeds the image"):
        A.Crop(0, 0, 100, 10)(image=photo(), seed=0)


def test_random_scale_changes_size_by_the_factor():
    out = A.RandomScale(scale_limit=(0.5, 0.5), p=1)(image=photo(40, 60), seed=0)
    assert out.image.shape == (60, 90, 3)


def test_random_sized_crop_output_size():
    t = A.RandomSizedCrop(min_max_height=(20, 30), size=(16, 24), w2h_ratio=1.5)
    assert t(image=photo(), seed=0).image.shape == (16, 24, 3)


# --------------------------------------------------------------------------- colour
def test_invert_twice_is_the_identity_on_both_dtypes():
    for dtype in (np.uint8, np.float32):
        img = photo(dtype=dtype)
        out = A.Compose([A.Invert(p=1), A.Invert(p=1)])(image=img, seed=0)
        assert np.allclose(out.image, img, atol=1e-6)


def test_posterize_one_bit_leaves_two_levels():
    out = A.Posterize(bits=1, p=1)(image=photo(), seed=0)
    assert set(np.unique(out.image)) <= {0, 128}


def test_solarize_inverts_only_bright_levels():
    img = np.array([[10, 127, 128, 250]], np.uint8)
    out = A.Solarize(threshold=0.5, p=1)(image=img, seed=0)
    assert out.image.tolist() == [[10, 127, 127, 5]]


def test_fused_lookup_tables_equal_sequential_application():
    ts = [A.RGBShift(p=1), A.Invert(p=1), A.Posterize(p=1), A.ChannelDropout(p=1), A.Solarize(p=1)]
    img = photo()
    fused = A.Compose(ts, fuse=True)(image=img, seed=5)
    plain = A.Compose(ts, fuse=False)(image=img, seed=5)
    assert np.array_equal(fused.image, plain.image)


def test_channel_shuffle_permutes_channels():
    img = photo()
    out = A.ChannelShuffle(p=1)(image=img, seed=1)
    order = out.applied[0].params["order"]
    assert np.array_equal(out.image, img[:, :, order])


def test_channel_dropout_never_drops_every_channel():
    img = photo(c=2)
    out = A.ChannelDropout(channel_drop_range=(1, 5), p=1)(image=img, seed=0)
    assert sum(int(out.image[:, :, c].any()) for c in range(2)) == 1


def test_rgb_shift_shifts_each_channel_by_its_amount():
    img = np.full((4, 4, 3), 100, np.uint8)
    out = A.RGBShift(r_shift=(0.1, 0.1), g_shift=(-0.1, -0.1), b_shift=0, p=1)(image=img, seed=0)
    assert out.image[0, 0].tolist() == [126, 74, 100]


def test_equalize_and_autocontrast_spread_a_narrow_histogram():
    img = (photo() // 4 + 60).astype(np.uint8)
    for t in (A.Equalize(p=1), A.AutoContrast(p=1)):
        out = t(image=img, seed=0).image
        assert out.min() <= 5 and out.max() >= 250


def test_clahe_works_on_grayscale_and_float():
    g = photo(c=1, dtype=np.float32)[:, :, 0]
    out = A.CLAHE(p=1)(image=g, seed=0).image
    assert out.shape == g.shape and out.dtype == np.float32 and not np.allclose(out, g)


@pytest.mark.parametrize(
    "t",
    [
        A.Sharpen(alpha=0.0, p=1),
        A.Emboss(alpha=0.0, p=1),
        A.AdjustSharpness(factor=1.0, p=1),
        A.ToSepia(p=1),
    ],
    ids=["sharpen", "emboss", "sharpness", "sepia_gray"],
)
def test_neutral_settings_leave_the_image_unchanged(t):
    img = photo(c=1) if isinstance(t, A.ToSepia) else photo()
    assert np.array_equal(t(image=img, seed=0).image, img)


def test_sharpen_raises_local_contrast():
    img = photo()
    out = A.Sharpen(alpha=(1.0, 1.0), lightness=(1.0, 1.0), p=1)(image=img, seed=0).image
    lap = lambda x: np.abs(np.diff(x.astype(float), axis=1)).mean()  # noqa: E731
    assert lap(out) > lap(img)


# --------------------------------------------------------------------------- blur and noise
def test_motion_blur_kernel_is_a_normalised_line_along_the_angle():
    k = B.motion_blur_kernel(7, 0.0)
    assert np.isclose(k.sum(), 1.0) and np.count_nonzero(k[3]) == 7 and k[[0, 6]].sum() == 0
    kv = B.motion_blur_kernel(7, 90.0)
    assert np.count_nonzero(kv[:, 3]) == 7


def test_salt_and_pepper_touches_about_the_requested_fraction():
    img = np.full((100, 100), 128, np.uint8)
    out = A.SaltAndPepper(amount=0.1, salt_vs_pepper=0.5, p=1)(image=img, seed=0).image
    assert 0.08 < (out != 128).mean() < 0.12
    assert set(np.unique(out)) == {0, 128, 255}


def test_multiplicative_noise_with_a_fixed_factor_scales_pixels():
    img = np.full((4, 4, 3), 100, np.uint8)
    out = A.MultiplicativeNoise(multiplier=(0.5, 0.5), p=1)(image=img, seed=0).image
    assert np.all(out == 50)


def test_downscale_loses_high_frequencies():
    img = photo()
    out = A.Downscale(scale=(0.25, 0.25), p=1)(image=img, seed=0).image
    assert (
        np.abs(np.diff(out.astype(float), axis=1)).mean()
        < np.abs(np.diff(img.astype(float), axis=1)).mean()
    )


def test_iso_noise_brightens_on_average_and_is_replayable():
    img = photo()
    pipe = A.Compose([A.ISONoise(intensity=(0.5, 0.5), p=1)])
    out = pipe(image=img, seed=9)
    assert out.image.astype(float).mean() > img.astype(float).mean()
    assert np.array_equal(pipe.replay(img, out.applied).image, out.image)


def test_odd_kernel_sizes_are_validated():
    with pytest.raises(ConfigError, match=r"MotionBlur.ksize"):
        A.MotionBlur(ksize=4)


# --------------------------------------------------------------------------- dropout
def test_random_erasing_area_lies_in_the_scale_range():
    img = np.full((50, 60), 200, np.uint8)
    for s in range(5):
        out = A.RandomErasing(scale=(0.1, 0.2), p=1)(image=img, seed=s).image
        assert 0.08 <= (out == 0).mean() <= 0.22


def test_grid_dropout_erases_about_ratio_squared_and_masks_on_request():
    img = np.full((64, 64), 200, np.uint8)
    m = np.ones((64, 64), np.uint8)
    out = A.GridDropout(ratio=0.5, unit_size=(0.25, 0.25), fill_mask=0, p=1)(
        A.Sample(img, masks=[m]), seed=0
    )
    assert 0.2 <= (out.image == 0).mean() <= 0.3
    assert np.array_equal(out.masks[0] == 0, out.image == 0)


def test_pixel_dropout_rate():
    out = A.PixelDropout(dropout_prob=0.2, p=1)(image=np.full((100, 100, 3), 9, np.uint8), seed=0)
    assert 0.17 < (out.image[:, :, 0] == 0).mean() < 0.23
    assert np.array_equal(out.image[:, :, 0] == 0, out.image[:, :, 2] == 0)


# --------------------------------------------------------------------------- weather
def test_random_shadow_darkens_only_inside_its_region():
    img = np.full((40, 40, 3), 200, np.uint8)
    out = A.RandomShadow(shadow_roi=(0.0, 0.5, 1.0, 1.0), p=1)(image=img, seed=0).image
    assert np.all(out[:19] == 200) and out[20:].mean() < 200


def test_fog_and_sun_flare_brighten_and_rain_draws_streaks():
    img = np.full((40, 48, 3), 60, np.uint8)
    assert A.RandomFog(p=1)(image=img, seed=0).image.mean() > 80
    assert A.RandomSunFlare(p=1)(image=img, seed=0).image.max() > 150
    rain = A.RandomRain(density=5, blur_ksize=1, brightness=1.0, p=1)(image=img, seed=0).image
    assert (rain > 150).any() and np.median(rain) == 60


def test_region_of_interest_is_validated():
    with pytest.raises(ConfigError, match=r"RandomShadow.shadow_roi"):
        A.RandomShadow(shadow_roi=(0.5, 0.5, 0.2, 1.0))
