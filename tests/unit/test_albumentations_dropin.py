"""An Albumentations 2.x-style training script runs unchanged with the import swapped.

The script below is written as a user of Albumentations 2.0.8 would write it; only the import
line says ``synthaug.albumentations``.
"""

from __future__ import annotations

import numpy as np
import pytest

import synthaug.albumentations as A
from synthaug.albumentations.pytorch import ToTensorV2
from synthaug.errors import ConfigError

torch = pytest.importorskip("torch")


def _image(seed=0, hw=(96, 128)):
    return np.random.default_rng(seed).integers(0, 256, (*hw, 3), dtype=np.uint8)


def test_detection_with_label_fields_keeps_labels_with_boxes():
    pipe = A.Compose(
        [A.HorizontalFlip(p=1.0), A.RandomCrop(height=64, width=64, p=1.0)],
        bbox_params=A.BboxParams(
            format="pascal_voc", label_fields=["class_labels", "ids"], min_visibility=0.3
        ),
        seed=137,
    )
    boxes = [[2, 2, 40, 40], [60, 20, 120, 90], [100, 5, 127, 30]]
    out = pipe(image=_image(), bboxes=boxes, class_labels=["a", "b", "c"], ids=np.array([1, 2, 3]))
    assert len(out["bboxes"]) == len(out["class_labels"]) == len(out["ids"])
    assert isinstance(out["ids"], np.ndarray) and isinstance(out["class_labels"], list)
    for b in out["bboxes"]:
        assert 0 <= b[0] < b[2] <= 64 and 0 <= b[1] < b[3] <= 64


def test_hflip_moves_coco_and_yolo_boxes_exactly():
    img = _image()
    for fmt, box, expected in (
        ("coco", [10, 20, 30, 40], [88, 20, 30, 40]),
        ("yolo", [0.25, 0.5, 0.25, 0.5], [0.75, 0.5, 0.25, 0.5]),
        ("albumentations", [0.1, 0.2, 0.3, 0.4], [0.7, 0.2, 0.9, 0.4]),
    ):
        pipe = A.Compose([A.HorizontalFlip(p=1.0)], bbox_params=A.BboxParams(format=fmt))
        out = pipe(image=img, bboxes=[box + [7]])
        assert np.allclose(out["bboxes"][0][:4], expected) and out["bboxes"][0][4] == 7


def test_min_width_and_min_height_drop_thin_boxes_with_their_labels():
    pipe = A.Compose(
        [A.NoOp(p=1.0)],
        bbox_params=A.BboxParams(
            format="pascal_voc", label_fields=["l"], min_width=5, min_height=5
        ),
    )
    out = pipe(image=_image(), bboxes=[[0, 0, 4, 50], [0, 0, 50, 50]], l=["thin", "ok"])
    assert out["l"] == ["ok"] and len(out["bboxes"]) == 1


def test_segmentation_with_mask_and_masks_moves_them_with_the_image():
    img = _image()
    mask = np.zeros(img.shape[:2], np.uint8)
    mask[:, :10] = 1
    pipe = A.Compose([A.HorizontalFlip(p=1.0)])
    out = pipe(image=img, mask=mask, masks=[mask, 1 - mask])
    assert np.array_equal(out["image"], img[:, ::-1])
    assert out["mask"][:, -10:].all() and not out["mask"][:, :-10].any()
    assert isinstance(out["masks"], list) and np.array_equal(out["masks"][1], 1 - out["mask"])


def test_keypoints_with_angle_and_labels():
    pipe = A.Compose(
        [A.HorizontalFlip(p=1.0)],
        keypoint_params=A.KeypointParams(
            format="xya", label_fields=["names"], remove_invisible=False
        ),
    )
    out = pipe(image=_image(), keypoints=[[10, 20, 30.0]], names=["nose"])
    x, y, a = out["keypoints"][0]
    assert (x, y) == (117.0, 20.0) and a == pytest.approx(150.0) and out["names"] == ["nose"]


