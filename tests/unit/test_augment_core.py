"""Unit tests of the augmentation core: conventions, labels, pipelines, errors."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest

from synthaug import augment as A
from synthaug.errors import ConfigError, InvalidInputError


def img(h=40, w=60, c=3, dtype=np.uint8):
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (h, w, c)).astype(np.uint8)
    return a if dtype == np.uint8 else (a / 255).astype(np.float32)


# ----------------------------------------------------------------------------- conventions
def test_positive_rotation_turns_counter_clockwise_as_displayed():
    out = A.Rotate(limit=(90, 90))(image=img(41, 41), keypoints=[[30, 20]])
    # a point right of the centre (20, 20) moves above it
    assert np.allclose(out.keypoints[0], [20, 10], atol=1e-6)


def test_rotate90_moves_box_exactly():
    out = A.Rotate90(k=1)(image=img(40, 60), boxes=[[10, 5, 20, 15]])
    assert out.image.shape[:2] == (60, 40)
    # numpy.rot90 once: column x becomes row W - x (edges), row y becomes column y
    assert out.boxes.tolist() == [[5.0, 40.0, 15.0, 50.0]]


def test_horizontal_flip_maps_keypoint_pixel_centres():
    out = A.HorizontalFlip(p=1)(image=img(10, 10), keypoints=[[0, 3], [9, 4]])
    assert out.keypoints.tolist() == [[9.0, 3.0], [0.0, 4.0]]


def test_keypoint_angle_and_scale_follow_the_transform():
    out = A.Affine(rotate=(30, 30), scale=(2, 2))(image=img(41, 41), keypoints=[[20, 20, 10, 1.5]])
    assert out.keypoints[0, 2] == pytest.approx(40.0)
    assert out.keypoints[0, 3] == pytest.approx(3.0)
    flipped = A.HorizontalFlip(p=1)(image=img(41, 41), keypoints=[[20, 20, 10, 1.0]])
    assert flipped.keypoints[0, 2] == pytest.approx(170.0)


@pytest.mark.parametrize("fmt", ["xyxy", "xywh", "yolo"])
def test_boxes_come_back_in_their_input_format(fmt):
    base = np.array([[10.0, 4.0, 30.0, 24.0]])
    conv = {
        "xyxy": base,
        "xywh": np.array([[10.0, 4.0, 20.0, 20.0]]),
        "yolo": np.array([[20 / 60, 14 / 40, 20 / 60, 20 / 40]]),
    }[fmt]
    out = A.HorizontalFlip(p=1)(A.Sample(img(), boxes=conv, box_format=fmt))
    expected = {
        "xyxy": [[30, 4, 50, 24]],
        "xywh": [[30, 4, 20, 20]],
        "yolo": [[40 / 60, 14 / 40, 20 / 60, 20 / 40]],
    }[fmt]
    assert out.box_format == fmt
    assert np.allclose(out.boxes, expected)


def test_mask_array_form_is_kept_and_values_are_nearest():
    masks = np.zeros((40, 60, 2), np.uint8)
    masks[5:20, 5:20, 0] = 7
    masks[10:30, 30:50, 1] = 2
    out = A.Rotate(limit=(17, 17))(image=img(), masks=masks)
    assert out.masks.shape == (40, 60, 2)
    assert set(np.unique(out.masks[..., 0])) == {0, 7}
    assert set(np.unique(out.masks[..., 1])) == {0, 2}


# ----------------------------------------------------------------------------- boxes dropped
def test_boxes_below_min_visibility_are_dropped_with_their_labels_and_counted():
    pipe = A.Compose([A.CenterCrop(20, 20)], min_visibility=0.5)
    # image 40x60: the crop is x in [20, 40), y in [10, 30)
    boxes = [[22, 12, 30, 20], [15, 10, 25, 20], [0, 0, 5, 5]]
    out = pipe(image=img(), boxes=boxes, box_labels=["inside", "half", "outside"])
    assert out.box_labels == ["inside", "half"]
    assert out.boxes.tolist() == [[2, 2, 10, 10], [0, 0, 5, 10]]
    assert out.box_visibility.tolist() == [1.0, 0.5]
    assert out.n_boxes_dropped == 1
    strict = A.Compose([A.CenterCrop(20, 20)], min_visibility=0.6)(image=img(), boxes=boxes)
    assert strict.n_boxes_dropped == 2


def test_boxes_below_min_area_are_dropped():
    out = A.Compose([A.HorizontalFlip(p=1)], min_area=50)(
        image=img(), boxes=[[0, 0, 5, 5], [0, 0, 10, 10]], box_labels=[1, 2]
    )
    assert out.box_labels == [2] and out.n_boxes_dropped == 1


def test_keypoints_outside_are_removed_or_kept_by_option():
    pipe = A.Compose([A.CenterCrop(20, 20)])
    kps = [[25, 15], [2, 2]]
    out = pipe(image=img(), keypoints=kps, keypoint_labels=["in", "out"])
    assert out.keypoint_labels == ["in"] and out.n_keypoints_dropped == 1
    kept = A.Compose([A.CenterCrop(20, 20)], remove_invisible_keypoints=False)(
        image=img(), keypoints=kps
    )
    assert kept.keypoints.tolist() == [[5, 5], [-18, -8]]


def test_boxes_from_masks_gives_the_tight_box_after_rotation():
    m = np.zeros((61, 61), np.uint8)
    cv2.circle(m, (30, 30), 12, 1, -1)
    loose = A.Compose([A.Rotate(limit=(45, 45), p=1)], boxes_from_masks=False)(
        image=img(61, 61), masks=[m], boxes=[[18, 18, 43, 43]]
    )
    tight = A.Compose([A.Rotate(limit=(45, 45), p=1)], boxes_from_masks=True)(
        image=img(61, 61), masks=[m], boxes=[[18, 18, 43, 43]]
    )
    default = A.Compose([A.Rotate(limit=(45, 45), p=1)])(
        image=img(61, 61), masks=[m], boxes=[[18, 18, 43, 43]]
    )
    w_loose = loose.boxes[0, 2] - loose.boxes[0, 0]
    w_tight = tight.boxes[0, 2] - tight.boxes[0, 0]
    assert w_tight <= 26 < w_loose
    assert np.array_equal(default.boxes, tight.boxes)  # one mask per box: instance masks


def test_ellipse_box_method_is_tighter_under_rotation():
    corners = A.Compose([A.Rotate(limit=(45, 45), p=1)])(
        image=img(61, 61), boxes=[[18, 18, 43, 43]]
    )
    ellipse = A.Compose([A.Rotate(limit=(45, 45), p=1)], box_method="ellipse")(
        image=img(61, 61), boxes=[[18, 18, 43, 43]]
    )
    assert (ellipse.boxes[0, 2] - ellipse.boxes[0, 0]) < (
        corners.boxes[0, 2] - corners.boxes[0, 0]
    ) - 5


# ----------------------------------------------------------------------------- pipelines
def test_probability_zero_never_applies_and_one_always_does():
    pipe = A.Compose([A.HorizontalFlip(p=0.0), A.VerticalFlip(p=1.0)])
    for seed in range(20):
        assert [a.name for a in pipe(image=img(), seed=seed).applied] == ["VerticalFlip"]


def test_probability_half_applies_about_half_the_time():
    pipe = A.Compose([A.HorizontalFlip(p=0.5)])
    n = sum(bool(pipe(image=img(4, 4), seed=s).applied) for s in range(400))
    assert 160 < n < 240


def test_one_of_runs_exactly_one_child():
    pipe = A.Compose([A.OneOf([A.HorizontalFlip(), A.VerticalFlip(), A.Transpose()])])
    names = [tuple(a.name for a in pipe(image=img(), seed=s).applied) for s in range(60)]
    assert all(len(n) == 1 for n in names)
    assert {n[0] for n in names} == {"HorizontalFlip", "VerticalFlip", "Transpose"}


def test_some_of_runs_n_children_in_listed_order():
    pipe = A.Compose([A.SomeOf([A.HorizontalFlip(), A.VerticalFlip(), A.Transpose()], n=2)])
    order = {"HorizontalFlip": 0, "VerticalFlip": 1, "Transpose": 2}
    for s in range(30):
        names = [a.name for a in pipe(image=img(), seed=s).applied]
        assert len(names) == 2 and sorted(names, key=order.get) == names


def test_item_seed_result_is_independent_of_call_order():
    pipe = A.Compose([A.Rotate(limit=30), A.ColorJitter(), A.GaussianNoise()])
    images = [img(20, 20) + np.uint8(i) for i in range(5)]
    forward = [
        pipe(im, seed=(7, 0, i)).image.tobytes() for i, im in enumerate(images) for im in [im]
    ]
    backward = [pipe(images[i], seed=(7, 0, i)).image.tobytes() for i in reversed(range(5))][::-1]
    assert forward == backward
    assert pipe(images[0], seed=(7, 1, 0)).image.tobytes() != forward[0]  # epochs differ


def test_pipeline_seed_makes_a_sequence_reproducible():
    a = A.Compose([A.Rotate(), A.GaussianNoise()], seed=3)
    b = A.Compose([A.Rotate(), A.GaussianNoise()], seed=3)
    assert [a(image=img()).image.tobytes() for _ in range(3)] == [
        b(image=img()).image.tobytes() for _ in range(3)
    ]


def test_replay_of_nested_pipeline_reproduces_exactly():
    pipe = A.Compose(
        [
            A.OneOf([A.Rotate(p=1), A.Affine(shear=10, p=1)]),
            A.SomeOf([A.GaussianBlur(p=1), A.JPEGCompression(p=1)], n=1),
        ]
    )
    s = A.Sample(img(), boxes=np.array([[5.0, 5.0, 25.0, 25.0]]))
    out = pipe(s, seed=4)
    again = pipe.replay(s, [a.to_dict() for a in out.applied])
    assert again.image.tobytes() == out.image.tobytes() and np.array_equal(again.boxes, out.boxes)


def test_replay_refuses_a_step_that_does_not_match_the_pipeline():
    out = A.Compose([A.Rotate(p=1)])(image=img())
    with pytest.raises(ConfigError, match="transforms\\[0\\] is HorizontalFlip"):
        A.Compose([A.HorizontalFlip(p=1)]).replay(img(), out.applied)


# ----------------------------------------------------------------------------- fusion
def _chain(fuse):
    return A.Compose(
        [
            A.Affine(rotate=(12, 12), scale=(0.9, 0.9), p=1),
            A.Rotate(limit=(-20, -20), p=1),
            A.Perspective(scale=(0.03, 0.03), p=1),
        ],
        fuse=fuse,
    )


def test_fused_geometric_chain_agrees_with_sequential_and_is_sharper():
    photo = cv2.resize(_astronaut(), (256, 256))
    fused = _chain(True)(photo, seed=1)
    seq = _chain(False)(photo, seed=1)
    assert [a.params for a in fused.applied] == [a.params for a in seq.applied]
    inner = (slice(40, 216), slice(40, 216))
    diff = np.abs(fused.image[inner].astype(int) - seq.image[inner].astype(int))
    assert np.median(diff) <= 6  # same geometry: only interpolation differs

    def sharpness(x):
        return cv2.Laplacian(cv2.cvtColor(x[inner], cv2.COLOR_RGB2GRAY), cv2.CV_64F).var()

    assert sharpness(fused.image) > sharpness(seq.image) * 1.05


def test_fused_chain_moves_boxes_like_the_sequential_chain():
    s = A.Sample(
        _astronaut()[:200, :200],
        boxes=np.array([[60.0, 50.0, 120.0, 130.0]]),
        keypoints=np.array([[90.0, 90.0]]),
    )
    f, q = _chain(True)(s, seed=2), _chain(False)(s, seed=2)
    assert np.allclose(f.keypoints, q.keypoints, atol=1e-6)
    # the sequential chain re-boxes after every step, so its box only grows; the fused box is
    # the tight box of the compound transform and lies inside it
    assert np.all(f.boxes[0, :2] >= q.boxes[0, :2] - 1e-6) and np.all(
        f.boxes[0, 2:] <= q.boxes[0, 2:] + 1e-6
    )


def test_lut_transforms_fuse_into_one_table_with_identical_bytes():
    pipe = [A.BrightnessContrast(p=1), A.Gamma(p=1), A.BrightnessContrast(p=1)]
    fused = A.Compose(pipe, fuse=True)(image=img(), seed=5)
    seq = A.Compose(pipe, fuse=False)(image=img(), seed=5)
    assert fused.image.tobytes() == seq.image.tobytes()


def _astronaut():
    import skimage.data

    return skimage.data.astronaut()


# ----------------------------------------------------------------------------- pixel transforms
def test_normalize_matches_formula():
    x = np.full((2, 2, 3), 255, np.uint8)
    out = A.Normalize(mean=(0.5, 0.5, 0.5), std=(0.25, 0.5, 1.0))(image=x)
    assert np.allclose(out.image[0, 0], [2.0, 1.0, 0.5])


def test_coarse_dropout_fills_masks_only_when_asked():
    m = np.ones((40, 60), np.uint8)
    kept = A.CoarseDropout(n_holes=(3, 3), fill=0)(image=img(), masks=[m], seed=1)
    filled = A.CoarseDropout(n_holes=(3, 3), fill=0, fill_mask=0)(image=img(), masks=[m], seed=1)
    assert kept.masks[0].min() == 1
    assert filled.masks[0].min() == 0
    holes = np.zeros((40, 60), bool)
    for x0, y0, x1, y1 in filled.applied[0].params["rects"]:
        holes[y0:y1, x0:x1] = True
    assert np.array_equal(filled.masks[0] == 0, holes)
    assert np.all(filled.image[holes] == 0)


def test_to_gray_gives_equal_channels():
    out = A.ToGray(p=1)(image=img())
    assert np.array_equal(out.image[..., 0], out.image[..., 2])


def test_many_channel_images_are_supported_by_warps():
    x = img(30, 30, 7)
    out = A.Rotate(limit=(10, 10))(image=x)
    assert out.image.shape == (30, 30, 7)
    single = A.Rotate(limit=(10, 10))(image=np.ascontiguousarray(x[:, :, 5]))
    assert np.array_equal(out.image[:, :, 5], single.image)


# ----------------------------------------------------------------------------- input errors
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"image": np.zeros((4, 4), np.float64)}, "expected dtype uint8, uint16 or float32"),
        ({"image": np.zeros((4,), np.uint8)}, "expected shape H x W or H x W x C"),
        ({"image": np.full((4, 4), np.nan, np.float32)}, "NaN or inf"),
        (
            {"image": np.zeros((4, 4), np.int16)},
            "expected dtype uint8, uint16 or float32, got int16",
        ),
        (
            {"image": np.zeros((4, 4), np.uint8), "boxes": [[1, 1, np.nan, 2]]},
            "boxes\\[0\\] = \\[1, 1, nan, 2\\]: contains NaN",
        ),
        (
            {
                "image": np.zeros((64, 64), np.uint8),
                "boxes": [[0, 0, 1, 1], [1, 1, 2, 2], [3, 3, 4, 4], [40, 10, 20, 30]],
            },
            "boxes\\[3\\] = \\[40, 10, 20, 30\\]: x_max \\(20\\) < x_min \\(40\\) in format 'xyxy'",
        ),
        (
            {
                "image": np.zeros((4, 4), np.uint8),
                "boxes": [[0.5, 0.5, 1.5, 0.2]],
                "box_format": "yolo",
            },
            "normalised to \\[0, 1\\]",
        ),
        (
            {"image": np.zeros((4, 4), np.uint8), "masks": [np.zeros((5, 4), np.uint8)]},
            "masks\\[0\\]: size 5x4 differs from the image's 4x4",
        ),
        (
            {"image": np.zeros((4, 4), np.uint8), "keypoints": np.zeros((2, 5))},
            "keypoints: expected an N x 2",
        ),
        (
            {"image": np.zeros((4, 4), np.uint8), "boxes": [[0, 0, 1, 1]], "box_labels": [1, 2]},
            "2 labels for 1 boxes",
        ),
    ],
)
def test_bad_input_raises_invalid_input_error_with_a_helpful_message(fields, message):
    with pytest.raises(InvalidInputError, match=message):
        A.Compose([A.HorizontalFlip()])(**fields)


def test_crop_larger_than_image_names_the_sizes():
    with pytest.raises(InvalidInputError, match="crop size 50x50 is larger than the image 40x60"):
        A.RandomCrop(50, 50)(image=img())


# ----------------------------------------------------------------------------- config errors
def test_config_error_names_location_value_and_expectation(tmp_path):
    p = tmp_path / "pipeline.yaml"
    p.write_text(
        "transforms:\n  - {name: HorizontalFlip}\n  - {name: VerticalFlip}\n  - {name: Rotate, limit: abc}\n"
    )
    with pytest.raises(ConfigError) as exc:
        A.load(p)
    assert str(exc.value) == (
        f"{p}: transforms[2] (Rotate).limit: expected a number or a pair of numbers in "
        "[-360, 360] (a number v means (-v, v)), got 'abc'"
    )


def test_misspelt_transform_name_gets_a_suggestion():
    with pytest.raises(ConfigError, match="unknown transform 'Rotat'.*did you mean 'Rotate'"):
        A.from_dict({"transforms": [{"name": "Rotat"}]})


def test_misspelt_parameter_gets_a_suggestion():
    with pytest.raises(
        ConfigError,
        match="transforms\\[0\\] \\(Rotate\\): unknown parameter 'limt'.*did you mean 'limit'",
    ):
        A.from_dict({"transforms": [{"name": "Rotate", "limt": 3}]})


def test_nested_location_is_reported():
    with pytest.raises(
        ConfigError,
        match="transforms\\[0\\].transforms\\[1\\] \\(GaussianBlur\\).ksize: expected odd",
    ):
        A.from_dict(
            {
                "transforms": [
                    {
                        "name": "OneOf",
                        "transforms": [
                            {"name": "HorizontalFlip"},
                            {"name": "GaussianBlur", "ksize": 4},
                        ],
                    }
                ]
            }
        )


def test_yaml_tags_cannot_execute_code(tmp_path):
    p = tmp_path / "evil.yaml"
    p.write_text("!!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        A.load(p)


def test_names_resolve_through_the_registry_only():
    with pytest.raises(ConfigError, match="unknown transform 'os.system'"):
        A.from_dict({"transforms": [{"name": "os.system"}]})


def test_save_and_load_round_trip_yaml_and_json(tmp_path):
    pipe = A.Compose(
        [A.OneOf([A.Rotate(limit=10), A.Affine(scale=(0.8, 1.2))], p=0.7), A.GaussianBlur()],
        min_visibility=0.2,
    )
    for suffix in (".yaml", ".json"):
        path = tmp_path / f"p{suffix}"
        pipe.save(path)
        loaded = A.load(path)
        assert loaded.to_dict() == pipe.to_dict()
        assert (
            loaded(image=img(), seed=3).image.tobytes() == pipe(image=img(), seed=3).image.tobytes()
        )


def test_augment_never_imports_torch():
    code = (
        "import sys, synthaug.augment as A; A.Compose([A.Rotate()]); print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("boxes", "detail"),
    [
        ([[1, 2, 3]], "got shape (1, 3)"),
        ([1, 2, 3, 4, 5, 6, 7, 8], "got shape (8,)"),
        ([[1, 2], [3]], "ragged or non-numeric"),
        ("ab", "ragged or non-numeric"),
    ],
)
def test_keyword_boxes_of_the_wrong_shape_are_refused_naming_the_argument(boxes, detail):
    # regression (issue 22): a box of 3 numbers gave numpy's "cannot reshape array of size 3"
    pipe = A.Compose([A.HorizontalFlip(p=1)])
    with pytest.raises(InvalidInputError, match=r"^boxes: expected rows of 4 numbers") as info:
        pipe(image=np.zeros((10, 10, 3), np.uint8), boxes=boxes)
    assert detail in str(info.value)


def test_keyword_boxes_accept_one_flat_box_and_an_empty_list():
    pipe = A.Compose([A.HorizontalFlip(p=1)])
    img = np.zeros((10, 10, 3), np.uint8)
    np.testing.assert_allclose(
        pipe(image=img, boxes=[1, 2, 3, 4], box_labels=[0]).boxes, [[7, 2, 9, 4]]
    )
    assert pipe(image=img, boxes=[], box_labels=[]).boxes.shape == (0, 4)
