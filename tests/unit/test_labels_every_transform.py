"""Every geometric transform of the catalogue moves oriented boxes, keypoint pairs and
visibility by the rules of docs/labels.md (issue 19): corners through the step's own matrix,
clockwise corner order, pairs swapped exactly by the mirroring transforms."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug import augment as A
from synthaug.augment.catalog import catalog_entries
from synthaug.augment.functional import geometric as G
from synthaug.augment.functional import oriented as O

IMG = np.zeros((72, 96, 3), np.uint8)
OBB = O.corners_from_xywha(
    np.array([[40.0, 30.0, 30.0, 12.0, 25.0], [70.0, 50.0, 16.0, 10.0, -60.0]])
)
KP = np.array([[30.0, 20.0], [50.0, 22.0], [60.0, 50.0], [66.0, 52.0]])
PAIRS = [(0, 1), (2, 3)]
GEOMETRIC = [e for e in catalog_entries() if e["kind"] == "geometric"]


def _make(entry):
    t = entry["cls"](**entry["example_args"])
    t.p = 1.0
    return t


@pytest.mark.parametrize("entry", GEOMETRIC, ids=lambda e: e["name"])
@pytest.mark.parametrize("seed", [0, 1])
def test_oriented_boxes_and_pairs_under_every_geometric_transform(entry, seed):
    t = _make(entry)
    fields = {"image": IMG, "oriented_boxes": OBB, "keypoints": KP, "boxes": [[20, 20, 40, 40]]}
    plain = A.Compose([t], remove_invisible_keypoints=False, seed=seed)(**fields)
    paired = A.Compose([t], remove_invisible_keypoints=False, seed=seed, keypoint_flip_pairs=PAIRS)(
        **fields
    )
    order = [1, 0, 3, 2] if entry["cls"].mirrors else [0, 1, 2, 3]
    np.testing.assert_allclose(paired.keypoints, plain.keypoints[order])
    np.testing.assert_array_equal(paired.keypoint_visibility, plain.keypoint_visibility[order])
    if len(paired.oriented_boxes):
        assert (O.polygon_orientation(paired.oriented_boxes) > 0).all()
    if isinstance(t, A.MatrixTransform) and plain.applied:
        m, _ = t.matrix(plain.applied[0].params, IMG.shape[:2])
        moved = G.warp_polygons(OBB, m)
        if entry["cls"].mirrors:
            moved = moved[:, [1, 0, 3, 2]]
        if len(plain.oriented_boxes) == len(OBB):  # none cut away by a crop
            np.testing.assert_allclose(plain.oriented_boxes, moved, atol=1e-6)


def test_the_catalogue_lists_oriented_boxes_for_every_geometric_transform():
    for e in GEOMETRIC:
        assert "oriented boxes" in e["targets"] and "keypoints" in e["targets"], e["name"]
    mirrors = {e["name"] for e in GEOMETRIC if "mirrors" in e["targets"]}
    assert mirrors == {"HorizontalFlip", "VerticalFlip", "Transpose"}
