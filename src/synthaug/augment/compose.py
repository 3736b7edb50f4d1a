"""Pipelines: Compose, Sequential, OneOf, SomeOf; fusion and replay.

A pipeline walks its tree of transforms, decides for each whether it runs (probability ``p``),
draws its parameters from one ``numpy.random.Generator`` and hands ``(transform, params)``
steps to an executor that **fuses**: a run of consecutive matrix transforms becomes a single
warp (one resampling, faster and sharper) and a run of uint8 lookup-table transforms a single
``cv2.LUT``. Boxes and keypoints follow the compound matrix.

While a run is pending, ``sample_params`` of the next matrix transform sees the image only by
its shape (a zero-filled stand-in); a transform that reads pixel values when drawing its
parameters sets ``fusable = False``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from synthaug.augment.functional import geometric as G
from synthaug.augment.functional import pixel as F
from synthaug.augment.params import (
    MAX_COUNT,
    MAX_SIDE,
    Children,
    Choice,
    Flag,
    Int,
    Optional,
    Real,
    Seed,
)
from synthaug.augment.sample import (
    Applied,
    Sample,
    boxes_from_xyxy,
    boxes_to_xyxy,
    validate_image,
    validate_sample,
)
from synthaug.augment.serialize import save
from synthaug.augment.transforms.base import (
    ImageOnlyTransform,
    MatrixTransform,
    Transform,
    apply_matrix_to_annotations,
    register,
)
from synthaug.errors import ConfigError, InvalidInputError
from synthaug.seeding import SeedLike, as_rng

__all__ = ["BaseCompose", "Compose", "OneOf", "Sequential", "SomeOf"]


def _with(sample: Sample, **changes: Any) -> Sample:
    """``sample.copy(**changes)`` without ``dataclasses.replace``'s per-call field walk.

    Sample has no ``__post_init__``, so copying the instance dict is the same shallow copy.
    """
    new = object.__new__(type(sample))
    new.__dict__.update(sample.__dict__)
    new.__dict__.update(changes)
    return new


_EMPTY_SAMPLE = Sample(np.zeros((1, 1), np.uint8))
_EMPTY_FIELDS = dict(_EMPTY_SAMPLE.__dict__)


def _plain_sample(image: np.ndarray, box_format: str, meta: dict[str, Any]) -> Sample:
    """A fresh Sample holding only ``image`` (the instance dict copied from a template:
    half the cost of the dataclass constructor or of ``_with``)."""
    new = object.__new__(Sample)
    new.__dict__.update(_EMPTY_FIELDS)
    new.image, new.box_format, new.meta, new.applied = image, box_format, meta, []
    return new


# What the executor may do with a transform, as bit flags cached per class (``_kind``):
_GEO = 1  # a fusable matrix transform: joins a pending run of warps
_LUT = 2  # a fusable uint8 lookup-table transform: joins a pending run of tables
_IMG = 4  # its ``apply`` only replaces the image when the sample carries nothing else
_INLINE = _GEO | _LUT | _IMG  # ``kind & _INLINE == _IMG``: a step a plain call runs inline
_KINDS: dict[type, int] = {}

# ``apply`` implementations that only replace the image of a plain sample (no masks, boxes or
# keypoints): the executor calls ``apply_image`` directly for them.
_IMAGE_ONLY_APPLY = (ImageOnlyTransform.apply, MatrixTransform.apply)


def _kind(t: Transform) -> int:
    """The ``_GEO | _LUT | _IMG`` flags of ``t``'s class (``fusable`` is a class attribute)."""
    cls = type(t)
    kind = _KINDS.get(cls)
    if kind is None:
        fusable = getattr(cls, "fusable", True)
        kind = 0
        if fusable and issubclass(cls, MatrixTransform):
            kind |= _GEO
        if (
            fusable
            and issubclass(cls, ImageOnlyTransform)
            and cls.lut is not ImageOnlyTransform.lut
        ):
            kind |= _LUT
        if cls.apply in _IMAGE_ONLY_APPLY:
            kind |= _IMG
        _KINDS[cls] = kind
    return kind


