"""PyTorch glue: a Dataset that augments each item with its own seed, and tensor conversion.

:mod:`synthaug.augment` never imports torch; this module is the bridge. Each item is
augmented with the seed ``(seed, epoch, index)``, so a batch is byte-identical whatever the
number of DataLoader workers or the order items are fetched in, and differs from epoch to
epoch once :meth:`AugmentedDataset.set_epoch` is called (as with a ``DistributedSampler``).

The epoch lives in a one-element shared-memory tensor, so ``set_epoch`` also reaches
DataLoader workers started with ``persistent_workers=True`` (they keep the dataset copy they
started with; the shared tensor is the one thing that copy shares with the main process). Call
``set_epoch`` before ``iter(loader)``: a loader sends its workers no index of the new epoch
before that.

Examples
--------
>>> import numpy as np
>>> from torch.utils.data import DataLoader
>>> from synthaug import augment as A
>>> base = [(np.zeros((8, 8, 3), np.uint8), k % 2) for k in range(4)]
>>> ds = AugmentedDataset(base, A.Compose([A.HorizontalFlip()]), seed=0)
>>> batch = next(iter(DataLoader(ds, batch_size=4, collate_fn=collate_samples)))
>>> tuple(batch["image"].shape), batch["label"].tolist()
((4, 3, 8, 8), [0, 1, 0, 1])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from synthaug.augment.sample import Sample
from synthaug.errors import InvalidInputError

__all__ = ["AugmentedDataset", "as_sample", "collate_samples", "to_tensor"]


def as_sample(item: Any) -> Sample:
    """Read a dataset item as a :class:`Sample`.

    Accepts a Sample, a dict of Sample fields (``{"image": ..., "boxes": ...}``), an
    ``(image, label)`` pair, or a bare image (numpy array or PIL image).
    """
    if isinstance(item, Sample):
        return item
    if isinstance(item, dict):
        fields = dict(item)
        fields["image"] = _as_array(fields.get("image"))
        return Sample(**fields)
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return Sample(_as_array(item[0]), label=item[1])
    return Sample(_as_array(item))


def _as_array(image: Any) -> np.ndarray:
    if isinstance(image, np.ndarray):
        return image
    if hasattr(image, "mode") and hasattr(image, "size"):  # a PIL image
        return np.asarray(image)
    raise InvalidInputError(
        f"dataset item: expected a numpy or PIL image, got {type(image).__name__}"
    )


def _label_tensor(label: Any) -> torch.Tensor | Any:
    if isinstance(label, (int, np.integer)):
        return torch.tensor(int(label), dtype=torch.int64)
    if isinstance(label, np.ndarray) and label.dtype.kind == "f":
        return torch.from_numpy(label.astype(np.float32))
    return label


def to_tensor(sample: Sample) -> dict[str, Any]:
    """Convert a Sample to tensors.

    ``image`` becomes a ``C x H x W`` float32 tensor (uint8 divided by 255; float kept, so
    a ``Normalize`` output passes through); ``label`` an int64 scalar or a float32
    probability vector (soft labels); ``boxes`` and ``keypoints`` float32 ``N x 4`` /
    ``N x k`` in the sample's own format; ``masks`` a ``K x H x W`` tensor; integer box and
    keypoint labels int64 tensors (other labels stay lists). Missing fields are omitted.
    """
    img = sample.image
    arr = img.astype(np.float32) / 255.0 if img.dtype == np.uint8 else img.astype(np.float32)
    arr = arr[:, :, None] if arr.ndim == 2 else arr
    out: dict[str, Any] = {"image": torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))}
    if sample.label is not None:
        out["label"] = _label_tensor(sample.label)
    if sample.boxes is not None:
        out["boxes"] = torch.from_numpy(np.asarray(sample.boxes, np.float32).reshape(-1, 4))
    if sample.box_labels is not None:
        out["box_labels"] = _labels(sample.box_labels)
    if sample.keypoints is not None:
        kp = np.asarray(sample.keypoints, np.float32)
        out["keypoints"] = torch.from_numpy(
            kp.reshape(len(kp), -1) if kp.size else kp.reshape(0, 2)
        )
    if sample.keypoint_labels is not None:
        out["keypoint_labels"] = _labels(sample.keypoint_labels)
    if sample.masks is not None:
        m = sample.masks
        stack = (
            m.transpose(2, 0, 1)
            if isinstance(m, np.ndarray) and m.ndim == 3
            else (m[None] if isinstance(m, np.ndarray) else np.stack(m) if len(m) else None)
        )
        if stack is None:
            stack = np.zeros((0,) + sample.image.shape[:2], np.uint8)
        if stack.dtype == np.uint16 or stack.dtype == np.uint32:
            stack = stack.astype(np.int64)
        out["masks"] = torch.from_numpy(np.ascontiguousarray(stack))
    return out


def _labels(labels: Sequence[Any]) -> torch.Tensor | list[Any]:
    items = list(labels)
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
        return torch.tensor([int(v) for v in items], dtype=torch.int64)
    return items


def collate_samples(batch: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Collate :func:`to_tensor` dicts: stack images and labels, keep per-item targets in lists.

    Images must share a size (resize or crop in the pipeline). Boxes, keypoints, masks and
    their labels vary in number per image, so they stay lists, as detection models expect.
    """
    out: dict[str, Any] = {"image": torch.stack([b["image"] for b in batch])}
    if all("label" in b for b in batch) and all(
        isinstance(b["label"], torch.Tensor) for b in batch
    ):
        out["label"] = torch.stack([b["label"] for b in batch])
    for key in ("boxes", "box_labels", "keypoints", "keypoint_labels", "masks"):
        if any(key in b for b in batch):
            out[key] = [b.get(key) for b in batch]
    return out


