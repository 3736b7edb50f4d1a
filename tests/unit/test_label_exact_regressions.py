"""Labels stay on their pixels through fused and unfused chains (issue 18, part 3).

Each test reproduces one way the engine used to let a label drift from its pixels, and fails
on the engine before the executor rewrite.
"""

from __future__ import annotations

import numpy as np
import pytest

from synthaug import augment as A
from synthaug.augment.functional import geometric as G
from synthaug.augment.transforms.base import MatrixTransform

FUSE = pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])


def _tight(mask: np.ndarray) -> list[int] | None:
    ys, xs = np.nonzero(mask)
    return None if len(xs) == 0 else [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]


@FUSE
def test_keypoint_cropped_away_does_not_come_back_after_a_pad(fuse):
    image = np.zeros((64, 64, 3), np.uint8)
    # the crop cuts x < 10 away (the keypoint lands at x = -5); the pad adds 10 columns left
    pipe = A.Compose(
        [A.Rotate(limit=(5, 5), p=1), A.Crop(10, 0, 64, 64), A.PadIfNeeded(64, 74)], fuse=fuse
    )
    out = pipe(image=image, keypoints=[[5, 32], [40, 32]], keypoint_labels=["gone", "kept"])
    assert out.keypoint_labels == ["kept"] and out.n_keypoints_dropped == 1
    kept = A.Compose(pipe.transforms, fuse=fuse, remove_invisible_keypoints=False)(
        image=image, keypoints=[[5, 32], [40, 32]]
    )
    assert kept.keypoint_visibility.tolist() == [False, True]


@FUSE
def test_box_whose_object_rotated_out_of_the_crop_is_dropped(fuse):
    image = np.zeros((100, 100), np.uint8)
    mask = np.zeros((100, 100), np.uint8)
    mask[45:55, 10:90] = 1  # a horizontal bar through the centre
    # turned 45 degrees it runs from bottom-left to top-right: its axis-aligned box covers the
    # top-left corner, the bar itself does not
    pipe = A.Compose([A.Rotate(limit=(45, 45), p=1), A.Crop(0, 0, 40, 40)], fuse=fuse)
    out = pipe(image=image, masks=[mask], boxes=[[10, 45, 90, 55]], box_labels=["bar"])
    assert _tight(out.masks[0]) is None
    assert len(out.boxes) == 0 and out.box_labels == [] and out.n_boxes_dropped == 1


@pytest.mark.parametrize(
    "transform",
    [
        A.Resize(100, 100),
        A.Resize(37, 53),
        A.RandomScale(scale_limit=(0.37, 0.37), p=1),
        A.LongestMaxSize(max_size=83),
        A.RandomSizedCrop((50, 50), size=(77, 77)),
    ],
    ids=lambda t: type(t).__name__,
)
def test_mask_and_image_agree_under_non_integer_resize(transform):
    rng = np.random.default_rng(0)
    mask = np.zeros((64, 64), np.uint8)
    for _ in range(6):
        x, y = rng.integers(0, 56, 2)
        mask[y : y + rng.integers(3, 9), x : x + rng.integers(3, 9)] = 1
    image = (mask * 255).astype(np.uint8)
    out = transform(image=image, masks=[mask], seed=0)
    clear = (out.image <= 64) | (out.image >= 192)  # pixels the interpolation left unambiguous
    disagree = clear & ((out.image >= 192) != (out.masks[0] == 1))
    assert not disagree.any(), f"{int(disagree.sum())} mask pixels off their image pixels"


@FUSE
def test_box_stays_tight_through_a_chain_of_rotations(fuse):
    image = np.zeros((80, 80), np.uint8)
    pipe = A.Compose([A.Rotate(limit=(30, 30), p=1), A.Rotate(limit=(-30, -30), p=1)], fuse=fuse)
    out = pipe(image=image, boxes=[[20, 30, 50, 45]])
    # the box of a rotated box is loose; its outline, turned back, is the box again
    assert np.allclose(out.boxes, [[20, 30, 50, 45]], atol=1e-6)


