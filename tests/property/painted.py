"""Painted scenes, random geometric pipelines and the pixel oracle that judges their labels.

The oracle
----------
Every object of a scene is painted in **its own image channel** of one multi-channel image
(``H x W x K``, ``float32`` painted with 1.0 or ``uint8`` painted with 255, background 0).
The engine accepts any number of channels and moves every channel through the same geometric
map as the labels, so after any pipeline channel ``k`` *is* where object ``k``'s pixels are:
an independent oracle that shares no code with the label path (boxes, keypoints, masks).
One image per run (not one run per object with the same seed) keeps each case a single call
and makes a failure reproducible from the case id alone. Distinct grey levels in one channel
were rejected: interpolation mixes neighbouring levels, so overlapping objects would blur
into each other.

* Boxed objects (labels ``0 .. n_boxes - 1``): axis-aligned rectangles and ellipses of
  48-96 px, each with an instance mask (``masks[k]`` belongs to ``boxes[k]``, one mask per
  box, so ``boxes_from_masks`` applies) and the tight box of its pixels.
* Dots (labels ``n_boxes ..``): 3x3 or 5x5 squares with a keypoint at the centre pixel.
* Channel ``k`` holds the object whose box or keypoint label is ``k``.

Thresholds
----------
Interpolation blurs painted edges. A pixel *belongs* to an object when its channel is above
half the paint value (``PAINTED = 0.5``): for a straight edge resampled with linear
interpolation the 0.5 level crossing sits where the continuous edge is, which is also where
pixel-centre-exact nearest sampling puts a mask's edge, so a painted region and a correct mask
agree to about a pixel. An object has *vanished* only when no pixel of its channel reaches
``TRACE = 0.05`` of the paint (a faint interpolated sliver is still the object: a label
there is not a ghost). Existence checks use ``TRACE`` (generous to the engine), shape checks
use ``PAINTED``.

Border modes
------------
``constant`` borders (fill 0) never create paint, so every check applies. ``reflect``,
``reflect_edge``, ``wrap`` and ``replicate`` legitimately copy an object's paint (and its
mask) into the border: the label follows the object itself and the copies are unlabelled, so
"the tight box of the object's pixels" and "the object is gone" are ambiguous there. Those
runs are judged twice: by the checks that copies cannot break (a kept keypoint lies on its
dot's paint; a kept box covers paint of its object; masks match their channel; no label of a
vanished object), and by ``border_labels``: the same drawn steps replayed with constant
borders must keep the same boxes and keypoints, because a border fills pixels and moves no
label. The other checks are renamed ``<check>~copies`` there and only counted by the bench
(``CHECKS`` says which check is asserted where). A kept keypoint off its dot's paint is
judged again on the constant-border replay: a dot can fade out where its keypoint is (a
nearest-neighbour downscale drops its row) while a border copy of it survives elsewhere
(bench case 0:42111); the keypoint is right if it lies on the dot of that replay, or the
dot faded out in place there, and the failure is then ``kp_off_dot~copies``.

What the oracle cannot judge, and therefore leaves alone
--------------------------------------------------------
* A dot can fade out under strong downscaling while its keypoint is right: a keypoint whose
  dot vanished is a ghost only if a replay with a 15 x 15 square for the dot leaves no paint
  near it.
* A dot whose centre a step cut away leaves a remnant that later steps may move inside: its
  keypoint is rightly gone, so ``kp_lost`` only judges dots at least as large as drawn, and
  not a dot that touched the edge of an earlier frame: a resize or a distortion can magnify
  a cut remnant back to the drawn size (bench cases 0:30626 and 0:37041, where a distortion
  put the keypoint 0.25 and 0.45 px outside the frame while it stretched the dot's visible
  part; a pad then moved the remnant inside). The prefix replays that tell this are run only
  for a dropped keypoint whose dot looks whole.
* How much of an object earlier crops cut away (``min_visibility``): ``box_lost`` is judged
  only without ``min_visibility``.
* Slivers: masks thinner than ``SLIVER_PX`` and paint thinner than ``THIN_PX`` are not
  compared (one pixel of quantisation decides them).
* Mask edges after several resamplings (each requantises a nearest-neighbour mask, and an
  upscale after a downscale magnifies that): ``mask_edge`` needs a single resampling; the
  half-pixel bias is judged statistically over many cases (:func:`biased_resamplers`).
* Ellipses with ``boxes_from_masks=False``: told not to read the masks, the engine knows an
  ellipse only by its box, so the box must contain the object but may keep empty corners.
* Keypoints with ``remove_invisible_keypoints=False`` are tracked off the frame and back by
  design: only their number is checked.

Reproducing a case
------------------
``make_case(seed, index)`` builds scene, pipeline and call seed from ``(seed, index)`` alone;
``python bench/bench_labels.py --case SEED:INDEX`` prints its pipeline YAML and failures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np
import yaml

from synthaug import augment as A

PAINTED = 0.5  # fraction of the paint value above which a pixel belongs to the object
TRACE = 0.05  # fraction of the paint value below which an object has vanished
KP_RADIUS = 1.5  # a kept keypoint must have painted pixels of its dot within this distance
BOX_TOL_PX, BOX_TOL_FRAC = 2.0, 0.15  # box vs tight box: max(2 px, 15% of the side)
MASK_IOU = 0.7  # masks agree with their image channel
MIN_MASK_PX = 25  # a box whose mask still has this many pixels must not be dropped
THIN_PX = 4  # boxes of paint thinner than this are not judged for tightness
SLIVER_PX = 10  # masks thinner than this are not compared (a pixel of quantisation is 10%)
COPIES = "~copies"  # suffix of a check that border copies make ambiguous
BORDERS = ("constant", "reflect", "reflect_edge", "wrap", "replicate")
INTERPOLATIONS = ("linear", "cubic", "area", "nearest")

#: check name -> (what it asserts, whether it is asserted under non-constant borders)
CHECKS: dict[str, tuple[str, bool]] = {
    "kp_ghost": ("a keypoint kept inside the frame whose dot vanished", True),
    "kp_off_dot": ("a kept keypoint not on its dot's painted pixels", True),
    "kp_lost": ("a keypoint dropped although its dot is whole inside the frame", False),
    "kp_removed": ("a keypoint dropped although remove_invisible_keypoints is off", True),
    "box_ghost": ("a box kept although its object vanished", True),
    "box_empty": ("a kept box that covers no paint of its object", True),
    "box_vs_paint": ("a kept box off the tight box of its object's paint", False),
    "box_vs_mask": ("a kept box off the tight box of its instance mask", False),
    "box_lost": (f"a box dropped although {MIN_MASK_PX}+ px of its object are in view", False),
    "mask_iou": (f"a mask with IoU < {MASK_IOU} against its painted channel", True),
    "mask_edge": ("a mask pixel more than 1 px from paint, or the reverse", False),
    # float images keep their own range (issue 24): linear and area resampling may round a
    # hair beyond it, nothing may go further (cubic overshoot is clipped to the input's range)
    "image_range": ("a float32 image with NaN/inf or beyond its input's [0, 1] by > 1e-5", True),
    "border_labels": ("labels that change when the border mode becomes constant", True),
}
#: transforms that move pixels without resampling them (their steps do not count as one)
EXACT = frozenset(
    "HorizontalFlip VerticalFlip Transpose Rotate90 RandomCrop CenterCrop Crop "
    "BBoxSafeRandomCrop Pad PadIfNeeded".split()
)


# --------------------------------------------------------------------------- scenes
@dataclass
class Scene:
    """A painted sample and what the oracle needs to know about it."""

    sample: A.Sample | None  # None once a run is checked (see run_case)
    n_boxes: int
    n_dots: int
    paint: float
    #: painted pixels of each dot in the input, by label
    dot_px: dict[int, int] = field(default_factory=dict)
    #: labels of the boxed objects that are ellipses (the others are rectangles)
    ellipses: frozenset[int] = frozenset()


def _f(x: float, nd: int = 3) -> float:
    return float(round(float(x), nd))


def make_scene(rng: np.random.Generator) -> Scene:
    """A random painted scene (128-192 px canvas, 1-3 boxed objects, 1-3 dots)."""
    h, w = int(rng.integers(128, 193)), int(rng.integers(128, 193))
    n_boxes, n_dots = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    dtype = np.float32 if rng.random() < 0.5 else np.uint8
    paint = 1.0 if dtype == np.float32 else 255.0
    image = np.zeros((h, w, n_boxes + n_dots), dtype)
    masks, boxes, kps = [], [], []
    ellipses: set[int] = set()
    yy, xx = np.mgrid[0:h, 0:w]
    for k in range(n_boxes):
        bh, bw = int(rng.integers(48, 97)), int(rng.integers(48, 97))
        y0, x0 = int(rng.integers(0, h - bh + 1)), int(rng.integers(0, w - bw + 1))
        if rng.random() < 0.5:  # rectangle
            m = (yy >= y0) & (yy < y0 + bh) & (xx >= x0) & (xx < x0 + bw)
        else:  # ellipse inscribed in the same box
            ellipses.add(k)
            cy, cx = y0 + (bh - 1) / 2, x0 + (bw - 1) / 2
            m = ((yy - cy) / (bh / 2)) ** 2 + ((xx - cx) / (bw / 2)) ** 2 <= 1.0
        ys, xs = np.nonzero(m)
        boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
        masks.append(m.astype(np.uint8))
        image[..., k][m] = paint
    dot_px = {}
    for j in range(n_dots):
        r = 1 if rng.random() < 0.5 else 2  # 3x3 or 5x5
        dot_px[n_boxes + j] = (2 * r + 1) ** 2
        cy, cx = int(rng.integers(r + 2, h - r - 2)), int(rng.integers(r + 2, w - r - 2))
        image[cy - r : cy + r + 1, cx - r : cx + r + 1, n_boxes + j] = paint
        kps.append([cx, cy])
    sample = A.Sample(
        image,
        masks=masks,
        boxes=np.array(boxes, np.float64),
        box_labels=list(range(n_boxes)),
        keypoints=np.array(kps, np.float64),
        keypoint_labels=list(range(n_boxes, n_boxes + n_dots)),
    )
    return Scene(sample, n_boxes, n_dots, paint, dot_px, frozenset(ellipses))


# --------------------------------------------------------------------------- pipelines
@dataclass
class _Size:
    """Bounds on the image size at a point of a pipeline whose steps may not run."""

    lo: list[int]
    hi: list[int]

    def either(self, other: _Size) -> _Size:
        """The bounds when a step may or may not run."""
        return _Size(
            [min(a, b) for a, b in zip(self.lo, other.lo, strict=True)],
            [max(a, b) for a, b in zip(self.hi, other.hi, strict=True)],
        )


@dataclass
class PipelineSpec:
    """A generated pipeline and the facts the checks need about it."""

    pipe: A.Compose
    border: str
    names: list[str] = field(default_factory=list)
    #: the ``boxes_from_masks`` argument given to Compose (None: left at its default)
    from_masks: bool | None = None


def _border(rng: np.random.Generator, border: str) -> dict[str, Any]:
    return {"border_mode": border, "fill": 0, "fill_mask": 0}


def _interp(rng: np.random.Generator) -> str:
    return str(INTERPOLATIONS[int(rng.integers(len(INTERPOLATIONS)))])


def _p(rng: np.random.Generator) -> float:
    return 1.0 if rng.random() < 0.75 else 0.5


def _step(
    name: str, rng: np.random.Generator, size: _Size, border: str
) -> tuple[A.Transform, _Size] | None:
    """One transform ``name`` with random valid parameters, and the size bounds after it."""
    lo, hi = size.lo, size.hi
    same = _Size(list(lo), list(hi))
    p = _p(rng)
    if name in ("HorizontalFlip", "VerticalFlip"):
        return getattr(A, name)(p=p), same
    if name in ("Transpose", "Rotate90"):
        swap = _Size([min(lo)] * 2, [max(hi)] * 2)
        if name == "Transpose":
            return A.Transpose(p=p), swap
        k = [int(v) for v in rng.choice(4, size=int(rng.integers(1, 4)), replace=False)]
        return A.Rotate90(k=sorted(k), p=p), swap
    if name == "Rotate":
        lim = _f(rng.uniform(1, 180))
        return A.Rotate(limit=lim, interpolation=_interp(rng), **_border(rng, border), p=p), same
    if name == "Affine":
        s0 = _f(rng.uniform(0.6, 1.0))
        args = {
            "scale": (s0, _f(s0 + rng.uniform(0, 0.6))),
            "translate_percent": _f(rng.uniform(0, 0.25)),
            "rotate": _f(rng.uniform(0, 90)),
            "shear": _f(rng.uniform(0, 20)),
            "keep_ratio": bool(rng.random() < 0.5),
        }
        return A.Affine(**args, interpolation=_interp(rng), **_border(rng, border), p=p), same
    if name == "Perspective":
        s0 = _f(rng.uniform(0.0, 0.1))
        t = A.Perspective(
            scale=(s0, _f(s0 + rng.uniform(0.0, 0.1))),
            interpolation=_interp(rng),
            **_border(rng, border),
            p=p,
        )
        return t, same
    if name == "ElasticTransform":
        t = A.ElasticTransform(
            alpha=_f(rng.uniform(0, 40)),
            sigma_px=_f(rng.uniform(4, 10)),
            interpolation=_interp(rng),
            **_border(rng, border),
            p=p,
        )
        return t, same
    if name == "GridDistortion":
        t = A.GridDistortion(
            num_steps=int(rng.integers(2, 8)),
            distort_limit=_f(rng.uniform(0, 0.4)),
            interpolation=_interp(rng),
            **_border(rng, border),
            p=p,
        )
        return t, same
    if name == "OpticalDistortion":
        t = A.OpticalDistortion(
            distort_limit=_f(rng.uniform(0, 0.4)),
            shift_limit=_f(rng.uniform(0, 0.1)),
            interpolation=_interp(rng),
            **_border(rng, border),
            p=p,
        )
        return t, same
    if name in ("RandomCrop", "CenterCrop", "Crop"):
        if min(lo) < 32:
            return None
        ch = int(rng.integers(max(24, lo[0] // 3), lo[0] + 1))
        cw = int(rng.integers(max(24, lo[1] // 3), lo[1] + 1))
        out = _Size([ch, cw], [ch, cw])
        if name == "Crop":
            y0, x0 = int(rng.integers(0, lo[0] - ch + 1)), int(rng.integers(0, lo[1] - cw + 1))
            t = A.Crop(x_min=x0, y_min=y0, x_max=x0 + cw, y_max=y0 + ch, p=p)
        else:
            t = getattr(A, name)(height=ch, width=cw, p=p)
        return t, out if p == 1.0 else out.either(size)
    if name in ("RandomResizedCrop", "RandomSizedCrop", "RandomSizedBBoxSafeCrop", "Resize"):
        oh, ow = int(rng.integers(64, 193)), int(rng.integers(64, 193))
        out = _Size([oh, ow], [oh, ow])
        interp = _interp(rng)
        if name == "RandomResizedCrop":
            s0 = _f(rng.uniform(0.1, 1.0))
            t = A.RandomResizedCrop(
                size=(oh, ow),
                scale=(s0, _f(rng.uniform(s0, 1.0))),
                ratio=(0.75, 1.333),
                interpolation=interp,
                p=p,
            )
        elif name == "RandomSizedCrop":
            if min(lo) < 32:
                return None
            a = int(rng.integers(24, lo[0] + 1))
            t = A.RandomSizedCrop(
                min_max_height=(a, int(rng.integers(a, lo[0] + 1))),
                size=(oh, ow),
                w2h_ratio=_f(rng.uniform(0.6, 1.6)),
                interpolation=interp,
                p=p,
            )
        elif name == "RandomSizedBBoxSafeCrop":
            t = A.RandomSizedBBoxSafeCrop(
                height=oh, width=ow, erosion_rate=_f(rng.uniform(0, 0.3)), interpolation=interp, p=p
            )
        else:
            t = A.Resize(height=oh, width=ow, interpolation=interp, p=p)
        return t, out if p == 1.0 else out.either(size)
    if name == "BBoxSafeRandomCrop":
        # the window may shrink to the union of the boxes: later crops must not rely on size
        t = A.BBoxSafeRandomCrop(erosion_rate=_f(rng.uniform(0, 0.3)), p=p)
        return t, _Size([1, 1], list(hi))
    if name == "CropAndPad":
        a = _f(rng.uniform(-0.3, 0.0))
        b = _f(rng.uniform(0.0, 0.3))
        keep = bool(rng.random() < 0.5)
        t = A.CropAndPad(
            percent=(a, b), keep_size=keep, interpolation=_interp(rng), **_border(rng, border), p=p
        )
        if keep:
            return t, same
        out = _Size(
            [max(1, math.floor(v * (1 + 2 * a)) - 2) for v in lo],
            [math.ceil(v * (1 + 2 * b)) + 2 for v in hi],
        )
        return t, out.either(size)
    if name == "Pad":
        k = int(rng.integers(1, 40))
        t = A.Pad(padding=k, **_border(rng, border), p=p)
        return t, _Size([v + 2 * k for v in lo], [v + 2 * k for v in hi]).either(size)
    if name == "PadIfNeeded":
        mh, mw = int(rng.integers(64, 257)), int(rng.integers(64, 257))
        pos = ("center", "top_left", "top_right", "bottom_left", "bottom_right", "random")
        t = A.PadIfNeeded(
            min_height=mh,
            min_width=mw,
            position=str(pos[int(rng.integers(len(pos)))]),
            **_border(rng, border),
            p=p,
        )
        out = _Size([max(lo[0], mh), max(lo[1], mw)], [max(hi[0], mh), max(hi[1], mw)])
        return t, out.either(size)
    if name == "RandomScale":
        a = _f(rng.uniform(-0.5, 0.0))
        b = _f(rng.uniform(0.0, 0.5))
        t = A.RandomScale(scale_limit=(a, b), interpolation=_interp(rng), p=p)
        out = _Size(
            [max(1, math.floor(v * (1 + a)) - 1) for v in lo],
            [math.ceil(v * (1 + b)) + 1 for v in hi],
        )
        return t, out.either(size)
    if name in ("LongestMaxSize", "SmallestMaxSize"):
        m = int(rng.integers(64, 193))
        t = getattr(A, name)(max_size=m, interpolation=_interp(rng), p=p)
        if name == "LongestMaxSize":
            out = _Size(
                [max(1, math.floor(v * m / max(hi)) - 1) for v in lo],
                [min(m, math.ceil(v * m / max(lo)) + 1) for v in hi],
            )
        else:
            out = _Size([m, m], [math.ceil(v * m / min(lo)) + 1 for v in hi])
            if max(out.hi) > 400:
                return None
        return t, out.either(size)
    raise KeyError(name)


#: the geometric catalogue the generator draws from (names in synthaug.augment's registry)
GEOMETRIC = (
    "HorizontalFlip",
    "VerticalFlip",
    "Transpose",
    "Rotate90",
    "Rotate",
    "Affine",
    "Perspective",
    "ElasticTransform",
    "GridDistortion",
    "OpticalDistortion",
    "RandomCrop",
    "CenterCrop",
    "Crop",
    "RandomResizedCrop",
    "RandomSizedCrop",
    "RandomSizedBBoxSafeCrop",
    "BBoxSafeRandomCrop",
    "CropAndPad",
    "Pad",
    "PadIfNeeded",
    "Resize",
    "RandomScale",
    "LongestMaxSize",
    "SmallestMaxSize",
)
CATALOGUE = tuple(n for n in GEOMETRIC if n in A.REGISTRY)


def make_pipeline(rng: np.random.Generator, hw: tuple[int, int]) -> PipelineSpec:
    """1-4 geometric transforms with random valid parameters for an ``hw`` image.

    One border mode per pipeline (constant half of the time), so a case is either fully
    judged or judged with the reflect/wrap allowances. Compose options vary too: fusion,
    ``min_visibility``, ``min_area``, ``boxes_from_masks``, ``remove_invisible_keypoints``.
    """
    border = "constant" if rng.random() < 0.5 else str(BORDERS[int(rng.integers(1, 5))])
    size = _Size(list(hw), list(hw))
    steps: list[A.Transform] = []
    n = int(rng.integers(1, 5))
    while len(steps) < n:
        name = str(CATALOGUE[int(rng.integers(len(CATALOGUE)))])
        made = _step(name, rng, size, border)
        if made is None or max(made[1].hi) > 400:
            continue
        steps.append(made[0])
        size = made[1]
    from_masks = (None, True, False)[int(rng.integers(3))]
    options: dict[str, Any] = {
        "fuse": bool(rng.random() < 0.5),
        "min_visibility": float(rng.choice([0.0, 0.0, 0.1, 0.3])),
        "min_area": float(rng.choice([0.0, 0.0, 16.0, 100.0])),
        "remove_invisible_keypoints": bool(rng.random() < 0.8),
    }
    if from_masks is not None:
        options["boxes_from_masks"] = from_masks
    pipe = A.Compose(steps, **options)
    return PipelineSpec(pipe, border, [type(t).__name__ for t in steps], from_masks)


# --------------------------------------------------------------------------- checks
@dataclass
class Failure:
    """One failed check on one label."""

    check: str
    label: int
    detail: str


def _tight(m: np.ndarray) -> np.ndarray | None:
    ys, xs = np.nonzero(m)
    if len(xs) == 0:
        return None
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float64)


def _dilate(m: np.ndarray) -> np.ndarray:
    """``m`` grown by one pixel in the 8-neighbourhood."""
    return cv2.dilate(m.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)


def _box_short(box: np.ndarray, tight: np.ndarray) -> float:
    """How far ``box`` falls inside ``tight`` on its worst side, in units of the tolerance."""
    tw, th = tight[2] - tight[0], tight[3] - tight[1]
    tol = np.array([max(BOX_TOL_PX, BOX_TOL_FRAC * tw), max(BOX_TOL_PX, BOX_TOL_FRAC * th)] * 2)
    short = np.concatenate([box[:2] - tight[:2], tight[2:] - box[2:]])
    return float(np.max(short / tol))


def _big_dot_near(
    out: A.Sample, scene: Scene, spec: PipelineSpec, k: int, x: float, y: float
) -> bool:
    """Whether a 15 x 15 square painted in place of dot ``k`` ends near ``(x, y)``.

    Replays the same drawn steps (``out.applied``) on the scene with the big square: a dot
    that faded out under downscaling leaves its big square around the keypoint, a dot whose
    keypoint left the frame and came back does not.
    """
    s = scene.sample
    kx, ky = (int(v) for v in s.keypoints[k - scene.n_boxes])
    image = s.image.copy()
    image[..., k] = 0
    image[max(0, ky - 7) : ky + 8, max(0, kx - 7) : kx + 8, k] = scene.paint
    big = spec.pipe.replay(s.copy(image=image), out.applied)
    chan = (big.image if big.image.ndim == 3 else big.image[..., None])[..., k] / scene.paint
    h, w = chan.shape
    y0, y1 = max(0, math.floor(y) - 2), min(h, math.ceil(y) + 3)
    x0, x1 = max(0, math.floor(x) - 2), min(w, math.ceil(x) + 3)
    return bool(np.any(chan[y0:y1, x0:x1] >= TRACE))


def _kp_on_paint(chan: np.ndarray, x: float, y: float, dot_px: int) -> bool:
    """Whether ``(x, y)`` lies on or next to the paint of a dot's channel ``chan``.

    A dot magnified ``s`` times carries the quantisation of its smallest (nearest-neighbour
    or unfiltered) sampling ``s`` times larger, so the allowed distance grows with the dot's
    painted extent: ``KP_RADIUS`` times the square root of its area over its drawn area.
    """
    h, w = chan.shape
    grown = math.sqrt(np.count_nonzero(chan >= TRACE) / dot_px)
    radius = KP_RADIUS * max(1.0, grown)
    r = math.ceil(radius)
    y0, y1 = max(0, round(y) - r), min(h, round(y) + r + 1)
    x0, x1 = max(0, round(x) - r), min(w, round(x) + r + 1)
    ys, xs = np.nonzero(chan[y0:y1, x0:x1] >= TRACE)
    return bool(len(xs)) and float(np.min(np.hypot(xs + x0 - x, ys + y0 - y))) <= radius


def _channel(sample: A.Sample, scene: Scene, k: int) -> np.ndarray:
    """Channel ``k`` of ``sample``'s image as a fraction of the paint value."""
    img = sample.image if sample.image.ndim == 3 else sample.image[..., None]
    return img[..., k].astype(np.float32) / scene.paint


