"""Batch-level mixing: MixUp, CutMix and Mosaic on a list of Samples.

Each returns one new :class:`~synthaug.augment.Sample` per input, mixing it with partners
drawn from the same batch. Class labels become *soft labels*: a probability vector over
``n_classes`` weighted by each source's share (pixel area for CutMix and Mosaic). Samples that
are not mixed (probability ``p``) still get a one-hot vector so the batch collates.

Every label travels with the pixels it labels: boxes, oriented boxes (with their labels and
visibility), keypoints (with labels, visibility and instances) and masks.

* **MixUp** keeps both samples' targets, the base sample's first.
* **CutMix** keeps the base sample's boxes and oriented boxes (their corners unchanged) that
  keep at least ``min_visibility`` of their area outside the pasted rectangle, and the
  partner's cut to the rectangle: a box becomes its part inside, an oriented box wholly
  inside keeps its corners and one the rectangle cuts becomes the minimum-area rectangle of
  its visible part (a pipeline's frame clipping with ``oriented_box_fit="rect"``,
  :func:`~synthaug.augment.labels.final_oriented_boxes`); each is kept when at least
  ``min_visibility`` of its area is inside.
* **Mosaic** translates each tile's targets and cuts them to the part of the tile the canvas
  shows, by the same rule.

``box_visibility`` and ``oriented_box_visibility`` give the share of each kept box's area
visible in the output. Keypoints whose pixel the paste or another tile hides are removed
with their labels, visibility and instance (``remove_invisible_keypoints=False`` keeps them
with visibility ``0`` / False, for fixed-size skeletons); ``keypoint_visibility`` keeps the
kind given (booleans, or COCO integers when any sample has integers; a sample without it
counts as visible).

Instances (samples with ``keypoint_instances``): row ``i`` of the boxes and of the oriented
boxes and the keypoints of instance ``i`` are kept or dropped together, as in a pipeline.
Instance ids of the output name its rows: each source's kept rows are renumbered from 0 and
shifted by the number of rows the sources before it keep (the base sample, then the partner
or the tiles in order), so the partner's and the tiles' ids never collide with the base's;
``-1`` (no instance) stays ``-1``. ``keypoint_flip_pairs`` must be the same for every sample
of the batch that has them (pairs are positions or names within an instance); the output
carries them. Instance masks (a list, one per box or per oriented box) follow their row;
a single ``H x W`` semantic mask is pasted like the image (MixUp cannot blend it and
raises). Formats (``box_format``, ``oriented_box_format``) are the base sample's.

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

from synthaug.augment.functional import geometric as G
from synthaug.augment.functional.pixel import _as_float, _restore, full_range
from synthaug.augment.mix_targets import (
    Piece,
    assemble,
    clip_boxes,
    keypoints_inside,
    mask_parts,
    obb_covered,
    obb_cut,
    piece,
)
from synthaug.augment.params import (
    MAX_FILL,
    MAX_SIDE,
    Declared,
    Flag,
    Int,
    Optional,
    Range,
    Real,
)
from synthaug.augment.sample import Sample, validate_sample
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


def _pairs_key(pairs: Any) -> Any:
    """``keypoint_flip_pairs`` in a form that compares equal for the same swaps: a pair is
    unordered (``("l", "r")`` swaps as ``("r", "l")``) and so is the list."""
    if pairs is None or isinstance(pairs, str):
        return pairs
    return frozenset(frozenset(p.tolist() if isinstance(p, np.ndarray) else p) for p in pairs)


def _check_instances(s: Sample, i: int, owner: str) -> None:
    """Instances must name rows of the sample's boxes / oriented boxes (one row per object)."""
    if s.keypoint_instances is None or s.keypoints is None:
        return
    nb = 0 if s.boxes is None else len(np.asarray(s.boxes).reshape(-1, 4))
    no = 0 if s.oriented_boxes is None else len(np.asarray(s.oriented_boxes))
    if nb and no and nb != no:
        raise InvalidInputError(
            f"{owner}: samples[{i}] has keypoint_instances with {nb} boxes and {no} oriented "
            "boxes; an instance is one row of each (give as many of both)"
        )
    ids = np.asarray(s.keypoint_instances)
    if len(ids) and int(ids.max()) >= max(nb, no):
        raise InvalidInputError(
            f"{owner}: samples[{i}].keypoint_instances: instance {int(ids.max())} does not "
            f"exist ({max(nb, no)} instances: rows of boxes / oriented boxes)"
        )


