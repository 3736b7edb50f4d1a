"""Minimal cases of the label failures the painted-scene property suite found (issue 18).

Each test states the promised behaviour and fails on the engine the suite first ran against;
``xfail(strict=True)`` keeps the suite green until the rebuilt engine fixes it, and an XPASS
(the fix landed) fails the suite so that the marker is removed. Every test builds its own
small scene; ``tests/property/test_label_exact.py`` finds the classes, these pin them down.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from synthaug import augment as A


def _dot_image(hw: tuple[int, int], centre: tuple[int, int], r: int = 2) -> np.ndarray:
    img = np.zeros(hw + (1,), np.float32)
    x, y = centre
    img[y - r : y + r + 1, x - r : x + r + 1] = 1.0
    return img


def _tight(m: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(m)
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float64)


def _ellipse(hw: tuple[int, int], box: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    yy, xx = np.mgrid[0 : hw[0], 0 : hw[1]]
    cy, cx, ry, rx = (y0 + y1 - 1) / 2, (x0 + x1 - 1) / 2, (y1 - y0) / 2, (x1 - x0) / 2
    return (((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1).astype(np.uint8)


# --------------------------------------------------------------------------- keypoints
@pytest.mark.parametrize("fuse", [True, False])
def test_keypoint_cropped_away_does_not_return_after_pad(fuse: bool) -> None:
    img = _dot_image((60, 60), (5, 30))
    pipe = A.Compose([A.Crop(20, 0, 60, 60), A.Pad(padding=20)], fuse=fuse)
    out = pipe(image=img, keypoints=[[5, 30]], keypoint_labels=["dot"], seed=0)
    assert out.image[..., 0].max() == 0  # the dot is gone from the pixels
    assert len(out.keypoints) == 0 and out.n_keypoints_dropped == 1


def test_keypoint_rotated_out_does_not_return_after_zoom_out() -> None:
    img = _dot_image((100, 100), (4, 4), r=1)
    rotate = A.Rotate(limit=(45, 45), p=1)  # the corner dot goes 66 px from the centre: out
    alone = A.Compose([rotate])(image=img, keypoints=[[4, 4]], seed=0)
    assert len(alone.keypoints) == 0 and alone.image.max() < 0.05
    pipe = A.Compose([rotate, A.Affine(scale=0.5, p=1)], fuse=False)
    out = pipe(image=img, keypoints=[[4, 4]], seed=0)
    assert out.image.max() < 0.05  # unfused, the rotation lost the dot's pixels
    assert len(out.keypoints) == 0


def test_keypoint_warped_out_by_perspective_does_not_return_after_affine_zoom_out() -> None:
    # found as case 0:179 (VerticalFlip + Perspective + Affine, unfused)
    img = _dot_image((100, 100), (97, 50), r=1)
    pipe = A.Compose([A.Affine(translate_px=(10, 10), p=1), A.Affine(scale=0.6, p=1)], fuse=False)
    out = pipe(image=img, keypoints=[[97, 50]], seed=0)
    assert out.image[..., 0].max() < 0.05  # the dot left the frame at the first step
    assert len(out.keypoints) == 0


# --------------------------------------------------------------------------- boxes
@pytest.mark.parametrize("fuse", [True, False])
def test_box_of_rotated_object_is_dropped_when_a_crop_misses_the_object(fuse: bool) -> None:
    hw = (100, 100)
    img = np.zeros(hw + (1,), np.float32)
    img[35:65, 35:65] = 1.0  # a square in the middle
    pipe = A.Compose(
        [A.Rotate(limit=(45, 45), p=1), A.Crop(0, 0, 36, 36)], fuse=fuse
    )  # the rotated square is a diamond; its corner box reaches (29, 29), the crop's corner
    out = pipe(image=img, boxes=[[35, 35, 65, 65]], box_labels=["square"], seed=0)
    assert out.image[..., 0].max() < 0.05  # the object is not in the crop
    assert len(out.boxes) == 0 and out.n_boxes_dropped == 1


def test_box_is_tight_after_rotation_then_crop() -> None:
    hw = (100, 100)
    img = np.zeros(hw + (1,), np.float32)
    img[30:70, 30:70] = 1.0
    pipe = A.Compose([A.Rotate(limit=(30, 30), p=1), A.Crop(0, 0, 100, 50)])
    out = pipe(image=img, boxes=[[30, 30, 70, 70]], seed=0)
    tight = _tight(out.image[..., 0] > 0.5)
    assert np.all(np.abs(out.boxes[0] - tight) <= 2.0), (out.boxes[0], tight)


def test_box_follows_its_instance_mask_under_rotation() -> None:
    # one mask per box is an instance mask by default (boxes_from_masks=None); with False the
    # masks are declared to be other layers and the box follows its own outline instead
    hw = (120, 120)
    mask = _ellipse(hw, (20, 40, 100, 80))
    img = mask[..., None].astype(np.float32)
    pipe = A.Compose([A.Rotate(limit=(45, 45), p=1)])
    out = pipe(image=img, masks=[mask], boxes=[_tight(mask)], box_labels=["e"], seed=0)
    tight = _tight(out.masks[0])
    assert np.all(np.abs(out.boxes[0] - tight) <= 2.0), (out.boxes[0], tight)


def test_box_of_ellipse_is_dropped_when_a_crop_keeps_only_its_empty_corner() -> None:
    # found as case 0:2445 (Crop + HorizontalFlip + PadIfNeeded + Transpose). The ellipse
    # reaches x = y = 60.7 on its diagonal, so a crop from 64 keeps only the box's empty corner
    # [64, 70) x [64, 70) (a crop from 60 keeps 3 real pixels, and their box rightly stays)
    hw = (100, 100)
    mask = _ellipse(hw, (10, 10, 70, 70))
    img = mask[..., None].astype(np.float32)
    pipe = A.Compose([A.Crop(64, 64, 100, 100)])
    out = pipe(image=img, masks=[mask], boxes=[[10, 10, 70, 70]], box_labels=["e"], seed=0)
    assert out.masks[0].sum() == 0 and out.image.max() == 0
    assert len(out.boxes) == 0


# --------------------------------------------------------------------------- half a pixel
def _resize_cases() -> list:
    return [
        pytest.param(lambda interp: A.Resize(83, 71, interpolation=interp), id="Resize"),
        pytest.param(
            lambda interp: A.RandomScale((0.37, 0.37), interpolation=interp, p=1),
            id="RandomScale",
        ),
        pytest.param(
            lambda interp: A.LongestMaxSize(97, interpolation=interp), id="LongestMaxSize"
        ),
        pytest.param(
            lambda interp: A.SmallestMaxSize(43, interpolation=interp), id="SmallestMaxSize"
        ),
        pytest.param(
            lambda interp: A.RandomResizedCrop((77, 91), scale=(0.5, 0.6), interpolation=interp),
            id="RandomResizedCrop",
        ),
        pytest.param(
            lambda interp: A.RandomSizedCrop((30, 40), (89, 67), interpolation=interp),
            id="RandomSizedCrop",
        ),
    ]


def _expected_nearest(src: np.ndarray, rect: tuple[int, int, int, int], out_hw) -> np.ndarray:
    """Pixel-centre-exact nearest sampling of ``src[rect]`` into ``out_hw`` (known answer).

    Output centre ``j + 0.5`` (in output pixels) is the input point ``(j + 0.5) * scale``
    (in input pixels from the window's edge), which lies in input pixel ``floor`` of it.
    """
    x0, y0, x1, y1 = rect
    rows = y0 + np.floor((np.arange(out_hw[0]) + 0.5) * (y1 - y0) / out_hw[0]).astype(int)
    cols = x0 + np.floor((np.arange(out_hw[1]) + 0.5) * (x1 - x0) / out_hw[1]).astype(int)
    return src[np.ix_(rows, cols)]


def _ties(rect: tuple[int, int, int, int], out_hw) -> tuple[np.ndarray, np.ndarray]:
    """Output rows and columns whose centre falls exactly on an input pixel edge.

    Either neighbour is a right answer there, so the comparisons leave them out.
    """
    x0, y0, x1, y1 = rect
    ty = (np.arange(out_hw[0]) + 0.5) * (y1 - y0) / out_hw[0]
    tx = (np.arange(out_hw[1]) + 0.5) * (x1 - x0) / out_hw[1]
    return np.abs(ty - np.round(ty)) < 1e-9, np.abs(tx - np.round(tx)) < 1e-9


def _equal_but_ties(got: np.ndarray, expected: np.ndarray, rect) -> bool:
    ry, rx = _ties(rect, expected.shape[:2])
    return bool(np.array_equal(got[~ry][:, ~rx], expected[~ry][:, ~rx]))


def _pattern(hw: tuple[int, int]) -> np.ndarray:
    rng = np.random.default_rng(3)
    return (rng.random(hw) < 0.5).astype(np.uint8)


def _rect(out: A.Sample, hw: tuple[int, int]) -> tuple[int, int, int, int]:
    params = out.applied[0].params
    return tuple(params["rect"]) if "rect" in params else (0, 0, hw[1], hw[0])


@pytest.mark.parametrize("make", _resize_cases())
def test_mask_resize_samples_pixel_centres(make) -> None:
    hw = (64, 80)
    mask = _pattern(hw)
    out = A.Compose([make("linear")], seed=0)(image=np.zeros(hw, np.uint8), masks=[mask])
    rect = _rect(out, hw)
    expected = _expected_nearest(mask, rect, out.masks[0].shape)
    assert _equal_but_ties(out.masks[0], expected, rect)


@pytest.mark.parametrize("make", _resize_cases())
def test_nearest_image_resize_samples_pixel_centres(make) -> None:
    hw = (64, 80)
    image = _pattern(hw) * 255
    out = A.Compose([make("nearest")], seed=0)(image)
    rect = _rect(out, hw)
    expected = _expected_nearest(image, rect, out.image.shape[:2])
    assert _equal_but_ties(out.image, expected, rect)


# --------------------------------------------------------------------------- value range
@pytest.mark.parametrize("interp", ["cubic", "lanczos"])
def test_float_image_stays_in_unit_range_under_overshooting_interpolation(interp: str) -> None:
    img = np.zeros((40, 40, 2), np.float32)
    img[10:30, 10:30] = 1.0
    for t in (A.Rotate(limit=(17, 17), interpolation=interp, p=1), A.Resize(97, 97, interp)):
        out = A.Compose([t])(img, seed=0)
        assert 0.0 <= out.image.min() and out.image.max() <= 1.0
        A.Compose([A.HorizontalFlip(p=1)])(out.image)  # the output is a valid input


def test_known_answer_helper_matches_a_centre_exact_resize() -> None:
    """The known answer above is right: integer upscaling repeats each pixel k times."""
    src = _pattern((5, 7))
    out = _expected_nearest(src, (0, 0, 7, 5), (15, 21))
    assert np.array_equal(out, np.repeat(np.repeat(src, 3, axis=0), 3, axis=1))
    assert math.isclose(float(out.mean()), float(src.mean()))


# --------------------------------------------------------------------------- fused runs
@pytest.mark.parametrize("pad", [A.Pad(padding=(0, 3, 0, 0)), A.PadIfNeeded(134, 160, "top_left")])
def test_fused_pad_then_strong_perspective_keeps_the_image(pad) -> None:
    # found as case 0:634 of the property suite on the rebuilt engine's first fused runs:
    # PadIfNeeded then a Perspective with large corner offsets, fused, gave an all-black
    # image and empty masks while the keypoint stayed (unfused was right)
    img = np.zeros((131, 165, 1), np.float32)
    img[60:80, 100:120] = 1.0
    offsets = [[0.196, 0.45], [0.072, 0.274], [0.050, 0.040], [0.034, 0.271]]
    steps = [
        A.Applied("transforms[0]", type(pad).__name__, {"pad": (3, 0, 0, 0)}),
        A.Applied("transforms[1]", "Perspective", {"offsets": offsets}),
    ]
    results = []
    for fuse in (True, False):
        pipe = A.Compose([pad, A.Perspective(scale=(0.0, 0.45), p=1)], fuse=fuse)
        mask = (img[..., 0] > 0).astype(np.uint8)
        results.append(pipe.replay(img, steps, masks=[mask]))
    fused, unfused = results
    assert unfused.image.max() == 1.0
    assert fused.image.max() > 0.9 and fused.masks[0].sum() > 0
    assert (
        abs(int(fused.masks[0].sum()) - int(unfused.masks[0].sum())) <= 0.1 * unfused.masks[0].sum()
    )


def test_fused_reflect_pad_then_resizes_keep_masks_on_the_image() -> None:
    # found as case 0:2132 on the rebuilt engine's fused runs: with a reflect_edge pad in a
    # fused run the image's border copies and the mask's differed (IoU 0.69; unfused 0.97)
    hw = (191, 155)
    mask = _ellipse(hw, (49, 47, 99, 122))
    img = mask[..., None].astype(np.float32)
    pipe = A.Compose(
        [
            A.RandomSizedCrop((122, 187), (143, 88), w2h_ratio=0.799, interpolation="nearest"),
            A.PadIfNeeded(190, 234, position="top_right", border_mode="reflect_edge"),
            A.RandomScale((-0.467, 0.111), interpolation="cubic", p=1),
            A.LongestMaxSize(157, interpolation="area"),
        ],
        fuse=True,
    )
    steps = [
        A.Applied("transforms[0]", "RandomSizedCrop", {"rect": (11, 8, 149, 181)}),
        A.Applied("transforms[1]", "PadIfNeeded", {"pad": (0, 47, 146, 0)}),
        A.Applied("transforms[2]", "RandomScale", {"size": (209, 258)}),
        A.Applied("transforms[3]", "LongestMaxSize", {"size": (127, 157)}),
    ]
    out = pipe.replay(img, steps, masks=[mask])
    m, p = out.masks[0] > 0, out.image[..., 0] > 0.5
    assert np.count_nonzero(m & p) / np.count_nonzero(m | p) >= 0.85


# --------------------------------------------------------------------------- drops
def test_strong_perspective_keeps_the_box_of_an_object_in_view() -> None:
    # found as case 0:687 on the rebuilt engine: after two crops, a Perspective with a corner
    # offset of 0.38 dropped a box whose mask still had ~3,900 pixels in view
    hw = (157, 186)
    mask = _ellipse(hw, (100, 33, 170, 125))
    img = np.repeat(mask[..., None], 3, axis=2) * 255
    pipe = A.Compose(
        [
            A.RandomCrop(127, 100),
            A.CenterCrop(58, 77),
            A.Perspective(scale=(0.097, 0.192), interpolation="cubic", p=1),
        ],
        boxes_from_masks=True,
        min_area=100.0,
        fuse=False,
    )
    offsets = [[0.3796, 0.4002], [0.0540, 0.0469], [0.1010, 0.0816], [0.0609, 0.1491]]
    steps = [
        A.Applied("transforms[0]", "RandomCrop", {"rect": (71, 21, 171, 148)}),
        A.Applied("transforms[1]", "CenterCrop", {"rect": (11, 34, 88, 92)}),
        A.Applied("transforms[2]", "Perspective", {"offsets": offsets}),
    ]
    out = pipe.replay(img, steps, masks=[mask], boxes=[[100, 33, 170, 125]], box_labels=["e"])
    assert np.count_nonzero(out.image[..., 0] > 127) > 1000  # the object is well in view
    assert list(out.box_labels) == ["e"]


def test_strong_perspective_moves_the_box_with_its_object() -> None:
    # found as case 0:16061 of the 50,000-pipeline bench (box dropped, 4,371 px in view)
    hw = (159, 143)
    img = np.zeros(hw + (1,), np.float32)
    img[67:123, 4:91] = 1.0
    offsets = [[0.1320, 0.1226], [0.1760, 0.0368], [0.3140, 0.0715], [0.4222, 0.45]]
    pipe = A.Compose([A.Perspective(scale=(0.084, 0.184), interpolation="area", p=1)])
    steps = [A.Applied("transforms[0]", "Perspective", {"offsets": offsets})]
    out = pipe.replay(img, steps, boxes=[[4, 67, 91, 123]], box_labels=["r"])
    tight = _tight(out.image[..., 0] > 0.5)
    assert len(out.boxes) == 1
    tol = np.tile(np.maximum(2.0, 0.15 * (tight[2:] - tight[:2])), 2)
    assert np.all(np.abs(out.boxes[0] - tight) <= tol), (out.boxes[0], tight)