def _kp_right_without_copies(
    out: A.Sample, scene: Scene, spec: PipelineSpec, k: int, x: float, y: float
) -> bool:
    """Whether keypoint ``k`` at ``(x, y)`` is right on the constant-border replay.

    Under reflect/wrap/replicate a dot can fade out where its keypoint is (a strong or
    nearest-neighbour downscale) while a border copy of it survives elsewhere: the keypoint
    is then off the only paint, yet right. The same drawn steps with constant borders show
    the dot alone: its keypoint must lie on it, or the dot must have faded out in place.
    """
    const_pipe = with_constant_borders(spec.pipe)
    chan = _channel(const_pipe.replay(scene.sample, out.applied), scene, k)
    if chan.max() < TRACE:
        return _big_dot_near(out, scene, replace(spec, pipe=const_pipe), k, x, y)
    return _kp_on_paint(chan, x, y, scene.dot_px[k])


def _cut_by_a_frame(out: A.Sample, scene: Scene, spec: PipelineSpec, k: int) -> bool:
    """Whether dot ``k`` touched the edge of the frame after some step before the last.

    Replays each prefix of the drawn steps (constant borders) and looks for paint of the dot
    on the outermost rows and columns. A dot cut there may have lost its centre, and its
    keypoint with it, while a later resize or distortion magnifies the remnant back to the
    drawn size and a pad moves it off the edge: the oracle cannot tell it from a whole dot.
    """
    pipe = spec.pipe if spec.border == "constant" else with_constant_borders(spec.pipe)
    for i in range(1, len(out.applied)):
        on = _channel(pipe.replay(scene.sample, out.applied[:i]), scene, k) >= TRACE
        if on[0].any() or on[-1].any() or on[:, 0].any() or on[:, -1].any():
            return True
    return False


