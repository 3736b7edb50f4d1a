"""from_albumentations: name/parameter mapping, errors, and pixel-equal results on a fixture.

The fixture (tests/fixtures/albumentations) holds pipelines serialized by Albumentations 2.0.8
and its outputs; make_fixture.py there regenerates it. Albumentations is never imported here.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from synthaug import augment as A
from synthaug.augment import Applied
from synthaug.errors import ConfigError

FIXTURE = Path(__file__).parents[1] / "fixtures" / "albumentations"
CASES = json.loads((FIXTURE / "pipelines.json").read_text())
EXPECTED = np.load(FIXTURE / "expected.npz")
# transforms whose keypoints we move with the pixel they mark, where Albumentations scales the
# coordinate (x' = x * s); see the module docstring of albumentations_import
RESIZING = {"resize_linear", "resize_nearest_up", "longest_max_size", "flip_crop_resize"}
# nearest-neighbour resizes read the pixel under each mapped centre (cv2.INTER_NEAREST_EXACT),
# so masks, keypoints and image agree; Albumentations' cv2.INTER_NEAREST reads half a pixel off
NEAREST_EXACT = {"resize_nearest_up"}


def _run(name: str):
    pipe = A.from_albumentations(CASES[name]["pipeline"])
    kwargs = dict(
        image=EXPECTED["input/image"],
        boxes=EXPECTED["input/boxes"],
        box_labels=[0, 1],
        keypoints=EXPECTED["input/keypoints"],
    )
    if name.startswith("rot90"):
        k = CASES[name]["rot90_factor"]
        image = kwargs.pop("image")
        return pipe.replay(image, [Applied("transforms[0]", "Rotate90", {"k": k})], **kwargs)
    return pipe(seed=0, **kwargs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_deterministic_transforms_give_albumentations_pixels(name):
    out = _run(name)
    expected = EXPECTED[f"{name}/image"]
    assert out.image.shape == expected.shape and out.image.dtype == expected.dtype
    if expected.dtype == np.float32:
        assert np.allclose(out.image, expected, atol=1e-5)
    elif name in NEAREST_EXACT:
        exact = cv2.resize(
            EXPECTED["input/image"], expected.shape[1::-1], interpolation=cv2.INTER_NEAREST_EXACT
        )
        assert np.array_equal(out.image, exact) and not np.array_equal(out.image, expected)
    else:
        assert np.array_equal(out.image, expected)


@pytest.mark.parametrize("name", sorted(CASES))
def test_deterministic_transforms_give_albumentations_boxes(name):
    out = _run(name)
    # reflect padding makes Albumentations add mirrored copies of boxes; ours keeps originals
    expected = EXPECTED[f"{name}/boxes"][: len(out.boxes)]
    assert len(out.boxes) == 2
    assert np.allclose(out.boxes, expected, atol=1e-4)


@pytest.mark.parametrize("name", sorted(set(CASES) - RESIZING))
def test_exact_transforms_give_albumentations_keypoints(name):
    out = _run(name)
    expected = EXPECTED[f"{name}/keypoints"][: len(out.keypoints)]
    assert len(out.keypoints) == 2
    assert np.allclose(out.keypoints, expected, atol=1e-6)


def test_resizes_keep_keypoints_on_their_pixel_centre():
    out = _run("resize_linear")
    scale = np.array([30 / 53, 20 / 37])
    assert np.allclose(out.keypoints, (EXPECTED["input/keypoints"] + 0.5) * scale - 0.5)


def test_names_and_parameters_are_mapped():
    d = {
        "__class_fullname__": "Compose",
        "p": 1.0,
        "transforms": [
            {
                "__class_fullname__": "RandomBrightnessContrast",
                "p": 0.3,
                "brightness_limit": [-0.1, 0.2],
                "contrast_limit": [-0.3, 0.3],
                "brightness_by_max": True,
            },
            {
                "__class_fullname__": "Rotate",
                "p": 0.5,
                "limit": [-15, 15],
                "interpolation": 2,
                "border_mode": 4,
                "fill": 0,
                "fill_mask": 0,
                "crop_border": False,
            },
            {
                "__class_fullname__": "OneOf",
                "p": 0.5,
                "transforms": [
                    {"__class_fullname__": "Blur", "p": 1.0, "blur_limit": [3, 5]},
                    {
                        "__class_fullname__": "RGBShift",
                        "p": 1.0,
                        "r_shift_limit": [-51, 51],
                        "g_shift_limit": [0, 0],
                        "b_shift_limit": [-25.5, 25.5],
                    },
                ],
            },
        ],
        "bbox_params": {"format": "coco", "min_area": 4.0, "min_visibility": 0.3},
        "keypoint_params": {"format": "xy", "remove_invisible": False},
    }
    pipe = A.from_albumentations({"__version__": "2.0.8", "transform": d})
    bc, rot, one = pipe.transforms
    assert isinstance(bc, A.BrightnessContrast) and bc.brightness == (-0.1, 0.2) and bc.p == 0.3
    assert rot.limit == (-15, 15) and rot.interpolation == "cubic" and rot.border_mode == "reflect"
    assert isinstance(one, A.OneOf) and isinstance(one.transforms[0], A.Blur)
    assert one.transforms[1].r_shift == pytest.approx((-0.2, 0.2))
    assert pipe.box_format == "xywh" and pipe.min_area == 4.0 and pipe.min_visibility == 0.3
    assert pipe.remove_invisible_keypoints is False


def test_every_unmappable_transform_is_listed_in_one_error():
    d = {
        "__class_fullname__": "Compose",
        "p": 1.0,
        "transforms": [
            {"__class_fullname__": "HorizontalFlip", "p": 0.5},
            {"__class_fullname__": "FancyPCA", "p": 0.5},
            {"__class_fullname__": "Rotate", "p": 0.5, "limit": [-5, 5], "crop_border": True},
            {
                "__class_fullname__": "PadIfNeeded",
                "min_height": None,
                "min_width": 32,
                "pad_height_divisor": 32,
            },
        ],
    }
    with pytest.raises(ConfigError) as err:
        A.from_albumentations(d)
    msg = str(err.value)
    assert "3 Albumentations setting(s)" in msg
    assert "transforms[1] (FancyPCA): no synthaug counterpart" in msg
    assert "transforms[2] (Rotate): crop_border=True" in msg
    assert "transforms[3] (PadIfNeeded): pad_height_divisor" in msg


def test_saved_json_and_yaml_files_load(tmp_path):
    d = CASES["flip_crop_resize"]["pipeline"]
    j = tmp_path / "pipe.json"
    j.write_text(json.dumps(d))
    y = tmp_path / "pipe.yaml"
    import yaml

    y.write_text(yaml.safe_dump(d))
    names = [type(t).__name__ for t in A.from_albumentations(j).transforms]
    assert names == ["HorizontalFlip", "Crop", "Resize"]
    assert [type(t).__name__ for t in A.from_albumentations(str(y)).transforms] == names


def test_a_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        A.from_albumentations(tmp_path / "nope.json")


def test_settings_only_the_call_convention_applies_are_refused_not_dropped():
    d = {
        "__class_fullname__": "Compose",
        "p": 1.0,
        "transforms": [{"__class_fullname__": "HorizontalFlip", "p": 0.5}],
        "bbox_params": {"format": "pascal_voc", "min_width": 4.0, "clip": True},
        "keypoint_params": {"format": "yx"},
        "additional_targets": {"image2": "image"},
    }
    with pytest.raises(ConfigError) as err:
        A.from_albumentations(d)
    msg = str(err.value)
    for key in ("min_width=4.0", "clip=True", "format='yx'", "additional_targets"):
        assert key in msg
