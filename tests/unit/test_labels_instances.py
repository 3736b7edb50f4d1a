"""Instances: a box (or oriented box), its mask, keypoints and label kept or dropped together,
with the reasons counted in ``out.dropped`` (issue 19)."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug import augment as A
from synthaug.augment.functional import oriented as O
from synthaug.errors import InvalidInputError

H, W = 40, 60
IMG = np.zeros((H, W, 3), np.uint8)
BOXES = np.array([[10.0, 10, 30, 20], [2, 2, 8, 8]])  # a person, and a small one top-left
KPS = np.array([[12.0, 12], [25, 15], [3, 3], [5, 6], [50, 30]])
KP_INST = [0, 0, 1, 1, -1]  # the last keypoint belongs to no instance
CROP = A.Crop(x_min=15, y_min=0, x_max=60, y_max=40, p=1)  # cuts the second person away


def _masks() -> list[np.ndarray]:
    out = []
    for x0, y0, x1, y1 in BOXES.astype(int):
        m = np.zeros((H, W), np.uint8)
        m[y0:y1, x0:x1] = 1
        out.append(m)
    return out


def _fields(**extra):
    return {
        "image": IMG,
        "boxes": BOXES,
        "box_labels": ["a", "b"],
        "keypoints": KPS,
        "keypoint_labels": ["a0", "a1", "b0", "b1", "free"],
        "keypoint_instances": KP_INST,
        "masks": _masks(),
        **extra,
    }


@pytest.mark.parametrize("fuse", [True, False])
def test_a_dropped_box_takes_its_mask_keypoints_and_label(fuse):
    out = A.Compose([CROP], fuse=fuse, remove_invisible_keypoints=False)(**_fields())
    assert out.box_labels == ["a"] and len(out.masks) == 1 and out.masks[0].shape == (H, 45)
    assert out.keypoint_labels == ["a0", "a1", "free"]
    # instance 0 keeps its number; the free keypoint stays free
    assert out.keypoint_instances.tolist() == [0, 0, -1]
    # a0 at x = 12 was cut away: kept (remove_invisible_keypoints=False) with visibility off
    assert out.keypoint_visibility.tolist() == [False, True, True]
    assert out.dropped == {
        "instances.outside": 1,
        "boxes.outside": 1,
        "masks.mask_empty": 1,
        "keypoints.instance": 2,
    }
    assert out.n_boxes_dropped == 1 and out.n_keypoints_dropped == 2


def test_invisible_keypoints_of_a_kept_instance_follow_the_keypoint_rule():
    out = A.Compose([CROP])(**_fields())
    assert out.keypoint_labels == ["a1", "free"]
    assert out.dropped["keypoints.outside"] == 1 and out.dropped["keypoints.instance"] == 2


def test_thresholds_drop_the_whole_instance_with_the_reason():
    out = A.Compose([A.Crop(x_min=20, y_min=0, x_max=60, y_max=40, p=1)], min_visibility=0.6)(
        **_fields()
    )
    assert out.box_labels == [] and out.keypoint_labels == ["free"]
    assert out.dropped["instances.min_visibility"] == 1
    assert out.dropped["instances.outside"] == 1


def test_an_oriented_box_decides_with_the_box():
    obb = O.corners_from_xyxy(BOXES)
    obb[0] = O.corners_from_xyxy([[40.0, 10, 58, 20]])[0]  # instance 0's oriented box is right
    out = A.Compose([A.Crop(x_min=0, y_min=0, x_max=35, y_max=40, p=1)])(
        **_fields(oriented_boxes=obb, oriented_box_labels=["A", "B"])
    )
    # the box of instance 0 stays in view, its oriented box does not: the instance goes
    assert out.box_labels == ["b"] and out.oriented_box_labels == ["B"]
    assert out.dropped["boxes.instance"] == 1
    assert out.dropped["oriented_boxes.outside"] == 1
    assert out.keypoint_instances.tolist() == [0, 0]  # instance 1 became instance 0


def test_oriented_boxes_with_instance_masks_and_no_boxes():
    obb = O.corners_from_xyxy(BOXES)
    masks = _masks()
    masks[0][:] = 0  # its object is not there
    out = A.Compose([], instances=True)(
        image=IMG, oriented_boxes=obb, oriented_box_labels=["A", "B"], masks=masks
    )
    assert out.oriented_box_labels == ["B"] and len(out.masks) == 1
    assert out.dropped == {
        "instances.mask_empty": 1,
        "oriented_boxes.instance": 1,
        "masks.mask_empty": 1,
    }


def test_masks_given_as_one_array_are_filtered_and_restacked():
    fields = _fields(masks=np.stack(_masks(), axis=2))
    out = A.Compose([CROP])(**fields)
    assert out.masks.shape == (H, 45, 1)


def test_instances_false_keeps_targets_independent():
    out = A.Compose([CROP], instances=False, remove_invisible_keypoints=False)(**_fields())
    assert out.box_labels == ["a"] and len(out.masks) == 2 and len(out.keypoints) == 5
    assert out.keypoint_instances.tolist() == KP_INST


def test_instances_true_without_keypoints():
    out = A.Compose([CROP], instances=True)(
        image=IMG, boxes=BOXES, box_labels=["a", "b"], masks=_masks()
    )
    assert out.box_labels == ["a"] and len(out.masks) == 1
    assert out.dropped == {"instances.outside": 1, "boxes.outside": 1, "masks.mask_empty": 1}


def test_without_instances_masks_stay_as_before():
    out = A.Compose([CROP])(image=IMG, boxes=BOXES, box_labels=["a", "b"], masks=_masks())
    assert out.box_labels == ["a"] and len(out.masks) == 2
    assert out.dropped == {"boxes.outside": 1}


def test_mismatched_instances_are_refused():
    with pytest.raises(InvalidInputError, match="one row per instance"):
        A.Compose([])(**_fields(oriented_boxes=O.corners_from_xyxy(BOXES[:1])))
    with pytest.raises(InvalidInputError, match="instance 5 does not exist"):
        A.Compose([])(**_fields(keypoint_instances=[0, 0, 1, 1, 5]))
    with pytest.raises(InvalidInputError, match="keypoint_instances"):
        A.Compose([])(**_fields(keypoint_instances=[0, 0, 1]))
    with pytest.raises(InvalidInputError, match="needs a box"):
        A.Compose([])(image=IMG, keypoints=KPS, keypoint_instances=KP_INST)


def test_dropped_is_empty_and_fresh_on_plain_calls():
    a = A.Compose([A.HorizontalFlip(p=1)])(image=IMG)
    b = A.Compose([A.HorizontalFlip(p=1)])(IMG)
    assert a.dropped == {} and b.dropped == {} and a.dropped is not b.dropped


def test_batch_mixing_carries_instances_with_their_rows():
    s = A.Sample(
        IMG,
        boxes=BOXES,
        oriented_boxes=O.corners_from_xyxy(BOXES),
        keypoints=KPS,
        keypoint_instances=KP_INST,
    )
    out = A.MixUp()([s, s], seed=0)[0]  # the partner's rows follow the base's two
    assert out.keypoint_instances.tolist() == KP_INST + [2, 2, 3, 3, -1]
    assert np.array_equal(out.oriented_boxes[2:], s.oriented_boxes)
    mosaic = A.Mosaic(H, W, center_range=(1, 1))([s, s], seed=0)[0]  # only the base shows
    assert mosaic.keypoint_instances.tolist() == KP_INST
    assert np.allclose(mosaic.boxes, BOXES) and len(mosaic.oriented_boxes) == 2
