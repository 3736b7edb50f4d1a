"""Masks to and from COCO polygons and RLE (checked against pycocotools' outputs)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from synthaug.data.masks import (
    mask_to_polygons,
    mask_to_rle,
    polygons_to_mask,
    rle_decode_string,
    rle_encode_string,
    rle_to_mask,
)
from synthaug.errors import InvalidInputError


def _mask():
    m = np.zeros((7, 9), np.uint8)
    m[1:5, 2:6] = 1
    m[6, 8] = 1
    m[0, 0] = 1
    return m


def test_rle_string_matches_pycocotools_encoding():
    # pycocotools.mask.encode(np.asfortranarray(_mask())) == b"01>3E00000c0M"
    rle = mask_to_rle(_mask())
    assert rle["size"] == [7, 9]
    assert rle_encode_string(rle["counts"]) == "01>3E00000c0M"


def test_rle_counts_are_column_major_starting_with_zeros():
    m = np.array([[0, 1], [0, 1]], np.uint8)
    assert mask_to_rle(m)["counts"] == [2, 2]
    assert mask_to_rle(np.ones((2, 2), np.uint8))["counts"] == [0, 4]


def test_rle_string_decodes_to_pycocotools_polygon_raster():
    # pycocotools.mask.frPyObjects([[2, 1, 6, 1, 6, 5, 2, 5]], 7, 9) == b"?4300000d0"
    expected = np.zeros((7, 9), np.uint8)
    expected[1:5, 2:6] = 1
    assert np.array_equal(rle_to_mask({"size": [7, 9], "counts": "?4300000d0"}), expected)
    assert np.array_equal(polygons_to_mask([[2, 1, 6, 1, 6, 5, 2, 5]], (7, 9)), expected)


def test_rle_round_trips_random_masks_in_both_count_forms():
    rng = np.random.default_rng(0)
    for _ in range(50):
        m = (rng.random((int(rng.integers(1, 30)), int(rng.integers(1, 30)))) < 0.4).astype(
            np.uint8
        )
        rle = mask_to_rle(m)
        assert np.array_equal(rle_to_mask(rle), m)
        s = rle_encode_string(rle["counts"])
        assert rle_decode_string(s) == rle["counts"]
        assert np.array_equal(rle_to_mask({"size": rle["size"], "counts": s}), m)


def test_mask_to_polygons_round_trips_blobs_exactly():
    rng = np.random.default_rng(1)
    for _ in range(40):
        m = np.zeros((30, 40), np.uint8)
        centre = (int(rng.integers(5, 35)), int(rng.integers(5, 25)))
        axes = (int(rng.integers(1, 12)), int(rng.integers(1, 9)))
        cv2.ellipse(m, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
        assert np.array_equal(polygons_to_mask(mask_to_polygons(m), m.shape), m)


def test_single_pixel_mask_gives_a_polygon():
    m = np.zeros((5, 5), np.uint8)
    m[2, 3] = 1
    polys = mask_to_polygons(m)
    assert len(polys) == 1 and np.array_equal(polygons_to_mask(polys, (5, 5)), m)


def test_bad_rle_counts_are_refused():
    with pytest.raises(InvalidInputError, match="sum to h"):
        rle_to_mask({"size": [2, 2], "counts": [1, 1]})
    with pytest.raises(InvalidInputError, match="polygon 0"):
        polygons_to_mask([[1, 2, 3]], (4, 4))


def test_simplified_polygons_keep_few_vertices_and_the_stated_iou():
    # regression: YOLO-seg and COCO polygons came back with 238-1,327 vertices
    from synthaug.data.masks import MIN_POLYGON_IOU, mask_iou

    disc = np.zeros((200, 200), np.uint8)
    cv2.circle(disc, (100, 100), 50, 1, -1)
    ellipse = np.zeros((300, 400), np.uint8)
    cv2.ellipse(ellipse, (200, 150), (150, 60), 30, 0, 360, 1, -1)
    for m in (disc, ellipse):
        exact = mask_to_polygons(m)
        simple = mask_to_polygons(m, MIN_POLYGON_IOU)
        assert len(exact[0]) // 2 > 300
        assert len(simple) == 1 and 4 <= len(simple[0]) // 2 <= 40
        assert mask_iou(polygons_to_mask(simple, m.shape), m) >= MIN_POLYGON_IOU


def test_simplification_falls_back_to_the_exact_outline_for_tiny_masks():
    m = np.zeros((6, 7), np.uint8)
    m[2, 3] = 1
    m[3, 3:5] = 1
    simple = mask_to_polygons(m, 0.98)
    assert np.array_equal(polygons_to_mask(simple, m.shape), m)
