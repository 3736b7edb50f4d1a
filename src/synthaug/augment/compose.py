"""Pipelines: Compose, Sequential, OneOf, SomeOf: the tree, probabilities, seeds and replay.

A pipeline walks its tree of transforms, decides for each whether it runs (probability ``p``),
draws its parameters from one ``numpy.random.Generator`` (from the view of the sample the
executor gives) and hands ``(transform, params)`` steps to an
:class:`~synthaug.augment.executor.Executor`, which moves every target and fuses pixel work
(see :mod:`synthaug.augment.executor`). ``out.applied`` records the steps; ``replay`` pushes
them again. This module converts to and from the user's formats and applies the label rules
at the end (thresholds, tight boxes from masks, invisible keypoints).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import cv2
import numpy as np

from synthaug.augment.executor import IMG, INLINE, Executor, flat_plan, is_plain
from synthaug.augment.functional import geometric as G
from synthaug.augment.labels import (
    drop_reasons,
    final_oriented_boxes,
    flip_permutation,
    instance_keep,
)
from synthaug.augment.params import (
    MAX_COUNT,
    MAX_SIDE,
    Children,
    Choice,
    Flag,
    FlipPairs,
    Int,
    Optional,
    Real,
    Seed,
)
from synthaug.augment.sample import (
    ORIENTED_BOX_FORMATS,
    Applied,
    Sample,
    boxes_from_xyxy,
    boxes_to_xyxy,
    oriented_to_corners,
    validate_image,
    validate_sample,
)
from synthaug.augment.serialize import save
from synthaug.augment.transforms.base import (
    KEYPOINT_FLIP,
    Transform,
    check_pixels,
    keypoints_in_frame,
    register,
)
from synthaug.errors import ConfigError, InvalidInputError
from synthaug.seeding import SeedLike, as_rng

__all__ = ["BaseCompose", "Compose", "OneOf", "Sequential", "SomeOf"]

_EMPTY_FIELDS = dict(Sample(np.zeros((1, 1), np.uint8)).__dict__)
#: keys of ``meta`` that only a running pipeline uses
_WORK_META = ("_box_method", KEYPOINT_FLIP)


def _centres_inside(polygon: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """Which pixels of the window ``[x0, x1) x [y0, y1)`` have their centre inside
    ``polygon`` (pixel-edge coordinates, even-odd rule): a ``(y1 - y0, x1 - x0)`` bool array.

    Exact, unlike ``cv2.fillPoly``, which also fills the pixels its edges pass through.
    """
    p, q = polygon, np.roll(polygon, -1, axis=0)
    yc = np.arange(y0, y1, dtype=np.float64)[:, None] + 0.5
    crosses = (p[:, 1] <= yc) != (q[:, 1] <= yc)  # rows x edges: the edge spans the row
    used = crosses.any(axis=0)  # edges that cross no row are left out
    p, q, crosses = p[used], q[used], crosses[:, used]
    dy = np.where(p[:, 1] == q[:, 1], 1.0, q[:, 1] - p[:, 1])
    xs = np.where(crosses, p[:, 0] + (yc - p[:, 1]) * (q[:, 0] - p[:, 0]) / dy, np.inf)
    xs.sort(axis=1)  # an even number of crossings per row, then inf
    xs = xs[:, : 2 * (int(crosses.sum(axis=1).max(initial=0)) // 2)]
    # centre c + 0.5 is inside a span [a, b) when ceil(a - 0.5) <= c < ceil(b - 0.5)
    cols = (np.ceil(np.minimum(xs, x1 + 1.0) - 0.5) - x0).astype(np.intp)
    c = np.arange(x1 - x0)
    if cols.shape[1] == 0:  # the outline crosses no row centre
        return np.zeros((y1 - y0, x1 - x0), dtype=bool)
    inside = (c >= cols[:, 0:1]) & (c < cols[:, 1:2])
    for k in range(2, cols.shape[1], 2):  # more spans in a row: a concave outline
        inside |= (c >= cols[:, k : k + 1]) & (c < cols[:, k + 1 : k + 2])
    return inside


def _tight_box(mask: np.ndarray, outline: np.ndarray | None) -> list[int] | None:
    """The tight ``xyxy`` box of ``mask``'s pixels, or None when it has none.

    With an ``outline`` (the box's pixel-edge polygon, clipped to every frame it went
    through) only the mask pixels whose centres lie inside it count: mask pixels outside it
    are copies a reflect/wrap/replicate border made, and a cut object's copy lies right
    against the outline's cut edge, so even one pixel of slack there would count a strip of
    the copy. Only when no pixel lies inside (a sliver that nearest sampling moved by a
    pixel) do the pixels within one pixel of the outline count.
    """
    x0 = y0 = 0
    if outline is not None:
        window = G.outline_window(outline, mask.shape[:2])
        if window is None:
            return None
        x0, y0, x1, y1 = window
        m = mask[y0:y1, x0:x1] != 0
        on = m & _centres_inside(outline, x0, y0, x1, y1)
        if not on.any():
            near = np.zeros((y1 - y0, x1 - x0), np.uint8)
            pts = np.round((outline - [x0 + 0.5, y0 + 0.5]) * 256.0).astype(np.int32)
            cv2.fillPoly(near, [pts], 1, lineType=cv2.LINE_8, shift=8)
            on = m & (cv2.dilate(near, np.ones((3, 3), np.uint8)) != 0)
    else:
        on = mask != 0
    ys, xs = np.flatnonzero(on.any(axis=1)), np.flatnonzero(on.any(axis=0))
    if len(xs) == 0:
        return None
    return [x0 + int(xs[0]), y0 + int(ys[0]), x0 + int(xs[-1]) + 1, y0 + int(ys[-1]) + 1]


def _box_rows(boxes: Any) -> np.ndarray:
    """``boxes=`` of a keyword call as ``N x 4`` float64: rows of 4 numbers, one box as a flat
    4-list, or nothing; anything else is refused naming the argument and its shape."""
    try:
        b = np.asarray(boxes, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(
            "boxes: expected rows of 4 numbers (an N x 4 array), got a ragged or non-numeric "
            f"value {boxes!r:.80}"
        ) from None
    if b.size == 0:
        return b.reshape(0, 4)
    if b.shape == (4,):
        return b.reshape(1, 4)
    if b.ndim != 2 or b.shape[1] != 4:
        raise InvalidInputError(
            f"boxes: expected rows of 4 numbers (an N x 4 array), got shape {b.shape}"
        )
    return b


def _kept(items: Sequence[Any], keep: np.ndarray) -> list[Any]:
    """The items whose ``keep`` flag is set, as a list."""
    return [item for item, k in zip(items, keep, strict=True) if k]


def _count(dropped: dict[str, int], target: str, why: np.ndarray, keep: np.ndarray) -> None:
    """Add ``target.<reason>`` counts of the dropped rows to ``dropped`` (a row dropped
    with its instance without a reason of its own counts as ``instance``)."""
    for reason in why[~keep]:
        key = f"{target}.{reason or 'instance'}"
        dropped[key] = dropped.get(key, 0) + 1


def _plain_sample(image: np.ndarray, box_format: str, meta: dict[str, Any]) -> Sample:
    """A fresh Sample holding only ``image`` (the instance dict copied from a template:
    half the cost of the dataclass constructor)."""
    new = object.__new__(Sample)
    new.__dict__.update(_EMPTY_FIELDS)
    new.image, new.box_format, new.meta, new.applied = image, box_format, meta, []
    new.dropped = {}
    return new


class BaseCompose(Transform):
    """A node holding child transforms; subclasses decide which children run."""

    targets: ClassVar[tuple[str, ...]] = ("image", "masks", "boxes", "oriented_boxes", "keypoints")
    parameters = {"transforms": Children(doc="the child transforms, in order")}

    def __init__(self, transforms: Sequence[Transform], p: float = 1.0) -> None:
        self.store_params(locals())

    def _walk_children(
        self, rng: np.random.Generator, runner: Executor, path: str, indices: Iterable[int]
    ) -> None:
        for i in indices:
            _walk(self.transforms[i], rng, runner, f"{path}transforms[{i}]", forced=False)

    def walk(self, rng: np.random.Generator, runner: Executor, path: str) -> None:
        """Decide which children run and push their steps (subclasses)."""
        raise NotImplementedError

    def child_runner(self, runner: Executor, path: str) -> Executor:
        """The runner this node's children push their steps to: ``runner`` itself here; a
        node that runs its children on part of the image
        (:class:`~synthaug.augment.bands.OnBands`) gives one that writes back into
        ``runner`` when closed. ``path`` names the node (``transforms[2]``)."""
        return runner

    def apply(self, sample: Sample, params: dict[str, Any]) -> Sample:
        """Not used: a pipeline node runs through :meth:`walk`."""
        raise TypeError(f"{type(self).__name__} is a container; call it instead of apply()")


def _walk(
    t: Transform, rng: np.random.Generator, runner: Executor, path: str, forced: bool
) -> None:
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

    def walk(self, rng: np.random.Generator, runner: Executor, path: str) -> None:
        """All children, in order."""
        self._walk_children(rng, runner, path, range(len(self.transforms)))


@register
class OneOf(BaseCompose):
    """Run exactly one child, chosen with probability proportional to the children's ``p``."""

    def walk(self, rng: np.random.Generator, runner: Executor, path: str) -> None:
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

    def walk(self, rng: np.random.Generator, runner: Executor, path: str) -> None:
        """``n`` children, always applied once chosen."""
        k = min(self.n, len(self.transforms))
        chosen = sorted(int(i) for i in rng.choice(len(self.transforms), size=k, replace=False))
        for i in chosen:
            _walk(self.transforms[i], rng, runner, f"{path}transforms[{i}]", forced=True)


