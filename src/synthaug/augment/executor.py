"""Running a drawn chain of steps: the one place that knows about fusion.

A pipeline (:mod:`synthaug.augment.compose`) walks its tree, draws each step's parameters
from a view the :class:`Executor` gives it, and pushes ``(transform, params)``. The executor:

* **moves labels at every step.** A matrix step moves box outlines and keypoints at once
  (cheap) and clips them to its own output frame, even while its pixel work waits to be
  fused: a keypoint or an object that left a frame never comes back, whatever follows.
* **fuses pixel work.** A run of consecutive matrix transforms is resampled once (one warp of
  the compound matrix, or a resize of a view when the run composes to a crop, a resize and
  flips); a run of uint8 lookup-table transforms is one table. A run is applied step by step
  when fusing would not save a resampling (at most one step interpolates, and it comes first).
* **keeps fused pixels honest.** Where a step of a fused run shows border (a pad, a rotation's
  corners) the fused warp would read source pixels that an earlier step cut away; the
  executor paints that region with the step's fill instead. A step whose border is not
  constant (reflect, wrap) cannot be painted, so it starts a new run unless every step before
  it in the run maps its frame onto the next one exactly (flips, quarter turns, resizes).

While pixels are pending, a matrix step draws its parameters from a view of the right size
whose boxes and keypoints have already moved; its image is a zero stand-in and it has no
masks. A transform that reads pixel values or masks there declares ``reads_pixels = True``
and the pending run is applied before it draws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from synthaug.augment.functional import geometric as G
from synthaug.augment.functional import pixel as F
from synthaug.augment.sample import Applied, Sample
from synthaug.augment.transforms.base import (
    ImageOnlyTransform,
    MatrixTransform,
    Transform,
    apply_matrix_to_annotations,
)
from synthaug.errors import InvalidInputError

__all__ = ["BandExecutor", "Executor", "flat_plan", "is_plain", "step_kind"]

# What the executor may do with a transform, as bit flags cached per class:
GEO = 1  # a matrix transform: its pixel work may join a pending run of warps
LUT = 2  # a uint8 lookup-table transform: may join a pending run of tables
IMG = 4  # its ``apply`` only replaces the image when the sample carries nothing else
PIX = 8  # reads pixel values or masks when drawing: pending runs are applied first
INLINE = GEO | LUT | IMG  # ``kind & INLINE == IMG``: a step a plain call may run inline
_KINDS: dict[type, int] = {}
_IMAGE_ONLY_APPLY = (ImageOnlyTransform.apply, MatrixTransform.apply)


def step_kind(t: Transform) -> int:
    """The ``GEO | LUT | IMG | PIX`` flags of ``t``'s class (read from class attributes)."""
    cls = type(t)
    kind = _KINDS.get(cls)
    if kind is None:
        fusable = getattr(cls, "fusable", True)
        kind = 0
        if fusable and issubclass(cls, MatrixTransform) and cls.apply is MatrixTransform.apply:
            kind |= GEO
        if (
            fusable
            and issubclass(cls, ImageOnlyTransform)
            and cls.lut is not ImageOnlyTransform.lut
        ):
            kind |= LUT
        if cls.apply in _IMAGE_ONLY_APPLY:
            kind |= IMG
        if getattr(cls, "reads_pixels", False):
            kind |= PIX
        _KINDS[cls] = kind
    return kind


def is_plain(sample: Sample) -> bool:
    """True when the sample carries only an image (nothing else to move)."""
    return (
        sample.masks is None
        and sample.boxes is None
        and sample.keypoints is None
        and sample.oriented_boxes is None
    )


def _single_resampling(steps: list[Transform]) -> bool:
    """True when applying ``steps`` one by one resamples at most once, first: fusing them
    would be neither sharper nor faster."""
    inexact = [i for i, t in enumerate(steps) if not t.exact]
    return len(inexact) <= 1 and (not inexact or inexact[0] == 0)


