"""YOLO pose and oriented boxes (YOLO-OBB) read and written; data.yaml in every output;
each malformed field skipped and listed (dataset-wide ones: one clear error)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

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
    assert sample.keypoint_labels == [[0, 0, 2], [0, 1, 2], [0, 2, 1]]
    assert sample.keypoints.tolist() == [[49.5, 19.5], [59.5, 14.5], [39.5, 14.5]]


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


def test_obb_lines_are_read_as_corners_and_an_upright_box(tmp_path):
    src = _dataset(tmp_path / "src", {"a": OBB_LINE + "\n"}, None)
    ds = open_dataset(src, "yolo-obb")
    sample, _ = load_item(ds, ds.items[0])
    assert sample.keypoint_labels == [["obb", 0, c] for c in range(4)]
    assert sample.keypoints + 0.5 == pytest.approx(QUAD_PX, abs=1e-4)
    assert sample.boxes[0] == pytest.approx([*QUAD_PX.min(axis=0), *QUAD_PX.max(axis=0)], abs=1e-4)


def test_obb_under_a_flip_moves_the_corners_exactly(tmp_path):
    src = _dataset(tmp_path / "src", {"a": OBB_LINE + "\n"}, {"names": ["a", "b"], "task": "obb"})
    _run(src, tmp_path / "dst", [FLIP])
    (row,) = _values(tmp_path / "dst" / "labels" / "a_aug0.txt")
    assert row[0] == 1
    want = np.column_stack([W - QUAD_PX[:, 0], QUAD_PX[:, 1]]) / [W, H]
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