# --------------------------------------------------------------------------- Compose
@register
class Compose(BaseCompose):
    """The top-level pipeline.

    Labels stay on their pixels through any chain, fused or not: each geometric step moves
    box outlines and keypoints and clips them to its own output frame, so what leaves a frame
    (crop, rotation, distortion) never returns. Boxes travel as polygons and become
    axis-aligned only at the end; with instance masks (one per box) the mask decides.
    Masks are resampled with pixel-centre exact nearest neighbour. Reflect, wrap and
    replicate borders copy objects into the border without labels: their copies are not
    labelled, and a mask (when given) may include them.

    Parameters
    ----------
    transforms : list of Transform
        Children, each run with its own probability ``p``.
    box_format : {"xyxy", "xywh", "yolo"}
        Format of boxes passed as keyword arguments (a :class:`Sample` carries its own).
    min_area : float
        Boxes whose final area in output pixels is below this are dropped with their label.
    min_visibility : float
        Boxes that keep less than this fraction of their outline's area (what every crop,
        pad and rotation of the chain left inside its frame) are dropped with their label.
    box_method : {"corners", "ellipse"}
        The outline a box travels as: its four corners (default; exact for flips, quarter
        turns, crops, pads and resizes, and for rectangular objects under any matrix) or its
        inscribed ellipse (32 points; a tighter model of a round object under rotation).
    boxes_from_masks : bool or None
        Whether ``masks`` are the boxes' instance masks (``masks[i]`` belongs to ``boxes[i]``).
        None (default): they are when there is exactly one mask per box. Then each output box
        is the tight box of its transformed mask and a box whose mask is empty (its object
        left the frame) is dropped with its label. False: the masks are other layers (say
        semantic maps that happen to number as many as the boxes); boxes follow their own
        outlines only. True: as None (kept for saved pipelines).
    remove_invisible_keypoints : bool
        Remove invisible keypoints (with their labels; counted in ``n_keypoints_dropped``),
        or keep every keypoint with its moved coordinates and mark it in
        ``out.keypoint_visibility`` (False, or COCO ``0`` when integers were given). A
        keypoint is invisible once it left the frame at any step, or when it came with
        visibility ``0``: a later pad or turn that brings its coordinates back inside does
        not bring it back (its pixel is gone). Keep them (False) for fixed-size skeletons
        (COCO / YOLO pose), whose indices must not shift.
    keypoint_flip_pairs : list of pairs, "names" or None
        Left/right keypoint pairs that every mirroring step swaps (HorizontalFlip,
        VerticalFlip, Transpose, and any matrix with a negative determinant; two mirrorings
        swap twice, i.e. not at all): ``[(i, j), ...]`` indices (positions within each
        instance's keypoints when the sample has ``keypoint_instances``), pairs of keypoint
        names, or ``"names"`` to pair ``left_X`` with ``right_X`` among the keypoint labels.
        A sample's own ``keypoint_flip_pairs`` wins.
    oriented_box_format : {"corners", "xywha"}
        Format of oriented boxes passed as keyword arguments: ``N x 4 x 2`` (or ``N x 8``)
        corners running clockwise as displayed, or ``(cx, cy, w, h, angle_deg)`` with the
        angle of the first edge counter-clockwise as displayed.
    oriented_box_fit : {"corners", "rect"}
        ``"corners"``: the corners mapped through every step, exact under any matrix (a
        rectangle becomes a parallelogram under shear, a quadrilateral under perspective;
        corners of a box that a crop cut reach past the frame). ``"rect"``: the
        minimum-area rectangle of each box's visible part (``cv2.minAreaRect``), or of its
        instance mask's pixels when there is one mask per oriented box.
        ``min_area`` and ``min_visibility`` apply to oriented boxes as to boxes.
    instances : bool or None
        Whether row ``i`` of boxes, oriented boxes and instance masks (a mask list with one
        mask per instance), and the keypoints whose ``keypoint_instances`` is ``i``, form
        one instance, kept or dropped together (the reasons are counted in ``out.dropped``).
        None (default): when the sample has ``keypoint_instances``.
    fuse : bool
        Fuse consecutive matrix transforms into one warp and uint8 lookup tables into one.
        Labels are the same either way; pixels agree within interpolation tolerance.
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
        "keypoint_flip_pairs": Optional(
            FlipPairs(), doc="left/right keypoint pairs swapped by mirroring"
        ),
        "oriented_box_format": Choice(ORIENTED_BOX_FORMATS, doc="format of keyword oriented boxes"),
        "oriented_box_fit": Choice(
            ("corners", "rect"), doc="oriented boxes: mapped corners or fitted rectangles"
        ),
        "instances": Optional(Flag(), doc="boxes, masks and keypoints of one object kept together"),
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
        boxes_from_masks: bool | None = None,
        remove_invisible_keypoints: bool = True,
        fuse: bool = True,
        seed: int | None = None,
        p: float = 1.0,
        always_apply: bool = False,
        keypoint_flip_pairs: Sequence[tuple[Any, Any]] | str | None = None,
        oriented_box_format: str = "corners",
        oriented_box_fit: str = "corners",
        instances: bool | None = None,
    ) -> None:
        self.store_params(locals())
        self._rng = as_rng(seed)
        self._plan_key: tuple[Transform, ...] | None = None
        self._plan: list[tuple[str, str, Transform, int]] | None = None

    def walk(self, rng: np.random.Generator, runner: Executor, path: str) -> None:
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
        runner = Executor(work, self.fuse)
        if self.always_apply:
            for i, t in enumerate(self.transforms):
                _walk(t, rng, runner, f"transforms[{i}]", forced=True)
        elif rng.random() < self.p:
            self._walk_children(rng, runner, "", range(len(self.transforms)))
        return self._finish(runner, restore)

    def _check_pixels(self, image: np.ndarray) -> None:
        """Refuse, before any work, an image that a transform of the pipeline does not take
        (its declared ``dtypes`` and ``channels``); checked once per pixel type and channel
        count while the children stay the same."""
        key = (image.dtype.char, 1 if image.ndim == 2 else image.shape[2])
        children = tuple(self.transforms)
        seen: tuple[tuple[Transform, ...], set[tuple[str, int]]] | None = self.__dict__.get(
            "_pixels_ok"
        )
        if seen is None or seen[0] != children:
            seen = self.__dict__["_pixels_ok"] = (children, set())
        if key not in seen[1]:
            for i, t in enumerate(children):
                check_pixels(t, image, f"transforms[{i}]")
            seen[1].add(key)

    def _flat_plan(self) -> list[tuple[str, str, Transform, int]] | None:
        """``(path, name, transform, kind)`` of the children when none is a container, else None.

        Cached against the current children, so replacing ``transforms`` (or one of its
        items) is seen at the next call.
        """
        key = tuple(self.transforms)
        if key != self._plan_key:
            self._plan = (
                None if any(isinstance(t, BaseCompose) for t in key) else flat_plan(key, self.fuse)
            )
            self._plan_key = key
        return self._plan

    def _call_image(self, image: np.ndarray, seed: SeedLike) -> Sample:
        """``self(image)``: the common image-only call, with nothing to convert back.

        Steps of a flat pipeline that join no pending run and only replace the image run
        inline (the same draws and the same bytes as the executor, a few microseconds less a
        call); the executor takes over at the first step that may fuse or needs ``apply``.
        """
        meta = {} if self.box_method == "corners" else {"_box_method": self.box_method}
        work = _plain_sample(validate_image(image), self.box_format, meta)
        self._check_pixels(image)
        rng = self._rng if seed is None else as_rng(seed)
        plan = self._flat_plan()
        runner: Executor | None = None
        if self.always_apply or plan is None:
            runner = Executor(work, self.fuse)
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
                if runner is None and kind & INLINE == IMG:
                    params = t.sample_params(rng, work)
                    applied.append(Applied(path, name, params))
                    work.image = t.apply_image(work.image, params)
                    continue
                if runner is None:
                    runner = Executor(work, self.fuse, applied)
                runner.push(path, t, t.sample_params(rng, runner.view(t, kind)), kind)
        if runner is None:
            out = work  # plain, with its applied list filled in place
        else:
            out = runner.finish()
            if not is_plain(out):  # a transform added targets (none of ours does)
                restore = {"box_format": self.box_format, "masks_array": False}
                return self._finish(runner, restore)
            # the working sample belongs to this call: finish it in place
            out.applied = runner.applied
        if out.meta:
            out.meta = {k: v for k, v in out.meta.items() if k not in _WORK_META}
        return out

    def replay(
        self,
        sample: Sample | np.ndarray,
        applied: Sequence[Applied | dict[str, Any]],
        **fields: Any,
    ) -> Sample:
        """Apply exactly the recorded steps ``applied`` (from ``out.applied``) to a sample."""
        given: Sample | None = None
        if isinstance(sample, np.ndarray):
            fields = {"image": sample, **fields}
        else:
            given = sample
        work, restore = self._prepare(given, fields)
        runner = Executor(work, self.fuse)
        # runners of the nodes that run their children on part of the image (OnBands),
        # outermost first: consecutive steps under one node share its runner, as in a call
        open_: list[tuple[str, Executor]] = []
        for step in applied:
            st = (
                step
                if isinstance(step, Applied)
                else Applied(step["path"], step["name"], step["params"])
            )
            narrowing: list[tuple[str, BaseCompose]] = []
            t = self._locate(st.path, narrowing)
            if type(t).__name__ != st.name:
                raise ConfigError(
                    f"replay: {st.path} is {type(t).__name__} in this pipeline, not {st.name}"
                )
            k = 0
            while k < min(len(open_), len(narrowing)) and open_[k][0] == narrowing[k][0]:
                k += 1
            while len(open_) > k:
                open_.pop()[1].close()
            for node_path, node in narrowing[k:]:
                parent = open_[-1][1] if open_ else runner
                open_.append((node_path, node.child_runner(parent, node_path)))
            target = open_[-1][1] if open_ else runner
            target.push(st.path, t, t.Drawn.read(st.params, f"replay: {st.path} ({st.name})"))
        while open_:
            open_.pop()[1].close()
        return self._finish(runner, restore)

    def _locate(
        self, path: str, narrowing: list[tuple[str, BaseCompose]] | None = None
    ) -> Transform:
        """The transform at ``path``; the nodes on the way that run their children on part
        of the image (their own ``child_runner``) are added to ``narrowing`` with their paths."""
        node: Transform = self
        done: list[str] = []
        for part in path.split("."):
            if not part.startswith("transforms[") or not isinstance(node, BaseCompose):
                raise ConfigError(f"replay: no transform at {path!r} in this pipeline")
            if (
                narrowing is not None
                and done
                and type(node).child_runner is not BaseCompose.child_runner
            ):
                narrowing.append((".".join(done), node))
            idx = int(part[len("transforms[") : -1])
            if idx >= len(node.transforms):
                raise ConfigError(f"replay: no transform at {path!r} in this pipeline")
            node = node.transforms[idx]
            done.append(part)
        return node

    # -- conversion to and from the working form
    def _prepare(
        self, sample: Sample | None, fields: dict[str, Any]
    ) -> tuple[Sample, dict[str, Any]]:
        if sample is None and len(fields) == 1 and "image" in fields:
            # the common image-only call: nothing to convert, only the image to check
            meta = {} if self.box_method == "corners" else {"_box_method": self.box_method}
            image = validate_image(fields["image"])
            self._check_pixels(image)
            # a fresh dict per call (meta, applied) on a shallow copy of an empty Sample:
            # cheaper than the dataclass constructor
            work = _plain_sample(image, self.box_format, meta)
            return work, {"box_format": self.box_format, "masks_array": False}
        if sample is None:
            if "image" not in fields:
                raise InvalidInputError("expected a Sample or an image= keyword argument")
            fields.setdefault("box_format", self.box_format)
            if fields.get("boxes") is not None:
                fields["boxes"] = _box_rows(fields["boxes"])
            if fields.get("keypoints") is not None:
                kp = np.asarray(fields["keypoints"], dtype=np.float64)
                fields["keypoints"] = kp.reshape(-1, 2) if kp.size == 0 else kp
            if fields.get("oriented_boxes") is not None:
                fields.setdefault("oriented_box_format", self.oriented_box_format)
                fields["oriented_boxes"] = np.asarray(fields["oriented_boxes"], dtype=np.float64)
            try:
                sample = Sample(**fields)
            except TypeError as exc:
                raise InvalidInputError(f"unknown Sample field: {exc}") from None
        elif fields:
            raise InvalidInputError("pass either a Sample or keyword fields, not both")
        validate_sample(sample)
        self._check_pixels(sample.image)
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
        meta = dict(sample.meta)
        if sample.keypoints is not None:
            changes.update(self._prepare_keypoints(sample, meta))
        if sample.oriented_boxes is not None:
            restore["oriented_box_format"] = sample.oriented_box_format
            corners = oriented_to_corners(sample.oriented_boxes, sample.oriented_box_format)
            # what lies outside the input image is not visible from the start
            outlines = G.clip_polygons(corners, hw)
            full = G.polygon_areas(corners)
            inside = G.polygon_areas(outlines) / np.where(full > 0, full, 1.0)
            changes["oriented_boxes"] = corners
            changes["oriented_box_visibility"] = np.where(full > 0, inside, 0.0)
            changes["oriented_box_outlines"] = outlines
            labels = sample.oriented_box_labels
            changes["oriented_box_labels"] = None if labels is None else list(labels)
        changes["box_outlines"] = None
        changes["dropped"] = {}
        if self.box_method != "corners":
            meta["_box_method"] = self.box_method
        changes["meta"] = meta
        return sample.copy(**changes), restore

    def _prepare_keypoints(self, sample: Sample, meta: dict[str, Any]) -> dict[str, Any]:
        """Keypoints in working form: float64, visibility as booleans or COCO int8 (as
        given), and the mirroring permutation of the flip pairs in ``meta``."""
        kp = np.asarray(sample.keypoints, dtype=np.float64)
        n = len(kp)
        given = sample.keypoint_visibility
        if given is None:
            vis = np.ones(n, dtype=bool)
        else:
            g = np.asarray(given)
            vis = g.astype(bool) if g.dtype == bool else g.astype(np.int8)
        inst = sample.keypoint_instances
        inst = None if inst is None else np.asarray(inst, dtype=np.int64)
        pairs = sample.keypoint_flip_pairs
        if pairs is None:
            pairs = self.keypoint_flip_pairs
        else:
            pairs = Optional(FlipPairs()).check("Sample", "keypoint_flip_pairs", pairs)
        perm = flip_permutation(pairs, n, sample.keypoint_labels, inst)
        if perm is not None:
            meta[KEYPOINT_FLIP] = perm
        return {"keypoints": kp, "keypoint_visibility": vis, "keypoint_instances": inst}

    def _finish(self, runner: Executor, restore: dict[str, Any]) -> Sample:
        out = runner.finish()
        changes: dict[str, Any] = {"applied": runner.applied}
        meta = out.meta
        if meta and ("_box_method" in meta or KEYPOINT_FLIP in meta):
            meta = {k: v for k, v in meta.items() if k not in _WORK_META}
        changes["meta"] = meta
        if is_plain(out):
            out.applied, out.meta = runner.applied, meta  # the working sample is this call's
            return out
        hw = (out.height, out.width)
        dropped: dict[str, int] = {}
        box_why = None if out.boxes is None else self._box_rows(out, changes)
        obb_why = None
        if out.oriented_boxes is not None:
            obb, obb_vis, obb_why = final_oriented_boxes(
                np.asarray(out.oriented_boxes, dtype=np.float64).reshape(-1, 4, 2),
                out.oriented_box_outlines,
                out.oriented_box_visibility,
                self.oriented_box_fit,
                restore.get("oriented_box_format", "corners"),
                self.min_area,
                self.min_visibility,
                None if self.boxes_from_masks is False or out.masks is None else list(out.masks),
            )
            changes.update(oriented_boxes=obb, oriented_box_visibility=obb_vis)
            changes["oriented_box_format"] = restore.get("oriented_box_format", "corners")
            changes["oriented_box_outlines"] = None
        inst_keep = self._instances(out, box_why, obb_why, dropped)
        if box_why is not None:
            keep = box_why == "" if inst_keep is None else inst_keep
            _count(dropped, "boxes", box_why, keep)
            changes["boxes"] = boxes_from_xyxy(changes["boxes"][keep], restore["box_format"], hw)
            changes["box_visibility"] = changes["box_visibility"][keep]
            changes["box_format"] = restore["box_format"]
            changes["box_outlines"] = None
            changes["n_boxes_dropped"] = int((~keep).sum())
            if out.box_labels is not None:
                changes["box_labels"] = _kept(out.box_labels, keep)
        if obb_why is not None:
            keep = obb_why == "" if inst_keep is None else inst_keep
            _count(dropped, "oriented_boxes", obb_why, keep)
            changes["oriented_boxes"] = changes["oriented_boxes"][keep]
            changes["oriented_box_visibility"] = changes["oriented_box_visibility"][keep]
            if out.oriented_box_labels is not None:
                changes["oriented_box_labels"] = _kept(out.oriented_box_labels, keep)
        if out.keypoints is not None:
            changes.update(self._final_keypoints(out, out.keypoints, inst_keep, dropped))
        masks = out.masks
        if masks is not None and inst_keep is not None and len(masks) == len(inst_keep):
            if self.boxes_from_masks is not False:
                mask_why = np.array(["" if np.any(m) else "mask_empty" for m in masks], object)
                _count(dropped, "masks", mask_why, inst_keep)
                masks = _kept(list(masks), inst_keep)
        if masks is not None:
            if restore.get("masks_array"):
                changes["masks"] = (
                    np.stack(list(masks), axis=2) if masks else np.zeros(hw + (0,), np.uint8)
                )
            elif restore.get("masks_single"):
                changes["masks"] = masks[0]
            else:
                changes["masks"] = masks
        changes["dropped"] = dropped
        return out.copy(**changes)

    def _instances(
        self,
        out: Sample,
        box_why: np.ndarray | None,
        obb_why: np.ndarray | None,
        dropped: dict[str, int],
    ) -> np.ndarray | None:
        """Which instances are kept, when the sample has instances (see ``instances``);
        counts the dropped ones in ``dropped`` as ``instances.<reason>``."""
        on = self.instances
        if on is None:
            on = out.keypoint_instances is not None
        if not on:
            return None
        rows = [r for r in (box_why, obb_why) if r is not None]
        if not rows:
            raise InvalidInputError(
                "instances: an instance needs a box or an oriented box (got neither)"
            )
        n = len(rows[0])
        mask_why = None
        masks = out.masks
        if masks is not None and self.boxes_from_masks is not False and len(masks) == n:
            mask_why = np.array(["" if np.any(m) else "mask_empty" for m in masks], dtype=object)
        keep, why = instance_keep(n, box_why, obb_why, mask_why)
        inst = out.keypoint_instances
        if inst is not None and len(inst) and int(np.max(inst)) >= n:
            raise InvalidInputError(
                f"keypoint_instances: instance {int(np.max(inst))} does not exist "
                f"({n} instances: rows of boxes / oriented boxes)"
            )
        _count(dropped, "instances", why, keep)
        return keep

    def _box_rows(self, out: Sample, changes: dict[str, Any]) -> np.ndarray:
        """The boxes' final ``xyxy`` rows and visibility (into ``changes``, not filtered yet)
        and the reason each one is dropped (``""`` when kept).

        A box is kept when its outline still has area inside the frame, its final box has
        at least ``min_area`` pixels and it keeps ``min_visibility`` of its outline's area.
        With instance masks (``boxes_from_masks`` not False and one mask per box) the mask
        decides: the box is the tight box of its mask, dropped when the mask is empty.
        """
        boxes = np.asarray(out.boxes, dtype=np.float64).reshape(-1, 4)
        vis = out.box_visibility if out.box_visibility is not None else np.ones(len(boxes))
        area = np.prod(np.maximum(boxes[:, 2:] - boxes[:, :2], 0.0), axis=1)
        outlines = out.box_outlines
        if outlines is not None and outlines.boxes is not out.boxes:
            outlines = None  # stale: they belong to boxes a later step replaced
        visible = G.polygon_areas(outlines.polygons) > 0 if outlines is not None else area > 0
        from_masks = self.boxes_from_masks is not False
        empty = np.zeros(len(boxes), dtype=bool)
        if from_masks and out.masks is not None and len(out.masks) == len(boxes):
            # the mask is the object: its pixels decide both the box and whether it is there.
            # Mask pixels off the box's corner outline are copies a reflect/wrap border made.
            polygons = (
                outlines.polygons
                if outlines is not None and out.meta.get("_box_method", "corners") == "corners"
                else None
            )
            boxes = boxes.copy()
            seen = np.zeros(len(boxes), dtype=bool)
            for i, m in enumerate(out.masks):
                if polygons is not None and not visible[i]:
                    continue  # its outline left the frame: mask pixels there are copies
                tight = _tight_box(m, None if polygons is None else polygons[i])
                if tight is not None:
                    boxes[i] = tight
                    seen[i] = True
            empty = visible & ~seen
            visible = seen
            area = np.prod(np.maximum(boxes[:, 2:] - boxes[:, :2], 0.0), axis=1)
        why = drop_reasons(visible, area, vis, self.min_area, self.min_visibility)
        why[empty] = "mask_empty"
        changes["boxes"], changes["box_visibility"] = boxes, vis
        return why

    def _final_keypoints(
        self,
        out: Sample,
        kp: np.ndarray,
        inst_keep: np.ndarray | None,
        dropped: dict[str, int],
    ) -> dict[str, Any]:
        """Keypoints ``kp`` (``out.keypoints``) that left the frame at any step (or end
        outside it), or came invisible, are removed with their labels, or kept and marked
        in ``keypoint_visibility``; keypoints of a dropped instance go with it."""
        inside = keypoints_in_frame(kp, (out.height, out.width))
        vis = out.keypoint_visibility
        if vis is None or len(vis) != len(kp):
            vis = np.ones(len(kp), dtype=bool)
        vis = vis * inside
        why = np.full(len(kp), "", dtype=object)
        if self.remove_invisible_keypoints:
            why[vis == 0] = "outside"
        inst = out.keypoint_instances
        new_inst = None if inst is None else np.asarray(inst, dtype=np.int64)
        if inst_keep is not None and new_inst is not None:
            owned = new_inst >= 0
            lost = owned & ~inst_keep[np.where(owned, new_inst, 0)]
            why[lost] = "instance"
            renumber = np.cumsum(inst_keep) - 1
            new_inst = np.where(owned, renumber[np.where(owned, new_inst, 0)], -1)
        keep = why == ""
        _count(dropped, "keypoints", why, keep)
        changes: dict[str, Any] = {
            "keypoint_visibility": vis[keep],
            "n_keypoints_dropped": int((~keep).sum()),
        }
        if not keep.all():
            changes["keypoints"] = kp[keep]
            if out.keypoint_labels is not None:
                changes["keypoint_labels"] = _kept(out.keypoint_labels, keep)
        if new_inst is not None:
            changes["keypoint_instances"] = new_inst[keep]
        return changes

    def save(self, path: str) -> None:
        """Write the pipeline as YAML (``.yaml``/``.yml``) or JSON (``.json``)."""
        save(self, path)