def test_additional_image_target_gets_the_same_geometry():
    img = _image()
    pipe = A.Compose(
        [A.ShiftScaleRotate(p=1.0), A.RandomBrightnessContrast(p=0.0)],
        additional_targets={"image2": "image"},
        seed=3,
    )
    out = pipe(image=img, image2=img.copy())
    assert np.array_equal(out["image"], out["image2"])


def test_oneof_normalize_totensor_gives_float_chw_tensor():
    pipe = A.Compose(
        [
            A.OneOf([A.Blur(blur_limit=3), A.MedianBlur(blur_limit=3)], p=1.0),
            A.Normalize(),
            ToTensorV2(),
        ]
    )
    out = pipe(image=_image(), mask=np.zeros((96, 128), np.uint8))
    assert out["image"].shape == (3, 96, 128) and out["image"].dtype == torch.float32
    assert isinstance(out["mask"], torch.Tensor)


def test_replay_compose_applies_the_same_steps_to_other_data():
    pipe = A.ReplayCompose([A.HorizontalFlip(p=0.5), A.Rotate(limit=30, p=1.0)])
    img = _image()
    out = pipe(image=img)
    again = A.ReplayCompose.replay(out["replay"], image=img)
    assert np.array_equal(out["image"], again["image"])


def test_seeded_compose_is_reproducible_across_instances():
    def make():
        return A.Compose([A.RandomCrop(32, 32), A.HorizontalFlip(), A.GaussNoise(p=1.0)], seed=137)

    a, b = make(), make()
    img = _image()
    for _ in range(3):
        assert np.array_equal(a(image=img)["image"], b(image=img)["image"])


def test_save_and_load_round_trip_in_json_and_yaml(tmp_path):
    pipe = A.Compose(
        [A.OneOf([A.Blur(), A.GaussNoise(std_range=(0.1, 0.2))]), A.SomeOf([A.ToGray()], n=1)],
        bbox_params=A.BboxParams(format="coco", label_fields=["labels"]),
        seed=1,
    )
    for fmt in ("json", "yaml"):
        path = tmp_path / f"pipe.{fmt}"
        A.save(pipe, path, data_format=fmt)
        back = A.load(path, data_format=fmt)
        assert A.to_dict(back) == A.to_dict(pipe)


def test_albumentations_1x_file_keys_are_read():
    d = {
        "__version__": "1.3.1",
        "transform": {
            "__class_fullname__": "Compose",
            "p": 1.0,
            "transforms": [
                {
                    "__class_fullname__": "JpegCompression",
                    "always_apply": False,
                    "p": 0.5,
                    "quality_lower": 80,
                    "quality_upper": 95,
                },
                {
                    "__class_fullname__": "GaussNoise",
                    "always_apply": True,
                    "p": 0.1,
                    "var_limit": [10.0, 50.0],
                    "mean": 0,
                    "per_channel": True,
                },
                {
                    "__class_fullname__": "CoarseDropout",
                    "always_apply": False,
                    "p": 0.5,
                    "max_holes": 8,
                    "max_height": 8,
                    "max_width": 8,
                    "min_holes": None,
                    "min_height": None,
                    "min_width": None,
                    "fill_value": 0,
                    "mask_fill_value": None,
                },
                {
                    "__class_fullname__": "albumentations.augmentations.geometric.rotate.Rotate",
                    "always_apply": False,
                    "p": 0.5,
                    "limit": [-10, 10],
                    "interpolation": 1,
                    "border_mode": 0,
                    "value": 0,
                    "mask_value": 0,
                },
            ],
            "bbox_params": None,
            "keypoint_params": None,
            "additional_targets": {},
            "is_check_shapes": True,
        },
    }
    pipe = A.from_dict(d)
    jpeg, noise, holes, rot = pipe.transforms
    assert jpeg.name == "ImageCompression" and tuple(jpeg._args["quality_range"]) == (80, 95)
    assert noise.p == 1.0 and noise._args["std_range"][1] == pytest.approx(50**0.5 / 255)
    assert tuple(holes._args["num_holes_range"]) == (8, 8)
    assert rot._args["fill"] == 0
    assert pipe(image=_image())["image"].shape == (96, 128, 3)