def flat_plan(leaves: tuple[Transform, ...], fuse: bool) -> list[tuple[str, str, Transform, int]]:
    """``(path, name, transform, kind)`` for the children of a flat pipeline.

    A run of consecutive matrix transforms that never fuses, whichever of its steps run
    (:func:`_single_resampling`), loses its ``GEO`` flag: its steps are applied directly,
    without the stand-in view and the bookkeeping of a pending run.
    """
    mask = GEO | LUT | IMG | PIX if fuse else IMG | PIX
    kinds = [step_kind(t) & mask for t in leaves]
    i = 0
    while i < len(leaves):
        if not kinds[i] & GEO:
            i += 1
            continue
        j = i
        while j < len(leaves) and kinds[j] & GEO:
            j += 1
        if _single_resampling(list(leaves[i:j])):
            for k in range(i, j):
                kinds[k] &= ~GEO
        i = j
    return [
        (f"transforms[{i}]", type(t).__name__, t, k)
        for i, (t, k) in enumerate(zip(leaves, kinds, strict=True))
    ]


def _with(sample: Sample, **changes: Any) -> Sample:
    """``sample.copy(**changes)`` without ``dataclasses.replace``'s per-call field walk."""
    new = object.__new__(type(sample))
    new.__dict__.update(sample.__dict__)
    new.__dict__.update(changes)
    return new


#: the matrix of a step not resolved yet: a sentinel compared by identity, so that a step's
#: matrix is always an array to the type checker
_UNRESOLVED = np.empty((0, 3))


class _Step:
    """One pending matrix step: its matrix and frames are filled in when first needed."""

    __slots__ = ("covers", "in_hw", "m", "out_hw", "params", "t", "within")
    covers: bool
    within: bool

    def __init__(self, t: MatrixTransform, params: Any) -> None:
        self.t, self.params = t, params
        self.m: np.ndarray = _UNRESOLVED
        self.in_hw: tuple[int, int] = (0, 0)
        self.out_hw: tuple[int, int] = (0, 0)
        self.covers = self.within = True

    def relate(self) -> bool:
        """Whether the step shows border (``covers``) or cuts pixels off (``within``);
        False when its frame has no quadrilateral image (a homography's horizon crosses it)."""
        rel = G.frame_relation(self.m, self.in_hw, self.out_hw)
        self.covers, self.within = rel if rel is not None else (False, False)
        return rel is not None

    def resolve(self, hw: tuple[int, int]) -> tuple[int, int]:
        """Compute the matrix for an input frame ``hw``; return the output frame."""
        if self.m is _UNRESOLVED:
            m, out_hw = self.t.matrix(self.params, hw)
            self.m, self.in_hw, self.out_hw = m, hw, (int(out_hw[0]), int(out_hw[1]))
        return self.out_hw


