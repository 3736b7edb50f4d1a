"""Pascal VOC reader and writer: 1-based inclusive boxes, object flags, safe XML."""

from __future__ import annotations

import re

import numpy as np
import pytest

from synthaug.data.dataset import ItemError
from synthaug.data.formats import load_item, open_dataset
from synthaug.data.images import encode_image
from synthaug.data.toy import write_toy_dataset
from synthaug.data.voc import VocFormat, parse_voc_xml, voc_xml


def test_unchanged_sample_writes_the_same_objects(tmp_path):
    write_toy_dataset(tmp_path / "src", "voc", n=5, seed=2)
    ds = open_dataset(tmp_path / "src")
    assert ds.format == "voc"
    for item in ds.items:
        sample, _ = load_item(ds, item)
        rec = VocFormat().record(sample, ds.info, item)
        xml = (tmp_path / "src" / item.ann["xml"]).read_bytes()
        assert rec["objects"] == parse_voc_xml(xml, "x")["objects"]


def test_voc_indices_become_pixel_edges(tmp_path):
    write_toy_dataset(tmp_path / "src", "voc", n=1)
    ds = open_dataset(tmp_path / "src")
    sample, _ = load_item(ds, ds.items[0])
    xml = parse_voc_xml((tmp_path / "src" / ds.items[0].ann["xml"]).read_bytes(), "x")
    first = xml["objects"][0]["bbox"]
    assert sample.boxes[0].tolist() == [first[0] - 1, first[1] - 1, first[2], first[3]]


def test_write_annotation_names_the_output_image(tmp_path):
    write_toy_dataset(tmp_path / "src", "voc", n=1)
    ds = open_dataset(tmp_path / "src")
    rec = VocFormat().record(load_item(ds, ds.items[0])[0], ds.info, ds.items[0])
    files = VocFormat().write_annotation(tmp_path / "out", "JPEGImages/0000_aug3.jpg", rec, ds.info)
    assert files == ["Annotations/0000_aug3.xml"]
    back = parse_voc_xml((tmp_path / "out" / files[0]).read_bytes(), "x")
    assert back["filename"] == "0000_aug3.jpg" and back["size"] == (48.0, 48.0)


def test_doctype_and_entities_are_refused():
    evil = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><annotation>&x;</annotation>'
    with pytest.raises(ItemError, match="DTD") as err:
        parse_voc_xml(evil, "evil.xml")
    assert err.value.reason == "bad_annotation"


def test_malformed_xml_and_bad_numbers_are_bad_annotations():
    with pytest.raises(ItemError, match="malformed"):
        parse_voc_xml(b"<annotation><object>", "a.xml")
    rec = {"filename": "a.jpg", "size": [4, 4, 3], "objects": [{"name": "c", "bbox": [1, 1, 2, 2]}]}
    text = voc_xml(rec).replace(b"<xmin>1</xmin>", b"<xmin>one</xmin>")
    with pytest.raises(ItemError, match="xmin"):
        parse_voc_xml(text, "a.xml")


def test_box_beyond_the_image_is_out_of_range(tmp_path):
    write_toy_dataset(tmp_path / "src", "voc", n=1)
    xml_path = tmp_path / "src" / "Annotations" / "0000.xml"
    doc = parse_voc_xml(xml_path.read_bytes(), "x")
    doc["objects"][0]["bbox"] = [10, 10, 90, 20]
    xml_path.write_bytes(voc_xml({**doc, "size": [48, 48, 3]}))
    ds = open_dataset(tmp_path / "src")
    with pytest.raises(ItemError) as err:
        load_item(ds, ds.items[0])
    assert err.value.reason == "box_out_of_range"


def test_source_and_unknown_tags_are_kept_and_path_is_dropped(tmp_path):
    write_toy_dataset(tmp_path / "src", "voc", n=1)
    xml_path = tmp_path / "src" / "Annotations" / "0000.xml"
    text = xml_path.read_text()
    text = text.replace(
        "<annotation>",
        "<annotation><path>/home/me/0000.jpg</path>"
        "<source><database>The VOC2007 Database</database><flickrid>42</flickrid></source>"
        "<owner><name>me</name></owner>",
        1,
    ).replace("<bndbox>", "<attributes><colour>red</colour></attributes><bndbox>", 1)
    xml_path.write_text(text)
    ds = open_dataset(tmp_path / "src")
    sample, _ = load_item(ds, ds.items[0])
    rec = VocFormat().record(sample, ds.info, ds.items[0])
    out = voc_xml({**rec, "filename": "0000_aug0.jpg"}).decode()
    assert "<database>The VOC2007 Database</database>" in out and "<flickrid>42</flickrid>" in out
    assert "<owner>" in out and "<colour>red</colour>" in out
    assert "<path>" not in out

    def squeeze(parts):
        return [re.sub(r">\s+<", "><", p) for p in parts]

    again = parse_voc_xml(out.encode(), "out.xml")
    assert squeeze(again["extra"]) == squeeze(parse_voc_xml(text.encode(), "in.xml")["extra"])