def _is_plain(sample: Sample) -> bool:
    return sample.masks is None and sample.boxes is None and sample.keypoints is None


class BaseCompose(Transform):
    """A node holding child transforms; subclasses decide which children run."""

    targets = ("image", "masks", "boxes", "keypoints")
    parameters = {"transforms": Children(doc="the child transforms, in order")}

    def __init__(self, transforms: Sequence[Transform], p: float = 1.0) -> None:
        self.store_params(locals())

    def _walk_children(self, rng, runner, path, indices) -> None:
        for i in indices:
            _walk(self.transforms[i], rng, runner, f"{path}transforms[{i}]", forced=False)

    def walk(self, rng: np.random.Generator, runner: _Executor, path: str) -> None:
        """Decide which children run and push their steps (subclasses)."""
        raise NotImplementedError

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        """Not used: a pipeline node runs through :meth:`walk`."""
        raise TypeError(f"{type(self).__name__} is a container; call it instead of apply()")


def _walk(t: Transform, rng, runner, path: str, forced: bool) -> None:
    if not forced and not rng.random() < t.p:
        return
    if isinstance(t, BaseCompose):
        t.walk(rng, runner, path + ".")
    else:
        kind = runner.kind(t)
        runner.push(path, t, t.sample_params(rng, runner.view(t, kind)), kind)


@register
class Sequential(BaseCompose):
    """Run every child in order, each with its own probability."""

    def walk(self, rng, runner, path):
        """All children, in order."""
        self._walk_children(rng, runner, path, range(len(self.transforms)))


@register
class OneOf(BaseCompose):
    """Run exactly one child, chosen with probability proportional to the children's ``p``."""

    def walk(self, rng, runner, path):
        """One child, always applied once chosen."""
        if not self.transforms:
            return
        w = np.array([t.p for t in self.transforms], dtype=np.float64)
        w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))
        i = int(rng.choice(len(self.transforms), p=w))
        _walk(self.transforms[i], rng, runner, f"{path}transforms[{i}]", forced=True)


@register
class SomeOf(BaseCompose):
    """Run ``n`` children chosen uniformly without replacement, in their listed order."""

    parameters = {"n": Int(0, MAX_COUNT, doc="children run per call")}

    def __init__(self, transforms: Sequence[Transform], n: int = 1, p: float = 1.0) -> None:
        self.store_params(locals())

    def walk(self, rng, runner, path):
        """``n`` children, always applied once chosen."""
        k = min(self.n, len(self.transforms))
        chosen = sorted(int(i) for i in rng.choice(len(self.transforms), size=k, replace=False))
        for i in chosen:
            _walk(self.transforms[i], rng, runner, f"{path}transforms[{i}]", forced=True)


