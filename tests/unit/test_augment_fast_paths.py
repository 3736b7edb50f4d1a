"""Fast paths agree with their reference paths (correctness only; speed lives in bench/)."""

import cv2
import numpy as np
import pytest

from synthaug import augment as A
from synthaug.augment.functional import geometric as G
from synthaug.augment.functional import pixel as F


def _image(shape, dtype=np.uint8, seed=0):
    rng = np.random.default_rng(seed)
    if dtype == np.uint8:
        return rng.integers(0, 256, size=shape, dtype=np.uint8)
    if np.dtype(dtype).kind == "f":
        return rng.random(shape).astype(dtype)
    return rng.integers(0, 1000, size=shape).astype(dtype)


@pytest.mark.parametrize(
    "shape,dtype",
    [
        ((7, 9), np.uint8),
        ((7, 9, 1), np.uint8),
        ((7, 9, 3), np.uint8),
        ((7, 9, 4), np.float32),
        ((7, 9, 6), np.uint8),
        ((7, 9), np.int64),
        ((7, 9), np.bool_),
    ],
)
def test_opencv_flips_and_turns_equal_numpy(shape, dtype):
    x = _image(shape, dtype)
    assert np.array_equal(G.hflip_image(x), x[:, ::-1])
    assert np.array_equal(G.vflip_image(x), x[::-1])
    axes = (1, 0) if x.ndim == 2 else (1, 0, 2)
    assert np.array_equal(G.transpose_image(x), x.transpose(axes))
    for k in range(4):
        out = G.rot90_image(x, k)
        assert out.dtype == x.dtype and np.array_equal(out, np.rot90(x, k))


def test_brightness_contrast_arithmetic_equals_its_table_bytes():
    x = _image((31, 37, 3))
    rng = np.random.default_rng(1)
    for _ in range(200):
        b, c = float(rng.uniform(-0.5, 0.5)), float(rng.uniform(0.0, 2.0))
        direct = F.brightness_contrast_image(x, b, c)
        table = F.brightness_contrast_lut(b, c)
        assert np.array_equal(direct, cv2.LUT(x, table))
        expected = np.clip(np.rint(x * c + b * 255.0), 0, 255)
        assert np.abs(direct.astype(int) - expected).max() <= 1


def test_lut_run_is_applied_as_one_table(monkeypatch):
    calls = []
    real = F.apply_lut
    monkeypatch.setattr(F, "apply_lut", lambda im, t: calls.append(1) or real(im, t))
    pipe = [A.BrightnessContrast(p=1), A.Gamma(p=1), A.BrightnessContrast(p=1)]
    fused = A.Compose(pipe, fuse=True)(_image((20, 30, 3)), seed=4)
    assert len(calls) == 1
    seq = A.Compose(pipe, fuse=False)(_image((20, 30, 3)), seed=4)
    assert fused.image.tobytes() == seq.image.tobytes()


def test_crop_resize_flip_run_is_planned_as_a_resize_and_matches_the_sequence():
    x = _image((60, 80, 3))
    pipe = [A.RandomResizedCrop((32, 40), scale=(0.3, 0.9), p=1), A.HorizontalFlip(p=1)]
    fused = A.Compose(pipe, fuse=True)(x, seed=3)
    seq = A.Compose(pipe, fuse=False)(x, seed=3)
    assert np.abs(fused.image.astype(int) - seq.image.astype(int)).max() <= 1
    rect = fused.applied[0].params["rect"]
    m = G.hflip_matrix(40) @ G.resize_matrix((rect[3] - rect[1], rect[2] - rect[0]), (32, 40))
    m = m @ G.crop_matrix(rect[0], rect[1])
    assert G.resized_crop_plan(m, (60, 80), (32, 40)) == (*rect, 1)
    assert G.resized_crop_plan(G.rotate_matrix(10, (40, 30)), (60, 80), (60, 80)) is None


@pytest.mark.parametrize("shape", [(5, 6), (5, 6, 3), (5, 6, 5)])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_normalize_equals_the_formula(shape, dtype):
    x = _image(shape, dtype)
    c = 1 if len(shape) == 2 else shape[2]
    mean, std = np.linspace(0.3, 0.5, c), np.linspace(0.2, 0.3, c)
    mpv = 255.0 if dtype == np.uint8 else 1.0
    if c == 1:
        mean, std = mean[0], std[0]
    out = F.normalize_image(x, np.asarray(mean), np.asarray(std), mpv)
    ref = (x.astype(np.float64) / mpv - mean) / std
    assert out.dtype == np.float32 and out.shape == x.shape
    assert np.allclose(out, ref, atol=1e-5)