class AugmentedDataset(Dataset):
    """Apply an augmentation pipeline to every item of ``base`` with per-item seeds.

    Parameters
    ----------
    base : sequence
        Anything indexable with ``len``: items are Samples, dicts of Sample fields,
        ``(image, label)`` pairs or images (see :func:`as_sample`).
    pipeline : callable or None
        Usually an :class:`synthaug.augment.Compose`; called as ``pipeline(sample, seed=key)``.
        None only converts.
    seed : int
        Run seed; item ``i`` of epoch ``e`` uses the stream ``(seed, e, i)``.
    output : callable or None
        Applied to the augmented Sample (default :func:`to_tensor`); None returns the Sample.
    """

    def __init__(
        self,
        base: Sequence[Any],
        pipeline: Callable[..., Sample] | None,
        seed: int = 0,
        output: Callable[[Sample], Any] | None = to_tensor,
    ) -> None:
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise InvalidInputError(f"AugmentedDataset.seed: expected an integer, got {seed!r}")
        self.base = base
        self.pipeline = pipeline
        self.seed = int(seed)
        self.output = output
        # shared with every worker process, persistent ones included (see the module doc)
        self._epoch = torch.zeros(1, dtype=torch.int64).share_memory_()

    @property
    def epoch(self) -> int:
        """The epoch whose augmentations items are drawn with (see :meth:`set_epoch`)."""
        return int(self._epoch[0])

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch whose augmentations the next iterator draws.

        Reaches worker processes too, including persistent ones: call it before
        ``iter(loader)`` for the epoch.
        """
        if not isinstance(epoch, (int, np.integer)) or isinstance(epoch, bool) or epoch < 0:
            raise InvalidInputError(f"set_epoch: expected an integer >= 0, got {epoch!r}")
        self._epoch[0] = int(epoch)

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, index: int) -> Any:
        sample = as_sample(self.base[index])
        if self.pipeline is not None:
            epoch = int(self._epoch[0])
            sample = self.pipeline(sample, seed=(self.seed, epoch, int(index)))
        return sample if self.output is None else self.output(sample)
