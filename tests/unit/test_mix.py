"""MixUp, CutMix and Mosaic on lists of Samples."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug import augment as A
from synthaug.errors import ConfigError, InvalidInputError


def flat(v, h=20, w=30, c=3):
    return np.full((h, w, c), v, np.uint8)


def batch(n=4, h=20, w=30):
    out = []
    for i in range(n):
        m = np.zeros((h, w), np.uint8)
        m[2:8, 3:12] = 1
        out.append(
            A.Sample(
                flat(40 * i, h, w),
                masks=[m],
                boxes=np.array([[3.0, 2.0, 12.0, 8.0]]),
                box_labels=[f"obj{i}"],
                keypoints=np.array([[5.0, 5.0]]),
                keypoint_labels=[f"kp{i}"],
                label=i,
            )
        )
    return out


def test_mixup_blends_pixels_and_labels_by_the_same_weight():
    out = A.MixUp(alpha=0.4, n_classes=4)(batch(), seed=3)
    n_checked = 0
    for i, o in enumerate(out):
        lam, j = o.meta["mix"]["lam"], o.meta["mix"]["partner"]
        assert np.isclose(o.label.sum(), 1.0)
        if i != j:
            n_checked += 1
            assert abs(float(o.image[0, 0, 0]) - (lam * 40 * i + (1 - lam) * 40 * j)) <= 0.5
            assert o.label[i] == pytest.approx(lam, abs=1e-6)
            assert o.label[j] == pytest.approx(1 - lam, abs=1e-6)
    assert n_checked >= 2


def test_mixup_keeps_both_samples_boxes_and_keypoints():
    out = A.MixUp(n_classes=4)(batch(), seed=0)
    for o in out:
        j = o.meta["mix"]["partner"]
        assert len(o.boxes) == 2 and o.box_labels[1] == f"obj{j}"
        assert len(o.keypoints) == 2 and len(o.masks) == 2


def test_same_seed_gives_the_same_batch_and_other_seeds_differ():
    mix = A.CutMix(n_classes=4)
    a, b, c = mix(batch(), seed=(1, 2)), mix(batch(), seed=(1, 2)), mix(batch(), seed=(1, 3))
    assert all(x.image.tobytes() == y.image.tobytes() for x, y in zip(a, b, strict=True))
    assert any(x.image.tobytes() != y.image.tobytes() for x, y in zip(a, c, strict=True))


def test_cutmix_label_weight_equals_the_pasted_area():
    out = A.CutMix(alpha=1.0, n_classes=4)(batch(), seed=5)
    for i, o in enumerate(out):
        j, share = o.meta["mix"]["partner"], o.meta["mix"]["share"]
        x0, y0, x1, y1 = o.meta["mix"]["rect"]
        assert share == pytest.approx((x1 - x0) * (y1 - y0) / 600)
        if j != i:
            assert (o.image[:, :, 0] == 40 * j).mean() == pytest.approx(share)
            assert o.label[j] == pytest.approx(share, abs=1e-6)
            assert o.label[i] == pytest.approx(1 - share, abs=1e-6)


def test_cutmix_keeps_partner_boxes_clipped_to_the_pasted_region():
    a = A.Sample(flat(0), boxes=np.array([[20.0, 12.0, 28.0, 18.0]]), box_labels=["a"], label=0)
    b = A.Sample(flat(200), boxes=np.array([[2.0, 2.0, 14.0, 10.0]]), box_labels=["b"], label=1)
    mix = A.CutMix(n_classes=2, min_visibility=0.1)
    out = mix._paste(a, b, 1, (0, 0, 10, 10))
    assert out.box_labels == ["a", "b"]
    assert np.allclose(out.boxes[1], [2.0, 2.0, 10.0, 10.0])
    assert out.box_visibility[1] == pytest.approx(64 / 96)
    covered = mix._paste(a, b, 1, (18, 10, 30, 20))  # hides box "a" entirely
    assert covered.box_labels == []


def test_cutmix_pastes_semantic_masks_with_the_pixels():
    sem_a, sem_b = np.zeros((20, 30), np.uint8), np.full((20, 30), 2, np.uint8)
    a, b = A.Sample(flat(0), masks=sem_a, label=0), A.Sample(flat(9), masks=sem_b, label=1)
    out = A.CutMix(n_classes=2)._paste(a, b, 1, (5, 5, 15, 12))
    assert np.array_equal(out.masks == 2, out.image[:, :, 0] == 9)


def test_mosaic_places_four_tiles_with_translated_boxes():
    imgs = batch(4, h=20, w=30)
    mosaic = A.Mosaic(height=40, width=60, n_classes=4, min_visibility=0.0)
    out = mosaic(imgs, seed=0)
    for o in out:
        assert o.image.shape == (40, 60, 3)
        cx, cy = o.meta["mix"]["center"]
        tiles = o.meta["mix"]["tiles"]
        assert o.image[cy - 1, cx - 1, 0] == 40 * tiles[0]
        assert o.image[cy, cx, 0] == 40 * tiles[3]
        assert np.isclose(o.label.sum(), 1.0)
        for box, mask in zip(o.boxes, o.masks, strict=True):
            ys, xs = np.nonzero(mask)
            assert np.allclose(box, [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])


def test_mosaic_label_weights_are_visible_areas():
    imgs = batch(4, h=20, w=30)
    o = A.Mosaic(height=40, width=40, n_classes=4, center_range=(0.5, 0.5))(imgs, seed=1)[0]
    # centre (20, 20): every tile shows 20x20 of itself
    expected = np.zeros(4, np.float32)
    for t in o.meta["mix"]["tiles"]:
        expected[t] += 0.25
    assert np.allclose(o.label, expected)


def test_unmixed_samples_still_get_one_hot_labels():
    out = A.MixUp(n_classes=4, p=0.0)(batch(), seed=0)
    assert [int(np.argmax(o.label)) for o in out] == [0, 1, 2, 3]
    assert all(np.array_equal(o.image, b.image) for o, b in zip(out, batch(), strict=True))


def test_mixing_integer_labels_needs_n_classes():
    with pytest.raises(ConfigError, match="n_classes"):
        A.MixUp()(batch(), seed=0)


def test_mixed_image_sizes_are_rejected_by_mixup_but_not_mosaic():
    mixed = [A.Sample(flat(0), label=0), A.Sample(flat(0, 10, 10), label=1)]
    with pytest.raises(InvalidInputError, match="resize first"):
        A.MixUp(n_classes=2)(mixed, seed=0)
    assert A.Mosaic(32, 32, n_classes=2)(mixed, seed=0)[1].image.shape == (32, 32, 3)


def test_float_images_stay_float_in_range():
    b = [A.Sample(np.full((8, 8), v, np.float32), label=k) for k, v in enumerate((0.0, 1.0))]
    for mix in (A.MixUp(n_classes=2), A.CutMix(n_classes=2), A.Mosaic(8, 8, n_classes=2)):
        for o in mix(b, seed=2):
            assert o.image.dtype == np.float32 and 0 <= o.image.min() and o.image.max() <= 1