def _box_off(box: np.ndarray, tight: np.ndarray) -> float:
    """Largest side error of ``box`` against ``tight``, in units of the tolerance."""
    tw, th = tight[2] - tight[0], tight[3] - tight[1]
    tol = np.array([max(BOX_TOL_PX, BOX_TOL_FRAC * tw), max(BOX_TOL_PX, BOX_TOL_FRAC * th)] * 2)
    return float(np.max(np.abs(box - tight) / tol))


def _fmt(v: np.ndarray) -> str:
    return "[" + ", ".join(f"{x:.1f}" for x in v) + "]"


def _masks_by_label(out: A.Sample, scene: Scene) -> dict[int, np.ndarray]:
    """Instance masks by box label: one per input box, or one per kept box."""
    masks = out.masks if out.masks is not None else []
    masks = (
        [masks[..., k] for k in range(masks.shape[2])] if isinstance(masks, np.ndarray) else masks
    )
    if len(masks) == scene.n_boxes:
        return {k: np.asarray(m) for k, m in enumerate(masks)}
    labels = list(out.box_labels or [])
    if len(masks) == len(labels):
        return {int(k): np.asarray(m) for k, m in zip(labels, masks, strict=True)}
    raise AssertionError(f"{len(masks)} masks for {scene.n_boxes} boxes ({len(labels)} kept)")


