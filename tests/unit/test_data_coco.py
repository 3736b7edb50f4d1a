"""COCO reader and writer: boxes, polygon and RLE segmentations, keypoints, unsafe paths."""

from __future__ import annotations

import json

import numpy as np
import pytest

from synthaug.data.coco import CocoFormat
from synthaug.data.dataset import ItemError
from synthaug.data.formats import load_item, open_dataset
from synthaug.data.masks import polygons_to_mask, rle_to_mask
from synthaug.data.toy import write_toy_dataset


def _dataset(tmp_path, n=6):
    write_toy_dataset(tmp_path / "src", "coco", n=n, seed=3)
    return open_dataset(tmp_path / "src")


def _seg_mask(seg, hw):
    return polygons_to_mask(seg, hw) if isinstance(seg, list) else rle_to_mask(seg)


def test_unchanged_sample_gives_back_the_same_annotations(tmp_path):
    ds = _dataset(tmp_path)
    fmt = CocoFormat()
    kinds = set()
    for item in ds.items:
        sample, _ = load_item(ds, item)
        rec = fmt.record(sample, ds.info, item)
        src = item.ann["annotations"]
        assert len(rec["annotations"]) == len(src)
        for a, b in zip(rec["annotations"], src, strict=True):
            assert a["bbox"] == pytest.approx(b["bbox"])
            assert a["category_id"] == b["category_id"]
            assert a["keypoints"] == pytest.approx(b["keypoints"])
            assert type(a["segmentation"]) is type(b["segmentation"])
            if isinstance(b["segmentation"], dict):
                assert type(a["segmentation"]["counts"]) is type(b["segmentation"]["counts"])
                kinds.add(type(b["segmentation"]["counts"]).__name__)
            else:
                kinds.add("polygon")
            assert np.array_equal(
                _seg_mask(a["segmentation"], (48, 48)), _seg_mask(b["segmentation"], (48, 48))
            )
            assert a["area"] == b["area"]
    assert kinds == {"polygon", "list", "str"}


def test_sample_carries_masks_boxes_and_visible_keypoints(tmp_path):
    ds = _dataset(tmp_path, n=1)
    sample, raw = load_item(ds, ds.items[0])
    anns = ds.items[0].ann["annotations"]
    assert sample.image.shape == (48, 48, 3) and raw[:2] == b"\xff\xd8"
    assert len(sample.masks) == len(anns) == len(sample.boxes)
    assert sample.box_labels == list(range(len(anns)))
    # every object's keypoints, as instances of its box row, with their COCO visibility
    assert sample.keypoint_instances.tolist() == [j for j in range(len(anns)) for _ in (0, 1)]
    assert sample.keypoint_labels == [0, 1] * len(anns)
    assert sample.keypoint_visibility.tolist() == [v for a in anns for v in a["keypoints"][2::3]]


def test_finish_renumbers_ids_in_key_order(tmp_path):
    ds = _dataset(tmp_path, n=2)
    fmt = CocoFormat()
    recs = [(it.key, fmt.record(load_item(ds, it)[0], ds.info, it)) for it in ds.items]
    dst = tmp_path / "out"
    fmt.finish(dst, list(reversed(recs)), ds.info)
    doc = json.loads((dst / "annotations" / "instances.json").read_text())
    assert [im["file_name"] for im in doc["images"]] == ["0000.jpg", "0001.jpg"]
    assert [a["id"] for a in doc["annotations"]] == list(range(1, len(doc["annotations"]) + 1))
    assert doc["categories"][0]["name"] == "circle"
    n_first = len(recs[0][1]["annotations"])
    assert [a["image_id"] for a in doc["annotations"]][n_first - 1 : n_first + 1] == [1, 2]


def _edit(tmp_path, change):
    src = tmp_path / "src"
    path = src / "annotations" / "instances.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))
    return open_dataset(src)


def test_file_name_escaping_the_folder_is_unsafe(tmp_path):
    write_toy_dataset(tmp_path / "src", "coco", n=2)

    def escape(doc):
        doc["images"][0]["file_name"] = "../../x.jpg"
        doc["images"][1]["file_name"] = "/etc/passwd"

    ds = _edit(tmp_path, escape)
    assert [it.error[0] for it in ds.items] == ["unsafe_path", "unsafe_path"]
    with pytest.raises(ItemError) as err:
        load_item(ds, ds.items[0])
    assert err.value.reason == "unsafe_path"