def test_unknown_keys_and_missing_transforms_are_config_errors():
    with pytest.raises(ConfigError, match="brightnes_limit.*did you mean 'brightness_limit'"):
        A.RandomBrightnessContrast(brightnes_limit=0.2)
    with pytest.raises(ConfigError, match="PiecewiseAffine: synthaug has no counterpart"):
        A.PiecewiseAffine()
    with pytest.raises(ConfigError, match="rotate_method='ellipse'"):
        A.Rotate(rotate_method="ellipse")
    with pytest.raises(ConfigError, match="Lambda"):
        A.from_dict(
            {
                "transform": {
                    "__class_fullname__": "Compose",
                    "transforms": [{"__class_fullname__": "Lambda", "name": "to_chw"}],
                }
            }
        )


def test_lambda_runs_in_python_and_loads_with_nonserializable():
    lam = A.Lambda(name="invert", image=lambda x, **kw: 255 - x, p=1.0)
    pipe = A.Compose([lam])
    img = _image()
    assert np.array_equal(pipe(image=img)["image"], 255 - img)
    back = A.from_dict(A.to_dict(pipe), nonserializable={"invert": lam})
    assert np.array_equal(back(image=img)["image"], 255 - img)


def test_coarse_dropout_hole_sizes_in_pixels():
    pipe = A.Compose(
        [
            A.CoarseDropout(
                num_holes_range=(1, 1),
                hole_height_range=(8, 8),
                hole_width_range=(8, 8),
                fill=0,
                p=1.0,
            )
        ],
        seed=0,
    )
    img = np.full((64, 64, 3), 200, np.uint8)
    out = pipe(image=img)["image"]
    assert (out == 0).all(axis=2).sum() == 64


def test_safe_rotate_keeps_every_corner_visible():
    img = np.full((40, 60, 3), 255, np.uint8)
    out = A.Compose([A.SafeRotate(limit=(45, 45), p=1.0)])(image=img)["image"]
    assert out.shape == img.shape and out[20, 30].min() == 255


def test_affine_translate_percent_moves_by_whole_pixels_like_albumentations():
    # 10% of 53 px is 5.3 px and of 37 px 3.7 px: Albumentations 2.0.8 shifts by int() of those
    img = np.zeros((37, 53), np.uint8)
    img[10, 10] = 255
    out = A.Compose([A.Affine(translate_percent=(0.1, 0.1), p=1.0)])(image=img)["image"]
    assert out[13, 15] == 255 and out.sum() == 255


def test_affine_shears_by_minus_the_angle_after_rotation():
    # a keypoint on the x axis through the centre is moved only by a y-shear: dy = -tan(a) dx
    pipe = A.Compose(
        [A.Affine(shear={"x": (0, 0), "y": (10, 10)}, p=1.0)],
        keypoint_params=A.KeypointParams(format="xy", remove_invisible=False),
    )
    out = pipe(image=np.zeros((41, 41), np.uint8), keypoints=[[30.0, 20.0]])
    assert np.allclose(out["keypoints"][0], [30.0, 20.0 - 10 * np.tan(np.radians(10))])


def test_hue_saturation_value_uses_whole_level_shifts():
    img = np.array([[[200, 100, 50]]], np.uint8)
    out = A.Compose([A.HueSaturationValue((0, 0), (0, 0), (10.9, 10.9), p=1.0)])(image=img)
    hsv_in = __import__("cv2").cvtColor(img, __import__("cv2").COLOR_RGB2HSV)
    hsv_out = __import__("cv2").cvtColor(out["image"], __import__("cv2").COLOR_RGB2HSV)
    assert int(hsv_out[0, 0, 2]) - int(hsv_in[0, 0, 2]) == 10


def test_random_scale_truncates_the_output_size():
    out = A.Compose([A.RandomScale(scale_limit=(0.2, 0.2), p=1.0)])(
        image=np.zeros((37, 53, 3), np.uint8)
    )
    assert out["image"].shape == (44, 63, 3)  # int(37 * 1.2), int(53 * 1.2)


def test_strict_compose_refuses_unknown_keys_and_lenient_passes_them_through():
    img = _image()
    assert A.Compose([A.NoOp()])(image=img, filename="a.jpg")["filename"] == "a.jpg"
    with pytest.raises(ValueError, match="filename"):
        A.Compose([A.NoOp()], strict=True)(image=img, filename="a.jpg")


