"""Compose, OneOf, SomeOf, Sequential, ReplayCompose, BboxParams and KeypointParams.

The Albumentations call convention over one synthaug pipeline: ``pipe(image=..., mask=...,
masks=..., bboxes=..., keypoints=..., <label fields>..., <additional targets>...)`` returns a
dict with the same keys. Boxes in any of Albumentations' four formats become ``xyxy`` pixels
for the engine; each box and keypoint travels with its index, so every label field and every
extra column follows the boxes the engine keeps. Filters the engine has no setting for
(``min_width``, ``min_height``, ``max_accept_ratio``, ``clip``, ``filter_invalid_bboxes``) are
applied here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from synthaug import augment
from synthaug.albumentations import targets as T
from synthaug.albumentations.transforms import BasicTransform
from synthaug.errors import ConfigError, InvalidInputError

__all__ = [
    "BaseCompose",
    "BboxParams",
    "Compose",
    "KeypointParams",
    "OneOf",
    "ReplayCompose",
    "SomeOf",
    "Sequential",
]

_BOX_FORMATS = ("pascal_voc", "coco", "yolo", "albumentations")
_KP_FORMATS = ("xy", "yx", "xya", "xys", "xyas", "xysa")


@dataclass
class BboxParams:
    """How boxes are given and filtered (Albumentations' ``BboxParams``).

    ``format``: ``pascal_voc`` (x_min, y_min, x_max, y_max pixels), ``coco`` (x_min, y_min,
    width, height pixels), ``yolo`` (normalised centre and size) or ``albumentations``
    (normalised corners). Boxes below ``min_area`` pixels, ``min_visibility`` (kept fraction),
    ``min_width``/``min_height`` pixels or above ``max_accept_ratio`` are dropped with their
    labels. ``clip`` clips input boxes to the image; ``filter_invalid_bboxes`` drops input
    boxes with no area instead of raising.
    """

    format: str = "pascal_voc"
    label_fields: Sequence[str] | None = None
    min_area: float = 0.0
    min_visibility: float = 0.0
    min_width: float = 0.0
    min_height: float = 0.0
    check_each_transform: bool = True
    clip: bool = False
    filter_invalid_bboxes: bool = False
    max_accept_ratio: float | None = None

    def __post_init__(self) -> None:
        if self.format not in _BOX_FORMATS:
            raise ConfigError(
                f"BboxParams.format: expected one of {list(_BOX_FORMATS)}, got {self.format!r}"
            )
        self.label_fields = list(self.label_fields or [])


@dataclass
class KeypointParams:
    """How keypoints are given (Albumentations' ``KeypointParams``).

    ``format`` orders x, y, angle ``a`` and scale ``s``; ``angle_in_degrees=False`` reads and
    writes angles in radians. ``remove_invisible`` drops keypoints that leave the image, with
    their labels.
    """

    format: str = "xy"
    label_fields: Sequence[str] | None = None
    remove_invisible: bool = True
    angle_in_degrees: bool = True
    check_each_transform: bool = True

    def __post_init__(self) -> None:
        if self.format not in _KP_FORMATS:
            raise ConfigError(
                f"KeypointParams.format: expected one of {list(_KP_FORMATS)}, got {self.format!r}"
            )
        self.label_fields = list(self.label_fields or [])


def _params(value: Any, cls: type, owner: str) -> Any:
    if value is None or isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        known = set(cls.__dataclass_fields__)
        unknown = [k for k in value if k not in known]
        if unknown:
            raise ConfigError(
                f"{owner}: unknown key(s) {unknown}; {cls.__name__} takes {sorted(known)}"
            )
        return cls(**value)
    raise ConfigError(f"{owner}: expected {cls.__name__} or a dict, got {value!r}")


class BaseCompose:
    """A node holding Albumentations-named transforms and containers."""

    def __init__(self, transforms: Sequence[Any], p: float = 1.0) -> None:
        owner = type(self).__name__
        if isinstance(transforms, (BasicTransform, BaseCompose)) or not isinstance(
            transforms, Sequence
        ):
            raise ConfigError(f"{owner}.transforms: expected a list of transforms")
        for i, t in enumerate(transforms):
            if not isinstance(t, (BasicTransform, BaseCompose)) and not getattr(
                t, "is_post_step", False
            ):
                hint = (
                    " (a synthaug.augment transform: use synthaug.augment.Compose for those)"
                    if isinstance(t, augment.Transform)
                    else ""
                )
                raise ConfigError(
                    f"{owner}.transforms[{i}]: expected an Albumentations-style transform, got "
                    f"{type(t).__name__}{hint}"
                )
        self.transforms = list(transforms)
        self.p = float(p)

    def _engine_children(self, native: bool = False) -> list[augment.Transform]:
        out = []
        for i, t in enumerate(self.transforms):
            if getattr(t, "is_post_step", False):
                raise ConfigError(
                    f"{type(self).__name__}.transforms[{i}]: {t.name} must be the last step of "
                    "the top-level Compose"
                )
            try:
                out.append(t.to_engine(native))
            except ConfigError as exc:
                msg = str(exc)
                if msg.startswith("transforms["):  # from a nested container: extend the path
                    raise ConfigError(f"transforms[{i}].{msg}") from None
                name, _, reason = msg.partition(": ")
                raise ConfigError(f"transforms[{i}] ({name}): {reason}") from None
        return out

    def to_engine(self, native: bool = False) -> augment.Transform:
        """The synthaug container doing the same (``native``: registered transforms only)."""
        raise NotImplementedError

    def to_dict_private(self) -> dict[str, Any]:
        """``albumentations.to_dict`` form of this node (without the version wrapper)."""
        return {
            "__class_fullname__": type(self).__name__,
            "p": self.p,
            "transforms": [t.to_dict_private() for t in self.transforms],
        }

    def __len__(self) -> int:
        return len(self.transforms)

    def __getitem__(self, i: int) -> Any:
        return self.transforms[i]

    def __repr__(self) -> str:
        inner = ", ".join(repr(t) for t in self.transforms)
        return f"{type(self).__name__}([{inner}], p={self.p})"


class OneOf(BaseCompose):
    """Apply exactly one child, chosen with probability proportional to the children's ``p``."""

    def __init__(self, transforms: Sequence[Any], p: float = 0.5) -> None:
        super().__init__(transforms, p)

    def to_engine(self, native: bool = False) -> augment.Transform:
        """synthaug's OneOf (same choice rule: weights are the children's ``p``)."""
        return augment.OneOf(self._engine_children(native), p=self.p)


class Sequential(BaseCompose):
    """Apply every child in order, each with its own probability."""

    def __init__(self, transforms: Sequence[Any], p: float = 0.5) -> None:
        super().__init__(transforms, p)

    def to_engine(self, native: bool = False) -> augment.Transform:
        """synthaug's Sequential."""
        return augment.Sequential(self._engine_children(native), p=self.p)


class SomeOf(BaseCompose):
    """Choose ``n`` children uniformly, then apply each with its own ``p`` (2.0.8 semantics)."""

    def __init__(
        self, transforms: Sequence[Any], n: int = 1, replace: bool = False, p: float = 1.0
    ) -> None:
        super().__init__(transforms, p)
        if replace:
            raise ConfigError(
                "SomeOf.replace=True is not supported (a child is chosen at most once); use "
                "replace=False"
            )
        self.n, self.replace = int(n), bool(replace)

    def to_engine(self, native: bool = False) -> augment.Transform:
        """synthaug's SomeOf; each child sits in a Sequential so that its own ``p`` applies."""
        kids = [augment.Sequential([c], p=1.0) for c in self._engine_children(native)]
        return augment.SomeOf(kids, n=self.n, p=self.p)

    def to_dict_private(self) -> dict[str, Any]:
        """With ``n`` and ``replace``."""
        return {**super().to_dict_private(), "n": self.n, "replace": self.replace}


class Compose(BaseCompose):
    """Albumentations' ``Compose`` over one synthaug pipeline.

    Parameters
    ----------
    transforms : list
        Albumentations-named transforms and containers.
    bbox_params : BboxParams or dict, optional
    keypoint_params : KeypointParams or dict, optional
    additional_targets : dict, optional
        More targets of a known type, ``{"image2": "image", "mask2": "mask"}``.
    p : float
        Probability of applying the pipeline at all.
    is_check_shapes : bool
        Check that every image and mask has the same height and width.
    strict : bool
        Refuse keys of a call that are neither targets nor label fields (else they pass
        through unchanged).
    mask_interpolation : None
        Only None (masks are always resampled with nearest neighbour).
    seed : int, optional
        Seed of the pipeline's stream: two pipelines with the same seed give the same sequence.
    save_applied_params : bool
        Add ``applied_transforms``: the ``(name, params)`` of every step that ran.

    Examples
    --------
    >>> import numpy as np
    >>> import synthaug.albumentations as A
    >>> pipe = A.Compose([A.HorizontalFlip(p=1.0)], seed=0,
    ...     bbox_params=A.BboxParams(format="coco", label_fields=["labels"]))
    >>> out = pipe(image=np.zeros((20, 30, 3), np.uint8), bboxes=[[2, 4, 10, 6]], labels=["cat"])
    >>> out["bboxes"], out["labels"]
    ([[18.0, 4.0, 10.0, 6.0]], ['cat'])
    """

    def __init__(
        self,
        transforms: Sequence[Any],
        bbox_params: BboxParams | Mapping[str, Any] | None = None,
        keypoint_params: KeypointParams | Mapping[str, Any] | None = None,
        additional_targets: Mapping[str, str] | None = None,
        p: float = 1.0,
        is_check_shapes: bool = True,
        strict: bool = False,
        mask_interpolation: int | None = None,
        seed: int | None = None,
        save_applied_params: bool = False,
    ) -> None:
        super().__init__(transforms, p)
        self.bbox_params = _params(bbox_params, BboxParams, "bbox_params")
        self.keypoint_params = _params(keypoint_params, KeypointParams, "keypoint_params")
        self.additional_targets = dict(additional_targets or {})
        for key, kind in self.additional_targets.items():
            if kind not in ("image", "mask", "masks"):
                raise ConfigError(
                    f"additional_targets[{key!r}] = {kind!r}: only 'image', 'mask' and 'masks' "
                    "targets are supported; pass more boxes or keypoints in bboxes/keypoints "
                    "with a label field"
                )
        if mask_interpolation not in (None, 0):
            raise ConfigError(
                f"Compose.mask_interpolation={mask_interpolation!r}: masks are always resampled "
                "with nearest neighbour; use None"
            )
        self.is_check_shapes, self.strict = bool(is_check_shapes), bool(strict)
        self.mask_interpolation = mask_interpolation
        self.seed, self.save_applied_params = seed, bool(save_applied_params)
        self._post = []
        body = list(self.transforms)
        while body and getattr(body[-1], "is_post_step", False):
            self._post.insert(0, body.pop())
        self._body = body
        self._engine = self.to_engine()
        self.set_random_seed(seed)

    # -- engine and seeding
    def to_engine(self, native: bool = False) -> augment.Compose:
        """The synthaug pipeline doing the work (boxes as ``xyxy`` pixels; ``native``:
        registered synthaug transforms only, see :func:`from_albumentations`)."""
        bp, kp = self.bbox_params, self.keypoint_params
        kids = BaseCompose(self._body, self.p)._engine_children(native) if self._body else []
        return augment.Compose(
            kids,
            box_format="xyxy",
            min_area=bp.min_area if bp else 0.0,
            min_visibility=bp.min_visibility if bp else 0.0,
            remove_invisible_keypoints=kp.remove_invisible if kp else True,
            p=self.p,
        )

    def to_synthaug(self) -> augment.Compose:
        """The equivalent :class:`synthaug.augment.Compose` (for synthaug's Dataset wrapper,
        per-item seeds and the CLI); boxes in it are ``xyxy`` pixels."""
        return self._engine

    def set_random_seed(self, seed: int | None) -> None:
        """Restart the pipeline's stream from ``seed`` (None: fresh entropy)."""
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._pid = os.getpid()

    def _stream(self) -> np.random.Generator:
        """The pipeline's stream; a forked worker process gets a stream of its own.

        Albumentations 2.0.8 copies one stream into every DataLoader worker, so workers repeat
        each other's augmentations (and, when workers restart each epoch, every epoch repeats
        the last). Here a PyTorch worker's stream comes from ``(seed, worker seed)``: torch
        draws a new worker seed per worker and per epoch from its own generator, so results
        differ across workers and epochs and are reproducible under ``torch.manual_seed``.
        Another forked process gets ``(seed, pid)`` or fresh entropy when unseeded.
        """
        if os.getpid() != self._pid:
            torch = sys.modules.get("torch")
            info = torch.utils.data.get_worker_info() if torch is not None else None
            key: list[int] = [] if self.seed is None else [int(self.seed)]
            if info is not None:
                key.append(int(info.seed))
            elif self.seed is not None:
                key.append(os.getpid())
            self._rng = np.random.default_rng(np.random.SeedSequence(key) if key else None)
            self._pid = os.getpid()
        return self._rng

    # -- the call
    def __call__(self, *args: Any, force_apply: bool = False, **data: Any) -> dict[str, Any]:
        """Transform the keyword targets; returns a dict with the same keys."""
        if args:
            raise TypeError("pass targets as keywords, e.g. pipe(image=image, bboxes=boxes)")
        out, applied = self._run(data, force_apply, None)
        self._finish_outputs(out, applied)
        return out

    def _finish_outputs(self, out: dict[str, Any], applied: list[augment.Applied]) -> None:
        if self.save_applied_params:
            out["applied_transforms"] = [(a.name, a.params) for a in applied]
        for step in self._post:
            step.apply_to_dict(out)

    def _label_fields(self) -> tuple[list[str], list[str]]:
        return (
            list(self.bbox_params.label_fields) if self.bbox_params else [],
            list(self.keypoint_params.label_fields) if self.keypoint_params else [],
        )

    def _run(
        self, data: dict[str, Any], force: bool, applied: list[Any] | None
    ) -> tuple[dict[str, Any], list[augment.Applied]]:
        if "image" not in data or data["image"] is None:
            raise InvalidInputError("expected an image= keyword argument")
        box_fields, kp_fields = self._label_fields()
        known = {"image", "mask", "masks", "bboxes", "keypoints", *box_fields, *kp_fields}
        known |= set(self.additional_targets)
        if self.strict:
            unknown = [k for k in data if k not in known]
            if unknown:
                raise InvalidInputError(
                    f"unknown key(s) {unknown} in a strict Compose; targets are {sorted(known)}"
                )
        image = data["image"]
        h, w = image.shape[:2]
        fields: dict[str, Any] = {"image": image}
        self._check_shapes(data, (h, w))

        # masks: `mask`, `masks` and additional mask targets share the engine's mask list
        mask_plan: list[tuple[str, str, int]] = []
        masks: list[np.ndarray] = []
        for key, kind in [("mask", "mask"), ("masks", "masks")] + [
            (k, v) for k, v in self.additional_targets.items() if v in ("mask", "masks")
        ]:
            value = data.get(key)
            if value is None:
                continue
            items = T.mask_items(value, kind)
            mask_plan.append((key, kind, len(items)))
            masks.extend(items)
        if masks:
            fields["masks"] = masks

        box_state = self._boxes_in(data, box_fields, (h, w))
        if box_state is not None:
            fields["boxes"], fields["box_labels"] = box_state["xyxy"], box_state["index"]
        kp_state = self._keypoints_in(data, kp_fields)
        if kp_state is not None:
            fields["keypoints"] = kp_state["engine"]
            fields["keypoint_labels"] = kp_state["index"]

        engine = self._engine
        if applied is not None:
            res = (
                engine.replay(augment.Sample(**fields), applied)
                if len(fields) > 1
                else (engine.replay(image, applied))
            )
        elif force and self.p < 1.0:
            forced = augment.Compose(
                engine.transforms,
                box_format="xyxy",
                min_area=engine.min_area,
                min_visibility=engine.min_visibility,
                remove_invisible_keypoints=engine.remove_invisible_keypoints,
            )
            res = forced(seed=self._stream(), **fields)
        else:
            res = engine(seed=self._stream(), **fields)

        out = dict(data)
        out["image"] = res.image
        oh, ow = res.image.shape[:2]
        if mask_plan:
            self._masks_out(out, data, mask_plan, res.masks)
        if box_state is not None:
            self._boxes_out(out, data, box_fields, box_state, res, (oh, ow))
        if kp_state is not None:
            self._keypoints_out(out, data, kp_fields, kp_state, res)
        for key, kind in self.additional_targets.items():
            if kind == "image" and data.get(key) is not None:
                out[key] = engine.replay(data[key], res.applied).image
        return out, list(res.applied)

    def _check_shapes(self, data: dict[str, Any], hw: tuple[int, int]) -> None:
        if not self.is_check_shapes:
            return
        keys = ["mask"] + [k for k, v in self.additional_targets.items() if v in ("image", "mask")]
        for key in keys:
            v = data.get(key)
            if isinstance(v, np.ndarray) and v.shape[:2] != hw:
                raise InvalidInputError(
                    f"{key}: size {v.shape[0]}x{v.shape[1]} differs from the image's "
                    f"{hw[0]}x{hw[1]} (pass is_check_shapes=False only for targets of other sizes)"
                )

    def _masks_out(self, out, data, plan, masks) -> None:
        pos = 0
        for key, kind, n in plan:
            items, pos = masks[pos : pos + n], pos + n
            src = data[key]
            if kind == "mask":
                out[key] = items[0] if src.ndim == 2 else np.stack(items, axis=2)
            elif isinstance(src, np.ndarray):
                out[key] = np.stack(items, axis=0) if items else src[:0]
            else:
                out[key] = list(items)

    # -- boxes
    def _boxes_in(self, data, fields, hw) -> dict[str, Any] | None:
        value = data.get("bboxes")
        if value is None:
            return None
        bp = self.bbox_params
        if bp is None:
            raise InvalidInputError("bboxes given but the Compose has no bbox_params")
        coords, extras = T.split_rows(value, 4, "bboxes")
        labels = {}
        for f in fields:
            if f not in data:
                raise InvalidInputError(f"label field {f!r} of bbox_params missing from the call")
            if len(data[f]) != len(coords):
                raise InvalidInputError(f"{f}: {len(data[f])} labels for {len(coords)} bboxes")
            labels[f] = list(data[f])
        h, w = hw
        xyxy = T.boxes_to_xyxy(coords, bp.format, h, w)
        if bp.clip:
            xyxy = np.clip(xyxy, 0.0, [w, h, w, h])
        keep = np.ones(len(xyxy), bool)
        if bp.filter_invalid_bboxes:
            keep = (xyxy[:, 2] > xyxy[:, 0]) & (xyxy[:, 3] > xyxy[:, 1])
        index = [i for i in range(len(xyxy)) if keep[i]]
        return {"xyxy": xyxy[keep], "index": index, "extras": extras, "labels": labels}

    def _boxes_out(self, out, data, fields, state, res, hw) -> None:
        bp = self.bbox_params
        b = np.asarray(res.boxes, dtype=np.float64).reshape(-1, 4)
        idx = list(res.box_labels or [])
        bw, bh = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
        keep = (bw >= bp.min_width) & (bh >= bp.min_height)
        if bp.max_accept_ratio is not None:
            ratio = np.maximum(bw / np.maximum(bh, 1e-12), bh / np.maximum(bw, 1e-12))
            keep &= ratio <= bp.max_accept_ratio
        b, idx = b[keep], [i for i, k in zip(idx, keep, strict=True) if k]
        coords = T.boxes_from_xyxy(b, bp.format, *hw)
        out["bboxes"] = T.rows_out(data["bboxes"], coords, [state["extras"][i] for i in idx])
        for f in fields:
            out[f] = T.like(data[f], [state["labels"][f][i] for i in idx])

    # -- keypoints
    def _keypoints_in(self, data, fields) -> dict[str, Any] | None:
        value = data.get("keypoints")
        if value is None:
            return None
        kp = self.keypoint_params
        if kp is None:
            raise InvalidInputError("keypoints given but the Compose has no keypoint_params")
        fmt = kp.format
        coords, extras = T.split_rows(value, len(fmt), "keypoints")
        cols = {c: coords[:, i] for i, c in enumerate(fmt)}
        n = len(coords)
        engine = [cols["x"], cols["y"]]
        if "a" in cols or "s" in cols:
            a = cols.get("a", np.zeros(n))
            engine += [a if kp.angle_in_degrees else np.degrees(a), cols.get("s", np.ones(n))]
        labels = {}
        for f in fields:
            if f not in data:
                raise InvalidInputError(
                    f"label field {f!r} of keypoint_params missing from the call"
                )
            if len(data[f]) != n:
                raise InvalidInputError(f"{f}: {len(data[f])} labels for {n} keypoints")
            labels[f] = list(data[f])
        arr = np.stack(engine, axis=1) if n else np.zeros((0, len(engine)))
        return {"engine": arr, "index": list(range(n)), "extras": extras, "labels": labels}

    def _keypoints_out(self, out, data, fields, state, res) -> None:
        kp = self.keypoint_params
        k = np.asarray(res.keypoints, dtype=np.float64)
        idx = list(res.keypoint_labels or [])
        cols = {"x": k[:, 0], "y": k[:, 1]}
        if k.shape[1] >= 4:
            cols["a"] = k[:, 2] if kp.angle_in_degrees else np.radians(k[:, 2])
            cols["s"] = k[:, 3]
        coords = (
            np.stack([cols[c] for c in kp.format], axis=1)
            if len(k)
            else np.zeros((0, len(kp.format)))
        )
        out["keypoints"] = T.rows_out(data["keypoints"], coords, [state["extras"][i] for i in idx])
        for f in fields:
            out[f] = T.like(data[f], [state["labels"][f][i] for i in idx])

    # -- serialization
    def to_dict_private(self) -> dict[str, Any]:
        """``albumentations.to_dict`` form, with bbox/keypoint params and additional targets."""
        d = super().to_dict_private()
        d["bbox_params"] = asdict(self.bbox_params) if self.bbox_params else None
        d["keypoint_params"] = asdict(self.keypoint_params) if self.keypoint_params else None
        d["additional_targets"] = dict(self.additional_targets)
        d["is_check_shapes"] = self.is_check_shapes
        # written only when set, so files of plain pipelines stay as Albumentations writes them
        for key, value in (
            ("seed", self.seed),
            ("strict", self.strict or None),
            ("save_applied_params", self.save_applied_params or None),
        ):
            if value is not None:
                d[key] = value
        return d


def _replay_tree(node: Any, path: str, by_path: dict[str, Any]) -> dict[str, Any]:
    """``node``'s to_dict form with ``applied``/``params`` from the steps that ran.

    ``path`` is the node's path in the engine tree (``transforms[2].transforms[0]``); SomeOf
    children sit one level deeper there (each in a Sequential).
    """
    d = {k: v for k, v in node.to_dict_private().items() if k != "transforms"}
    if not isinstance(node, BaseCompose):
        return {**d, "applied": path in by_path, "params": by_path.get(path)}
    kids = []
    for i, child in enumerate(node.transforms):
        if getattr(child, "is_post_step", False):
            kids.append({**child.to_dict_private(), "applied": True, "params": None})
            continue
        sub = f"{path}.transforms[{i}]" if path else f"transforms[{i}]"
        if isinstance(node, SomeOf):
            sub += ".transforms[0]"
        kids.append(_replay_tree(child, sub, by_path))
    applied = any(k["applied"] for k in kids if k["__class_fullname__"] != "ToTensorV2")
    return {**d, "applied": applied, "params": None, "transforms": kids}


class ReplayCompose(Compose):
    """A Compose whose output carries what it did, to apply it again to other data.

    ``out[save_key]`` is the pipeline's tree, as Albumentations writes it, with ``applied``
    and ``params`` on every node (the parameters are synthaug's); ``ReplayCompose.replay(
    out["replay"], image=other, ...)`` applies exactly the steps that ran.
    """

    def __init__(
        self, transforms: Sequence[Any], *args: Any, save_key: str = "replay", **kwargs: Any
    ) -> None:
        super().__init__(transforms, *args, **kwargs)
        self.save_key = save_key

    def __call__(self, *args: Any, force_apply: bool = False, **data: Any) -> dict[str, Any]:
        """As :meth:`Compose.__call__`, plus ``out[save_key]``."""
        if args:
            raise TypeError("pass targets as keywords, e.g. pipe(image=image)")
        out, applied = self._run(data, force_apply, None)
        by_path = {a.path: a.params for a in applied}
        tree = _replay_tree(self, "", by_path)
        tree.update(applied=bool(applied), pipeline=self, steps=applied)
        out[self.save_key] = tree
        self._finish_outputs(out, applied)
        return out

    @staticmethod
    def replay(saved_augmentations: Mapping[str, Any], **data: Any) -> dict[str, Any]:
        """Apply the steps recorded in ``saved_augmentations`` to new targets."""
        pipe = saved_augmentations.get("pipeline")
        if not isinstance(pipe, ReplayCompose):
            raise InvalidInputError(
                "replay: expected the dict a ReplayCompose call stored under its save_key"
            )
        out, applied = pipe._run(data, True, list(saved_augmentations["steps"]))
        pipe._finish_outputs(out, applied)
        return out

    def to_dict_private(self) -> dict[str, Any]:
        """With ``save_key``."""
        return {**super().to_dict_private(), "save_key": self.save_key}