def check(out: A.Sample, scene: Scene, spec: PipelineSpec) -> list[Failure]:
    """Every oracle check on one output; empty when the labels agree with the paint."""
    fails: list[Failure] = []
    if out.image.dtype == np.float32 and not (
        np.isfinite(out.image).all() and out.image.min() >= -1e-5 and out.image.max() <= 1 + 1e-5
    ):
        lo, hi = float(out.image.min()), float(out.image.max())
        fails.append(Failure("image_range", -1, f"values in [{lo:.3f}, {hi:.3f}]"))
    img = out.image if out.image.ndim == 3 else out.image[..., None]
    h, w = img.shape[:2]
    chan = img.astype(np.float32) / scene.paint
    painted = chan > PAINTED
    constant = spec.border == "constant"
    pipe = spec.pipe

    # keypoints
    kps = np.zeros((0, 2)) if out.keypoints is None else np.asarray(out.keypoints)[:, :2]
    kp_labels = [int(v) for v in (out.keypoint_labels or [])]
    if not pipe.remove_invisible_keypoints:
        # keypoints are tracked wherever they go, also off the frame and back: a returning
        # keypoint is not a ghost and may sit off a dot that a crop cut. Only count them.
        if len(kp_labels) != scene.n_dots:
            fails.append(Failure("kp_removed", -1, f"{len(kp_labels)} of {scene.n_dots} kept"))
        kps, kp_labels = kps[:0], []
    for (x, y), k in zip(kps, kp_labels, strict=True):
        if not (-0.5 <= x < w - 0.5 and -0.5 <= y < h - 0.5):
            continue  # kept outside the frame (remove_invisible_keypoints=False)
        if chan[..., k].max() < TRACE:
            if not _big_dot_near(out, scene, spec, k, x, y):
                fails.append(Failure("kp_ghost", k, f"keypoint ({x:.1f}, {y:.1f}), dot vanished"))
            continue  # else the dot only faded out under downscaling: the keypoint is right
        if not _kp_on_paint(chan[..., k], x, y, scene.dot_px[k]):
            dys, dxs = np.nonzero(painted[..., k])
            where = f"dot at ({dxs.mean():.1f}, {dys.mean():.1f})" if len(dxs) else "dot faint"
            # the only paint may be a border copy of a dot that faded out where its keypoint
            # is (a copy is not the object): judged again on the constant-border replay
            copies = not constant and _kp_right_without_copies(out, scene, spec, k, x, y)
            name = "kp_off_dot" + (COPIES if copies else "")
            fails.append(Failure(name, k, f"keypoint ({x:.1f}, {y:.1f}), {where}"))
    if pipe.remove_invisible_keypoints:
        for j in range(scene.n_dots):
            k = scene.n_boxes + j
            if k in kp_labels:
                continue
            t = _tight(painted[..., k])
            n_px = np.count_nonzero(painted[..., k])
            # a dot smaller than it was may be the remnant of a dot whose centre a step cut
            # away (its keypoint rightly dropped there), later moved inside: not judged
            whole = t is not None and t[0] > 0 and t[1] > 0 and t[2] < w and t[3] < h
            # a remnant can also be magnified back to the dot's drawn size (a resize, a
            # distortion): a dot that touched the edge of an earlier frame is not judged
            if whole and n_px >= scene.dot_px[k] and not _cut_by_a_frame(out, scene, spec, k):
                fails.append(Failure("kp_lost", k, f"dropped, dot whole at {_fmt(t)}"))

    # boxes and masks
    boxes = np.zeros((0, 4)) if out.boxes is None else np.asarray(out.boxes, np.float64)
    box_labels = [int(v) for v in (out.box_labels or [])]
    masks = _masks_by_label(out, scene)
    for box, k in zip(boxes, box_labels, strict=True):
        m = masks.get(k)
        if spec.from_masks is False and k in scene.ellipses:
            # told not to read the masks, the engine knows an ellipse only by its box: the
            # box must still contain the object, but its empty corners may stay in view
            t = _tight(painted[..., k])
            if t is not None and _box_short(box, t) > 1:
                fails.append(Failure("box_vs_paint", k, f"box {_fmt(box)} cuts paint {_fmt(t)}"))
            continue
        if chan[..., k].max() < TRACE and (m is None or not m.any()):
            fails.append(Failure("box_ghost", k, f"box {_fmt(box)} kept, object vanished"))
            continue
        bx0, by0 = max(0, math.floor(box[0])), max(0, math.floor(box[1]))
        bx1, by1 = min(w, math.ceil(box[2])), min(h, math.ceil(box[3]))
        if not np.any(chan[by0:by1, bx0:bx1, k] >= TRACE):
            fails.append(Failure("box_empty", k, f"box {_fmt(box)} covers none of its object"))
            continue
        t = _tight(painted[..., k])
        if t is not None and min(t[2] - t[0], t[3] - t[1]) < THIN_PX:
            continue  # along a sliver's length its edge rows decide: too fragile to judge
        if t is not None and _box_off(box, t) > 1:
            fails.append(Failure("box_vs_paint", k, f"box {_fmt(box)}, paint {_fmt(t)}"))
        tm = None if m is None else _tight(m)
        if tm is not None and _box_off(box, tm) > 1:
            fails.append(Failure("box_vs_mask", k, f"box {_fmt(box)}, mask {_fmt(tm)}"))
    for k in range(scene.n_boxes):
        if k in box_labels:
            continue
        # judged on the paint (an engine may drop a dropped box's mask with it), and only
        # without min_visibility: the oracle cannot tell how much of an object an earlier
        # crop cut away (a cut piece padded back looks whole)
        n_px = int(np.count_nonzero(painted[..., k]))
        if n_px >= max(MIN_MASK_PX, 1.2 * pipe.min_area) and pipe.min_visibility == 0:
            fails.append(Failure("box_lost", k, f"dropped, {n_px} px of it in view"))
    n_resampled = sum(name not in EXACT for name in (a.name for a in out.applied))
    for k, m in masks.items():
        mb, pb = m > 0, painted[..., k]
        union = int(np.count_nonzero(mb | pb))
        tu = _tight(mb | pb)
        if union < MIN_MASK_PX or tu is None or min(tu[2] - tu[0], tu[3] - tu[1]) < SLIVER_PX:
            continue  # a sliver: one pixel of quantisation decides its IoU
        iou = np.count_nonzero(mb & pb) / union
        if iou < MASK_IOU:
            fails.append(Failure("mask_iou", k, f"IoU {iou:.2f} of {union} px"))
            continue
        if n_resampled > 1:
            # nearest-neighbour masks requantise at every resampling and an upscale after a
            # downscale magnifies that legitimately: the edge check needs a single resampling
            continue
        # every mask pixel within one pixel (8-neighbourhood) of paint, and the reverse: a
        # Hausdorff distance of 1, which tolerates the flat parts of curved edges that a
        # tight-box comparison would not
        out_m = np.count_nonzero(mb & ~_dilate(pb))
        out_p = np.count_nonzero(pb & ~_dilate(mb))
        if out_m or out_p:
            tm, tp = _tight(mb), _tight(pb)
            fails.append(
                Failure(
                    "mask_edge",
                    k,
                    f"{out_m} mask px off the paint, {out_p} paint px off the mask "
                    f"(mask {_fmt(tm)}, paint {_fmt(tp)})",
                )
            )
    if not constant:
        # border copies make the other checks ambiguous (module docstring): they are renamed
        # ``<check>~copies``, counted by the bench and asserted nowhere
        fails = [
            f
            if CHECKS.get(f.check, ("", True))[1]
            else Failure(f.check + COPIES, f.label, f.detail)
            for f in fails
        ]
    return fails


