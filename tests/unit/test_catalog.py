"""The generated transform catalogue (docs/transforms.md and thumbnails)."""

from __future__ import annotations

from synthaug import augment as A
from synthaug.augment.catalog import catalog_entries, main


def test_catalogue_lists_every_leaf_transform_with_a_small_thumbnail(tmp_path):
    md = tmp_path / "docs" / "transforms.md"
    assert main([str(md)]) == 0
    text = md.read_text()
    entries = catalog_entries()
    leaves = [e for e in entries if e["kind"] != "policy"]
    assert len(leaves) >= 45
    for e in entries:
        assert f"### {e['name']}\n" in text
        thumb = tmp_path / "docs" / "img" / "transforms" / f"{e['name']}.jpg"
        assert thumb.exists() and thumb.stat().st_size < 20_000
    assert "| `limit` | `30.0` |" in text  # Rotate's default, read from its signature
    total = sum(p.stat().st_size for p in (tmp_path / "docs" / "img").rglob("*.jpg"))
    assert total < 2_000_000


def test_catalogue_is_deterministic(tmp_path):
    a, b = tmp_path / "a" / "t.md", tmp_path / "b" / "t.md"
    main([str(a)])
    main([str(b)])
    assert a.read_text() == b.read_text()
    assert (a.parent / "img/transforms/Rotate.jpg").read_bytes() == (
        b.parent / "img/transforms/Rotate.jpg"
    ).read_bytes()


def test_containers_are_not_catalogued_as_transforms():
    names = {e["name"] for e in catalog_entries()}
    assert not names & {"Compose", "OneOf", "SomeOf", "Sequential"}
    assert {"RandAugment", "AugMix"} <= names and "RandAugment" in A.REGISTRY