def test_rotated_box_matches_its_rectangle_after_a_rotation_and_a_flip():
    mask = np.zeros((80, 80), np.uint8)
    mask[30:45, 20:50] = 1
    pipe = A.Compose(
        [A.Rotate(limit=(25, 25), p=1), A.HorizontalFlip(p=1), A.Rotate(limit=(20, 20), p=1)],
        fuse=False,
    )
    out = pipe(image=mask * 255, masks=[mask], boxes=[[20, 30, 50, 45]])
    assert np.all(np.abs(out.boxes[0] - _tight(out.masks[0])) <= 1.5)


def test_boxes_from_masks_drops_a_box_whose_mask_left_the_frame():
    mask = np.zeros((64, 64), np.uint8)
    mask[0:10, 0:10] = 1  # the object is a small part of a loose box
    pipe = A.Compose([A.Crop(20, 20, 64, 64)], boxes_from_masks=True)
    out = pipe(image=np.zeros((64, 64), np.uint8), masks=[mask], boxes=[[0, 0, 50, 50]])
    assert len(out.boxes) == 0 and out.n_boxes_dropped == 1


def test_fused_pad_after_a_crop_shows_fill_not_the_pixels_cropped_away():
    image = np.full((64, 64, 3), 200, np.uint8)
    mask = np.ones((64, 64), np.uint8)
    pipe = A.Compose(
        [A.Crop(16, 16, 48, 48), A.Rotate(limit=(3, 3), p=1), A.PadIfNeeded(48, 48)], fuse=True
    )
    out = pipe(image=image, masks=[mask], seed=0)
    # the pad adds 8 pixels each side; a fused warp used to read the source there
    border = np.ones((48, 48), bool)
    border[8:-8, 8:-8] = False
    assert out.image[border].max() == 0 and out.masks[0][border].max() == 0
    assert out.image[20:28, 20:28].min() == 200


def test_fused_reflect_pad_after_a_rotation_agrees_with_the_sequential_chain():
    yy, xx = np.mgrid[0:48, 0:48]
    image = np.dstack([xx * 5, yy * 5, (xx + yy) * 2]).astype(np.uint8)  # smooth ramps
    steps = [
        A.Rotate(limit=(10, 10), p=1),
        A.Rotate(limit=(-4, -4), p=1),
        A.PadIfNeeded(64, 64, border_mode="reflect"),
    ]
    fused = A.Compose(steps, fuse=True)(image=image, seed=0).image.astype(int)
    plain = A.Compose(steps, fuse=False)(image=image, seed=0).image.astype(int)
    # a warp cannot reflect about the rotated frame's edges: the pad starts a new run
    assert np.abs(fused - plain)[:8].mean() < 4.0  # the old fused warp: 59


def test_keypoint_pushed_out_by_a_distortion_stays_invisible_after_a_pad():
    image = np.zeros((64, 64), np.uint8)
    # pincushion (k < 0) pushes points near the corners out of the frame
    pipe = A.Compose(
        [A.OpticalDistortion(distort_limit=(-0.5, -0.5), p=1), A.PadIfNeeded(96, 96)],
        remove_invisible_keypoints=False,
    )
    out = pipe(image=image, keypoints=[[1, 1], [32, 32]], seed=0)
    assert out.keypoint_visibility.tolist() == [False, True]


class _CropAroundFirstBox(MatrixTransform):
    """Test transform: a 20 x 20 crop centred on the first box, as the sample shows it."""

    exact = True

    def __init__(self) -> None:
        super().__init__(p=1.0)

    def sample_params(self, rng, sample):
        x0, y0, x1, y1 = sample.boxes[0]
        h, w = sample.image.shape[:2]
        cx = int(np.clip(round((x0 + x1) / 2) - 10, 0, w - 20))
        cy = int(np.clip(round((y0 + y1) / 2) - 10, 0, h - 20))
        return {"rect": (cx, cy, cx + 20, cy + 20)}

    def matrix(self, params, hw):
        x0, y0, x1, y1 = params["rect"]
        return G.crop_matrix(x0, y0), (y1 - y0, x1 - x0)

    def apply_image(self, image, params):
        return G.crop_image(image, *params["rect"])