def test_quantized_gaussian_noise_has_the_requested_statistics_and_replays():
    flat = np.full((200, 200, 3), 128, np.uint8)
    t = A.GaussianNoise(std=(0.05, 0.05), p=1)
    out = t(flat, seed=7)
    noise = out.image.astype(float) - 128
    assert abs(noise.mean()) < 0.1 and abs(noise.std() - 0.05 * 255) < 0.1
    # Gaussian shape: about 4.55 % beyond two sigma
    assert abs(np.mean(np.abs(noise) > 2 * 0.05 * 255) - 0.0455) < 0.005
    again = A.Compose([t]).replay(flat, out.applied)
    assert np.array_equal(again.image, out.image)
    x = np.full((100, 100, 3), 0.5, np.float32)
    f = A.GaussianNoise(std=(0.1, 0.1), per_channel=False, p=1)(x, seed=1).image
    assert np.array_equal(f[..., 0], f[..., 2]) and abs(f.std() - 0.1) < 0.005


def test_uint8_hue_shift_agrees_with_the_float_path():
    x = _image((40, 40, 3), seed=5)
    for deg in (-120.0, 35.0, 180.0):
        u8 = F.hue_shift_image(x, deg).astype(float)
        fl = F.hue_saturation_value_image(x.astype(np.float32) / 255, deg, 0.0, 0.0) * 255
        assert np.median(np.abs(u8 - fl)) <= 2
    # uint8 HSV is lossy: full-range hue (0-255) on saturated noise loses up to 8 levels
    round_trip = np.abs(F.hue_shift_image(x, 360.0).astype(int) - x)
    assert np.percentile(round_trip, 99) <= 5 and round_trip.mean() < 0.6
    # on a photo it is closer than the 0-179 form (mean 0.12 against 0.35 levels)
    from skimage import data

    photo = cv2.resize(data.astronaut(), (96, 96), interpolation=cv2.INTER_AREA)
    full = np.abs(F.hue_shift_image(photo, 0.0).astype(int) - photo).mean()
    half = cv2.cvtColor(cv2.cvtColor(photo, cv2.COLOR_RGB2HSV), cv2.COLOR_HSV2RGB)
    assert full < np.abs(half.astype(int) - photo).mean()


_FLAT_PIPELINES = [
    # inline steps only; a matrix run that never fuses; a run that fuses; tables that fuse
    lambda: [A.HorizontalFlip(p=0.5), A.GaussianBlur(p=0.7), A.ToGray(p=0.3)],
    lambda: [A.RandomResizedCrop(size=(20, 24), p=1), A.HorizontalFlip(p=0.5), A.ColorJitter(p=1)],
    lambda: [A.Rotate(p=1), A.ColorJitter(p=1), A.HorizontalFlip(p=1)],
    lambda: [A.HorizontalFlip(p=0.6), A.Rotate(p=0.8), A.Affine(rotate=5, p=0.8), A.Blur(p=1)],
    lambda: [A.Gamma(p=0.7), A.BrightnessContrast(p=0.7), A.Invert(p=0.5), A.Normalize()],
    lambda: [A.CoarseDropout(p=0.7), A.Transpose(p=0.5), A.RandomCrop(16, 16, p=1)],
]


@pytest.mark.parametrize("make", _FLAT_PIPELINES)
@pytest.mark.parametrize("fuse", [True, False])
@pytest.mark.parametrize("box_method", ["corners", "ellipse"])
def test_image_only_call_equals_the_sample_call(make, fuse, box_method):
    x = _image((30, 40, 3))
    pipe = A.Compose(make(), fuse=fuse, box_method=box_method)
    for seed in range(6):
        a = pipe(x, seed=seed)  # the flat plan, inline steps where possible
        b = pipe(A.Sample(x), seed=seed)  # the executor for every step
        assert np.array_equal(a.image, b.image)
        assert a.applied == b.applied
        assert a.meta == {} == b.meta and b.boxes is None
        assert np.array_equal(pipe.replay(x, a.applied).image, a.image)


