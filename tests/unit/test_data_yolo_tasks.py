"""YOLO pose and oriented boxes (YOLO-OBB) read and written; data.yaml in every output;
each malformed field skipped and listed (dataset-wide ones: one clear error)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from synthaug.augment import Compose, Rotate
from synthaug.data.formats import load_item, open_dataset
from synthaug.data.images import encode_image
from synthaug.data.masks import polygons_to_mask
from synthaug.engine import AugmentJob, prepare_job, run_local
from synthaug.errors import DataError

H, W = 50, 100
FLIP = {"name": "HorizontalFlip", "p": 1.0}
NOTHING = {"name": "HorizontalFlip", "p": 0.0}
# nose, left_eye, right_eye: the subject faces the camera, its left eye on the image's right
POSE_LINE = "0 0.500000 0.500000 0.400000 0.600000 0.500000 0.400000 2 0.600000 0.300000 2 0.400000 0.300000 1"
POSE_YAML = {"names": ["person"], "kpt_shape": [3, 3], "flip_idx": [0, 2, 1], "train": "images"}


def _dataset(root: Path, labels: dict[str, str], data_yaml: dict | None) -> Path:
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    for stem, text in labels.items():
        pixels = np.full((H, W, 3), 80, np.uint8)
        (root / "images" / f"{stem}.png").write_bytes(encode_image(pixels, ".png"))
        (root / "labels" / f"{stem}.txt").write_text(text)
    if data_yaml is not None:
        (root / "data.yaml").write_text(yaml.safe_dump(data_yaml))
    return root


def _run(src: Path, dst: Path, transforms: list[dict], format: str = "auto"):
    job = AugmentJob(
        str(src),
        str(dst),
        {"name": "Compose", "transforms": transforms},
        format=format,
        durable=False,
    )
    return run_local(prepare_job(job), workers=1)


def _values(path: Path) -> list[list[float]]:
    return [[float(v) for v in line.split()] for line in path.read_text().splitlines()]


def _errors(dst: Path) -> list[tuple[str, str, str]]:
    lines = (dst / "errors.jsonl").read_text().splitlines()
    return [(e["key"], e["reason"], e["file"]) for e in map(json.loads, lines)]


# ---------------------------------------------------------------- pose
def test_pose_labels_are_read_as_boxes_and_keypoints_with_visibility(tmp_path):
    src = _dataset(tmp_path / "src", {"a": POSE_LINE + "\n"}, POSE_YAML)
    ds = open_dataset(src)
    sample, _ = load_item(ds, ds.items[0])
    assert sample.boxes.tolist() == [[30.0, 10.0, 70.0, 40.0]]
    assert sample.keypoints.tolist() == [[49.5, 19.5], [59.5, 14.5], [39.5, 14.5]]
    # the engine's targets: visibility, the object each keypoint belongs to, flip_idx as pairs
    assert sample.keypoint_visibility.tolist() == [2, 2, 1]
    assert sample.keypoint_instances.tolist() == [0, 0, 0]
    assert sample.keypoint_labels == [0, 1, 2]
    assert sample.keypoint_flip_pairs == [(1, 2)]


def test_pose_identity_writes_the_same_values_and_data_yaml(tmp_path):
    src = _dataset(tmp_path / "src", {"a": POSE_LINE + "\n"}, POSE_YAML)
    _run(src, tmp_path / "dst", [NOTHING])
    assert (tmp_path / "dst" / "labels" / "a_aug0.txt").read_text() == POSE_LINE + "\n"
    doc = yaml.safe_load((tmp_path / "dst" / "data.yaml").read_text())
    assert doc == {**POSE_YAML, "nc": 1}


def test_pose_mirror_swaps_flip_idx_pairs(tmp_path):
    src = _dataset(tmp_path / "src", {"a": POSE_LINE + "\n"}, POSE_YAML)
    _run(src, tmp_path / "dst", [FLIP])
    (row,) = _values(tmp_path / "dst" / "labels" / "a_aug0.txt")
    kp = np.asarray(row[5:]).reshape(3, 3)
    assert kp[0].tolist() == pytest.approx([0.5, 0.4, 2])
    # the point that was labelled right_eye (x = 0.4) is now the subject's left eye, at 0.6
    assert kp[1].tolist() == pytest.approx([0.6, 0.3, 1])
    assert kp[2].tolist() == pytest.approx([0.4, 0.3, 2])


def test_pose_two_flips_swap_twice_and_transpose_swaps_once(tmp_path):
    src = _dataset(tmp_path / "src", {"a": POSE_LINE + "\n"}, POSE_YAML)
    _run(src, tmp_path / "two", [FLIP, FLIP])
    assert (tmp_path / "two" / "labels" / "a_aug0.txt").read_text() == POSE_LINE + "\n"
    _run(src, tmp_path / "t", [{"name": "Transpose", "p": 1.0}])
    (row,) = _values(tmp_path / "t" / "labels" / "a_aug0.txt")
    kp = np.asarray(row[5:]).reshape(3, 3)
    # (x, y) -> (y, x) in normalised edges; right_eye (0.4, 0.3) is now the left eye
    assert kp.ravel().tolist() == pytest.approx([0.4, 0.5, 2, 0.3, 0.4, 1, 0.3, 0.6, 2])


def test_pose_object_that_leaves_the_frame_goes_with_its_keypoints(tmp_path):
    second = "0 0.150000 0.500000 0.200000 0.400000 0.100000 0.400000 2 0.150000 0.300000 2 0 0 0"
    src = _dataset(tmp_path / "src", {"a": f"{POSE_LINE}\n{second}\n"}, POSE_YAML)
    crop = {"name": "Crop", "x_min": 25, "y_min": 0, "x_max": 100, "y_max": 50}
    summary = _run(src, tmp_path / "dst", [crop])
    (row,) = _values(tmp_path / "dst" / "labels" / "a_aug0.txt")
    assert row[1:5] == pytest.approx([25 / 75, 0.5, 40 / 75, 0.6])
    assert np.asarray(row[5:]).reshape(3, 3)[:, 2].tolist() == [2, 2, 1]
    assert (summary.n_boxes_in, summary.n_boxes_dropped) == (2, 1)
    assert summary.boxes_dropped_by_reason == {"outside": 1}


def test_pose_keypoint_cut_by_a_crop_is_written_unlabelled(tmp_path):
    src = _dataset(tmp_path / "src", {"a": POSE_LINE + "\n"}, POSE_YAML)
    crop = {"name": "Crop", "x_min": 0, "y_min": 0, "x_max": 55, "y_max": 50}
    _run(src, tmp_path / "dst", [crop])
    (row,) = _values(tmp_path / "dst" / "labels" / "a_aug0.txt")
    kp = np.asarray(row[5:]).reshape(3, 3)
    assert kp[1].tolist() == [0, 0, 0]  # the left eye at x = 60 px was cut
    assert kp[2].tolist() == pytest.approx([40 / 55, 0.3, 1])


def test_pose_without_visibility_column_reads_and_writes_two_values(tmp_path):
    line = "0 0.500000 0.500000 0.400000 0.600000 0.600000 0.300000 0.000000 0.000000"
    src = _dataset(tmp_path / "src", {"a": line + "\n"}, {"names": ["p"], "kpt_shape": [2, 2]})
    _run(src, tmp_path / "dst", [FLIP])
    (row,) = _values(tmp_path / "dst" / "labels" / "a_aug0.txt")
    assert row[5:] == pytest.approx([0.4, 0.3, 0.0, 0.0])


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("0 0.5 0.5 0.4 0.6 0.5 0.4 2 0.6 0.3", "wrong length"),
        ("0 0.5 0.5 0.4 0.6 0.5 0.4 2 0.6 0.3 2 0.4 0.3 1 0.1", "wrong length"),
        ("0 0.5 0.5 0.4 0.6 0.5 0.4 7 0.6 0.3 2 0.4 0.3 1", "visibility"),
        ("0 0.5 0.5 0.4 0.6 0.5 1.4 2 0.6 0.3 2 0.4 0.3 1", "outside"),
        ("0 0.5 0.5 0.4 0.6 0.5 nan 2 0.6 0.3 2 0.4 0.3 1", "non-finite"),
    ],
)
def test_bad_pose_row_skips_and_lists_its_image_only(tmp_path, line, why):
    src = _dataset(tmp_path / "src", {"a": POSE_LINE + "\n", "b": line + "\n"}, POSE_YAML)
    summary = _run(src, tmp_path / "dst", [FLIP])
    reason = "box_out_of_range" if why == "outside" else "bad_annotation"
    assert _errors(tmp_path / "dst") == [("images/b.png", reason, "labels/b.txt")]
    assert summary.n_read == 1 and (tmp_path / "dst" / "labels" / "a_aug0.txt").is_file()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"flip_idx": [0, 1, 1]}, "flip_idx: expected a permutation"),
        ({"flip_idx": [1, 2, 0]}, "flip_idx: expected pairs"),
        ({"flip_idx": [0, 2]}, "flip_idx: expected 3 entries"),
        ({"flip_idx": "0 2 1"}, "flip_idx: expected a list"),
        ({"kpt_shape": [3, 4]}, "kpt_shape"),
        ({"kpt_shape": "17,3"}, "kpt_shape"),
        ({"kpt_shape": None, "flip_idx": [0]}, "without kpt_shape"),
    ],
)
def test_bad_kpt_shape_or_flip_idx_is_one_error_naming_data_yaml(tmp_path, edit, message):
    doc = {**POSE_YAML, **edit}
    doc = {k: v for k, v in doc.items() if v is not None}
    src = _dataset(tmp_path / "src", {"a": POSE_LINE + "\n"}, doc)
    with pytest.raises(DataError, match=message) as info:
        open_dataset(src)
    assert "data.yaml" in str(info.value)


# ---------------------------------------------------------------- oriented boxes
# a 40 x 20 px rectangle turned by 30 degrees about (50, 25)
_C, _S = np.cos(np.radians(30)), np.sin(np.radians(30))
_QUAD = np.array([[-20, -10], [20, -10], [20, 10], [-20, 10]]) @ np.array([[_C, _S], [-_S, _C]])
QUAD_PX = _QUAD + [50, 25]
OBB_LINE = "1 " + " ".join(f"{v:.6f}" for v in (QUAD_PX / [W, H]).ravel())


def test_obb_lines_are_read_as_the_engines_oriented_boxes(tmp_path):
    src = _dataset(tmp_path / "src", {"a": OBB_LINE + "\n"}, None)
    ds = open_dataset(src, "yolo-obb")
    sample, _ = load_item(ds, ds.items[0])
    assert sample.oriented_box_format == "corners" and sample.oriented_box_labels == [0]
    assert sample.oriented_boxes[0] == pytest.approx(QUAD_PX, abs=1e-4)
    assert sample.boxes is None and sample.keypoints is None


def test_obb_under_a_flip_moves_the_corners_exactly(tmp_path):
    src = _dataset(tmp_path / "src", {"a": OBB_LINE + "\n"}, {"names": ["a", "b"], "task": "obb"})
    _run(src, tmp_path / "dst", [FLIP])
    (row,) = _values(tmp_path / "dst" / "labels" / "a_aug0.txt")
    assert row[0] == 1
    # the engine keeps corners clockwise: a mirror swaps p0 <-> p1 and p3 <-> p2 (the box's
    # own left and right), so p0 -> p1 stays on the same edge of the object
    want = np.column_stack([W - QUAD_PX[:, 0], QUAD_PX[:, 1]])[[1, 0, 3, 2]] / [W, H]
    assert np.asarray(row[1:]).reshape(4, 2) == pytest.approx(want, abs=2e-6)
    doc = yaml.safe_load((tmp_path / "dst" / "data.yaml").read_text())
    assert doc["task"] == "obb" and doc["nc"] == 2


def test_obb_cut_by_a_crop_is_the_min_area_rectangle_of_what_stays(tmp_path):
    src = _dataset(tmp_path / "src", {"a": OBB_LINE + "\n"}, None)
    crop = {"name": "Crop", "x_min": 50, "y_min": 0, "x_max": 100, "y_max": 50}
    _run(src, tmp_path / "dst", [crop], format="yolo-obb")
    (row,) = _values(tmp_path / "dst" / "labels" / "a_aug0.txt")
    corners = np.asarray(row[1:]).reshape(4, 2) * [50, H]
    # the half of the rectangle right of x = 50 (a rectangle cut through its centre)
    assert np.all(corners[:, 0] >= -1e-6) and np.all(corners[:, 0] <= 50 + 1e-6)
    inside = polygons_to_mask([corners.ravel()], (H, 50))
    half = polygons_to_mask([(QUAD_PX - [50, 0]).ravel()], (H, 50))
    assert (inside & half).sum() / (inside | half).sum() >= 0.9


def test_obb_that_leaves_the_frame_is_dropped(tmp_path):
    src = _dataset(tmp_path / "src", {"a": OBB_LINE + "\n"}, None)
    crop = {"name": "Crop", "x_min": 80, "y_min": 0, "x_max": 100, "y_max": 50}
    _run(src, tmp_path / "dst", [crop], format="yolo-obb")
    assert (tmp_path / "dst" / "labels" / "a_aug0.txt").read_text() == ""


def test_obb_pushed_past_the_border_by_a_rotation_is_clamped_into_the_image(tmp_path):
    # a long box near the top right: the turn moves one corner above the frame; the engine's
    # rectangle (oriented_box_fit="rect") is written with its corners clamped to [0, 1], as
    # Ultralytics clips OBB corners
    quad = np.array([[60.0, 20], [98, 20], [98, 30], [60, 30]])
    line = "0 " + " ".join(f"{v:.6f}" for v in (quad / [W, H]).ravel())
    src = _dataset(tmp_path / "src", {"a": line + "\n"}, {"names": ["a"], "task": "obb"})
    rotate = {"name": "Rotate", "limit": [30, 30], "p": 1.0}
    _run(src, tmp_path / "dst", [rotate])
    (row,) = _values(tmp_path / "dst" / "labels" / "a_aug0.txt")
    xy = np.asarray(row[1:]).reshape(4, 2)
    pipe = Compose([Rotate(limit=(30, 30), p=1.0)], oriented_box_fit="rect")
    sample, _ = load_item(open_dataset(src), open_dataset(src).items[0])
    engine = pipe(sample, seed=0).oriented_boxes[0]
    assert engine[:, 1].min() < 0  # the engine's box reaches past the top edge
    assert xy == pytest.approx(np.clip(engine / [W, H], 0, 1), abs=2e-6)
    assert xy[:, 1].min() == 0.0


def test_obb_below_min_visibility_is_dropped_and_counted(tmp_path):
    src = _dataset(tmp_path / "src", {"a": OBB_LINE + "\n", "b": OBB_LINE + "\n"}, None)
    crop = {"name": "Crop", "x_min": 60, "y_min": 0, "x_max": 100, "y_max": 50}
    job = AugmentJob(
        str(src),
        str(tmp_path / "dst"),
        {"name": "Compose", "transforms": [crop], "min_visibility": 0.5},
        format="yolo-obb",
        durable=False,
    )
    summary = run_local(prepare_job(job), workers=1)
    assert (tmp_path / "dst" / "labels" / "a_aug0.txt").read_text() == ""
    assert (summary.n_boxes_in, summary.n_boxes_dropped) == (2, 2)
    assert summary.boxes_dropped_by_reason == {"min_visibility": 2}


def test_obb_with_counter_clockwise_corners_is_read_clockwise(tmp_path):
    ccw = QUAD_PX[[0, 3, 2, 1]]
    line = "1 " + " ".join(f"{v:.6f}" for v in (ccw / [W, H]).ravel())
    src = _dataset(tmp_path / "src", {"a": line + "\n"}, None)
    ds = open_dataset(src, "yolo-obb")
    sample, _ = load_item(ds, ds.items[0])
    assert sample.oriented_boxes[0] == pytest.approx(QUAD_PX, abs=1e-4)
    _run(src, tmp_path / "id", [NOTHING], format="yolo-obb")  # no pixel moved: as read
    assert (tmp_path / "id" / "labels" / "a_aug0.txt").read_text() == line + "\n"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("1 0.1 0.1 0.5 0.1 0.5 0.5", "bad_annotation"),  # 7 numbers: 6 after the class
        ("1 0.1 0.1 0.5 0.1 0.5 0.5 0.1", "bad_annotation"),  # odd: 7 after the class
        ("1 0.1 0.1 0.5 0.1 0.5 0.5 0.1 0.5 0.3", "bad_annotation"),
        ("1 0.1 0.1 1.5 0.1 0.5 0.5 0.1 0.5", "box_out_of_range"),
        ("x 0.1 0.1 0.5 0.1 0.5 0.5 0.1 0.5", "bad_annotation"),
    ],
)
def test_bad_obb_row_skips_and_lists_its_image_only(tmp_path, line, reason):
    src = _dataset(tmp_path / "src", {"a": OBB_LINE + "\n", "b": line + "\n"}, None)
    summary = _run(src, tmp_path / "dst", [FLIP], format="yolo-obb")
    assert _errors(tmp_path / "dst") == [("images/b.png", reason, "labels/b.txt")]
    assert summary.n_read == 1


# ---------------------------------------------------------------- detect / segment
def test_data_yaml_is_written_for_a_source_with_classes_txt_only(tmp_path):
    src = _dataset(tmp_path / "src", {"a": "1 0.5 0.5 0.2 0.2\n"}, None)
    (src / "classes.txt").write_text("cat\ndog\n")
    _run(src, tmp_path / "dst", [FLIP])
    assert (tmp_path / "dst" / "classes.txt").read_text() == "cat\ndog\n"
    assert yaml.safe_load((tmp_path / "dst" / "data.yaml").read_text()) == {
        "names": ["cat", "dog"],
        "nc": 2,
    }


def test_segment_output_polygons_are_simplified(tmp_path):
    t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    ring = np.column_stack([50 + 30 * np.cos(t), 25 + 18 * np.sin(t)]) / [W, H]
    line = "0 " + " ".join(f"{v:.6f}" for v in ring.ravel())
    src = _dataset(tmp_path / "src", {"a": line + "\n"}, None)
    _run(src, tmp_path / "dst", [{"name": "Rotate", "limit": [10, 10], "p": 1.0}])
    (row,) = _values(tmp_path / "dst" / "labels" / "a_aug0.txt")
    assert 8 <= (len(row) - 1) // 2 <= 40


@pytest.mark.parametrize("task", ["pose", "obb"])
def test_pose_and_obb_outputs_are_byte_identical_with_one_and_two_workers(tmp_path, task):
    rng = np.random.default_rng(3)
    labels = {}
    for i in range(6):
        dx = float(rng.uniform(-0.2, 0.2))
        if task == "pose":
            labels[f"s{i}"] = (
                f"0 {0.5 + dx:.6f} 0.500000 0.400000 0.600000 {0.5 + dx:.6f} 0.400000 2 "
                f"{0.6 + dx:.6f} 0.300000 2 {0.4 + dx:.6f} 0.300000 1\n"
            )
        else:
            quad = (QUAD_PX + [dx * W, 0]) / [W, H]
            labels[f"s{i}"] = "1 " + " ".join(f"{v:.6f}" for v in quad.ravel()) + "\n"
    data = POSE_YAML if task == "pose" else {"names": ["a", "b"], "task": "obb"}
    src = _dataset(tmp_path / "src", labels, data)
    pipe = {
        "name": "Compose",
        "transforms": [
            {"name": "HorizontalFlip", "p": 0.5},
            {"name": "Rotate", "limit": 40, "p": 1.0},
            {"name": "RandomCrop", "height": 40, "width": 70, "p": 0.5},
        ],
        "min_visibility": 0.3,
    }
    outs = []
    for workers in (1, 2):
        dst = tmp_path / f"w{workers}"
        job = AugmentJob(str(src), str(dst), pipe, copies=2, seed=5, durable=False)
        run_local(prepare_job(job), workers=workers)
        outs.append({p.name: p.read_bytes() for p in sorted((dst / "labels").glob("*.txt"))})
    assert len(outs[0]) == 12 and outs[0] == outs[1]
