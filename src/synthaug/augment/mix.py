"""Batch-level mixing: MixUp, CutMix and Mosaic on a list of Samples.

Each returns one new :class:`~synthaug.augment.Sample` per input, mixing it with partners
drawn from the same batch. Class labels become *soft labels*: a probability vector over
``n_classes`` weighted by each source's share (pixel area for CutMix and Mosaic). Samples that
are not mixed (probability ``p``) still get a one-hot vector so the batch collates.

Boxes, keypoints and masks travel with the pixels they label: MixUp keeps both samples'
targets; CutMix keeps the base sample's targets that stay visible enough and the partner's
targets clipped to the pasted rectangle; Mosaic translates and clips each tile's targets.
Instance masks (a list) follow their instance; a single ``H x W`` semantic mask is pasted
like the image (MixUp cannot blend it and raises).

Randomness comes from one ``seed`` per call (an int, a tuple such as ``(run_seed, epoch,
batch_index)``, or a Generator), so a batch is reproducible wherever it is built.

Examples
--------
>>> import numpy as np
>>> from synthaug.augment import Sample
>>> batch = [Sample(np.full((8, 8), v, np.uint8), label=v % 3) for v in (0, 100, 200)]
>>> out = CutMix(alpha=1.0, n_classes=3)(batch, seed=0)
>>> [round(float(s.label.sum()), 6) for s in out]
[1.0, 1.0, 1.0]
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from synthaug.augment.functional.pixel import _as_float, _restore, full_range
from synthaug.augment.params import MAX_FILL, MAX_SIDE, Declared, Int, Optional, Range, Real
from synthaug.augment.sample import Sample, boxes_from_xyxy, boxes_to_xyxy, validate_sample
from synthaug.augment.transforms.base import PROB
from synthaug.errors import ConfigError, InvalidInputError
from synthaug.seeding import SeedLike, as_rng

__all__ = ["CutMix", "MixUp", "Mosaic", "soft_label"]


def soft_label(label: Any, n_classes: int | None, owner: str = "mix") -> np.ndarray | None:
    """A class id as a one-hot float32 vector, a probability vector as is, None as None."""
    if label is None:
        return None
    if isinstance(label, (numbers.Integral, np.integer)):
        if n_classes is None:
            raise ConfigError(
                f"{owner}.n_classes: needed to mix integer class labels (got label {label!r})"
            )
        if not 0 <= int(label) < n_classes:
            raise InvalidInputError(f"label {label!r} outside 0 .. {n_classes - 1}")
        out = np.zeros(n_classes, np.float32)
        out[int(label)] = 1.0
        return out
    vec = np.asarray(label, dtype=np.float32)
    if vec.ndim != 1 or (n_classes is not None and len(vec) != n_classes):
        raise InvalidInputError(
            f"label: expected a class id or a probability vector of length {n_classes}, "
            f"got {label!r}"
        )
    return vec


def _mix_labels(
    labels: list[Any], weights: list[float], n_classes: int | None, owner: str
) -> np.ndarray | None:
    vecs = [soft_label(lab, n_classes, owner) for lab in labels]
    if all(v is None for v in vecs):
        return None
    if any(v is None for v in vecs):
        raise InvalidInputError(f"{owner}: some samples have a label and some do not")
    total = sum(weights)
    out = sum(np.float32(w / total) * v for w, v in zip(weights, vecs, strict=True))
    return np.asarray(out, np.float32)


def _parts(s: Sample) -> dict[str, Any]:
    """A sample's targets in working form: xyxy boxes, mask list or semantic mask."""
    hw = (s.height, s.width)
    boxes = (
        np.zeros((0, 4))
        if s.boxes is None
        else boxes_to_xyxy(np.asarray(s.boxes, np.float64), s.box_format, hw)
    )
    n = len(boxes)
    box_labels = list(s.box_labels) if s.box_labels is not None else [None] * n
    kps = np.zeros((0, 2)) if s.keypoints is None else np.asarray(s.keypoints, np.float64)
    kp_labels = list(s.keypoint_labels) if s.keypoint_labels is not None else [None] * len(kps)
    if s.masks is None:
        masks, semantic = None, None
    elif isinstance(s.masks, np.ndarray) and s.masks.ndim == 2:
        masks, semantic = None, s.masks
    elif isinstance(s.masks, np.ndarray):
        masks, semantic = [s.masks[..., k] for k in range(s.masks.shape[2])], None
    else:
        masks, semantic = list(s.masks), None
    return {
        "boxes": boxes,
        "box_labels": box_labels,
        "kps": kps,
        "kp_labels": kp_labels,
        "masks": masks,
        "semantic": semantic,
    }