def test_coarse_elastic_field_has_the_statistics_of_the_full_resolution_field():
    from synthaug.augment.functional import distortion as D

    hw, alpha = (192, 160), 34.0
    for sigma in (4.0, 6.0):
        ref, new, ref_grad, new_grad = [], [], [], []
        ident_x = D._identity(hw)[0]
        for seed in range(20):
            g = np.random.default_rng(seed)
            dx = g.uniform(-1, 1, hw).astype(np.float32) * alpha
            dy = g.uniform(-1, 1, hw).astype(np.float32) * alpha
            full = D.elastic_map(hw, dx, dy, sigma)[0] - ident_x
            noise = g.random((*D.elastic_coarse_shape(hw, sigma), 2), dtype=np.float32)
            coarse = D.elastic_map_coarse(hw, noise, alpha, sigma)[0] - ident_x
            ref.append(full.std())
            new.append(coarse.std())
            ref_grad.append(np.diff(full, axis=1).std())
            new_grad.append(np.diff(coarse, axis=1).std())
        assert abs(np.mean(new) / np.mean(ref) - 1) < 0.08
        assert abs(np.mean(new_grad) / np.mean(ref_grad) - 1) < 0.12
        assert abs(float(coarse.mean())) < 0.5  # zero-mean displacement


@pytest.mark.parametrize("channels", [3, 4])
def test_fixed_point_remap_is_within_a_32nd_of_a_pixel_of_the_float_remap(channels):
    from synthaug.augment.functional import distortion as D

    # a smooth image: 1/32 px of position error moves a value by about slope / 32
    yy, xx = np.mgrid[0:50, 0:60]
    planes = [xx * 4, yy * 5, xx * 2 + yy * 2, 255 - xx * 3][:channels]
    x = np.dstack(planes).astype(np.uint8)
    for k in (0.3, -0.2):
        mx, my = D.optical_distortion_map((50, 60), k)
        ref = cv2.remap(x, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        out = D.remap_image(x, (mx, my))
        inside = (mx >= 1) & (mx <= 58) & (my >= 1) & (my <= 48)  # away from the black border
        assert inside.mean() > 0.5
        if channels == 3:  # RGB goes through float maps on four channels: exact
            assert np.array_equal(out, ref)
        assert np.abs(out.astype(int) - ref)[inside].max() <= 1
        near = D.remap_image(x, (mx, my), "nearest")
        assert np.array_equal(near, cv2.remap(x, mx, my, cv2.INTER_NEAREST))
        split = D.remap_image(x, (mx.copy(), my.copy()))
        assert np.array_equal(split, out)


def test_elastic_transform_replays_and_moves_keypoints_with_the_image():
    x = np.zeros((64, 72, 3), np.uint8)
    x[30:34, 40:44] = 255
    s = A.Sample(x, keypoints=np.array([[41.5, 31.5]]))
    out = A.ElasticTransform(alpha=(80.0, 80.0), sigma_px=5.0, p=1)(s, seed=3)
    again = A.Compose([A.ElasticTransform(alpha=(80.0, 80.0), sigma_px=5.0, p=1)]).replay(
        s, out.applied
    )
    assert np.array_equal(again.image, out.image)
    ys, xs = np.nonzero(out.image[..., 0] > 127)
    assert abs(xs.mean() - out.keypoints[0, 0]) < 1.0 and abs(ys.mean() - out.keypoints[0, 1]) < 1.0
    assert np.abs(out.keypoints[0] - [41.5, 31.5]).max() > 0.5  # the field did move it


def test_byte_drawn_gaussian_noise_matches_a_normal_within_its_documented_tails():
    z = F.normal_bin_means()
    assert z.shape == (256,) and abs(z.mean()) < 1e-12 and abs(z.std() - 1) < 1e-12
    assert np.allclose(z, -z[::-1]) and 2.9 < z.max() < 3.0
    flat = np.full((300, 300, 3), 100, np.uint8)
    for std in (0.02, 0.1):
        out = A.GaussianNoise(std=(std, std), p=1)(flat, seed=5)
        noise = out.image.astype(float) - 100
        assert abs(noise.mean()) < 0.05 * std * 255
        assert abs(noise.std() / np.hypot(std * 255, 0.29) - 1) < 0.02  # + rounding
        assert np.abs(noise).max() <= np.ceil(3.0 * std * 255)
    one = A.GaussianNoise(std=(0.05, 0.05), per_channel=False, p=1)(flat, seed=2).image
    assert np.array_equal(one[..., 0], one[..., 1]) and np.array_equal(one[..., 0], one[..., 2])
    # saturation at both ends, as a clipped float sum would give
    ends = np.array([[0, 255] * 50] * 40, np.uint8)
    sat = A.GaussianNoise(std=(0.3, 0.3), p=1)(ends, seed=1).image
    assert sat.min() == 0 and sat.max() == 255 and sat.dtype == np.uint8


def test_saturation_matrix_equals_the_blend_with_gray_within_one_level():
    x = _image((33, 41, 3), seed=9)
    for factor in (0.0, 0.7, 1.0, 1.3, 2.5):
        gray = cv2.cvtColor(cv2.cvtColor(x, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
        ref = cv2.addWeighted(x, factor, gray, 1.0 - factor, 0.0)
        out = F.saturation_image(x, factor)
        assert out.dtype == np.uint8 and np.abs(out.astype(int) - ref).max() <= 1
    assert np.array_equal(F.saturation_image(x, 1.0), x)


class _FakeStringzilla:
    """stringzilla.translate's contract (table[src] into ``out``), for the SIMD path."""

    calls = 0

    @classmethod
    def translate(cls, src, table, out):
        cls.calls += 1
        lut = np.frombuffer(table, np.uint8)
        np.asarray(out)[:] = lut[np.frombuffer(src, np.uint8)]


def test_simd_lut_path_gives_the_bytes_of_cv2_lut(monkeypatch):
    module = pytest.importorskip("stringzilla") if F.SIMD_LUT else _FakeStringzilla
    monkeypatch.setattr(F, "_stringzilla", module)
    monkeypatch.setattr(F, "SIMD_LUT", True)
    table = np.random.default_rng(3).permutation(256).astype(np.uint8)
    for shape in [(64, 80), (64, 80, 3), (64, 80, 4)]:
        x = _image(shape, seed=4)
        assert np.array_equal(F.apply_lut(x, table), cv2.LUT(x, table).reshape(shape))
        view = x[::2, 1:]  # non-contiguous input
        assert np.array_equal(F.apply_lut(view, table), table[view])
    x = _image((64, 80, 3), seed=6)
    for b, c in [(0.1, 1.2), (-0.3, 0.8), (0.0, 2.0)]:
        assert np.array_equal(
            F.brightness_contrast_image(x, b, c), F._scale_shift_u8(x, c, b * 255)
        )
    pipe = A.Compose([A.Gamma(p=1)], seed=2)
    out = pipe(x)
    assert np.array_equal(out.image, cv2.LUT(x, F.gamma_lut(out.applied[0].params["gamma"])))
    if module is _FakeStringzilla:
        assert _FakeStringzilla.calls >= 9


@pytest.mark.parametrize("shape", [(6, 7, 1), (6, 7, 2), (6, 7, 4), (9, 8, 3)])
def test_normalize_equals_the_formula_for_every_uint8_layout_and_strided_views(shape):
    x = _image(shape, seed=8)
    c = shape[2]
    mean, std = np.linspace(0.2, 0.6, c), np.linspace(0.1, 0.4, c)
    for image in (x, x[::2, ::-1]):  # contiguous and strided views
        out = F.normalize_image(image, mean, std, 255.0)
        ref = (image.astype(np.float64) / 255.0 - mean) / std
        assert out.dtype == np.float32 and out.shape == image.shape
        assert np.allclose(out, ref, atol=1e-5)


def test_gamma_table_is_the_rounded_power_law():
    x = np.arange(256) / 255.0
    for gamma in np.linspace(0.05, 6.0, 300):
        table = F.gamma_lut(gamma)
        ref = np.rint(255.0 * x**gamma)
        assert table.dtype == np.uint8 and table.shape == (256,)
        assert np.abs(table.astype(int) - ref).max() <= 1
    assert np.array_equal(F.gamma_lut(1.0), np.arange(256, dtype=np.uint8))


def test_elastic_field_from_16_bit_noise_matches_float_noise_statistics():
    from synthaug.augment.functional import distortion as D

    hw, alpha, sigma = (160, 160), 34.0, 4.0
    shape = D.elastic_coarse_shape(hw, sigma)
    ident = D._identity(hw)[0]
    floats, ints, means = [], [], []
    for seed in range(16):
        g = np.random.default_rng(seed)
        f = D.elastic_map_coarse(hw, g.random((*shape, 2), dtype=np.float32), alpha, sigma)
        u = g.integers(0, 65536, (*shape, 2)).astype(np.float32)
        i = D.elastic_map_coarse(hw, u, alpha, sigma, noise_range=65535.0)
        floats.append((f[0] - ident).std())
        ints.append((i[0] - ident).std())
        means.append((i[0] - ident).mean())
    assert abs(np.mean(ints) / np.mean(floats) - 1) < 0.05
    assert abs(np.mean(means)) < 0.1
    m = A.ElasticTransform(p=1).maps({"alpha": 30.0, "field_seed": 5}, (40, 50))
    assert m[0].dtype == np.float32 and m[0].shape == m[1].shape == (40, 50)


@pytest.mark.parametrize("border_mode", ["constant", "reflect", "replicate"])
def test_rgb_warps_through_four_channels_give_the_bytes_of_the_three_channel_call(border_mode):
    x = _image((37, 53, 3))
    rng = np.random.default_rng(1)
    affine = np.array([[0.9, 0.2, 3.0], [-0.15, 1.1, -2.0], [0, 0, 1.0]])
    persp = affine + np.array([[0, 0, 0], [0, 0, 0], [4e-4, -3e-4, 0]])
    border = G.BORDER_MODES[border_mode]
    fill = (10, 200, 30)
    assert G.rgba_faster(x, cv2.INTER_LINEAR)
    assert not G.rgba_faster(x, cv2.INTER_NEAREST)
    assert not G.rgba_faster(x.astype(np.float32) / 255, cv2.INTER_LINEAR)
    for m in (affine, persp):
        ours = G.warp_image(x, m, (41, 47), "linear", border_mode, fill)
        if G.is_affine(m):
            ref = cv2.warpAffine(
                x, m[:2], (47, 41), flags=cv2.INTER_LINEAR, borderMode=border, borderValue=fill
            )
        else:
            ref = cv2.warpPerspective(
                x, m, (47, 41), flags=cv2.INTER_LINEAR, borderMode=border, borderValue=fill
            )
        assert ours.shape == ref.shape == (41, 47, 3)
        assert np.array_equal(ours, ref)
    # remap: float maps on four channels give the bytes of float maps on three (OpenCV 5
    # interpolates float maps exactly; fixed-point maps round to 1/32 px)
    from synthaug.augment.functional import distortion as D

    mx = (np.arange(53, dtype=np.float32)[None, :] + rng.uniform(-3, 3, (37, 53))).astype(
        np.float32
    )
    my = (np.arange(37, dtype=np.float32)[:, None] + rng.uniform(-3, 3, (37, 53))).astype(
        np.float32
    )
    ref = cv2.remap(x, mx, my, cv2.INTER_LINEAR, borderMode=border, borderValue=fill)
    assert np.array_equal(D.remap_image(x, (mx, my), "linear", border_mode, fill), ref)
    inter = np.ascontiguousarray(np.dstack([mx, my]))
    views = (inter[..., 0], inter[..., 1])
    assert np.array_equal(D.remap_image(x, views, "linear", border_mode, fill), ref)


@pytest.mark.parametrize("shape", [(40, 56), (40, 56, 3), (40, 56, 4), (40, 56, 6)])
def test_separable_uint8_gaussian_blur_is_within_one_level_of_cv2(shape):
    from skimage import data

    photo = cv2.resize(data.astronaut(), (56, 40), interpolation=cv2.INTER_AREA)
    x = np.dstack([photo, photo])[..., : (shape[2] if len(shape) == 3 else 1)].reshape(shape)
    x = np.ascontiguousarray(x)
    for ksize, sigma in ((3, 0.8), (5, 1.0), (7, 2.0), (0, 1.5), (9, 0.0)):
        out = F.gaussian_blur_image(x, ksize, sigma)
        if x.ndim == 3 and x.shape[2] > 4:
            ref = np.dstack([cv2.GaussianBlur(x[..., c], (ksize, ksize), sigma) for c in range(6)])
        else:
            ref = cv2.GaussianBlur(x, (ksize, ksize), sigma).reshape(x.shape)
        assert out.shape == x.shape and out.dtype == np.uint8
        diff = np.abs(out.astype(int) - ref)
        assert diff.max() <= 1 and diff.mean() < 0.2, (ksize, sigma, diff.max(), diff.mean())


def test_cached_blur_taps_and_hue_rows_give_the_bytes_of_fresh_ones_and_are_read_only():
    x = _image((23, 31, 3))
    for ksize, sigma in ((5, 1.0), (5, 1.0), (7, 1.7), (0, 0.8)):
        k = ksize or F.gaussian_kernel_size(sigma, x.dtype)
        fresh = cv2.getGaussianKernel(k, sigma)
        want = cv2.sepFilter2D(x, -1, fresh, fresh)
        assert np.array_equal(F.gaussian_blur_image(x, ksize, sigma), want)
    assert not F._gaussian_taps(5, 1.0).flags.writeable
    for shift in (0.0, 20.0, -45.0, 20.0):
        hsv = cv2.cvtColor(x, cv2.COLOR_RGB2HSV_FULL)
        hsv[:, :, 0] += np.uint8(F._hue_units(shift))  # uint8 wraps, as the row addition
        want = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB_FULL)
        assert np.array_equal(F.hue_shift_image(x, shift), want)
    assert not F._hue_row(7, 31).flags.writeable