class Executor:
    """Applies pushed steps, moving labels at once and fusing pixel work.

    ``sample`` belongs to this call alone (a fresh copy made by the pipeline), so a step that
    only replaces the image of a plain sample writes the new image into it instead of copying
    the sample again. For a plain sample (nothing but an image) the matrices of a pending run
    are computed only when needed (a run of one step, or of exact steps, never needs them).
    """

    __slots__ = ("_geo", "_lut", "applied", "mask", "plain", "sample")

    def __init__(self, sample: Sample, fuse: bool, applied: list[Applied] | None = None) -> None:
        self.sample = sample
        self.mask = GEO | LUT | IMG | PIX if fuse else IMG | PIX
        self.plain = is_plain(sample)
        self.applied: list[Applied] = [] if applied is None else applied
        self._geo: list[_Step] = []
        self._lut: list[tuple[ImageOnlyTransform, Any, np.ndarray]] = []

    def kind(self, t: Transform) -> int:
        """``t``'s flags, without the fusion flags when fusion is off."""
        return step_kind(t) & self.mask

    def frame_hw(self) -> tuple[int, int]:
        """The current frame: the output size of the pending run, else the image's size."""
        hw = tuple(self.sample.image.shape[:2])
        for step in self._geo:
            hw = step.resolve(hw)
        return hw

    def view(self, t: Transform | None = None, kind: int | None = None) -> Sample:
        """The sample as ``t`` should see it when drawing its parameters.

        A matrix step that joins the pending run sees a stand-in of the current frame's size
        with the boxes and keypoints where they are now and no masks; anything else first
        gets the pending runs applied. ``kind`` is ``self.kind(t)`` when the caller has it.
        """
        if kind is None:
            kind = 0 if t is None else self.kind(t)
        if kind & GEO and not kind & PIX:
            if self._lut:
                self._flush_lut()
            if not self._geo:
                return self.sample
            img = self.sample.image
            shape = self.frame_hw() + img.shape[2:]
            stand_in = np.broadcast_to(np.zeros((), img.dtype), shape)
            return _with(self.sample, image=stand_in, masks=None)
        if self._geo:
            self._flush_geo()
        if self._lut and not (kind & LUT and self.sample.image.dtype == np.uint8):
            self._flush_lut()
        return self.sample

    def push(self, path: str, t: Transform, params: Any, kind: int | None = None) -> None:
        """Record one step and apply it now or add it to the pending run it fuses with."""
        if kind is None:
            kind = self.kind(t)
        self.applied.append(Applied(path, type(t).__name__, params))
        if kind & GEO:
            if self._lut:
                self._flush_lut()
            # step_kind gives GEO only to MatrixTransforms (no isinstance on this path)
            step = _Step(t, params)  # type: ignore[arg-type]
            if not self.plain:  # labels move now, clipped to this step's frame
                out_hw = step.resolve(self.frame_hw())
                self.sample = apply_matrix_to_annotations(self.sample, step.m, out_hw)
            self._geo.append(step)
            return
        if self._geo:
            self._flush_geo()
        image = self.sample.image
        if kind & LUT and image.dtype == np.uint8:
            table = t.lut(params, 1 if image.ndim == 2 else image.shape[2])
            if table is not None:
                # step_kind gives LUT only to ImageOnlyTransforms
                self._lut.append((t, params, table))  # type: ignore[arg-type]
                return
        if self._lut:
            self._flush_lut()
        self._apply(t, params, kind)

    def _apply(self, t: Transform, params: Any, kind: int | None = None) -> None:
        """``t.apply``, short-cut to ``apply_image`` when only the image can change."""
        if kind is None:
            kind = step_kind(t)
        if self.plain and kind & IMG:
            self.sample.image = t.apply_image(self.sample.image, params)
        else:
            self.sample = t.apply(self.sample, params)
            self.plain = is_plain(self.sample)

    def _pixels(self, step: _Step) -> None:
        """One matrix step's pixel work (its labels moved when it was pushed)."""
        if self.plain:
            self.sample.image = step.t.apply_image(self.sample.image, step.params)
        else:
            self.sample = step.t.apply_pixels(self.sample, step.params)

    def _flush_lut(self) -> None:
        if not self._lut:
            return
        run, self._lut = self._lut, []
        if len(run) == 1:
            t, params, table = run[0]
            if F.SIMD_LUT and type(t).apply is ImageOnlyTransform.apply:
                # the table is at hand and a SIMD lookup beats any arithmetic kernel
                self.sample.image = F.apply_lut(self.sample.image, table)
            else:
                self._apply(t, params)
            return
        table = run[0][2]
        for _, _, nxt in run[1:]:
            table = F.compose_luts(table, nxt)
        self.sample.image = F.apply_lut(self.sample.image, table)

    def _flush_geo(self) -> None:
        run, self._geo = self._geo, []
        if len(run) == 1 or _single_resampling([s.t for s in run]):
            for step in run:
                self._pixels(step)
            return
        hw = tuple(self.sample.image.shape[:2])
        regular = True
        for step in run:
            hw = step.resolve(hw)
            regular = step.relate() and regular
        for segment in _segments(run) if regular else [[step] for step in run]:
            if (
                len(segment) == 1
                or _single_resampling([s.t for s in segment])
                or not self._fuse(segment)
            ):
                for step in segment:
                    self._pixels(step)

    def _fuse(self, run: list[_Step]) -> bool:
        """One resampling for the whole run, then the border each step shows painted in.

        False (nothing done) when a frame of the run has no quadrilateral image in the output
        (a homography's horizon crosses it): the run is then applied step by step.
        """
        total = run[0].m
        for step in run[1:]:
            total = step.m @ total
        out_hw = run[-1].out_hw
        lead = next(s.t for s in run if not s.t.exact)
        border, fill, fill_mask = "constant", lead.fill, lead.fill_mask
        paint: list[tuple[np.ndarray, Any, Any]] = []
        clean = True  # every step so far maps its frame onto the next exactly
        after = [np.eye(3)] * len(run)  # matrix from each step's output to the run's output
        for i in range(len(run) - 2, -1, -1):
            after[i] = after[i + 1] @ run[i + 1].m
        source: list[tuple[float, float]] | None = None  # where the source pixels land
        for i, step in enumerate(run):
            t = step.t
            if not step.covers:
                if t.border_mode != "constant":
                    border, fill, fill_mask = t.border_mode, t.fill, t.fill_mask
                elif clean and not paint and border == "constant":
                    fill, fill_mask = t.fill, t.fill_mask  # the warp's own border is this fill
                else:
                    region = G.map_frame(after[i] @ step.m, step.in_hw)
                    same = border == "constant" and (fill, fill_mask) == (t.fill, t.fill_mask)
                    if same and source is None:
                        whole = G.map_frame(total, run[0].in_hw)
                        if whole is None:
                            return False
                        source = G.clip_to_frame(whole, out_hw)
                    if region is None:
                        return False
                    # no source pixel lands outside the step's frame: the warp's border is it
                    if not (same and source is not None and G.in_convex(region, source)):
                        paint.append((np.array(region), t.fill, t.fill_mask))
            clean = clean and step.covers and step.within
        s = self.sample
        plan = G.resized_crop_plan(total, s.image.shape[:2], out_hw)
        if plan is not None and lead.interpolation == "linear" and border == "constant":
            image = G.resized_crop_image(s.image, *plan, out_hw, lead.interpolation)
        else:
            image = G.warp_image(s.image, total, out_hw, lead.interpolation, border, fill)
        masks = (
            None
            if self.plain or s.masks is None
            else [G.warp_mask(m, total, out_hw, border, fill_mask) for m in s.masks]
        )
        for area, step_fill, step_fill_mask in paint:
            outside = G.outside_polygon_mask(area, out_hw)
            if np.may_share_memory(image, s.image):  # a crop view the resize kept as is
                image = image.copy()
            _paint(image, outside, step_fill)
            for m in masks or ():
                _paint(m, outside, step_fill_mask)
        if self.plain:
            s.image = image
        else:
            self.sample = s.copy(image=image, masks=masks)
        return True

    def finish(self) -> Sample:
        """Apply what is pending and return the working sample."""
        if self._geo:
            self._flush_geo()
        self._flush_lut()
        return self.sample

    def close(self) -> None:
        """Hand the result to the runner this one works for (a :class:`BandExecutor`); a
        pipeline's own runner works for no other and is finished with :meth:`finish`."""

    def write_bands(self, index: list[int], values: np.ndarray, where: str) -> None:
        """Write ``values`` (``H x W``, or ``H x W x len(index)``) into bands ``index`` of
        the image; every other band is kept. Refuses values of another dtype or shape,
        naming ``where`` (the container that computed them)."""
        image = self.view().image
        h, w = image.shape[:2]
        if (
            values.dtype != image.dtype
            or values.shape[:2] != (h, w)
            or values.size != h * w * len(index)
        ):
            raise InvalidInputError(
                f"{where}: its transforms turned bands {index} ({image.dtype.name}, "
                f"{h} x {w} x {len(index)}) into {values.dtype.name} {values.shape}; "
                "transforms on chosen bands must keep their dtype and size (run Normalize "
                "outside OnBands)"
            )
        out = values.reshape(h, w) if image.ndim == 2 else image.copy()
        if image.ndim == 3:
            out[:, :, index] = values.reshape(h, w, len(index))
        if self.plain:
            self.sample.image = out
        else:
            self.sample = _with(self.sample, image=out)


