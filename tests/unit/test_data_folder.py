"""Class-per-subfolder image folders and format detection."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug.data.formats import detect_format, get_format, load_item, open_dataset
from synthaug.data.images import encode_image
from synthaug.data.toy import write_toy_dataset
from synthaug.errors import ConfigError


def test_class_is_the_first_folder(tmp_path):
    write_toy_dataset(tmp_path / "src", "folder", n=6)
    ds = open_dataset(tmp_path / "src")
    assert ds.format == "folder" and ds.info["classes"] == ["circle", "square"]
    for item in ds.items:
        sample, _ = load_item(ds, item)
        assert sample.label == item.key.split("/")[0]


def test_dot_folders_and_non_images_are_ignored(tmp_path):
    root = tmp_path / "src"
    (root / "cat").mkdir(parents=True)
    (root / ".synthaug").mkdir()
    (root / "cat" / "a.png").write_bytes(encode_image(np.zeros((4, 4), np.uint8), ".png"))
    (root / ".synthaug" / "b.png").write_bytes(b"x")
    (root / "cat" / "notes.txt").write_text("hello")
    assert [it.key for it in open_dataset(root).items] == ["cat/a.png"]


@pytest.mark.parametrize("fmt", ["folder", "coco", "yolo", "voc"])
def test_detect_format_recognises_each_layout(tmp_path, fmt):
    write_toy_dataset(tmp_path / fmt, fmt, n=2)
    assert detect_format(tmp_path / fmt) == fmt


def test_coco_json_path_opens_its_dataset(tmp_path):
    write_toy_dataset(tmp_path / "src", "coco", n=2)
    ds = open_dataset(tmp_path / "src" / "annotations" / "instances.json")
    assert ds.format == "coco" and len(ds.items) == 2


def test_unknown_format_name_lists_the_choices():
    with pytest.raises(ConfigError, match="expected one of"):
        get_format("pascal")


def _png_tree(root, classes, n=2):
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(n):
            img = np.full((4, 4), 40 * i, np.uint8)
            (root / name / f"{i}.png").write_bytes(encode_image(img, ".png"))


def test_class_names_follow_the_folder_ids(tmp_path):
    from synthaug.data.npz import class_names_of, load_image_folder

    _png_tree(tmp_path / "named", ["dog", "cat"])
    (tmp_path / "named" / ".synthaug").mkdir()  # a hidden folder is not a class
    X, y, names = load_image_folder(tmp_path / "named")
    assert names == ["cat", "dog"] and y.tolist() == [0, 0, 1, 1] and X.shape == (4, 4, 4)
    assert class_names_of(tmp_path / "named") == {0: "cat", 1: "dog"}
    _png_tree(tmp_path / "numbered", ["7", "10"])
    _, y, _ = load_image_folder(tmp_path / "numbered")
    assert y.tolist() == [7, 7, 10, 10]
    assert class_names_of(tmp_path / "numbered") == {7: "7", 10: "10"}
    assert class_names_of("digits") is None
    np.savez(tmp_path / "a.npz", X=np.zeros((2, 4, 4)), y=np.array([0, 1]))
    assert class_names_of(tmp_path / "a.npz") is None
