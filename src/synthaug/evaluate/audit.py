"""Augmentation audit: does a transform change the label, or push images off the data?

Some augmentations destroy the label they are meant to preserve: a 6 turned 180 degrees is a
9, a mirrored "b" is a "d", a crop can cut the object out. :func:`audit` measures this before
you train, with an *oracle*: a classifier trained on clean real data.

Procedure
---------
1. ``X, y`` is split (stratified) into an oracle-training part and a held-out validation part
   (``val_fraction``). The oracle is fitted on the training part only; every rate below is
   measured on held-out items (at most ``max_items`` of them), never on what it trained on.
2. Each leaf transform of the pipeline (inside Compose, Sequential, OneOf and SomeOf; policies
   such as RandAugment count as one leaf) is forced to run (``p = 1``) at each magnitude
   (:mod:`synthaug.evaluate.audit_magnitude`: 0 neutral, 1 as configured; 1 is always
   audited). Every item has its own seed ``(seed, "audit", index)``, the same for every
   transform and magnitude, so a stronger magnitude sees the same random draws scaled up (a
   ``Rotate`` angle grows in proportion) and rates are comparable across magnitudes.
3. Per transform and magnitude:

   * **label-flip rate**: among held-out items the oracle classifies correctly when clean, the
     fraction whose prediction changes after augmentation.
   * **flip matrix** ``flip_counts[i, j]``: of those items with true class ``i``, how many are
     predicted ``j`` after augmentation (diagonal: kept). ``flip_rates`` divides row ``i`` by
     the number of correct clean items of class ``i``.
   * **affinity** (Gontijo-Lopes et al. 2020, "Tradeoffs in Data Augmentation"): the clean
     oracle's accuracy on augmented held-out items divided by its clean accuracy. 1 means the
     augmented images look like the real data to the model; low values mean they left it.
   * **diversity**, a cheap estimate of the paper's measure (training loss with augmentation
     over training loss without): the oracle's mean cross-entropy on augmented *training* items
     divided by its mean cross-entropy on the same items clean. 1 means no new variation; the
     ratio is unbounded above because the clean loss of a well-fitted oracle is small. It is
     informational and never flagged.
   * with ``boxes``: **box survival** (boxes kept by the pipeline's ``min_area`` /
     ``min_visibility`` over boxes given) and **mean visible fraction** (the mean
     ``box_visibility`` of kept boxes: their area inside the image over their full area).

Flags (defaults of :class:`AuditThresholds`)
--------------------------------------------
A magnitude is *unsafe* when any of these holds:

* ``label flips``: flip rate above ``max_flip_rate`` = 5 %;
* ``class flips``: a class ``i`` goes to one class ``j`` in at least ``max_class_flip_rate``
  = 10 % of its correct items and at least ``min_class_flips`` = 3 items. When ``i -> j`` and
  ``j -> i`` both qualify the flag reads "swaps 6 and 9";
* ``low affinity``: affinity below ``min_affinity`` = 0.9 (more than 10 % of the clean
  accuracy lost: the images left the data's distribution);
* with boxes, ``box loss``: box survival below ``min_box_survival`` = 0.9, or mean visible
  fraction below ``min_box_visibility`` = 0.75.

The **largest safe magnitude** of a transform is the largest audited magnitude up to which
every audited magnitude is safe (``None`` if even the smallest is not). A transform is
**flagged** when it is unsafe as configured (magnitude 1). The rates are estimates on a finite
sample: with 50 correct items per class one flip is 2 %.

Examples
--------
>>> from synthaug.augment import Compose, Rotate
>>> from synthaug.data import load_dataset
>>> X, y = load_dataset("digits")
>>> result = audit(Compose([Rotate(limit=180)]), X, y, oracle="svc", magnitudes=[0.05, 1.0])
>>> row = result.transforms[0]
>>> row.flagged, row.max_safe_magnitude
(True, 0.05)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthaug.augment import Compose, OneOf, Sequential, SomeOf, Transform
from synthaug.errors import ConfigError, InvalidInputError
from synthaug.evaluate.audit_magnitude import is_scalable, scale_transform
from synthaug.evaluate.audit_result import (
    AuditResult,
    AuditThresholds,
    MagnitudeAudit,
    TransformAudit,
    flag_magnitude,
    summarise,
)
from synthaug.seeding import item_seed

__all__ = [
    "AuditResult",
    "AuditThresholds",
    "MagnitudeAudit",
    "TransformAudit",
    "audit",
    "make_oracle",
]

log = logging.getLogger(__name__)

DEFAULT_MAGNITUDES = (0.0, 0.25, 0.5, 0.75, 1.0)
_CONTAINERS = (Compose, Sequential, OneOf, SomeOf)
_N_EXAMPLES = 12  # flipped items kept per magnitude


# --------------------------------------------------------------------------- oracle
def _flatten(X: np.ndarray) -> np.ndarray:
    return np.asarray(X).reshape(len(X), -1)


def make_oracle(kind: str, n_classes: int, seed: int) -> Any:
    """The built-in oracles: ``"cnn"`` (:class:`synthaug.nn.CNNClassifier`, 20 epochs) or
    ``"svc"`` (scikit-learn RBF SVC on pixels with calibrated probabilities)."""
    if kind == "cnn":
        from synthaug.nn import CNNClassifier

        return CNNClassifier(epochs=20, n_classes=n_classes, seed=seed)
    if kind == "svc":
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import FunctionTransformer
        from sklearn.svm import SVC

        return make_pipeline(
            FunctionTransformer(_flatten), CalibratedClassifierCV(SVC(), ensemble=False)
        )
    raise ConfigError(f"oracle: expected 'cnn', 'svc' or a classifier object, got {kind!r}")


def _oracle_name(oracle: Any) -> str:
    return oracle if isinstance(oracle, str) else type(oracle).__name__


# --------------------------------------------------------------------------- pipeline leaves
def _leaves(t: Transform, path: str = "") -> list[tuple[str, Transform]]:
    if type(t) in _CONTAINERS:
        out = []
        for i, c in enumerate(t.transforms):
            out += _leaves(c, f"{path}transforms[{i}]" if not path else f"{path}.transforms[{i}]")
        return out
    return [(path or "transforms[0]", t)]


def _as_pipeline(pipeline: Transform | Sequence[Transform]) -> Compose:
    if isinstance(pipeline, Compose):
        return pipeline
    if isinstance(pipeline, Transform):
        return Compose([pipeline])
    if isinstance(pipeline, Sequence) and all(isinstance(t, Transform) for t in pipeline):
        return Compose(list(pipeline))
    raise InvalidInputError(
        f"pipeline_or_transforms: expected a pipeline or a list of transforms, got {pipeline!r}"
    )


def _one_step(root: Compose, t: Transform) -> Compose:
    """``t`` alone, always applied, with the root's box settings."""
    return Compose(
        [t],
        box_format="xyxy",
        min_area=root.min_area,
        min_visibility=root.min_visibility,
        box_method=root.box_method,
        fuse=root.fuse,
        always_apply=True,
    )


