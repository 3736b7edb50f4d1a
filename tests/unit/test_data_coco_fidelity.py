"""COCO outputs stay faithful: pycocotools reads them, masks decode to the same pixels, RLE
stays RLE, left/right keypoints swap under a mirror, unknown fields are carried."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from synthaug.data.images import encode_image
from synthaug.data.masks import mask_iou, mask_to_rle, rle_encode_string
from synthaug.engine import AugmentJob, prepare_job, run_local

H, W = 40, 60
NAMES = ["nose", "left_eye", "right_eye", "left_ear", "right_ear"]


def _person_doc() -> dict:
    blob = np.zeros((H, W), np.uint8)
    cv2.ellipse(blob, (40, 20), (12, 8), 20, 0, 360, 1, -1)
    rle = mask_to_rle(blob)
    ys, xs = np.nonzero(blob)
    box = [
        float(xs.min()),
        float(ys.min()),
        float(xs.max() + 1 - xs.min()),
        float(ys.max() + 1 - ys.min()),
    ]
    return {
        "info": {"description": "fidelity"},
        "images": [{"id": 7, "file_name": "a.png", "width": W, "height": H}],
        "annotations": [
            {  # a person facing the camera: the left eye is on the image's right
                "id": 3,
                "image_id": 7,
                "category_id": 1,
                "iscrowd": 0,
                "bbox": [10.0, 8.0, 20.0, 24.0],
                "area": 380.0,
                "segmentation": [[10.0, 8.0, 30.0, 8.0, 30.0, 32.0, 20.0, 26.0, 10.0, 32.0]],
                "keypoints": [20, 12, 2, 24, 10, 2, 16, 10, 1, 0, 0, 0, 12, 11, 2],
                "num_keypoints": 4,
                "attributes": {"occluded": False},
            },
            {
                "id": 4,
                "image_id": 7,
                "category_id": 2,
                "iscrowd": 1,
                "bbox": box,
                "area": int(blob.sum()),
                "segmentation": {"size": rle["size"], "counts": rle_encode_string(rle["counts"])},
            },
            {
                "id": 5,
                "image_id": 7,
                "category_id": 2,
                "iscrowd": 0,
                "bbox": box,
                "area": int(blob.sum()),
                "segmentation": rle,
            },
        ],
        "categories": [
            {
                "id": 1,
                "name": "person",
                "keypoints": NAMES,
                "skeleton": [[2, 3], [1, 2], [1, 3]],
            },
            {"id": 2, "name": "blob"},
        ],
    }


def _dataset(root: Path, doc: dict) -> Path:
    (root / "images").mkdir(parents=True)
    (root / "annotations").mkdir()
    rng = np.random.default_rng(0)
    for img in doc["images"]:
        pixels = rng.integers(0, 255, (img["height"], img["width"], 3), dtype=np.uint8)
        (root / "images" / img["file_name"]).write_bytes(encode_image(pixels, ".png"))
    (root / "annotations" / "instances.json").write_text(json.dumps(doc))
    return root


def _augment(src: Path, dst: Path, transforms: list[dict]) -> dict:
    job = AugmentJob(
        src=str(src),
        dst=str(dst),
        pipeline={"name": "Compose", "transforms": transforms},
        durable=False,
    )
    state = prepare_job(job)
    summary = run_local(state, workers=1)
    assert summary.n_skipped == 0, (dst / "errors.jsonl").read_text()
    return json.loads((dst / "annotations" / "instances.json").read_text())


def _coco(path: Path):
    coco_module = pytest.importorskip("pycocotools.coco")
    return coco_module.COCO(str(path))


def test_identity_round_trip_keeps_every_field_and_pycocotools_decodes_the_same_masks(tmp_path):
    doc = _person_doc()
    src = _dataset(tmp_path / "src", doc)
    out = _augment(src, tmp_path / "dst", [{"name": "HorizontalFlip", "p": 0.0}])
    assert out["categories"] == doc["categories"] and out["info"] == doc["info"]
    for a, b in zip(doc["annotations"], out["annotations"], strict=True):
        assert {k: v for k, v in a.items() if k not in ("id", "image_id")} == {
            k: v for k, v in b.items() if k not in ("id", "image_id")
        }
    before = _coco(src / "annotations" / "instances.json")
    after = _coco(tmp_path / "dst" / "annotations" / "instances.json")
    for a, b in zip(
        before.loadAnns(before.getAnnIds()), after.loadAnns(after.getAnnIds()), strict=True
    ):
        assert np.array_equal(before.annToMask(a), after.annToMask(b))


def test_mirror_swaps_left_and_right_eyes_and_keeps_rle_crowd_and_extra_fields(tmp_path):
    doc = _person_doc()
    src = _dataset(tmp_path / "src", doc)
    out = _augment(src, tmp_path / "dst", [{"name": "HorizontalFlip", "p": 1.0}])
    person, crowd, rle = out["annotations"]
    kp = np.asarray(person["keypoints"], float).reshape(-1, 3)
    # moved x' = W - 1 - x; the point labelled right_eye (x=16) is now the subject's left eye
    assert kp[NAMES.index("left_eye")].tolist() == [W - 1 - 16, 10, 1]
    assert kp[NAMES.index("right_eye")].tolist() == [W - 1 - 24, 10, 2]
    assert kp[NAMES.index("left_ear")].tolist() == [W - 1 - 12, 11, 2]
    assert kp[NAMES.index("right_ear")].tolist() == [0, 0, 0]  # unlabelled stays unlabelled
    assert person["num_keypoints"] == 4 and person["attributes"] == {"occluded": False}
    assert isinstance(crowd["segmentation"]["counts"], str) and crowd["iscrowd"] == 1
    assert isinstance(rle["segmentation"]["counts"], list) and rle["iscrowd"] == 0
    assert out["categories"][0]["skeleton"] == doc["categories"][0]["skeleton"]
    coco = _coco(tmp_path / "dst" / "annotations" / "instances.json")
    source = _coco(src / "annotations" / "instances.json")
    for a, b in zip(
        source.loadAnns(source.getAnnIds()), coco.loadAnns(coco.getAnnIds()), strict=True
    ):
        want = source.annToMask(a)[:, ::-1]
        got = coco.annToMask(b)
        if a["iscrowd"] or isinstance(a["segmentation"], dict):
            assert np.array_equal(got, want)  # RLE is exact
        else:
            assert mask_iou(got, want) >= 0.95
        ys, xs = np.nonzero(got)
        x, y, w, h = b["bbox"]
        assert abs(x - xs.min()) <= 1 and abs(x + w - xs.max() - 1) <= 1


def test_mirror_twice_gives_back_the_same_keypoints(tmp_path):
    doc = _person_doc()
    src = _dataset(tmp_path / "src", doc)
    flips = [{"name": "HorizontalFlip", "p": 1.0}, {"name": "VerticalFlip", "p": 1.0}]
    out = _augment(src, tmp_path / "dst", flips)
    kp = np.asarray(out["annotations"][0]["keypoints"], float).reshape(-1, 3)
    src_kp = np.asarray(doc["annotations"][0]["keypoints"], float).reshape(-1, 3)
    # a half turn is no mirror: names stay, coordinates turn
    assert kp[1].tolist() == [W - 1 - 24, H - 1 - 10, 2]
    assert kp[:, 2].tolist() == src_kp[:, 2].tolist()


def test_two_horizontal_flips_swap_twice_so_every_keypoint_is_back_in_place(tmp_path):
    # regression guard: pairs are swapped by the engine once per mirroring step, and by
    # nothing else (a second swap after the pipeline would undo or repeat it)
    doc = _person_doc()
    src = _dataset(tmp_path / "src", doc)
    flips = [{"name": "HorizontalFlip", "p": 1.0}, {"name": "HorizontalFlip", "p": 1.0}]
    out = _augment(src, tmp_path / "dst", flips)
    kp = np.asarray(out["annotations"][0]["keypoints"], float).reshape(-1, 3)
    assert (
        kp.tolist() == np.asarray(doc["annotations"][0]["keypoints"], float).reshape(-1, 3).tolist()
    )


def test_transpose_mirrors_so_left_eye_takes_the_right_eyes_place(tmp_path):
    doc = _person_doc()
    src = _dataset(tmp_path / "src", doc)
    out = _augment(src, tmp_path / "dst", [{"name": "Transpose", "p": 1.0}])
    kp = np.asarray(out["annotations"][0]["keypoints"], float).reshape(-1, 3)
    # moved (x, y) -> (y, x); the point labelled right_eye (16, 10) is now the left eye
    assert kp[NAMES.index("left_eye")].tolist() == [10, 16, 1]
    assert kp[NAMES.index("right_eye")].tolist() == [10, 24, 2]
    assert kp[NAMES.index("left_ear")].tolist() == [11, 12, 2]
    assert kp[NAMES.index("right_ear")].tolist() == [0, 0, 0]
    assert kp[NAMES.index("nose")].tolist() == [12, 20, 2]


def test_person_cropped_away_goes_with_its_keypoints_and_the_other_masks_stay_their_own(
    tmp_path,
):
    # the person is an instance (box, polygon, keypoints): dropped whole; the engine then
    # returns only the kept objects' masks, which must not be read by source index
    doc = _person_doc()
    src = _dataset(tmp_path / "src", doc)
    crop = {"name": "Crop", "x_min": 32, "y_min": 0, "x_max": 60, "y_max": 40}
    out = _augment(src, tmp_path / "dst", [crop])
    assert [a["category_id"] for a in out["annotations"]] == [2, 2]
    coco = _coco(tmp_path / "dst" / "annotations" / "instances.json")
    source = _coco(src / "annotations" / "instances.json")
    want = source.annToMask(source.loadAnns([4])[0])[:, 32:]
    for a in coco.loadAnns(coco.getAnnIds()):
        assert np.array_equal(coco.annToMask(a), want)
        assert "keypoints" not in a


def test_categories_with_different_pairings_in_one_image_each_swap_their_own(tmp_path):
    doc = _person_doc()
    doc["categories"].append(
        {"id": 3, "name": "hand", "keypoints": ["wrist", "a", "b"], "flip_pairs": [[0, 2]]}
    )
    doc["annotations"].append(
        {
            "id": 6,
            "image_id": 7,
            "category_id": 3,
            "iscrowd": 0,
            "bbox": [40.0, 30.0, 10.0, 6.0],
            "area": 60.0,
            "keypoints": [41, 31, 2, 45, 33, 2, 49, 35, 1],
            "num_keypoints": 3,
        }
    )
    src = _dataset(tmp_path / "src", doc)
    out = _augment(src, tmp_path / "dst", [{"name": "HorizontalFlip", "p": 1.0}])
    person, hand = out["annotations"][0], out["annotations"][3]
    kp = np.asarray(person["keypoints"], float).reshape(-1, 3)
    assert kp[NAMES.index("left_eye")].tolist() == [W - 1 - 16, 10, 1]
    hk = np.asarray(hand["keypoints"], float).reshape(-1, 3)
    assert hk.tolist() == [[W - 1 - 49, 35, 1], [W - 1 - 45, 33, 2], [W - 1 - 41, 31, 2]]


def test_keypoints_cut_by_a_crop_become_unlabelled_and_num_keypoints_drops(tmp_path):
    doc = _person_doc()
    src = _dataset(tmp_path / "src", doc)
    out = _augment(
        src, tmp_path / "dst", [{"name": "Crop", "x_min": 15, "y_min": 0, "x_max": 60, "y_max": 40}]
    )
    person = out["annotations"][0]
    kp = np.asarray(person["keypoints"], float).reshape(-1, 3)
    assert kp[NAMES.index("left_ear")].tolist() == [0, 0, 0]  # x = 12 was cut
    assert kp[NAMES.index("left_eye")].tolist() == [24 - 15, 10, 2]
    assert person["num_keypoints"] == 3


def test_flip_pairs_of_a_category_override_names(tmp_path):
    doc = _person_doc()
    doc["categories"][0]["keypoints"] = ["a", "b", "c", "d", "e"]
    doc["categories"][0]["flip_pairs"] = [[1, 2], [3, 4]]
    src = _dataset(tmp_path / "src", doc)
    out = _augment(src, tmp_path / "dst", [{"name": "HorizontalFlip", "p": 1.0}])
    kp = np.asarray(out["annotations"][0]["keypoints"], float).reshape(-1, 3)
    assert kp[1].tolist() == [W - 1 - 16, 10, 1]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d["categories"][0].__setitem__("flip_pairs", [[1, 7]]), "categories.flip_pairs"),
        (
            lambda d: d["categories"][0].__setitem__("flip_pairs", [[1, 2], [2, 3]]),
            "categories.flip_pairs",
        ),
        (lambda d: d["categories"][0].__setitem__("flip_pairs", "1,2"), "categories.flip_pairs"),
        (lambda d: d["categories"][0].__setitem__("keypoints", "nose"), "categories.keypoints"),
        (lambda d: d["categories"][0].__setitem__("keypoints", NAMES[:3]), "keypoints"),
    ],
)
def test_bad_keypoint_category_skips_and_lists_the_images_using_it(tmp_path, edit, field):
    doc = _person_doc()
    doc["images"].append({"id": 8, "file_name": "b.png", "width": W, "height": H})
    edit(doc)
    src = _dataset(tmp_path / "src", doc)
    dst = tmp_path / "dst"
    job = AugmentJob(str(src), str(dst), {"name": "HorizontalFlip", "p": 1.0}, durable=False)
    summary = run_local(prepare_job(job), workers=1)
    errors = [json.loads(line) for line in (dst / "errors.jsonl").read_text().splitlines()]
    assert [(e["key"], e["reason"], e["field"]) for e in errors] == [
        ("images/a.png", "bad_annotation", field)
    ]
    assert errors[0]["file"] == "annotations/instances.json"
    assert summary.n_read == 1 and (dst / "images" / "b_aug0.png").is_file()


def test_box_only_annotation_beside_segmented_ones_survives_a_flip(tmp_path):
    # regression: with one segmentation missing, its all-zero stand-in mask decided its box,
    # and the annotation (the person with its keypoints) was dropped by any geometric step
    doc = _person_doc()
    del doc["annotations"][0]["segmentation"]
    src = _dataset(tmp_path / "src", doc)
    out = _augment(src, tmp_path / "dst", [{"name": "HorizontalFlip", "p": 1.0}])
    person, crowd, rle = out["annotations"]
    assert person["bbox"] == [W - 30.0, 8.0, 20.0, 24.0] and "segmentation" not in person
    x, y, w, h = doc["annotations"][2]["bbox"]
    assert rle["bbox"] == [W - x - w, y, w, h]
    assert crowd["bbox"] == rle["bbox"]


def test_pycocotools_reads_every_annotation_of_a_rotated_toy_dataset(tmp_path):
    from synthaug.data.masks import rle_to_mask
    from synthaug.data.toy import write_toy_dataset

    src = write_toy_dataset(tmp_path / "src", "coco", n=6, size=48, seed=2)
    out = _augment(src, tmp_path / "dst", [{"name": "Rotate", "limit": [25, 25], "p": 1.0}])
    coco = _coco(tmp_path / "dst" / "annotations" / "instances.json")
    anns = coco.loadAnns(coco.getAnnIds())
    assert len(anns) == len(out["annotations"]) > 0
    kinds = set()
    for a in anns:
        img = coco.imgs[a["image_id"]]
        got = coco.annToMask(a)
        seg = a["segmentation"]
        if isinstance(seg, dict):
            kinds.add(type(seg["counts"]).__name__)
            assert np.array_equal(got, rle_to_mask(seg))
        else:
            kinds.add("polygon")
            assert len(seg[0]) // 2 <= 40
        assert got.shape == (img["height"], img["width"]) and got.any()
        x, y, w, h = a["bbox"]
        ys, xs = np.nonzero(got)
        assert xs.min() >= x - 1 and xs.max() + 1 <= x + w + 1
        assert a["num_keypoints"] == sum(v > 0 for v in a["keypoints"][2::3])
    assert kinds == {"polygon", "list", "str"}