def test_imagesets_main_lists_map_to_the_outputs(tmp_path):
    write_toy_dataset(tmp_path / "src", "voc", n=4)
    sets = tmp_path / "src" / "ImageSets" / "Main"
    sets.mkdir(parents=True)
    (sets / "train.txt").write_text("0000\n0001\n0002\n")
    (sets / "val.txt").write_text("0003\n")
    (sets / "circle_train.txt").write_text("0000  1\n0001 -1\n")  # per class: not a split
    ds = open_dataset(tmp_path / "src")
    assert sorted(ds.info["splits"]) == ["train", "val"]
    fmt, records = VocFormat(), []
    for item in ds.items:
        sample, _ = load_item(ds, item)
        key = item.key.replace(".jpg", "_aug0.jpg")
        records.append((key, fmt.record(sample, ds.info, item)))
    written = fmt.finish(tmp_path / "dst", records[1:], ds.info)  # item 0000 was skipped
    assert written == ["ImageSets/Main/train.txt", "ImageSets/Main/val.txt"]
    main = tmp_path / "dst" / "ImageSets" / "Main"
    assert (main / "train.txt").read_text() == "0001_aug0\n0002_aug0\n"
    assert (main / "val.txt").read_text() == "0003_aug0\n"


def test_without_split_lists_trainval_lists_every_output(tmp_path):
    write_toy_dataset(tmp_path / "src", "voc", n=2)
    ds = open_dataset(tmp_path / "src")
    fmt = VocFormat()
    recs = [(it.key, fmt.record(load_item(ds, it)[0], ds.info, it)) for it in ds.items]
    assert fmt.finish(tmp_path / "dst", recs, ds.info) == ["ImageSets/Main/trainval.txt"]
    assert (tmp_path / "dst/ImageSets/Main/trainval.txt").read_text() == "0000\n0001\n"


def test_same_stem_images_make_their_xml_an_ambiguous_listed_item(tmp_path):
    write_toy_dataset(tmp_path / "src", "voc", n=2)
    jpg = tmp_path / "src" / "JPEGImages" / "0001.jpg"
    (tmp_path / "src" / "JPEGImages" / "0001.png").write_bytes(jpg.read_bytes())
    ds = open_dataset(tmp_path / "src")
    bad = [it for it in ds.items if it.error is not None]
    assert [(it.key, it.error[0]) for it in bad] == [("Annotations/0001.xml", "same_stem")]
    assert "0001.jpg and 0001.png" in bad[0].error[1]


@pytest.mark.parametrize("width", ["1e400", "nan", "-3", "2.5", "abc"])
def test_size_that_is_not_a_positive_integer_is_a_bad_annotation(tmp_path, width):
    write_toy_dataset(tmp_path / "src", "voc", n=1)
    xml = tmp_path / "src" / "Annotations" / "0000.xml"
    xml.write_text(xml.read_text().replace("<width>48</width>", f"<width>{width}</width>"))
    ds = open_dataset(tmp_path / "src")
    with pytest.raises(ItemError) as err:
        load_item(ds, ds.items[0])
    assert err.value.reason == "bad_annotation" and "width" in err.value.field


def test_box_cut_by_the_pipeline_is_marked_truncated(tmp_path):
    from synthaug.augment import Compose, Crop

    write_toy_dataset(tmp_path / "src", "voc", n=1)
    ds = open_dataset(tmp_path / "src")
    sample, _ = load_item(ds, ds.items[0])
    fmt = VocFormat()
    assert all(
        o.get("truncated") is None for o in fmt.record(sample, ds.info, ds.items[0])["objects"]
    )
    x0, y0, x1, y1 = sample.boxes[0]
    cx = int((x0 + x1) / 2)  # a crop whose right edge runs through the first box
    cut = Compose([Crop(0, 0, cx, sample.height)])(sample)
    objs = fmt.record(cut, ds.info, ds.items[0])["objects"]
    first = next(o for o in objs if o["bbox"][2] == cx)
    assert first["truncated"] == "1"


def test_box_at_the_border_cut_further_is_marked_truncated(tmp_path):
    # regression: a box that already touched the border was never marked, however much a
    # crop cut off it
    from synthaug.augment import Compose, Crop

    root = tmp_path / "src"
    (root / "JPEGImages").mkdir(parents=True)
    (root / "Annotations").mkdir()
    (root / "JPEGImages" / "a.jpg").write_bytes(
        encode_image(np.zeros((20, 40, 3), np.uint8), ".jpg")
    )
    record = {
        "filename": "a.jpg",
        "size": [40, 20, 3],
        "objects": [
            {"name": "car", "truncated": "0", "bbox": [1, 3, 30, 12]},
            {"name": "cat", "truncated": "0", "bbox": [2, 3, 10, 12]},
        ],
    }
    (root / "Annotations" / "a.xml").write_bytes(voc_xml(record))
    ds = open_dataset(root)
    sample, _ = load_item(ds, ds.items[0])
    cut = Compose([Crop(12, 0, 40, 20)])(sample)
    (car,) = VocFormat().record(cut, ds.info, ds.items[0])["objects"]
    assert car["truncated"] == "1" and car["bbox"] == [1, 3, 18, 12]
    same = Compose([Crop(0, 0, 40, 20)])(sample)
    objs = VocFormat().record(same, ds.info, ds.items[0])["objects"]
    assert [o["truncated"] for o in objs] == ["0", "0"]
