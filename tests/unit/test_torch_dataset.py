"""synthaug.torch: per-item seeds make batches independent of the number of workers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from synthaug import augment as A
from synthaug.augment import Sample
from synthaug.errors import InvalidInputError
from synthaug.torch import AugmentedDataset, as_sample, collate_samples, to_tensor

torch.set_num_threads(1)


def base(n=12):
    rng = np.random.default_rng(0)
    items = []
    for i in range(n):
        img = rng.integers(0, 256, (16, 20, 3), dtype=np.uint8)
        items.append(
            {
                "image": img,
                "boxes": np.array([[2.0, 3.0, 10.0, 12.0]]),
                "box_labels": [i % 3],
                "label": i % 4,
            }
        )
    return items


def pipeline():
    return A.Compose(
        [A.HorizontalFlip(), A.Rotate(limit=20, p=0.7), A.GaussianNoise(p=0.5), A.CoarseDropout()]
    )


def batches(ds, workers):
    loader = DataLoader(ds, batch_size=4, num_workers=workers, collate_fn=collate_samples)
    return list(loader)


def test_dataloader_batches_are_identical_for_0_1_and_2_workers():
    ds = AugmentedDataset(base(), pipeline(), seed=7)
    runs = [batches(ds, w) for w in (0, 1, 2)]
    for other in runs[1:]:
        assert len(other) == len(runs[0]) == 3
        for a, b in zip(runs[0], other, strict=True):
            assert torch.equal(a["image"], b["image"])
            assert torch.equal(a["label"], b["label"])
            assert all(torch.equal(x, y) for x, y in zip(a["boxes"], b["boxes"], strict=True))


def test_set_epoch_changes_augmentations_and_returning_to_an_epoch_repeats_them():
    ds = AugmentedDataset(base(), pipeline(), seed=7)
    first = ds[3]["image"]
    ds.set_epoch(1)
    second = ds[3]["image"]
    ds.set_epoch(0)
    assert not torch.equal(first, second)
    assert torch.equal(ds[3]["image"], first)


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_set_epoch_reaches_persistent_workers(context):
    """Persistent workers keep their dataset copy; the epoch must still reach them.

    Each epoch's batches from two persistent workers equal the in-process (0 worker) batches
    of that epoch, and epochs 0 and 1 differ.
    """
    ds = AugmentedDataset(base(8), pipeline(), seed=3)
    loader = DataLoader(
        ds,
        batch_size=4,
        num_workers=2,
        persistent_workers=True,
        multiprocessing_context=context,
        collate_fn=collate_samples,
    )
    seen = []
    for epoch in (0, 1, 2):
        ds.set_epoch(epoch)
        got = [b["image"] for b in loader]
        expected = [b["image"] for b in batches(ds, 0)]
        assert all(torch.equal(a, b) for a, b in zip(got, expected, strict=True)), epoch
        seen.append(torch.cat(got))
    assert not torch.equal(seen[0], seen[1])
    assert not torch.equal(seen[1], seen[2])


def test_set_epoch_refuses_a_bool_or_negative_epoch():
    ds = AugmentedDataset(base(2), pipeline(), seed=3)
    for bad in (True, -1, 1.5):
        with pytest.raises(InvalidInputError, match="set_epoch"):
            ds.set_epoch(bad)


def test_items_differ_from_each_other_within_an_epoch():
    same = [base(1)[0]] * 6
    ds = AugmentedDataset(same, pipeline(), seed=1)
    images = {ds[i]["image"].numpy().tobytes() for i in range(6)}
    assert len(images) > 1


def test_to_tensor_converts_layout_dtype_and_targets():
    m = np.zeros((16, 20), np.uint8)
    m[1:4, 2:5] = 1
    s = Sample(
        np.full((16, 20, 3), 255, np.uint8),
        masks=[m, m],
        boxes=np.array([[1.0, 2.0, 3.0, 4.0]]),
        box_labels=[5],
        keypoints=np.array([[1.0, 2.0]]),
        keypoint_labels=["eye"],
        label=np.array([0.25, 0.75], np.float32),
    )
    t = to_tensor(s)
    assert t["image"].shape == (3, 16, 20) and t["image"].dtype == torch.float32
    assert float(t["image"].max()) == 1.0
    assert t["masks"].shape == (2, 16, 20)
    assert t["boxes"].dtype == torch.float32 and t["box_labels"].tolist() == [5]
    assert t["keypoint_labels"] == ["eye"] and torch.allclose(
        t["label"], torch.tensor([0.25, 0.75])
    )


def test_grayscale_images_get_one_channel():
    t = to_tensor(Sample(np.zeros((5, 6), np.float32), label=2))
    assert t["image"].shape == (1, 5, 6) and t["label"].dtype == torch.int64


def test_item_forms_are_read_as_samples():
    img = np.zeros((4, 4, 3), np.uint8)
    assert as_sample((img, 3)).label == 3
    assert as_sample(img).label is None
    with pytest.raises(InvalidInputError, match="numpy or PIL"):
        as_sample(("not an image", 1))


def test_output_none_returns_samples():
    ds = AugmentedDataset(base(2), None, output=None)
    assert isinstance(ds[0], Sample) and len(ds) == 2