def _check_batch(samples: Sequence[Sample], owner: str, same_size: bool) -> None:
    if not samples:
        raise InvalidInputError(f"{owner}: expected a non-empty list of Samples")
    first = samples[0]
    for i, s in enumerate(samples):
        if not isinstance(s, Sample):
            raise InvalidInputError(f"{owner}: samples[{i}] is a {type(s).__name__}, not a Sample")
        validate_sample(s)
        for name in ("oriented_boxes", "keypoint_instances", "keypoint_flip_pairs"):
            if getattr(s, name) is not None:
                raise InvalidInputError(
                    f"{owner}: samples[{i}].{name} is not supported by batch mixing yet "
                    "(mix samples with boxes, masks and keypoints only)"
                )
        if s.image.dtype != first.image.dtype or s.image.shape[2:] != first.image.shape[2:]:
            raise InvalidInputError(
                f"{owner}: samples[{i}] has dtype {s.image.dtype} and shape {s.image.shape}; "
                f"samples[0] has {first.image.dtype} and {first.image.shape} (dtype and "
                "channels must match)"
            )
        if same_size and s.image.shape[:2] != first.image.shape[:2]:
            raise InvalidInputError(
                f"{owner}: samples[{i}] is {s.height}x{s.width}, samples[0] is "
                f"{first.height}x{first.width}; resize first (e.g. Resize in the pipeline)"
            )
        if (s.masks is None) != (first.masks is None):
            raise InvalidInputError(f"{owner}: samples[{i}]: all samples or none must have masks")


def _area(b: np.ndarray) -> np.ndarray:
    result: np.ndarray = np.prod(np.maximum(b[:, 2:] - b[:, :2], 0.0), axis=1)
    return result