def test_box_far_outside_the_image_is_out_of_range(tmp_path):
    write_toy_dataset(tmp_path / "src", "coco", n=1)

    def push(doc):
        doc["annotations"][0]["bbox"] = [40, 40, 30, 30]

    ds = _edit(tmp_path, push)
    with pytest.raises(ItemError) as err:
        load_item(ds, ds.items[0])
    assert err.value.reason == "box_out_of_range"


def test_malformed_bbox_is_a_bad_annotation(tmp_path):
    write_toy_dataset(tmp_path / "src", "coco", n=1)

    def spoil(doc):
        doc["annotations"][0]["bbox"] = "oops"

    ds = _edit(tmp_path, spoil)
    with pytest.raises(ItemError) as err:
        load_item(ds, ds.items[0])
    assert err.value.reason == "bad_annotation" and "bbox" in str(err.value)


def _errors_by_key(ds):
    return {it.key: it.error[:3] for it in ds.items if it.error is not None}


def test_unhashable_ids_become_listed_items_not_a_crash(tmp_path):
    write_toy_dataset(tmp_path / "src", "coco", n=3)

    def spoil(doc):
        doc["images"][1]["id"] = [2]
        doc["annotations"][0]["image_id"] = {"id": 1}

    ds = _edit(tmp_path, spoil)
    errors = _errors_by_key(ds)
    assert errors["images/0001.jpg"] == ("bad_annotation", errors["images/0001.jpg"][1], "id")
    assert errors["annotations[0]"][0] == "bad_annotation"
    assert "image_id" in errors["annotations[0]"][1]
    assert load_item(ds, next(it for it in ds.items if it.key == "images/0002.jpg"))


def test_duplicate_image_ids_skip_both_images_and_duplicate_annotation_ids_the_later(tmp_path):
    write_toy_dataset(tmp_path / "src", "coco", n=4)

    def spoil(doc):
        doc["images"][1]["id"] = doc["images"][0]["id"]
        doc["annotations"] = [a for a in doc["annotations"] if a["image_id"] != 2]
        later = next(a for a in doc["annotations"] if a["image_id"] == 4)
        later["id"] = doc["annotations"][0]["id"]

    errors = _errors_by_key(_edit(tmp_path, spoil))
    assert {k: v[0] for k, v in errors.items()} == {
        "images/0000.jpg": "duplicate_id",
        "images/0001.jpg": "duplicate_id",
        "images/0003.jpg": "duplicate_id",
    }


def test_unknown_category_skips_its_image_with_the_field_named(tmp_path):
    write_toy_dataset(tmp_path / "src", "coco", n=2)

    def spoil(doc):
        doc["annotations"][-1]["category_id"] = 77

    errors = _errors_by_key(_edit(tmp_path, spoil))
    ((key, (reason, message, field)),) = errors.items()
    assert (key, reason, field) == ("images/0001.jpg", "unknown_category", "category_id")
    assert "77" in message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("keypoints", ["1", "2", "2"]),
        ("keypoints", [[1, 2], [3]]),
        ("keypoints", [1, 2, 5]),
        ("segmentation", [["1", "2", "3", "4", "5", "6"]]),
        ("segmentation", [[1, 2, True, 4, 5, 6]]),
        ("segmentation", {"size": ["48", "48"], "counts": [2304]}),
        ("segmentation", {"size": 48, "counts": [2304]}),
        ("segmentation", {"size": [48, 48], "counts": [1.5, 2302.5]}),
        ("bbox", [1, 2, 3, float("inf")]),
        ("bbox", [1, 2, -3, 4]),
        ("iscrowd", 2),
    ],
)
def test_malformed_values_are_bad_annotations_naming_the_field(tmp_path, field, value):
    write_toy_dataset(tmp_path / "src", "coco", n=1)

    def spoil(doc):
        doc["annotations"][0][field] = value

    ds = _edit(tmp_path, spoil)
    with pytest.raises(ItemError) as err:
        load_item(ds, ds.items[0])
    assert err.value.reason == "bad_annotation" and err.value.field.startswith(field)


def test_unparseable_json_is_one_dataset_error(tmp_path):
    from synthaug.errors import DataError

    write_toy_dataset(tmp_path / "src", "coco", n=1)
    (tmp_path / "src" / "annotations" / "instances.json").write_text('{"images": [')
    with pytest.raises(DataError, match=r"instances.json: not valid JSON: .* line 1"):
        open_dataset(tmp_path / "src")