def test_clip_and_filter_invalid_bboxes():
    img = _image()
    pipe = A.Compose(
        [A.NoOp(p=1.0)],
        bbox_params=A.BboxParams(
            format="pascal_voc", label_fields=["l"], clip=True, filter_invalid_bboxes=True
        ),
    )
    out = pipe(image=img, bboxes=[[-5, 10, 20, 30], [200, 10, 220, 30]], l=["in", "out"])
    assert out["l"] == ["in"] and out["bboxes"][0][:4] == [0.0, 10.0, 20.0, 30.0]


def test_keypoint_formats_round_trip_through_a_noop():
    img = _image()
    for fmt, kp in (("yx", [5, 7]), ("xys", [5, 7, 2.0]), ("xysa", [5, 7, 2.0, 45.0])):
        pipe = A.Compose([A.NoOp(p=1.0)], keypoint_params=A.KeypointParams(format=fmt))
        assert np.allclose(pipe(image=img, keypoints=[kp])["keypoints"][0], kp)
    pipe = A.Compose(
        [A.NoOp(p=1.0)], keypoint_params=A.KeypointParams(format="xya", angle_in_degrees=False)
    )
    assert np.allclose(pipe(image=img, keypoints=[[5, 7, 1.0]])["keypoints"][0], [5, 7, 1.0])


def test_tofloat_and_fromfloat_invert_each_other():
    img = _image()
    out = A.Compose([A.ToFloat(max_value=255), A.FromFloat(max_value=255)])(image=img)
    assert np.array_equal(out["image"], img)
    f = A.Compose([A.ToFloat()])(image=img)["image"]
    assert f.dtype == np.float32 and np.allclose(f, img / 255.0)


def test_someof_applies_each_chosen_child_with_its_own_p():
    img = _image()
    pipe = A.Compose([A.SomeOf([A.InvertImg(p=0.0), A.InvertImg(p=0.0)], n=2)], seed=0)
    assert np.array_equal(pipe(image=img)["image"], img)
    with pytest.raises(ConfigError, match="replace=True"):
        A.SomeOf([A.NoOp()], replace=True)


def test_mask_of_other_size_is_refused_when_checking_shapes():
    with pytest.raises(ValueError, match="differs"):
        A.Compose([A.NoOp()])(image=_image(), mask=np.zeros((10, 10), np.uint8))


def test_migration_doc_names_table_is_generated_from_the_code():
    from pathlib import Path

    from synthaug.albumentations.catalog import names_table

    doc = (Path(__file__).parents[2] / "docs" / "migrating-from-albumentations.md").read_text()
    assert names_table() in doc


def test_the_layer_imports_neither_torch_nor_albumentations():
    import subprocess
    import sys

    code = (
        "import sys, synthaug.albumentations as A; "
        "A.Compose([A.HorizontalFlip()]); "
        "assert 'torch' not in sys.modules and 'albumentations' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_pipeline_ending_in_totensorv2_saves_and_loads(tmp_path):
    pipe = A.Compose([A.Resize(8, 8), A.Normalize(), ToTensorV2(transpose_mask=True)])
    A.save(pipe, tmp_path / "p.json")
    back = A.load(tmp_path / "p.json")
    assert A.to_dict(back) == A.to_dict(pipe)
    assert back(image=_image())["image"].shape == (3, 8, 8)


def test_replay_tree_marks_which_transforms_ran_as_albumentations_does():
    pipe = A.ReplayCompose(
        [A.HorizontalFlip(p=0.0), A.OneOf([A.Blur(p=1.0), A.RandomGamma(p=1.0)], p=1.0)], seed=0
    )
    replay = pipe(image=_image())["replay"]
    flip, one = replay["transforms"]
    assert flip["__class_fullname__"] == "HorizontalFlip" and flip["applied"] is False
    assert flip["params"] is None and one["applied"] is True
    assert sum(c["applied"] for c in one["transforms"]) == 1
    chosen = next(c for c in one["transforms"] if c["applied"])
    assert chosen["params"] is not None