# --------------------------------------------------------------------------- executor
class _Executor:
    """Applies pushed steps, fusing runs of matrix and lookup-table transforms.

    ``sample`` belongs to this call alone (a fresh copy made by the pipeline), so a step that
    only replaces the image of a plain sample writes the new image into it instead of copying
    the sample again. A pending matrix run keeps ``(transform, params, matrix, out_hw)``
    entries whose matrix is computed only when needed (a run of one transform, or of exact
    ones only, is applied transform by transform and never needs it).
    """

    __slots__ = ("_geo", "_lut", "applied", "mask", "plain", "sample")

    def __init__(self, sample: Sample, fuse: bool, applied: list[Applied] | None = None) -> None:
        self.sample = sample
        self.mask = _GEO | _LUT | _IMG if fuse else _IMG
        self.plain = _is_plain(sample)
        self.applied: list[Applied] = [] if applied is None else applied
        self._geo: list[list[Any]] = []
        self._lut: list[tuple[ImageOnlyTransform, dict, np.ndarray]] = []

    def kind(self, t: Transform) -> int:
        """``t``'s flags, without the fusion flags when fusion is off."""
        return _kind(t) & self.mask

    def _run_hw(self) -> tuple[int, int]:
        """Output size of the pending matrix run (computing its matrices)."""
        hw = tuple(self.sample.image.shape[:2])
        for entry in self._geo:
            if entry[2] is None:
                m, out_hw = entry[0].matrix(entry[1], hw)
                entry[2], entry[3] = m, (int(out_hw[0]), int(out_hw[1]))
            hw = entry[3]
        return hw

    def view(self, t: Transform | None = None, kind: int | None = None) -> Sample:
        """The sample as ``t`` should see it when drawing its parameters.

        A transform that fuses with the pending run sees the image only by its shape (a
        zero-filled stand-in, or the pixels before the pending tables); any other first
        gets the pending runs applied. ``kind`` is ``self.kind(t)`` when the caller has it.
        """
        if kind is None:
            kind = 0 if t is None else self.kind(t)
        if kind & _GEO:
            if self._lut:
                self._flush_lut()
            if not self._geo:
                return self.sample
            img = self.sample.image
            shape = self._run_hw() + img.shape[2:]
            stand_in = np.broadcast_to(np.zeros((), img.dtype), shape)
            return _with(self.sample, image=stand_in, masks=None)
        if self._geo:
            self._flush_geo()
        if self._lut and not (kind & _LUT and self.sample.image.dtype == np.uint8):
            self._flush_lut()
        return self.sample

    def push(
        self, path: str, t: Transform, params: dict[str, Any], kind: int | None = None
    ) -> None:
        """Record one step and apply it now or add it to the pending run it fuses with."""
        if kind is None:
            kind = self.kind(t)
        self.applied.append(Applied(path, type(t).__name__, params))
        if kind & _GEO:
            if self._lut:
                self._flush_lut()
            self._geo.append([t, params, None, None])
            return
        if self._geo:
            self._flush_geo()
        image = self.sample.image
        if kind & _LUT and image.dtype == np.uint8:
            table = t.lut(params, 1 if image.ndim == 2 else image.shape[2])
            if table is not None:
                self._lut.append((t, params, table))
                return
        if self._lut:
            self._flush_lut()
        self._apply(t, params, kind)

    def _apply(self, t: Transform, params: dict[str, Any], kind: int | None = None) -> None:
        """``t.apply``, short-cut to ``apply_image`` when only the image can change."""
        if kind is None:
            kind = _kind(t)
        if self.plain and kind & _IMG:
            self.sample.image = t.apply_image(self.sample.image, params)
        else:
            self.sample = t.apply(self.sample, params)
            self.plain = _is_plain(self.sample)

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
        if not self._geo:
            return
        if len(self._geo) == 1:  # the common case: nothing to fuse
            t, params, _, _ = self._geo.pop()
            self._apply(t, params)
            return
        inexact = [i for i, entry in enumerate(self._geo) if not entry[0].exact]
        # one resampling either way when at most one step interpolates and nothing exact
        # precedes it: then step by step is as sharp and as fast (no warp of the whole run)
        if len(inexact) <= 1 and (not inexact or inexact[0] == 0):
            run, self._geo = self._geo, []
            for t, params, _, _ in run:
                self._apply(t, params)
            return
        out_hw = self._run_hw()
        run, self._geo = self._geo, []
        lead = next(t for t, *_ in run if not t.exact)
        total = run[0][2]
        for _, _, m, _ in run[1:]:
            total = m @ total
        s = self.sample
        # a crop/resize/flip run resamples exactly as RandomResizedCrop does on its own
        plan = G.resized_crop_plan(total, s.image.shape[:2], out_hw)
        if plan is not None and lead.interpolation == "linear":
            image = G.resized_crop_image(s.image, *plan, out_hw, lead.interpolation)
        else:
            image = G.warp_image(
                s.image, total, out_hw, lead.interpolation, lead.border_mode, lead.fill
            )
        if self.plain:
            s.image = image
            return
        masks = (
            None
            if s.masks is None
            else [G.warp_mask(m, total, out_hw, lead.border_mode, lead.fill_mask) for m in s.masks]
        )
        self.sample = apply_matrix_to_annotations(s.copy(image=image, masks=masks), total, out_hw)

    def finish(self) -> Sample:
        """Apply what is pending and return the working sample."""
        self._flush_geo()
        self._flush_lut()
        return self.sample