def test_a_step_inside_a_fused_run_draws_from_the_moved_boxes():
    mask = np.zeros((80, 80), np.uint8)
    mask[10:20, 10:20] = 1
    pipe = A.Compose(
        [A.Rotate(limit=(90, 90), p=1), A.Rotate(limit=(90, 90), p=1), _CropAroundFirstBox()],
        fuse=True,
    )
    out = pipe(image=mask * 255, masks=[mask], boxes=[[10, 10, 20, 20]])
    # two quarter turns put the square at the bottom right; the crop must be centred on it
    assert out.masks[0].sum() >= 90
    assert np.all(np.abs(out.boxes[0] - [5, 5, 15, 15]) <= 1.0)


def test_box_from_instance_mask_ignores_copies_a_reflect_border_makes():
    mask = np.zeros((64, 64), np.uint8)
    mask[20:40, 0:12] = 1  # touches the left edge: a reflected border copies it
    boxes = [[0, 20, 12, 40]]

    def run(border):
        pipe = A.Compose([A.Rotate(limit=(30, 30), border_mode=border, p=1)], boxes_from_masks=True)
        return pipe(image=mask * 255, masks=[mask], boxes=boxes)

    reflected, constant = run("reflect"), run("constant")
    assert _tight(reflected.masks[0]) != _tight(constant.masks[0])  # the copy is in the mask
    # (the box reads the mask one pixel beyond the outline: nearest sampling's slack)
    assert np.allclose(reflected.boxes, constant.boxes, atol=1.0)


def test_float_image_stays_in_range_under_cubic_resampling():
    image = np.zeros((40, 40, 3), np.float32)
    image[10:30, 10:30] = 1.0  # sharp edges: cubic and Lanczos kernels overshoot there
    for interpolation in ("cubic", "lanczos"):
        out = A.Compose(
            [
                A.Rotate(limit=(17, 17), interpolation=interpolation, p=1),
                A.Resize(57, 61, interpolation=interpolation),
            ],
            fuse=False,
        )(image=image)
        assert out.image.min() >= 0.0 and out.image.max() <= 1.0
        A.Compose([A.HorizontalFlip(p=1)])(image=out.image)  # accepted as input again


def test_box_crossing_a_strong_perspectives_horizon_is_kept_and_tight():
    # case 0:687 of the property suite: part of the box lies behind the homography's horizon
    # (no image there); projecting its corners naively flipped them and the box was lost
    hw = (58, 77)
    mask = np.zeros(hw, np.uint8)
    mask[:, 18:] = 1
    offsets = [[0.38, 0.40], [0.054, 0.047], [0.101, 0.082], [0.061, 0.149]]
    pipe = A.Compose([A.Perspective(p=1)], boxes_from_masks=False)
    out = pipe.replay(
        mask * 255,
        [A.Applied("transforms[0]", "Perspective", {"offsets": offsets})],
        masks=[mask],
        boxes=[[18, 0, 77, 58]],
    )
    assert len(out.boxes) == 1
    assert np.all(np.abs(out.boxes[0] - _tight(out.masks[0])) <= 2.0)


def test_fused_reflect_pad_wider_than_the_image_matches_the_unfused_chain():
    # case 0:2132: OpenCV's cubic warp does not reflect beyond one image width, so a fused
    # reflect pad of 146 px on an 88 px image showed the edge colour instead of copies
    image = np.tile(np.linspace(0, 1, 88, dtype=np.float32)[None, :, None], (60, 1, 2))
    steps = [
        A.HorizontalFlip(p=1),
        A.PadIfNeeded(60, 234, position="top_right", border_mode="reflect_edge"),
        A.RandomScale(scale_limit=(-0.3, -0.3), interpolation="cubic", p=1),
    ]
    fused = A.Compose(steps, fuse=True)(image=image, seed=0).image
    plain = A.Compose(steps, fuse=False)(image=image, seed=0).image
    assert np.abs(fused - plain).mean() < 0.02