def _check_batch(samples: Sequence[Sample], owner: str, same_size: bool) -> None:
    if not samples:
        raise InvalidInputError(f"{owner}: expected a non-empty list of Samples")
    first = samples[0]
    pairs_from: int | None = None
    for i, s in enumerate(samples):
        if not isinstance(s, Sample):
            raise InvalidInputError(f"{owner}: samples[{i}] is a {type(s).__name__}, not a Sample")
        validate_sample(s)
        _check_instances(s, i, owner)
        if s.keypoint_flip_pairs is not None:
            if pairs_from is None:
                pairs_from = i
            elif _pairs_key(s.keypoint_flip_pairs) != _pairs_key(
                samples[pairs_from].keypoint_flip_pairs
            ):
                raise InvalidInputError(
                    f"{owner}: samples[{i}].keypoint_flip_pairs = {s.keypoint_flip_pairs!r} "
                    f"differ from samples[{pairs_from}]'s "
                    f"{samples[pairs_from].keypoint_flip_pairs!r}; the samples of a batch need "
                    "the same pairs (or None)"
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


class _BatchMix(Declared):
    """Shared declarations (validation, ``to_dict``) and the per-sample loop."""

    parameters = {
        "alpha": Real(1e-6, 1e6, doc="Beta(alpha, alpha) concentration"),
        "n_classes": Optional(Int(1, 2**31 - 1), doc="classes of the soft labels"),
        "min_visibility": Real(0, 1, doc="smallest kept visible fraction of a box"),
        "remove_invisible_keypoints": Flag(doc="drop keypoints the paste or tile hides"),
        "p": PROB,
    }

    def _unmixed(self, s: Sample) -> Sample:
        return s.copy(label=soft_label(s.label, self.n_classes, type(self).__name__))


class MixUp(_BatchMix):
    """MixUp (Zhang et al. 2018): ``lam * x_i + (1 - lam) * x_j`` with ``lam ~ Beta(a, a)``.

    All images must have the same size. Both samples' boxes, oriented boxes, keypoints and
    instance masks are kept (as in detection MixUp), the partner's instance ids shifted past
    the base's rows (see the module doc); the label is ``lam * y_i + (1 - lam) * y_j``.
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
            masks_a, semantic = mask_parts(s)
            if semantic is not None:
                raise InvalidInputError("MixUp: cannot blend semantic masks; use CutMix or Mosaic")
            masks_b, _ = mask_parts(t)
            x = np.float32(lam) * _as_float(s.image) + np.float32(1 - lam) * _as_float(t.image)
            pieces = [piece(s), piece(t)]
            for p in pieces:  # both stay whole: visible is what lies inside the frame
                p.obb_vis = G.clipped_share(p.obb, (s.height, s.width))[1]
                p.settle(0)
            masks = None if masks_a is None or masks_b is None else masks_a + masks_b
            label = _mix_labels([s.label, t.label], [lam, 1 - lam], self.n_classes, "MixUp")
            meta = {**s.meta, "mix": {"kind": "MixUp", "partner": j, "lam": lam}}
            out.append(assemble("MixUp", s, pieces, _restore(x, s.image.dtype), masks, label, meta))
        return out


class CutMix(_BatchMix):
    """CutMix (Yun et al. 2019): paste a rectangle of a partner image; labels mix by area.

    The rectangle covers ``1 - lam`` of the image (``lam ~ Beta(alpha, alpha)``), centred
    uniformly and clipped, so the label weights use the clipped area. The base sample's boxes
    and oriented boxes stay if at least ``min_visibility`` of their area is still visible; the
    partner's are cut to the rectangle (an oriented box the rectangle cuts becomes the
    minimum-area rectangle of its part inside) and kept if at least ``min_visibility`` of
    them is inside. Keypoints under the rectangle (base) or outside it (partner) are removed,
    or kept as invisible with ``remove_invisible_keypoints=False``.
    """

    def __init__(
        self,
        alpha: float = 1.0,
        n_classes: int | None = None,
        min_visibility: float = 0.25,
        remove_invisible_keypoints: bool = True,
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
        image = s.image.copy()
        image[y0:y1, x0:x1] = t.image[y0:y1, x0:x1]
        a, b = piece(s), piece(t)
        mv = self.min_visibility
        # the base keeps its targets where they stay visible enough outside the rectangle
        _, covered = clip_boxes(a.boxes, rect)
        a.box_vis, a.box_keep = 1.0 - covered, (1.0 - covered) >= mv
        if mv == 0.0:
            a.box_keep &= covered < 1.0
        a.obb_vis, a.obb_keep = obb_covered(a.obb, (h, w), rect, mv)
        # the partner's targets are cut to the rectangle
        b.boxes, b.box_vis = clip_boxes(b.boxes, rect)
        b.box_keep = (b.box_vis >= mv) & (b.box_vis > 0)
        b.obb, b.obb_vis, b.obb_keep = obb_cut(b.obb, rect, mv)
        a.kp_inside, b.kp_inside = ~keypoints_inside(a.kps, rect), keypoints_inside(b.kps, rect)
        for p in (a, b):
            if self.remove_invisible_keypoints:
                p.kp_keep = p.kp_inside.copy()
        masks_a, sem_a = mask_parts(s)
        masks_b, sem_b = mask_parts(t)
        keep_ma = a.settle(0 if masks_a is None else len(masks_a))
        keep_mb = b.settle(0 if masks_b is None else len(masks_b))
        masks: Any = None
        if sem_a is not None and sem_b is not None:
            masks = sem_a.copy()
            masks[y0:y1, x0:x1] = sem_b[y0:y1, x0:x1]
        elif masks_a is not None and masks_b is not None:
            kept_a = [m.copy() for m, k in zip(masks_a, keep_ma, strict=True) if k]
            for m in kept_a:
                m[y0:y1, x0:x1] = 0
            kept_b = []
            for m, k in zip(masks_b, keep_mb, strict=True):
                if k:
                    z = np.zeros_like(m)
                    z[y0:y1, x0:x1] = m[y0:y1, x0:x1]
                    kept_b.append(z)
            masks = kept_a + kept_b
        label = _mix_labels([s.label, t.label], [1.0 - share, share], self.n_classes, "CutMix")
        meta = {
            **s.meta,
            "mix": {"kind": "CutMix", "partner": j, "rect": list(rect), "share": share},
        }
        return assemble("CutMix", s, [a, b], image, masks, label, meta)


class Mosaic(_BatchMix):
    """Mosaic (YOLOv4): four images tiled around a random centre into one ``height x width``.

    Each sample is the top-left tile of its own mosaic; the other three tiles are drawn from
    the batch. Tiles are placed unscaled with their inner corner at the centre and cropped by
    the canvas (areas no tile covers are ``fill``). Boxes, oriented boxes and keypoints are
    translated and cut to the visible part of their tile (an oriented box cut becomes the
    minimum-area rectangle of its visible part); boxes keeping less than ``min_visibility``
    are dropped, and so are hidden keypoints unless ``remove_invisible_keypoints=False``.
    Instance ids of later tiles are shifted past the rows of earlier ones. The label mixes
    the four labels by visible area.
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
        remove_invisible_keypoints: bool = True,
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
        pieces: list[Piece] = []
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
            p = piece(t, dx, dy)
            p.boxes, p.box_vis = clip_boxes(p.boxes, visible)
            p.box_keep = (p.box_vis >= self.min_visibility) & (p.box_vis > 0)
            p.obb, p.obb_vis, p.obb_keep = obb_cut(p.obb, visible, self.min_visibility)
            p.kp_inside = keypoints_inside(p.kps, visible)
            if self.remove_invisible_keypoints:
                p.kp_keep = p.kp_inside.copy()
            tile_masks, tile_semantic = mask_parts(t)
            keep_m = p.settle(0 if tile_masks is None else len(tile_masks))
            pieces.append(p)
            if tile_semantic is not None:
                if semantic is None:
                    semantic = np.zeros((H, W), tile_semantic.dtype)
                semantic[vy0:vy1, vx0:vx1] = tile_semantic[vy0 - dy : vy1 - dy, vx0 - dx : vx1 - dx]
            elif masks is not None and tile_masks is not None:
                for m, q in zip(tile_masks, keep_m, strict=True):
                    if q:
                        z = np.zeros((H, W), m.dtype)
                        z[vy0:vy1, vx0:vx1] = m[vy0 - dy : vy1 - dy, vx0 - dx : vx1 - dx]
                        masks.append(z)
        labels = [samples[j].label for j in idx]
        weights = [float(a) for a in areas]
        used = [k for k, a in enumerate(weights) if a > 0]
        label = _mix_labels(
            [labels[k] for k in used], [weights[k] for k in used], self.n_classes, "Mosaic"
        )
        meta = {**base.meta, "mix": {"kind": "Mosaic", "tiles": idx, "center": [cx, cy]}}
        out_masks = semantic if semantic is not None else masks
        return assemble("Mosaic", base, pieces, image, out_masks, label, meta)
