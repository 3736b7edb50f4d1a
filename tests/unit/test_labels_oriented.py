"""Oriented boxes as a target: formats, exact corners, fitted rectangles, clipping (issue 19)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from synthaug import augment as A
from synthaug.augment.functional import geometric as G
from synthaug.augment.functional import oriented as O
from synthaug.errors import ConfigError, InvalidInputError

IMG = np.zeros((64, 80, 3), np.uint8)
#: an upright 20 x 10 box and one turned by 30 degrees, as (cx, cy, w, h, angle_deg)
XYWHA = np.array([[30.0, 20.0, 20.0, 10.0, 0.0], [45.0, 40.0, 24.0, 8.0, 30.0]])
CORNERS = O.corners_from_xywha(XYWHA)


def _run(transforms, fuse=True, seed=0, **kw):
    fields = {k: kw.pop(k) for k in list(kw) if k in ("oriented_boxes", "oriented_box_labels")}
    fields.setdefault("oriented_boxes", CORNERS)
    return A.Compose(transforms, fuse=fuse, seed=seed, **kw)(image=IMG, **fields)


def test_formats_round_trip_and_the_angle_convention():
    np.testing.assert_allclose(O.corners_to_xywha(CORNERS), XYWHA, atol=1e-9)
    # p0 -> p1 points along the angle, counter-clockwise as displayed (y down): up-right
    p = CORNERS[1]
    assert p[1, 0] > p[0, 0] and p[1, 1] < p[0, 1]
    assert (O.polygon_orientation(CORNERS) > 0).all()  # clockwise as displayed
    np.testing.assert_array_equal(O.corners_from_xyxy([[1, 2, 5, 4]])[0], CORNERS_UPRIGHT)
    out = A.Compose([], oriented_box_format="xywha")(image=IMG, oriented_boxes=XYWHA)
    np.testing.assert_allclose(out.oriented_boxes, XYWHA, atol=1e-9)
    flat = A.Compose([])(image=IMG, oriented_boxes=CORNERS.reshape(-1, 8))
    np.testing.assert_allclose(flat.oriented_boxes, CORNERS)


CORNERS_UPRIGHT = np.array([[1.0, 2], [5, 2], [5, 4], [1, 4]])


def test_rotate_adds_its_angle_and_keeps_the_size():
    out = _run([A.Rotate(limit=(25, 25), p=1)], oriented_box_format="xywha", oriented_boxes=XYWHA)
    assert out.oriented_box_visibility.tolist() == pytest.approx([1.0, 1.0])
    np.testing.assert_allclose(out.oriented_boxes[:, 2:4], XYWHA[:, 2:4], atol=1e-9)
    np.testing.assert_allclose(out.oriented_boxes[:, 4], XYWHA[:, 4] + 25, atol=1e-9)
    m, _ = A.Rotate(limit=(25, 25)).matrix({"angle_deg": 25.0}, (64, 80))
    centre = G.warp_polygons(XYWHA[None, :, :2], m)[0]
    np.testing.assert_allclose(out.oriented_boxes[:, :2], centre, atol=1e-9)


@pytest.mark.parametrize(
    "t",
    [A.HorizontalFlip(p=1), A.VerticalFlip(p=1), A.Transpose(p=1)],
    ids=lambda t: type(t).__name__,
)
def test_mirroring_keeps_corners_clockwise_and_swaps_the_left_and_right_corners(t):
    out = _run([t])
    m, hw = t.matrix({}, (64, 80))
    moved = G.warp_polygons(CORNERS, m)
    assert (O.polygon_orientation(out.oriented_boxes) > 0).all()
    np.testing.assert_allclose(out.oriented_boxes, moved[:, [1, 0, 3, 2]], atol=1e-9)


def test_horizontal_flip_negates_the_angle():
    out = _run([A.HorizontalFlip(p=1)], oriented_box_format="xywha", oriented_boxes=XYWHA)
    np.testing.assert_allclose(out.oriented_boxes[:, 4], [0.0, -30.0], atol=1e-9)
    np.testing.assert_allclose(out.oriented_boxes[:, 2:4], XYWHA[:, 2:4], atol=1e-9)


def test_two_flips_keep_the_corner_order():
    out = _run([A.HorizontalFlip(p=1), A.VerticalFlip(p=1), A.HorizontalFlip(p=1)])
    back = _run([A.VerticalFlip(p=1)])
    np.testing.assert_allclose(out.oriented_boxes, back.oriented_boxes, atol=1e-9)


@pytest.mark.parametrize(
    "t",
    [
        A.Affine(shear=(12, 12), scale=(0.9, 0.9), p=1),
        A.Perspective(scale=(0.05, 0.1), p=1),
        A.Rotate(limit=(-70, -70), p=1),
        A.Resize(50, 90, p=1),
    ],
    ids=lambda t: type(t).__name__,
)
def test_corners_are_mapped_exactly_by_any_matrix(t):
    out = _run([t], seed=3)
    m, _ = t.matrix(out.applied[0].params, (64, 80))
    np.testing.assert_allclose(out.oriented_boxes, G.warp_polygons(CORNERS, m), atol=1e-9)


def test_rect_fit_is_the_minimum_area_rectangle_of_the_mapped_box():
    t = A.Affine(shear=(15, 15), p=1)
    out = _run([t], oriented_box_fit="rect")
    corners = _run([t]).oriented_boxes
    for rect, quad in zip(out.oriented_boxes, corners, strict=True):
        edges = np.roll(rect, -1, axis=0) - rect
        assert abs(float(edges[0] @ edges[1])) < 1e-3 * float(edges[0] @ edges[0])  # right angle
        assert G.polygon_areas(rect[None])[0] >= G.polygon_areas(quad[None])[0] - 1e-3
        assert O.polygon_orientation(rect[None])[0] > 0
        # the fitted rectangle starts at the corner whose first edge follows the box's
        assert float((rect[1] - rect[0]) @ (quad[1] - quad[0])) > 0


@pytest.mark.parametrize("fuse", [True, False])
def test_a_crop_clips_with_a_visibility_and_drops_what_left(fuse):
    crop = A.Crop(x_min=30, y_min=0, x_max=80, y_max=64, p=1)
    out = _run([crop], fuse=fuse, oriented_box_labels=["a", "b"])
    assert out.oriented_box_labels == ["a", "b"]
    assert out.oriented_box_visibility[0] == pytest.approx(0.5)
    # fit="corners": the cut box keeps its true corners (past the frame)
    np.testing.assert_allclose(out.oriented_boxes[0], CORNERS[0] - [30, 0])
    rect = _run([crop], oriented_box_fit="rect").oriented_boxes[0]
    np.testing.assert_allclose(
        np.sort(rect, axis=0),
        np.sort(np.array([[0, 15], [10, 15], [10, 25], [0, 25.0]]), axis=0),
        atol=1e-4,
    )
    gone = _run(
        [A.Crop(x_min=60, y_min=0, x_max=80, y_max=30, p=1)], oriented_box_labels=["a", "b"]
    )
    assert gone.oriented_box_labels == [] and gone.dropped == {"oriented_boxes.outside": 2}


@pytest.mark.parametrize("fuse", [True, False])
def test_cut_then_pad_does_not_bring_the_box_back(fuse):
    chain = [A.Crop(x_min=30, y_min=0, x_max=80, y_max=64, p=1)]
    chain.append(A.PadIfNeeded(64, 80, position="top_left", p=1))
    out = _run(chain, fuse=fuse, oriented_box_fit="rect")
    assert out.oriented_box_visibility[0] == pytest.approx(0.5)
    assert out.oriented_boxes[0][:, 0].max() == pytest.approx(10.0)


def test_min_visibility_and_min_area_apply():
    crop = A.Crop(x_min=30, y_min=0, x_max=80, y_max=64, p=1)
    out = _run([crop], min_visibility=0.6, oriented_box_labels=["a", "b"])
    assert out.oriented_box_labels == ["b"] and out.dropped == {"oriented_boxes.min_visibility": 1}
    out = _run([], min_area=195.0, oriented_box_labels=["a", "b"])  # 20 x 10 and 24 x 8
    assert out.oriented_box_labels == ["a"] and out.dropped == {"oriented_boxes.min_area": 1}


def test_fused_and_unfused_chains_agree():
    chain = [
        A.Affine(rotate=(-40, 40), scale=(0.8, 1.2), p=1),
        A.HorizontalFlip(p=0.5),
        A.RandomCrop(48, 60, p=1),
        A.Perspective(scale=(0.02, 0.06), p=0.5),
    ]
    for seed in range(8):
        a = _run(chain, seed=seed)
        b = _run(chain, fuse=False, seed=seed)
        np.testing.assert_allclose(a.oriented_boxes, b.oriented_boxes, atol=1e-6)
        np.testing.assert_allclose(a.oriented_box_visibility, b.oriented_box_visibility, atol=1e-9)


@pytest.mark.parametrize(
    "t",
    [
        A.ElasticTransform(alpha=20, sigma_px=6, p=1),
        A.GridDistortion(p=1),
        A.OpticalDistortion(p=1),
    ],
    ids=lambda t: type(t).__name__,
)
def test_distortions_move_the_corners_and_clip_the_outline(t):
    out = _run([t], oriented_box_labels=["a", "b"])
    assert out.oriented_boxes.shape == (2, 4, 2)
    assert np.abs(out.oriented_boxes - CORNERS).max() < 15
    assert ((out.oriented_box_visibility > 0.5) & (out.oriented_box_visibility <= 1)).all()


def test_every_geometric_transform_supports_oriented_boxes():
    for name, cls in A.REGISTRY.items():
        if "keypoints" in cls.targets:
            assert "oriented_boxes" in cls.targets, name


def test_direct_call_and_sample_form():
    s = A.Sample(IMG, oriented_boxes=XYWHA, oriented_box_format="xywha", oriented_box_labels=[1, 2])
    out = A.HorizontalFlip()(s)
    assert out.oriented_box_format == "xywha" and out.oriented_boxes.shape == (2, 5)


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"oriented_boxes": np.zeros((2, 3, 2))}, "N x 4 x 2"),
        ({"oriented_boxes": [[1, 1, -2, 2, 0]], "oriented_box_format": "xywha"}, "negative"),
        ({"oriented_boxes": [[1, 1, 2, 2, np.nan]], "oriented_box_format": "xywha"}, "NaN"),
        ({"oriented_boxes": CORNERS, "oriented_box_labels": [1]}, "1 labels for 2"),
        ({"oriented_boxes": CORNERS, "oriented_box_format": "obb"}, "oriented_box_format"),
    ],
)
def test_bad_oriented_boxes_are_refused(fields, match):
    with pytest.raises(InvalidInputError, match=match):
        A.Compose([])(image=IMG, **fields)


def test_options_are_declared_saved_and_checked():
    pipe = A.Compose([], oriented_box_format="xywha", oriented_box_fit="rect", instances=True)
    again = A.from_dict(pipe.to_dict())
    assert (again.oriented_box_format, again.oriented_box_fit, again.instances) == (
        "xywha",
        "rect",
        True,
    )
    with pytest.raises(ConfigError, match="oriented_box_fit"):
        A.Compose([], oriented_box_fit="rectangle")


def test_a_box_reaching_past_the_input_image_starts_partly_visible():
    half_out = O.corners_from_xyxy([[-10.0, 10, 10, 20], [100, 10, 120, 20]])
    out = A.Compose([])(image=IMG, oriented_boxes=half_out)
    assert out.oriented_box_visibility.tolist() == [0.5]
    assert out.dropped == {"oriented_boxes.outside": 1}


class _Tilt(A.MatrixTransform):
    """A fixed homography whose horizon (x = 50) crosses the image: a test fixture."""

    def matrix(self, params, hw):
        return np.array([[1.0, 0, 0], [0, 1.0, 0], [-0.02, 0, 1.0]]), hw


def test_a_box_cut_by_a_homography_horizon_is_fitted_to_its_visible_part():
    boxes = O.corners_from_xyxy([[30.0, 10, 60, 20], [5, 30, 25, 40]])
    out = A.Compose([_Tilt()])(
        image=IMG, oriented_boxes=boxes, oriented_box_labels=["cut", "whole"]
    )
    assert np.isfinite(out.oriented_boxes).all()
    assert out.oriented_box_labels == ["cut", "whole"]
    assert (O.polygon_orientation(out.oriented_boxes) > 0).all()
    # the whole box keeps its mapped corners exactly
    np.testing.assert_allclose(
        out.oriented_boxes[1], G.warp_polygons(boxes[1:], _Tilt().matrix({}, (64, 80))[0])[0]
    )


def _mask_of(corners: np.ndarray) -> np.ndarray:
    m = np.zeros(IMG.shape[:2], np.uint8)
    pts = np.round((corners - 0.5) * 256).astype(np.int32)
    cv2.fillPoly(m, [pts], 1, lineType=cv2.LINE_8, shift=8)
    return m


def test_rect_fit_with_instance_masks_is_the_tight_oriented_box_of_the_mask():
    masks = [_mask_of(c) for c in CORNERS]
    chain = [A.Affine(rotate=(20, 20), shear=(8, 8), p=1), A.Crop(30, 0, 80, 64, p=1)]
    out = A.Compose(chain, oriented_box_fit="rect")(image=IMG, oriented_boxes=CORNERS, masks=masks)
    for rect, m in zip(out.oriented_boxes, out.masks, strict=True):
        ys, xs = np.nonzero(m)
        centres = np.stack([xs + 0.5, ys + 0.5], axis=1)
        # every mask pixel centre is inside the rectangle, and the rectangle is tight
        poly = rect.astype(np.float32)
        inside = [cv2.pointPolygonTest(poly, (float(x), float(y)), False) >= 0 for x, y in centres]
        assert all(inside)
        assert G.polygon_areas(rect[None])[0] <= 1.35 * len(xs) + 20
    empty = [np.zeros_like(masks[0]), masks[1]]
    out = A.Compose([], oriented_box_fit="rect")(
        image=IMG, oriented_boxes=CORNERS, oriented_box_labels=["a", "b"], masks=empty
    )
    assert out.oriented_box_labels == ["b"] and out.dropped == {"oriented_boxes.mask_empty": 1}
    kept = A.Compose([], oriented_box_fit="rect", boxes_from_masks=False)(
        image=IMG, oriented_boxes=CORNERS, masks=empty
    )
    assert len(kept.oriented_boxes) == 2


def test_draw_sample_outlines_oriented_boxes():
    from synthaug.augment.draw import draw_sample

    s = A.Sample(IMG, oriented_boxes=XYWHA, oriented_box_format="xywha")
    img = draw_sample(s, thickness=1)
    corners = np.round(CORNERS - 0.5).astype(int)
    for x, y in corners.reshape(-1, 2):
        assert img[max(y - 1, 0) : y + 2, max(x - 1, 0) : x + 2].any()
    assert not img[0:5, 0:5].any()