# --------------------------------------------------------------------------- running
@dataclass
class _Context:
    X: np.ndarray
    y_idx: np.ndarray
    oracle: Any
    seed: int
    val: np.ndarray
    train: np.ndarray
    boxes: Sequence[np.ndarray] | None
    n_classes: int


def _run(pipe: Compose, ctx: _Context, idx: np.ndarray) -> tuple[np.ndarray, list[tuple]]:
    """Augmented images for items ``idx`` (resized back to the input size if needed)."""
    import cv2

    h, w = ctx.X.shape[1:3]
    images, box_stats = [], []
    for i in idx:
        key = (ctx.seed, "audit", int(i))
        if ctx.boxes is not None and len(ctx.boxes[i]):
            b = np.asarray(ctx.boxes[i], np.float64).reshape(-1, 4)
            out = pipe(
                image=ctx.X[i],
                boxes=b,
                box_labels=list(range(len(b))),
                box_format="xyxy",
                seed=key,
            )
            vis = out.box_visibility if out.box_visibility is not None else np.ones(0)
            box_stats.append((len(b), len(out.boxes), float(np.sum(vis))))
        else:
            out = pipe(image=ctx.X[i], seed=key)
        im = np.asarray(out.image)
        if im.dtype == np.uint8:
            im = im.astype(np.float32) / 255.0
        if im.shape[:2] != (h, w):
            interp = cv2.INTER_AREA if im.shape[0] > h else cv2.INTER_LINEAR
            im = cv2.resize(im, (w, h), interpolation=interp)
        if im.shape != ctx.X.shape[1:]:
            raise InvalidInputError(
                f"the transform turned {ctx.X.shape[1:]} images into {im.shape}: the oracle "
                "needs the input's channels"
            )
        images.append(np.clip(im, 0.0, 1.0).astype(np.float32))
    return np.stack(images), box_stats