def _clip_boxes(boxes: np.ndarray, region: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Boxes clipped to ``region`` (x0, y0, x1, y1) and the fraction of each that remains."""
    x0, y0, x1, y1 = region
    clipped = np.clip(boxes, [x0, y0, x0, y0], [x1, y1, x1, y1]) if len(boxes) else boxes
    full = _area(boxes)
    frac = np.where(full > 0, _area(clipped) / np.where(full > 0, full, 1.0), 0.0)
    return clipped, frac


def _inside(kps: np.ndarray, region: tuple[float, ...]) -> np.ndarray:
    """Keypoints (pixel centres) whose pixel lies in the edge-region ``region``."""
    x0, y0, x1, y1 = region
    return (
        (kps[:, 0] >= x0 - 0.5)
        & (kps[:, 0] < x1 - 0.5)
        & (kps[:, 1] >= y0 - 0.5)
        & (kps[:, 1] < y1 - 0.5)
    )


def _finish(
    base: Sample,
    image: np.ndarray,
    boxes: np.ndarray,
    box_labels: list[Any],
    vis: np.ndarray,
    kps: np.ndarray,
    kp_labels: list[Any],
    masks: list[np.ndarray] | np.ndarray | None,
    label: Any,
    meta: dict[str, Any],
) -> Sample:
    hw = image.shape[:2]
    had_labels = base.box_labels is not None
    return Sample(
        image=image,
        masks=masks,
        boxes=None
        if base.boxes is None and not len(boxes)
        else boxes_from_xyxy(boxes, base.box_format, hw),
        box_labels=box_labels if had_labels or any(v is not None for v in box_labels) else None,
        box_format=base.box_format,
        keypoints=None if base.keypoints is None and not len(kps) else kps,
        keypoint_labels=kp_labels if base.keypoint_labels is not None else None,
        label=label,
        meta=meta,
        box_visibility=vis,
    )


class _BatchMix(Declared):
    """Shared declarations (validation, ``to_dict``) and the per-sample loop."""

    parameters = {
        "alpha": Real(1e-6, 1e6, doc="Beta(alpha, alpha) concentration"),
        "n_classes": Optional(Int(1, 2**31 - 1), doc="classes of the soft labels"),
        "min_visibility": Real(0, 1, doc="smallest kept visible fraction of a box"),
        "p": PROB,
    }

    def _unmixed(self, s: Sample) -> Sample:
        return s.copy(label=soft_label(s.label, self.n_classes, type(self).__name__))


class MixUp(_BatchMix):
    """MixUp (Zhang et al. 2018): ``lam * x_i + (1 - lam) * x_j`` with ``lam ~ Beta(a, a)``.

    All images must have the same size. Both samples' boxes, keypoints and instance masks
    are kept (as in detection MixUp); the label is ``lam * y_i + (1 - lam) * y_j``.
    """

    def __init__(self, alpha: float = 0.4, n_classes: int | None = None, p: float = 1.0) -> None:
        self.store_params(locals())

    def __call__(self, samples: Sequence[Sample], seed: SeedLike = None) -> list[Sample]:
        """Mix each sample with a random partner from the batch."""
        _check_batch(samples, "MixUp", same_size=True)
        rng = as_rng(seed)
        partners = rng.permutation(len(samples))
        out = []
        for i, s in enumerate(samples):
            lam = float(rng.beta(self.alpha, self.alpha))
            if not rng.random() < self.p:
                out.append(self._unmixed(s))
                continue
            j = int(partners[i])
            t = samples[j]
            a, b = _parts(s), _parts(t)
            if a["semantic"] is not None:
                raise InvalidInputError("MixUp: cannot blend semantic masks; use CutMix or Mosaic")
            x = np.float32(lam) * _as_float(s.image) + np.float32(1 - lam) * _as_float(t.image)
            masks = None if a["masks"] is None else a["masks"] + b["masks"]
            boxes = np.concatenate([a["boxes"], b["boxes"]])
            out.append(
                _finish(
                    s,
                    _restore(x, s.image.dtype),
                    boxes,
                    a["box_labels"] + b["box_labels"],
                    np.ones(len(boxes)),
                    np.concatenate([a["kps"], b["kps"]]) if len(b["kps"]) else a["kps"],
                    a["kp_labels"] + b["kp_labels"],
                    masks,
                    _mix_labels([s.label, t.label], [lam, 1 - lam], self.n_classes, "MixUp"),
                    {**s.meta, "mix": {"kind": "MixUp", "partner": j, "lam": lam}},
                )
            )
        return out


class CutMix(_BatchMix):
    """CutMix (Yun et al. 2019): paste a rectangle of a partner image; labels mix by area.

    The rectangle covers ``1 - lam`` of the image (``lam ~ Beta(alpha, alpha)``), centred
    uniformly and clipped, so the label weights use the clipped area. The base sample's boxes
    stay if at least ``min_visibility`` of them is still visible; the partner's boxes are
    clipped to the rectangle and kept if at least ``min_visibility`` of them is inside.
    """

    def __init__(
        self,
        alpha: float = 1.0,
        n_classes: int | None = None,
        min_visibility: float = 0.25,
        p: float = 1.0,
    ) -> None:
        self.store_params(locals())

    def __call__(self, samples: Sequence[Sample], seed: SeedLike = None) -> list[Sample]:
        """Paste a partner's rectangle into each sample."""
        _check_batch(samples, "CutMix", same_size=True)
        rng = as_rng(seed)
        partners = rng.permutation(len(samples))
        out = []
        for i, s in enumerate(samples):
            lam = float(rng.beta(self.alpha, self.alpha))
            h, w = s.height, s.width
            cut = np.sqrt(1.0 - lam)
            cx, cy = float(rng.uniform(0, w)), float(rng.uniform(0, h))
            if not rng.random() < self.p:
                out.append(self._unmixed(s))
                continue
            x0, x1 = (
                int(np.clip(round(cx - cut * w / 2), 0, w)),
                int(np.clip(round(cx + cut * w / 2), 0, w)),
            )
            y0, y1 = (
                int(np.clip(round(cy - cut * h / 2), 0, h)),
                int(np.clip(round(cy + cut * h / 2), 0, h)),
            )
            j = int(partners[i])
            out.append(self._paste(s, samples[j], j, (x0, y0, x1, y1)))
        return out

    def _paste(self, s: Sample, t: Sample, j: int, rect: tuple[int, int, int, int]) -> Sample:
        x0, y0, x1, y1 = rect
        h, w = s.height, s.width
        share = (x1 - x0) * (y1 - y0) / float(h * w)
        a, b = _parts(s), _parts(t)
        image = s.image.copy()
        image[y0:y1, x0:x1] = t.image[y0:y1, x0:x1]
        # base boxes: visible fraction outside the rectangle
        _, covered = _clip_boxes(a["boxes"], rect)
        keep_a = (1.0 - covered) >= self.min_visibility
        if self.min_visibility == 0.0:
            keep_a &= covered < 1.0
        clipped_b, frac_b = _clip_boxes(b["boxes"], rect)
        keep_b = (frac_b >= self.min_visibility) & (frac_b > 0)
        boxes = np.concatenate([a["boxes"][keep_a], clipped_b[keep_b]])
        vis = np.concatenate([(1.0 - covered)[keep_a], frac_b[keep_b]])
        box_labels = [lab for lab, k in zip(a["box_labels"], keep_a, strict=True) if k] + [
            lab for lab, k in zip(b["box_labels"], keep_b, strict=True) if k
        ]
        in_a, in_b = _inside(a["kps"], rect), _inside(b["kps"], rect)
        kps = (
            np.concatenate([a["kps"][~in_a], b["kps"][in_b]]) if len(b["kps"]) else a["kps"][~in_a]
        )
        kp_labels = [lab for lab, k in zip(a["kp_labels"], in_a, strict=True) if not k] + [
            lab for lab, k in zip(b["kp_labels"], in_b, strict=True) if k
        ]
        masks: Any = None
        if a["semantic"] is not None:
            masks = a["semantic"].copy()
            masks[y0:y1, x0:x1] = b["semantic"][y0:y1, x0:x1]
        elif a["masks"] is not None:
            kept_a = (
                [m.copy() for m, k in zip(a["masks"], keep_a, strict=False) if k]
                if len(a["masks"]) == len(keep_a)
                else [m.copy() for m in a["masks"]]
            )
            for m in kept_a:
                m[y0:y1, x0:x1] = 0
            src_b = (
                [m for m, k in zip(b["masks"], keep_b, strict=False) if k]
                if len(b["masks"]) == len(keep_b)
                else b["masks"]
            )
            kept_b = []
            for m in src_b:
                z = np.zeros_like(m)
                z[y0:y1, x0:x1] = m[y0:y1, x0:x1]
                kept_b.append(z)
            masks = kept_a + kept_b
        label = _mix_labels([s.label, t.label], [1.0 - share, share], self.n_classes, "CutMix")
        meta = {
            **s.meta,
            "mix": {"kind": "CutMix", "partner": j, "rect": list(rect), "share": share},
        }
        return _finish(s, image, boxes, box_labels, vis, kps, kp_labels, masks, label, meta)


class Mosaic(_BatchMix):
    """Mosaic (YOLOv4): four images tiled around a random centre into one ``height x width``.

    Each sample is the top-left tile of its own mosaic; the other three tiles are drawn from
    the batch. Tiles are placed unscaled with their inner corner at the centre and cropped by
    the canvas (areas no tile covers are ``fill``). Boxes and keypoints are translated and
    clipped to their tile; boxes keeping less than ``min_visibility`` are dropped. The label
    mixes the four labels by visible area.
    """

    parameters = {
        "height": Int(2, MAX_SIDE, doc="output height in pixels"),
        "width": Int(2, MAX_SIDE, doc="output width in pixels"),
        "center_range": Range(0, 1, doc="range of the mosaic centre, a fraction of each side"),
        "fill": Real(-MAX_FILL, MAX_FILL, doc="value of uncovered pixels (image units)"),
    }

    def __init__(
        self,
        height: int = 64,
        width: int = 64,
        n_classes: int | None = None,
        center_range: tuple[float, float] = (0.25, 0.75),
        min_visibility: float = 0.25,
        fill: float = 0,
        p: float = 1.0,
    ) -> None:
        self.store_params(locals())

    def __call__(self, samples: Sequence[Sample], seed: SeedLike = None) -> list[Sample]:
        """Build one mosaic per sample."""
        _check_batch(samples, "Mosaic", same_size=False)
        rng = as_rng(seed)
        out = []
        for i, s in enumerate(samples):
            others = [int(k) for k in rng.integers(0, len(samples), size=3)]
            cx = int(round(rng.uniform(*self.center_range) * self.width))
            cy = int(round(rng.uniform(*self.center_range) * self.height))
            if not rng.random() < self.p:
                out.append(self._unmixed(s))
                continue
            out.append(self._tile(samples, [i, *others], (cx, cy)))
        return out

    def _tile(self, samples: Sequence[Sample], idx: list[int], centre: tuple[int, int]) -> Sample:
        H, W = self.height, self.width
        cx, cy = centre
        base = samples[idx[0]]
        shape = (H, W) + base.image.shape[2:]
        dtype = base.image.dtype
        # image units: saturated to the integer type's range; a float image keeps its own
        fill = np.clip(self.fill, 0, full_range(dtype)) if dtype != np.float32 else self.fill
        image = np.full(shape, fill, dtype)
        regions = [(0, 0, cx, cy), (cx, 0, W, cy), (0, cy, cx, H), (cx, cy, W, H)]
        boxes, box_labels, vis, kps, kp_labels = [], [], [], [], []
        masks: list[np.ndarray] | None = [] if base.masks is not None else None
        semantic = None
        areas = []
        for k, (j, region) in enumerate(zip(idx, regions, strict=True)):
            t = samples[j]
            h, w = t.height, t.width
            dx = cx - w if k in (0, 2) else cx
            dy = cy - h if k in (0, 1) else cy
            rx0, ry0, rx1, ry1 = region
            vx0, vy0 = max(rx0, dx), max(ry0, dy)
            vx1, vy1 = min(rx1, dx + w), min(ry1, dy + h)
            visible = (vx0, vy0, vx1, vy1)
            areas.append(max(0, vx1 - vx0) * max(0, vy1 - vy0))
            if areas[-1] == 0:
                continue
            image[vy0:vy1, vx0:vx1] = t.image[vy0 - dy : vy1 - dy, vx0 - dx : vx1 - dx]
            parts = _parts(t)
            moved = parts["boxes"] + [dx, dy, dx, dy]
            clipped, frac = _clip_boxes(moved, visible)
            keep = (frac >= self.min_visibility) & (frac > 0)
            boxes.append(clipped[keep])
            vis.append(frac[keep])
            box_labels += [lab for lab, q in zip(parts["box_labels"], keep, strict=True) if q]
            if len(parts["kps"]):
                kp = parts["kps"].copy()
                kp[:, :2] += [dx, dy]
                inside = _inside(kp, visible)
                kps.append(kp[inside])
                kp_labels += [lab for lab, q in zip(parts["kp_labels"], inside, strict=True) if q]
            if parts["semantic"] is not None:
                if semantic is None:
                    semantic = np.zeros((H, W), parts["semantic"].dtype)
                semantic[vy0:vy1, vx0:vx1] = parts["semantic"][
                    vy0 - dy : vy1 - dy, vx0 - dx : vx1 - dx
                ]
            elif masks is not None and parts["masks"] is not None:
                same = len(parts["masks"]) == len(keep)
                for m, q in zip(
                    parts["masks"], keep if same else [True] * len(parts["masks"]), strict=True
                ):
                    if q:
                        z = np.zeros((H, W), m.dtype)
                        z[vy0:vy1, vx0:vx1] = m[vy0 - dy : vy1 - dy, vx0 - dx : vx1 - dx]
                        masks.append(z)
        all_boxes = np.concatenate(boxes) if boxes else np.zeros((0, 4))
        all_vis = np.concatenate(vis) if vis else np.zeros(0)
        all_kps = np.concatenate(kps) if kps else np.zeros((0, 2))
        labels = [samples[j].label for j in idx]
        weights = [float(a) for a in areas]
        used = [k for k, a in enumerate(weights) if a > 0]
        label = _mix_labels(
            [labels[k] for k in used], [weights[k] for k in used], self.n_classes, "Mosaic"
        )
        meta = {**base.meta, "mix": {"kind": "Mosaic", "tiles": idx, "center": [cx, cy]}}
        out_masks = semantic if semantic is not None else masks
        return _finish(
            base, image, all_boxes, box_labels, all_vis, all_kps, kp_labels, out_masks, label, meta
        )
