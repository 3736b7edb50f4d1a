"""Pascal VOC reader and writer: 1-based inclusive boxes, object flags, safe XML."""

from __future__ import annotations

import pytest

from synthaug.data.dataset import ItemError
from synthaug.data.formats import load_item, open_dataset
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