def _cross_entropy(proba: np.ndarray, y_idx: np.ndarray) -> float:
    return float(np.mean(-np.log(np.clip(proba[np.arange(len(y_idx)), y_idx], 1e-12, 1.0))))


def _measure(
    pipe: Compose,
    ctx: _Context,
    clean: dict[str, Any],
    magnitude: float,
    params: dict[str, Any],
    thresholds: AuditThresholds,
    classes: list[int],
    names: list[str],
) -> MagnitudeAudit:
    k = ctx.n_classes
    X_aug, box_stats = _run(pipe, ctx, ctx.val)
    pred = np.asarray(ctx.oracle.predict_proba(X_aug)).argmax(1)
    y_val = ctx.y_idx[ctx.val]
    ok = clean["val_pred"] == y_val
    counts = np.zeros((k, k), np.int64)
    np.add.at(counts, (y_val[ok], pred[ok]), 1)
    class_correct = counts.sum(1)
    n_ok = int(ok.sum())
    flip_rate = float(np.sum(pred[ok] != y_val[ok]) / max(n_ok, 1))
    accuracy = float(np.mean(pred == y_val))
    X_tr, _ = _run(pipe, ctx, ctx.train)
    train_loss = _cross_entropy(np.asarray(ctx.oracle.predict_proba(X_tr)), ctx.y_idx[ctx.train])
    m = MagnitudeAudit(
        magnitude=float(magnitude),
        params=params,
        n_items=len(ctx.val),
        n_correct_clean=n_ok,
        flip_rate=flip_rate,
        flip_counts=counts,
        class_correct=class_correct,
        accuracy=accuracy,
        affinity=accuracy / max(clean["accuracy"], 1e-12),
        diversity=train_loss / max(clean["train_loss"], 1e-12),
        train_loss=train_loss,
    )
    if box_stats:
        n_in, n_kept, vis = (sum(s[j] for s in box_stats) for j in range(3))
        m.box_survival = n_kept / max(n_in, 1)
        m.box_visibility = vis / n_kept if n_kept else 0.0
    flipped = np.flatnonzero(ok & (pred != y_val))
    m.flipped = [
        {"index": int(ctx.val[j]), "true": classes[y_val[j]], "predicted": classes[pred[j]]}
        for j in flipped[:_N_EXAMPLES]
    ]
    m.flags = flag_magnitude(m, thresholds, names)
    return m


def _examples(row: TransformAudit, pipes: dict[float, Compose], ctx: _Context) -> None:
    """Clean/augmented pairs of flipped items at the first unsafe magnitude (else the largest
    with flips), regenerated from their seeds."""
    ordered = sorted(row.magnitudes, key=lambda m: m.magnitude)
    chosen = next((m for m in ordered if not m.safe and m.flipped), None)
    chosen = chosen or next((m for m in reversed(ordered) if m.flipped), None)
    if chosen is None:
        return
    idx = np.array([f["index"] for f in chosen.flipped])
    aug, _ = _run(pipes[chosen.magnitude], ctx, idx)
    row.example_images = np.stack([ctx.X[idx], aug], axis=1)
    row.example_magnitude = chosen.magnitude


def _class_names(given: Mapping[int, str] | Sequence[str] | None, classes: list[int]) -> list[str]:
    """Display names for the sorted class ids ``classes`` (the ids as text by default)."""
    if given is None:
        return [str(c) for c in classes]
    if isinstance(given, str):
        raise InvalidInputError(
            f"class_names: expected a name per class id (a mapping or a sequence), got {given!r}"
        )
    lookup = dict(given) if isinstance(given, Mapping) else dict(enumerate(given))
    missing = [c for c in classes if c not in lookup]
    if missing:
        raise InvalidInputError(
            f"class_names: no name for class ids {missing[:10]} (y holds ids {classes[:10]}"
            f"{' ...' if len(classes) > 10 else ''})"
        )
    names = [str(lookup[c]) for c in classes]
    if len(set(names)) != len(names):
        raise InvalidInputError(f"class_names: names must differ per class, got {names}")
    return names


