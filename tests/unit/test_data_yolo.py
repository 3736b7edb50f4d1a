"""YOLO reader and writer: normalised boxes, polygons, class names."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug.data.dataset import ItemError
from synthaug.data.formats import load_item, open_dataset
from synthaug.data.images import encode_image
from synthaug.data.toy import write_toy_dataset
from synthaug.data.yolo import YoloFormat, format_label_lines, label_key


def test_label_key_maps_images_to_labels():
    assert label_key("images/train/a.jpg") == "labels/train/a.txt"
    assert label_key("a.png") == "a.txt"


def test_unchanged_sample_writes_the_same_label_text(tmp_path):
    write_toy_dataset(tmp_path / "src", "yolo", n=5, seed=1)
    ds = open_dataset(tmp_path / "src")
    assert ds.format == "yolo" and ds.info["names"] == ["circle", "square"]
    for item in ds.items:
        sample, _ = load_item(ds, item)
        text = format_label_lines(YoloFormat().record(sample, ds.info, item))
        assert text == (tmp_path / "src" / item.ann["label"]).read_text()


def test_finish_writes_class_names(tmp_path):
    write_toy_dataset(tmp_path / "src", "yolo", n=1)
    ds = open_dataset(tmp_path / "src")
    YoloFormat().finish(tmp_path / "out", [], ds.info)
    assert (tmp_path / "out" / "classes.txt").read_text() == "circle\nsquare\n"


def _one_image(tmp_path, label_text):
    root = tmp_path / "src"
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    (root / "images" / "a.png").write_bytes(encode_image(np.zeros((20, 40, 3), np.uint8), ".png"))
    (root / "labels" / "a.txt").write_text(label_text)
    ds = open_dataset(root, "yolo")
    return ds, ds.items[0]


def test_polygon_lines_become_masks_and_come_back(tmp_path):
    ds, item = _one_image(tmp_path, "1 0.25 0.25 0.75 0.25 0.75 0.75 0.25 0.75\n")
    sample, _ = load_item(ds, item)
    assert int(sample.masks[0].sum()) == 20 * 10
    assert sample.boxes[0].tolist() == [10.0, 5.0, 30.0, 15.0]
    (obj,) = YoloFormat().record(sample, ds.info, item)["objects"]
    assert obj[0] == 1
    xy = np.asarray(obj[1:]).reshape(-1, 2)
    assert xy.min(axis=0) == pytest.approx([0.25, 0.25], abs=0.01)
    assert xy.max(axis=0) == pytest.approx([0.75, 0.75], abs=0.01)


def test_empty_label_file_is_an_image_without_objects(tmp_path):
    ds, item = _one_image(tmp_path, "")
    sample, _ = load_item(ds, item)
    assert len(sample.boxes) == 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0 0.5 0.5 0.2\n", "bad_annotation"),
        ("cat 0.5 0.5 0.2 0.2\n", "bad_annotation"),
        ("0 0.5 0.5 0.2 0.2\n0 0.1 0.1 0.2 0.1 0.2 0.2\n", "bad_annotation"),
        ("0 1.5 0.5 0.2 0.2\n", "box_out_of_range"),
    ],
)
def test_bad_lines_are_reported_with_a_reason(tmp_path, text, reason):
    ds, item = _one_image(tmp_path, text)
    with pytest.raises(ItemError) as err:
        load_item(ds, item)
    assert err.value.reason == reason and "labels/a.txt" in str(err.value)


def test_label_without_image_is_a_missing_image_item(tmp_path):
    write_toy_dataset(tmp_path / "src", "yolo", n=2)
    (tmp_path / "src" / "labels" / "ghost.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    ds = open_dataset(tmp_path / "src")
    ghost = [it for it in ds.items if it.error]
    assert [(it.key, it.error[0]) for it in ghost] == [("labels/ghost.txt", "missing_image")]