def resampler(out: A.Sample, spec: PipelineSpec) -> str | None:
    """``"Name/interpolation"`` of the one resampling step that ran, or None if not one."""
    steps = [a for a in out.applied if a.name not in EXACT]
    if len(steps) != 1:
        return None
    t = spec.pipe.transforms[int(steps[0].path.split("[")[1].split("]")[0])]
    return f"{steps[0].name}/{getattr(t, 'interpolation', '?')}"


def offsets(
    out: A.Sample, scene: Scene, spec: PipelineSpec
) -> dict[str, list[tuple[float, float]]]:
    """Signed centroid offsets of whole objects after one resampling (constant border).

    ``"mask"``: each mask's centroid minus its paint's; ``"kp"``: each kept keypoint minus its
    dot's paint centroid. One offset says little (a mask or a nearest-neighbour image is
    quantised to whole pixels, up to half a pixel per edge), but pixel-centre-exact sampling
    has no bias: over many cases the mean offset is about 0, while a half-pixel convention
    error (``cv2.resize`` with ``INTER_NEAREST``) shows as a mean of about half a pixel. The
    paint centroid weighs the channel clipped to ``[0, 1]`` of the paint (no cubic overshoot).
    """
    res: dict[str, list[tuple[float, float]]] = {"mask": [], "kp": []}
    if spec.border != "constant" or resampler(out, spec) is None:
        return res
    img = out.image if out.image.ndim == 3 else out.image[..., None]
    h, w = img.shape[:2]
    gy, gx = np.mgrid[0:h, 0:w]

    def centroid(k: int) -> tuple[float, float] | None:
        chan = np.clip(img[..., k].astype(np.float64) / scene.paint, 0.0, 1.0)
        tp = _tight(chan >= TRACE)
        if tp is None or tp[0] <= 0 or tp[1] <= 0 or tp[2] >= w or tp[3] >= h:
            return None  # gone or cut by the frame: centroids of different cuts differ
        total = chan.sum()
        return float((chan * gx).sum() / total), float((chan * gy).sum() / total)

    for k, m in _masks_by_label(out, scene).items():
        t = _tight(m > 0)
        c = centroid(k)
        if t is None or c is None or min(t[2] - t[0], t[3] - t[1]) < 6:
            continue
        ys, xs = np.nonzero(m)
        res["mask"].append((float(xs.mean() - c[0]), float(ys.mean() - c[1])))
    if spec.pipe.remove_invisible_keypoints and out.keypoints is not None:
        kp_labels = out.keypoint_labels or []
        for (x, y), k in zip(np.asarray(out.keypoints)[:, :2], kp_labels, strict=True):
            c = centroid(int(k))
            if c is not None:
                res["kp"].append((float(x - c[0]), float(y - c[1])))
    return res