def _split(y_idx: np.ndarray, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y_idx))
    counts = np.bincount(y_idx)
    stratify = y_idx if counts[counts > 0].min() >= 2 else None
    train, val = train_test_split(
        idx,
        test_size=val_fraction,
        stratify=stratify,
        random_state=item_seed(seed, "audit-split") % 2**32,
    )
    return np.sort(train), np.sort(val)


def _check_inputs(X: Any, y: Any, boxes: Any, magnitudes: Any, val_fraction: float) -> tuple:
    X = np.asarray(X)
    if X.ndim not in (3, 4):
        raise InvalidInputError(f"X: expected images (N, H, W) or (N, H, W, C), got {X.shape}")
    if X.dtype == np.uint8:
        X = X.astype(np.float32) / 255.0
    elif X.dtype.kind != "f":
        raise InvalidInputError(f"X: expected float32 in [0, 1] or uint8, got dtype {X.dtype}")
    X = np.ascontiguousarray(X, dtype=np.float32)
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(X) or y.dtype.kind not in "iu":
        raise InvalidInputError(
            f"y: expected {len(X)} integer class ids, got dtype {y.dtype} shape {y.shape}"
        )
    if boxes is not None and len(boxes) != len(X):
        raise InvalidInputError(f"boxes: expected one entry per image ({len(X)}), got {len(boxes)}")
    if not 0.0 < val_fraction < 1.0:
        raise InvalidInputError(f"val_fraction: expected a number in (0, 1), got {val_fraction!r}")
    mags = sorted({float(m) for m in magnitudes} | {1.0})
    if mags[0] < 0:
        raise InvalidInputError(f"magnitudes: expected values >= 0, got {list(magnitudes)}")
    return X, y, mags