# --------------------------------------------------------------------------- Compose
@register
class Compose(BaseCompose):
    """The top-level pipeline.

    Parameters
    ----------
    transforms : list of Transform
        Children, each run with its own probability ``p``.
    box_format : {"xyxy", "xywh", "yolo"}
        Format of boxes passed as keyword arguments (a :class:`Sample` carries its own).
    min_area : float
        Boxes whose clipped area in output pixels is below this are dropped with their label.
    min_visibility : float
        Boxes with less than this fraction of their area inside the image are dropped.
    box_method : {"corners", "ellipse"}
        How a rotated box becomes axis-aligned: tight box of the corners (default, exact for
        flips, quarter turns and crops) or of the inscribed ellipse (tighter under rotation).
    boxes_from_masks : bool
        When there is one mask per box, each output box is the tight box of its mask.
    remove_invisible_keypoints : bool
        Remove keypoints that end outside the image (with their labels) or keep them.
    fuse : bool
        Fuse consecutive matrix transforms into one warp and uint8 lookup tables into one.
    seed : int, tuple or None
        Seed of the pipeline's own stream, used when a call gives no ``seed``.

    Examples
    --------
    >>> import numpy as np
    >>> from synthaug.augment import Compose, HorizontalFlip, Rotate
    >>> pipe = Compose([HorizontalFlip(p=1.0), Rotate(limit=10, p=1.0)], seed=0)
    >>> out = pipe(image=np.zeros((32, 48, 3), np.uint8), boxes=[[4, 4, 12, 20]], box_labels=["a"])
    >>> out.image.shape, len(out.boxes), [a.name for a in out.applied]
    ((32, 48, 3), 1, ['HorizontalFlip', 'Rotate'])
    >>> again = pipe.replay(np.zeros((32, 48, 3), np.uint8), out.applied)
    >>> bool(np.array_equal(again.image, out.image))
    True
    """

    parameters = {
        "box_format": Choice(("xyxy", "xywh", "yolo"), doc="format of keyword boxes"),
        "min_area": Real(0, float(MAX_SIDE) ** 2, doc="smallest kept box area in pixels"),
        "min_visibility": Real(0, 1, doc="smallest kept visible fraction of a box"),
        "box_method": Choice(("corners", "ellipse"), doc="how a rotated box becomes upright"),
        # null is taken (as false here) so that the executor's "decide from the masks"
        # default can use it without another declaration
        "boxes_from_masks": Optional(Flag(), doc="each box becomes the tight box of its mask"),
        "remove_invisible_keypoints": Flag(doc="drop keypoints that leave the image"),
        "fuse": Flag(doc="fuse matrix runs into one warp and tables into one"),
        "seed": Seed(doc="seed of the pipeline's own stream"),
        "always_apply": Flag(saved=False, doc="run every child (used by single transforms)"),
    }

    def __init__(
        self,
        transforms: Sequence[Transform],
        box_format: str = "xyxy",
        min_area: float = 0.0,
        min_visibility: float = 0.0,
        box_method: str = "corners",
        boxes_from_masks: bool = False,
        remove_invisible_keypoints: bool = True,
        fuse: bool = True,
        seed: int | None = None,
        p: float = 1.0,
        always_apply: bool = False,
    ) -> None:
        self.store_params(locals())
        self._rng = as_rng(seed)
        self._plan_key: tuple[Transform, ...] | None = None
        self._plan: list[tuple[str, str, Transform, int]] | None = None

    def walk(self, rng, runner, path):
        """Nested use: all children, in order."""
        self._walk_children(rng, runner, path, range(len(self.transforms)))

    # -- public entry points
    def __call__(
        self, sample: Sample | None = None, /, *, seed: SeedLike = None, **fields: Any
    ) -> Sample:
        """Augment one sample (or keyword fields ``image=``, ``boxes=``, ...).

        ``seed`` may be an int, a tuple such as ``(run_seed, epoch, index)`` (an item's own
        stream: the result is independent of the order or process it runs in), a Generator,
        or None to use the pipeline's own stream.
        """
        if isinstance(sample, np.ndarray):
            if not fields:
                return self._call_image(sample, seed)
            sample, fields = None, {"image": sample, **fields}
        work, restore = self._prepare(sample, fields)
        rng = self._rng if seed is None else as_rng(seed)
        runner = _Executor(work, self.fuse)
        if self.always_apply:
            for i, t in enumerate(self.transforms):
                _walk(t, rng, runner, f"transforms[{i}]", forced=True)
        elif rng.random() < self.p:
            self._walk_children(rng, runner, "", range(len(self.transforms)))
        return self._finish(runner, restore)

    def _flat_plan(self) -> list[tuple[str, str, Transform, int]] | None:
        """``(path, name, transform, kind)`` of the children when none is a container, else None.

        Cached against the current children, so replacing ``transforms`` (or one of its
        items) is seen at the next call.
        """
        key = tuple(self.transforms)
        if key != self._plan_key:
            self._plan = (
                None if any(isinstance(t, BaseCompose) for t in key) else self._plan_of(key)
            )
            self._plan_key = key
        return self._plan

    def _plan_of(self, leaves: tuple[Transform, ...]) -> list[tuple[str, str, Transform, int]]:
        mask = _GEO | _LUT | _IMG if self.fuse else _IMG
        kinds = [_kind(t) & mask for t in leaves]
        # A run of consecutive matrix transforms in which at most one interpolates, and that
        # one first, never fuses, whichever of its steps run (see _flush_geo): its steps are
        # applied directly, without the stand-in view and the lookahead of a pending run.
        i = 0
        while i < len(leaves):
            if not kinds[i] & _GEO:
                i += 1
                continue
            j = i
            while j < len(leaves) and kinds[j] & _GEO:
                j += 1
            inexact = [k for k in range(i, j) if not type(leaves[k]).exact]
            if len(inexact) <= 1 and (not inexact or inexact[0] == i):
                for k in range(i, j):
                    kinds[k] &= ~_GEO
            i = j
        return [
            (f"transforms[{i}]", type(t).__name__, t, k)
            for i, (t, k) in enumerate(zip(leaves, kinds, strict=True))
        ]

    def _call_image(self, image: np.ndarray, seed: SeedLike) -> Sample:
        """``self(image)``: the common image-only call, with nothing to convert back.

        Steps of a flat pipeline that join no pending run and only replace the image run
        inline (the same draws and the same bytes as the executor, a few microseconds less a
        call); the executor takes over at the first step that may fuse or needs ``apply``.
        """
        meta = {} if self.box_method == "corners" else {"_box_method": self.box_method}
        work = _plain_sample(validate_image(image), self.box_format, meta)
        rng = self._rng if seed is None else as_rng(seed)
        plan = self._flat_plan()
        runner: _Executor | None = None
        if self.always_apply or plan is None:
            runner = _Executor(work, self.fuse)
            if self.always_apply:
                for i, t in enumerate(self.transforms):
                    _walk(t, rng, runner, f"transforms[{i}]", forced=True)
            elif rng.random() < self.p:
                self._walk_children(rng, runner, "", range(len(self.transforms)))
        elif rng.random() < self.p:
            applied = work.applied
            for path, name, t, kind in plan:
                if not rng.random() < t.p:
                    continue
                if runner is None and kind & _INLINE == _IMG:
                    params = t.sample_params(rng, work)
                    applied.append(Applied(path, name, params))
                    work.image = t.apply_image(work.image, params)
                    continue
                if runner is None:
                    runner = _Executor(work, self.fuse, applied)
                runner.push(path, t, t.sample_params(rng, runner.view(t, kind)), kind)
        if runner is None:
            out = work  # plain, with its applied list filled in place
        else:
            out = runner.finish()
            if not _is_plain(out):  # a transform added targets (none of ours does)
                restore = {"box_format": self.box_format, "masks_array": False}
                return self._finish(runner, restore)
            # the working sample belongs to this call: finish it in place
            out.applied = runner.applied
        if out.meta:
            out.meta = {k: v for k, v in out.meta.items() if k != "_box_method"}
        return out

    def replay(
        self, sample: Sample | np.ndarray, applied: Sequence[Applied | dict], **fields: Any
    ) -> Sample:
        """Apply exactly the recorded steps ``applied`` (from ``out.applied``) to a sample."""
        if isinstance(sample, np.ndarray):
            sample, fields = None, {"image": sample, **fields}
        work, restore = self._prepare(sample, fields)
        runner = _Executor(work, self.fuse)
        for step in applied:
            st = (
                step
                if isinstance(step, Applied)
                else Applied(step["path"], step["name"], step["params"])
            )
            t = self._locate(st.path)
            if type(t).__name__ != st.name:
                raise ConfigError(
                    f"replay: {st.path} is {type(t).__name__} in this pipeline, not {st.name}"
                )
            runner.push(st.path, t, t.Drawn.read(st.params, f"replay: {st.path} ({st.name})"))
        return self._finish(runner, restore)

    def _locate(self, path: str) -> Transform:
        node: Transform = self
        for part in path.split("."):
            if not part.startswith("transforms[") or not isinstance(node, BaseCompose):
                raise ConfigError(f"replay: no transform at {path!r} in this pipeline")
            idx = int(part[len("transforms[") : -1])
            if idx >= len(node.transforms):
                raise ConfigError(f"replay: no transform at {path!r} in this pipeline")
            node = node.transforms[idx]
        return node

    # -- conversion to and from the working form
    def _prepare(self, sample: Sample | None, fields: dict[str, Any]) -> tuple[Sample, dict]:
        if sample is None and len(fields) == 1 and "image" in fields:
            # the common image-only call: nothing to convert, only the image to check
            meta = {} if self.box_method == "corners" else {"_box_method": self.box_method}
            image = validate_image(fields["image"])
            # a fresh dict per call (meta, applied) on a shallow copy of an empty Sample:
            # cheaper than the dataclass constructor
            work = _with(
                _EMPTY_SAMPLE, image=image, box_format=self.box_format, meta=meta, applied=[]
            )
            return work, {"box_format": self.box_format, "masks_array": False}
        if sample is None:
            if "image" not in fields:
                raise InvalidInputError("expected a Sample or an image= keyword argument")
            fields.setdefault("box_format", self.box_format)
            if fields.get("boxes") is not None:
                fields["boxes"] = np.asarray(fields["boxes"], dtype=np.float64).reshape(-1, 4)
            if fields.get("keypoints") is not None:
                kp = np.asarray(fields["keypoints"], dtype=np.float64)
                fields["keypoints"] = kp.reshape(-1, 2) if kp.size == 0 else kp
            try:
                sample = Sample(**fields)
            except TypeError as exc:
                raise InvalidInputError(f"unknown Sample field: {exc}") from None
        elif fields:
            raise InvalidInputError("pass either a Sample or keyword fields, not both")
        validate_sample(sample)
        hw = (sample.height, sample.width)
        restore: dict[str, Any] = {"box_format": sample.box_format, "masks_array": False}
        changes: dict[str, Any] = {"applied": [], "n_boxes_dropped": 0, "n_keypoints_dropped": 0}
        if sample.masks is not None:
            if isinstance(sample.masks, np.ndarray):
                if sample.masks.ndim == 3:
                    restore["masks_array"] = True
                    changes["masks"] = [sample.masks[..., k] for k in range(sample.masks.shape[2])]
                else:
                    restore["masks_single"] = True
                    changes["masks"] = [sample.masks]
            else:
                changes["masks"] = list(sample.masks)
        if sample.boxes is not None:
            b = boxes_to_xyxy(sample.boxes, sample.box_format, hw)
            changes["boxes"] = b
            changes["box_visibility"] = np.ones(len(b))
            changes["box_labels"] = None if sample.box_labels is None else list(sample.box_labels)
            changes["box_format"] = "xyxy"
        if sample.keypoints is not None:
            changes["keypoints"] = np.asarray(sample.keypoints, dtype=np.float64)
        meta = dict(sample.meta)
        if self.box_method != "corners":
            meta["_box_method"] = self.box_method
        changes["meta"] = meta
        return sample.copy(**changes), restore

    def _finish(self, runner: _Executor, restore: dict) -> Sample:
        out = runner.finish()
        changes: dict[str, Any] = {"applied": runner.applied}
        meta = out.meta
        if "_box_method" in meta:
            meta = dict(meta)
            del meta["_box_method"]
        changes["meta"] = meta
        if _is_plain(out):
            out.applied, out.meta = runner.applied, meta  # the working sample is this call's
            return out
        hw = (out.height, out.width)
        if out.boxes is not None:
            boxes = np.asarray(out.boxes, dtype=np.float64).reshape(-1, 4)
            vis = out.box_visibility if out.box_visibility is not None else np.ones(len(boxes))
            if self.boxes_from_masks and out.masks is not None and len(out.masks) == len(boxes):
                boxes = boxes.copy()
                for i, m in enumerate(out.masks):
                    ys, xs = np.nonzero(m)
                    if len(xs):
                        boxes[i] = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
            area = np.prod(np.maximum(boxes[:, 2:] - boxes[:, :2], 0.0), axis=1)
            keep = (area > 0) & (area >= self.min_area) & (vis >= self.min_visibility)
            changes["boxes"] = boxes_from_xyxy(boxes[keep], restore["box_format"], hw)
            changes["box_visibility"] = vis[keep]
            changes["box_format"] = restore["box_format"]
            if out.box_labels is not None:
                changes["box_labels"] = [
                    lab for lab, k in zip(out.box_labels, keep, strict=True) if k
                ]
            changes["n_boxes_dropped"] = int((~keep).sum())
        if out.keypoints is not None and self.remove_invisible_keypoints:
            kp = out.keypoints
            h, w = hw
            inside = (
                (kp[:, 0] >= -0.5)
                & (kp[:, 0] < w - 0.5)
                & (kp[:, 1] >= -0.5)
                & (kp[:, 1] < h - 0.5)
            )
            changes["keypoints"] = kp[inside]
            if out.keypoint_labels is not None:
                changes["keypoint_labels"] = [
                    lab for lab, k in zip(out.keypoint_labels, inside, strict=True) if k
                ]
            changes["n_keypoints_dropped"] = int((~inside).sum())
        if out.masks is not None:
            if restore.get("masks_array"):
                changes["masks"] = (
                    np.stack(out.masks, axis=2) if out.masks else np.zeros(hw + (0,), np.uint8)
                )
            elif restore.get("masks_single"):
                changes["masks"] = out.masks[0]
        return out.copy(**changes)

    def save(self, path: str) -> None:
        """Write the pipeline as YAML (``.yaml``/``.yml``) or JSON (``.json``)."""
        save(self, path)