def biased_resamplers(cases: list[Any], kind: str, max_px: float = 0.15) -> dict[str, str]:
    """Resamplers whose mean ``kind`` offset (``"mask"`` or ``"kp"``) is not about 0.

    ``cases`` are :class:`Case` objects or anything with their ``resampler`` and ``offsets``.

    Cases are grouped by their single resampling step (``"Resize/linear"``); a group of at
    least 10 offsets is biased when its mean exceeds ``max_px`` and three standard errors.
    """
    groups: dict[str, list[tuple[float, float]]] = {}
    for c in cases:
        if c.resampler and c.offsets.get(kind):
            groups.setdefault(c.resampler, []).extend(c.offsets[kind])
    biased = {}
    for name, offs in sorted(groups.items()):
        v = np.array(offs)
        mean, err = v.mean(axis=0), v.std(axis=0) / np.sqrt(len(v))
        if len(v) >= 10 and np.any(np.abs(mean) > np.maximum(max_px, 3 * err)):
            biased[name] = f"n={len(v)} mean dx={mean[0]:+.2f} dy={mean[1]:+.2f} px"
    return biased


# --------------------------------------------------------------------------- cases
@dataclass
class Case:
    """One generated case: scene, pipeline, call seed; and what came out."""

    seed: int
    index: int
    scene: Scene
    spec: PipelineSpec
    call_seed: int
    failures: list[Failure] = field(default_factory=list)
    error: str | None = None
    #: ``"Name/interpolation"`` of the single resampling step that ran, if exactly one did
    resampler: str | None = None
    #: signed centroid offsets against the paint ("mask", "kp"), see :func:`offsets`
    offsets: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    @property
    def reproduce(self) -> str:
        """The one command line that reruns this case and prints its pipeline and failures."""
        return f"PYTHONPATH=src python bench/bench_labels.py --case {self.seed}:{self.index}"

    def report(self) -> str:
        """Pipeline YAML, border, seed and failures: what a failing test prints."""
        lines = [
            f"case {self.seed}:{self.index} (call seed {self.call_seed}, border {self.spec.border})",
            f"reproduce: {self.reproduce}",
            yaml.safe_dump(self.spec.pipe.to_dict(), sort_keys=False).rstrip(),
        ]
        if self.error:
            lines.append(f"error: {self.error}")
        lines += [f"{f.check} [label {f.label}]: {f.detail}" for f in self.failures]
        return "\n".join(lines)