def audit(
    pipeline_or_transforms: Transform | Sequence[Transform],
    X: np.ndarray,
    y: np.ndarray,
    oracle: Any = None,
    magnitudes: Sequence[float] = DEFAULT_MAGNITUDES,
    seed: int = 0,
    callback: Callable[[dict[str, Any]], None] | None = None,
    *,
    boxes: Sequence[np.ndarray] | None = None,
    val_fraction: float = 0.3,
    max_items: int = 600,
    refit: bool = True,
    include_pipeline: bool = True,
    thresholds: AuditThresholds | None = None,
    class_names: Mapping[int, str] | Sequence[str] | None = None,
) -> AuditResult:
    """Audit every transform of a pipeline for label changes and distribution shift.

    See the module docstring for what is measured and when a transform is flagged.

    Parameters
    ----------
    pipeline_or_transforms : Compose, Transform or list of Transform
        The pipeline; each leaf is audited alone (forced to run), and with
        ``include_pipeline`` the whole pipeline as configured too (at magnitude 1).
    X : ndarray
        Real images (N, H, W) or (N, H, W, C), float32 in [0, 1] or uint8.
    y : ndarray
        Integer class ids (N,).
    oracle : None, "cnn", "svc" or a classifier
        ``None`` or ``"cnn"``: a :class:`synthaug.nn.CNNClassifier`; ``"svc"``: an RBF SVC
        on pixels (fast, weaker). Any object with ``fit(X, y)`` and ``predict_proba(X)`` on
        image arrays works; its labels are class indices ``0 .. K-1`` in sorted order of
        ``y``'s values.
    magnitudes : sequence of float
        Strengths to audit (0 neutral, 1 as configured; 1 is always added). Transforms with
        no strength parameter run at 1 only.
    seed : int
        Seeds the split, the oracle and every item's augmentation.
    callback : callable, optional
        Progress: ``{"event": "oracle"}``, ``{"event": "oracle_fitted", "clean_accuracy"}``,
        then ``{"event": "step", "done", "total", "transform", "magnitude"}`` per step.
    boxes : sequence of (k, 4) arrays, optional
        Boxes per image in ``xyxy`` pixels; enables box survival and visible fraction.
    val_fraction : float
        Held-out share of ``X``; the oracle never trains on it.
    max_items : int
        At most this many held-out (and training) items are augmented per step.
    refit : bool
        ``False`` uses a given oracle as already fitted (it must not have seen ``X``).
    include_pipeline : bool
        Also audit the whole pipeline with its probabilities, as training would run it
        (when it differs from its only leaf; an empty pipeline is audited as a whole).
    thresholds : AuditThresholds, optional
        Flag thresholds; defaults as in the module docstring.
    class_names : mapping or sequence of str, optional
        A name per class id (``{id: name}``, or a sequence indexed by id) for the flags,
        the page and ``audit.json``; by default the ids themselves ("swaps 6 and 9").

    Returns
    -------
    AuditResult
    """
    thresholds = thresholds or AuditThresholds()
    X, y, mags = _check_inputs(X, y, boxes, magnitudes, val_fraction)
    root = _as_pipeline(pipeline_or_transforms)
    classes_arr, y_idx = np.unique(y, return_inverse=True)
    classes = [int(c) for c in classes_arr]
    k = len(classes)
    if k < 2:
        raise InvalidInputError(f"y: the audit needs at least two classes, got {classes}")
    names = _class_names(class_names, classes)
    train, val = _split(y_idx, val_fraction, seed)
    rng = np.random.default_rng(item_seed(seed, "audit-subset"))
    val_a = np.sort(rng.permutation(val)[:max_items])
    train_a = np.sort(rng.permutation(train)[:max_items])

    if callback:
        callback({"event": "oracle", "n_train": len(train)})
    name = _oracle_name(oracle if oracle is not None else "cnn")
    if oracle is None or isinstance(oracle, str):
        oracle = make_oracle(oracle or "cnn", k, seed)
        refit = True
    if refit:
        oracle.fit(X[train], y_idx[train])
    ctx = _Context(X, y_idx, oracle, seed, val_a, train_a, boxes, k)
    val_pred = np.asarray(oracle.predict_proba(X[val_a])).argmax(1)
    clean = {
        "val_pred": val_pred,
        "accuracy": float(np.mean(val_pred == y_idx[val_a])),
        "train_loss": _cross_entropy(np.asarray(oracle.predict_proba(X[train_a])), y_idx[train_a]),
    }
    if callback:
        callback({"event": "oracle_fitted", "clean_accuracy": clean["accuracy"]})
    warnings = []
    if clean["accuracy"] < 0.9:
        warnings.append(
            f"the oracle is weak ({100 * clean['accuracy']:.1f}% clean accuracy on held-out "
            "items): flip rates mix label changes with its own mistakes"
        )

    plan: list[tuple[str, Transform | Compose, list[float]]] = [
        (path, t, mags if is_scalable(t) else [1.0]) for path, t in _leaves(root)
    ]
    if include_pipeline and (len(plan) != 1 or any(t.p < 1.0 for _, t, _ in plan)):
        plan.append(("pipeline", root, [1.0]))
    total = sum(len(m) for _, _, m in plan)
    done = 0
    rows = []
    for path, t, t_mags in plan:
        whole = path == "pipeline"
        row = TransformAudit(
            name="whole pipeline (as configured)" if whole else type(t).__name__,
            path=path,
            config=t.to_dict(),
            scalable=not whole and is_scalable(t),
        )
        pipes: dict[float, Compose] = {}
        for m in t_mags:
            done += 1
            if callback:
                callback(
                    {
                        "event": "step",
                        "done": done,
                        "total": total,
                        "transform": row.name,
                        "magnitude": m,
                    }
                )
            if row.error:
                continue
            try:
                if whole:
                    pipe, params = root, {}
                else:
                    scaled, params = scale_transform(t, m)
                    pipe = _one_step(root, scaled)
            except ConfigError as exc:
                row.skipped.append({"magnitude": m, "reason": str(exc)})
                continue
            try:
                row.magnitudes.append(
                    _measure(pipe, ctx, clean, m, params, thresholds, classes, names)
                )
            except InvalidInputError as exc:
                row.error = str(exc)
                continue
            pipes[m] = pipe
        summarise(row)
        if not row.error:
            _examples(row, pipes, ctx)
        rows.append(row)
    return AuditResult(
        transforms=rows,
        classes=classes,
        class_names=names,
        oracle=name,
        clean_accuracy=clean["accuracy"],
        train_loss_clean=clean["train_loss"],
        n_train=len(train),
        n_val=len(val),
        n_audited=len(val_a),
        seed=int(seed),
        thresholds=thresholds,
        warnings=warnings,
    )