class BandExecutor(Executor):
    """Runs the steps pushed to it on chosen bands of its parent runner's image and writes
    the result back into those bands when closed (:class:`~synthaug.augment.bands.OnBands`).

    It starts at its first step, not before: only then are the parent's pending runs applied
    (a barrier for fusion only where a step runs on the bands, so a replay of the recorded
    steps fuses exactly as the call did). The steps see a plain sample of the selected bands
    (``H x W`` for one band) and share the parent's ``applied`` record.
    """

    __slots__ = ("index", "parent", "select", "where")

    def __init__(
        self, parent: Executor, select: Callable[[np.ndarray], list[int]], where: str
    ) -> None:
        super().__init__(parent.sample, bool(parent.mask & LUT), parent.applied)
        self.parent, self.select, self.where = parent, select, where
        self.index: list[int] | None = None

    def _start(self) -> None:
        image = self.parent.view().image  # the parent's pending runs are applied now
        self.index = index = self.select(image)
        if image.ndim == 2:
            bands = image  # one band: the selection can only be [0]
        elif len(index) == 1:
            bands = image[:, :, index[0]].copy()
        else:
            bands = image[:, :, index]  # a new array: the parent's image is not touched
        self.sample, self.plain = Sample(bands), True

    def view(self, t: Transform | None = None, kind: int | None = None) -> Sample:
        """The selected bands as ``t`` should see them (started at the first call)."""
        if self.index is None:
            self._start()
        return super().view(t, kind)

    def push(self, path: str, t: Transform, params: Any, kind: int | None = None) -> None:
        """Run one step on the selected bands (started at the first step)."""
        if self.index is None:
            self._start()
        super().push(path, t, params, kind)

    def close(self) -> None:
        """Write the bands back into the parent's image (nothing when no step ran)."""
        if self.index is not None:
            self.parent.write_bands(self.index, self.finish().image, self.where)