def make_case(seed: int, index: int) -> Case:
    """Scene, pipeline and call seed of case ``index`` of run ``seed`` (no call made)."""
    rng = np.random.default_rng([seed, index])
    scene = make_scene(rng)
    spec = make_pipeline(rng, (scene.sample.height, scene.sample.width))
    return Case(seed, index, scene, spec, int(rng.integers(2**31)))


def with_constant_borders(pipe: A.Compose) -> A.Compose:
    """The same pipeline with every ``border_mode`` set to ``constant`` (fill 0)."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: ("constant" if k == "border_mode" else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return A.from_dict(walk(pipe.to_dict()))


def check_border_independent(out: A.Sample, scene: Scene, spec: PipelineSpec) -> list[Failure]:
    """Labels of a reflect/wrap/replicate run equal those of its constant-border replay.

    The same drawn steps move every label the same way whatever fills the border, so the
    kept boxes and keypoints must not change when the border becomes constant: a box that
    differs has read the border copies of its mask (which only the pixels may hold). The
    constant replay is also an exact oracle for where each object is, copies aside.
    """
    const = with_constant_borders(spec.pipe).replay(scene.sample, out.applied)
    fails = []
    kl = [int(v) for v in (out.keypoint_labels or [])]
    cl = [int(v) for v in (const.keypoint_labels or [])]
    if kl != cl or not np.allclose(
        np.asarray(out.keypoints)[:, :2], np.asarray(const.keypoints)[:, :2], atol=1e-6
    ):
        fails.append(Failure("border_labels", -1, f"keypoints {kl} vs {cl} with constant"))
    by_label = {int(k): b for k, b in zip(const.box_labels or [], const.boxes, strict=True)}
    kept = [int(v) for v in (out.box_labels or [])]
    if sorted(kept) != sorted(by_label):
        fails.append(Failure("border_labels", -1, f"boxes {kept} vs {sorted(by_label)} kept"))
    for box, k in zip(out.boxes, kept, strict=True):
        ref = by_label.get(k)
        if ref is not None and _box_off(np.asarray(box, np.float64), ref) > 1:
            fails.append(Failure("border_labels", k, f"box {_fmt(box)}, {_fmt(ref)} with constant"))
    return fails


def run_case(seed: int, index: int) -> Case:
    """Build case ``(seed, index)``, run its pipeline and check the output."""
    case = make_case(seed, index)
    try:
        out = case.spec.pipe(case.scene.sample, seed=case.call_seed)
    except Exception as exc:  # an engine error is a finding, not a crash
        case.error = f"{type(exc).__name__}: {exc}"
        case.scene = replace(case.scene, sample=None)
        return case
    case.failures = check(out, case.scene, case.spec)
    if case.spec.border != "constant":
        case.failures += check_border_independent(out, case.scene, case.spec)
    case.resampler = resampler(out, case.spec)
    case.offsets = offsets(out, case.scene, case.spec)
    # the arrays are done with: thousands of kept cases must not hold their images
    case.scene = replace(case.scene, sample=None)
    return case