def _segments(run: list[_Step]) -> list[list[_Step]]:
    """Split a run where a fused warp cannot reproduce a non-constant border (reflect, wrap,
    replicate): before a step that shows such border after a step that was not a bijection of
    frames, and around an exact step that shows it (a pad is exact on its own, and OpenCV's
    cubic warps do not reflect beyond one image width)."""
    out: list[list[_Step]] = [[]]
    clean = True
    for step in run:
        odd_border = not step.covers and step.t.border_mode != "constant"
        if odd_border and step.t.exact:  # alone: a segment of its own
            out += [[step], []]
            clean = True
            continue
        if out[-1] and odd_border and not clean:
            out.append([])
            clean = True
        out[-1].append(step)
        clean = clean and step.covers and step.within
    return [seg for seg in out if seg]


def _paint(array: np.ndarray, outside: np.ndarray, fill: Any) -> None:
    """Write ``fill`` (a number or one per channel) into ``array`` where ``outside`` is 1."""
    c = 1 if array.ndim == 2 else array.shape[2]
    vals = list(fill) if isinstance(fill, (tuple, list)) else [fill] * c
    vals = [float(v) for v in (vals + [0] * c)[:c]]
    if array.dtype in _CV_DTYPES and c <= 4:
        # in place, only under the mask: zero, then add the fill (a numpy masked write is
        # 40x slower)
        cv2.subtract(array, array, dst=array, mask=outside)
        if any(vals):
            # a 4-tuple is OpenCV's Scalar, which its stubs do not list for src2
            cv2.add(array, (*vals, 0.0, 0.0, 0.0)[:4], dst=array, mask=outside)  # type: ignore[call-overload]
    else:
        where = outside.astype(bool) if array.ndim == 2 else outside[:, :, None].astype(bool)
        np.copyto(array, np.asarray(vals if array.ndim == 3 else vals[0], array.dtype), where=where)


_CV_DTYPES = frozenset(np.dtype(t) for t in (np.uint8, np.uint16, np.int16, np.float32))
