"""Augmentation audit: does a transform change the label, or only move images off the data?

Some augmentations destroy the label they are meant to preserve: a 6 turned 180 degrees is a
9, a mirrored "b" is a "d", a crop can cut the object out. Others only make images look
unusual to a model trained without them (a mirrored face, a shifted digit): the label stays,
and training with the transform teaches the model to read them. :func:`audit` tells the two
apart before you train, with *oracles*: classifiers trained on real data.

Procedure
---------
1. ``X, y`` is split (stratified) into an oracle-training part and a held-out validation part
   (``val_fraction``). The *clean oracle* is fitted on the training part only; every rate is
   measured on held-out items (at most ``max_items`` of them), never on what it trained on.
2. **Noise floor.** A model's answer changes on some items under changes that cannot alter a
   label: the clean oracle's flip rate is measured under three of them, each through the same
   pipeline machinery as the transforms (an identity pass, noise of 1-2 grey levels, a
   sub-pixel shift of up to half a pixel). The floor is the largest of the three. A weak
   oracle (say 78 % clean accuracy on a hard set) has a high floor; the tests below are
   against it, so its own instability is never read as a label change.
3. Each leaf transform of the pipeline (inside Compose, Sequential, OneOf and SomeOf; policies
   such as RandAugment count as one leaf) is forced to run (``p = 1``) at each magnitude
   (:mod:`synthaug.evaluate.audit_magnitude`: 0 neutral, 1 as configured; 1 is always
   audited). Every item has its own seed ``(seed, "audit", index)``, the same for every
   transform and magnitude, so a stronger magnitude sees the same random draws scaled up.
   Per transform and magnitude:

   * **label-flip rate**: among held-out items the clean oracle classifies correctly, the
     fraction whose prediction changes after augmentation; the **flip matrix**
     ``flip_counts[i, j]`` counts those of true class ``i`` predicted ``j`` afterwards.
   * **test against the floor** (:func:`~synthaug.evaluate.audit_result.excess_flip_test`):
     a one-sided two-proportion test of H0 "flip rate <= floor + ``margin``" (2 points by
     default), significant below ``alpha`` = 0.01; counts, rates and the p-value are kept.
   * **affinity** (Gontijo-Lopes et al. 2020, "Tradeoffs in Data Augmentation"): the clean
     oracle's accuracy on augmented held-out items over its clean accuracy (reported).
   * **diversity**, a cheap estimate of the paper's measure: the oracle's mean cross-entropy
     on augmented training items over the same on clean ones (informational).
   * with ``boxes``: **box survival** and **mean visible fraction** of kept boxes.
4. **Retrained oracle.** When the clean oracle's flips exceed its floor at some magnitude, a
   second oracle (the same kind, same settings) is trained on the training part plus one
   augmented copy of each training image, at the largest audited magnitude (which for a
   range parameter includes the smaller ones). Its own noise floor is measured the same way,
   and the test is repeated with it at every magnitude that failed the first test. A label
   change persists (an upright 9 and a turned 6 are the same picture, so no training can tell
   them apart); a distribution shift is absorbed (a model that saw mirrored faces reads them).

Verdicts
--------
Per magnitude, and per transform as configured (magnitude 1):

* ``safe``: the clean oracle's flip rate is within its noise floor plus the margin;
* ``distribution shift (absorbed by training with it)``: the clean oracle flips beyond its
  floor, but an oracle trained with the transform does not. Not flagged;
* ``changes labels``: either the transform maps classes onto each other, or the flips
  persist. Flagged (UNSAFE).

  - *Class swap*: in the clean oracle's flip matrix, class ``i`` goes to ``j`` and ``j`` to
    ``i``, each in >= 25 % of the class's correct items (and >= 3 items, and an exact binomial
    test against the floor), and at least half of those flipped images land among real
    images of the class they are read as: one of their five nearest real training images
    (pixel distance) is of that class, and the nearest is at most twice as far as held-out
    real images are from theirs, in the median. A half turn sends 6s among the real 9s and 9s among the real 6s.
    A swap counts even when the retrained oracle learns to tell a turned 6 from a 9 (a CNN
    does, on the 8x8 digits, from the writers' strokes): the picture reads as the other
    class. The landing condition keeps images pushed off the data, which a model may assign
    to classes in any pattern, from reading as a swap.
  - *Persistence*: the retrained oracle also flips beyond its own floor (the transform
    erases or moves what tells the classes apart); the flags name its class flips.

  Without a retrained oracle (``retrain=False``, or an oracle that cannot be cloned) flips
  beyond the floor without a swap are flagged as possible label changes, and the flag says
  that the audit could not tell;
* with boxes, ``box loss`` (survival below 0.9 or visible fraction below 0.75) is flagged in
  any category.

The **largest safe magnitude** is the largest audited magnitude up to which no magnitude is
flagged (``None`` if even the smallest is). The rates are estimates on a finite sample; the
tests account for that, and a small validation set makes them conservative.

Examples
--------
>>> from synthaug.augment import Compose, Rotate
>>> from synthaug.data import load_dataset
>>> X, y = load_dataset("digits")
>>> result = audit(Compose([Rotate(limit=180)]), X, y, oracle="svc", magnitudes=[0.05, 1.0])
>>> row = result.transforms[0]
>>> row.flagged, row.category, row.max_safe_magnitude
(True, 'changes labels', 0.05)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthaug.augment import Affine, Compose, GaussianNoise, OneOf, Sequential, SomeOf, Transform
from synthaug.errors import ConfigError, InvalidInputError
from synthaug.evaluate.audit_magnitude import is_scalable, scale_transform
from synthaug.evaluate.audit_result import (
    AuditResult,
    AuditThresholds,
    FlipTest,
    MagnitudeAudit,
    NoiseFloor,
    TransformAudit,
    excess_flip_test,
    judge_magnitude,
    summarise,
)
from synthaug.evaluate.features import image_set
from synthaug.seeding import item_seed

__all__ = [
    "AuditResult",
    "AuditThresholds",
    "FlipTest",
    "MagnitudeAudit",
    "NoiseFloor",
    "TransformAudit",
    "audit",
    "make_oracle",
    "noise_floor_perturbations",
]

log = logging.getLogger(__name__)

DEFAULT_MAGNITUDES = (0.0, 0.25, 0.5, 0.75, 1.0)
_CONTAINERS = (Compose, Sequential, OneOf, SomeOf)
_N_EXAMPLES = 12  # flipped items kept per magnitude
_N_NEIGHBOURS = 5  # a flipped image lands on class j when one of its 5 nearest is a j


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


def _one_step(root: Compose, t: Transform | None) -> Compose:
    """``t`` alone (nothing for None), always applied, with the root's box settings."""
    return Compose(
        [] if t is None else [t],
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
    seed: int
    val: np.ndarray
    train: np.ndarray
    train_all: np.ndarray
    boxes: Sequence[np.ndarray] | None
    n_classes: int
    neighbours: Any = None
    near: float = 0.0

    def fit_neighbours(self) -> None:
        """Nearest real training images in pixel space, and how near "near" is: twice the
        median distance of held-out clean images to their nearest training image."""
        from sklearn.neighbors import NearestNeighbors

        k = min(_N_NEIGHBOURS, len(self.train_all))
        self.neighbours = NearestNeighbors(n_neighbors=k).fit(_flatten(self.X[self.train_all]))
        d, _ = self.neighbours.kneighbors(_flatten(self.X[self.val]))
        self.near = 2.0 * float(np.median(d[:, 0]))

    def landed_on(self, X_aug: np.ndarray, classes: np.ndarray) -> np.ndarray:
        """Per augmented image: does it land among real images of ``classes[i]``? Its
        nearest real training image is near (see :meth:`fit_neighbours`) and one of its
        five nearest is of that class."""
        d, j = self.neighbours.kneighbors(_flatten(X_aug))
        labels = self.y_idx[self.train_all][j]
        return (d[:, 0] <= self.near) & (labels == np.asarray(classes)[:, None]).any(1)


def noise_floor_perturbations(root: Compose | None = None) -> dict[str, Compose]:
    """The label-preserving perturbations that measure an oracle's noise floor, each a
    one-step pipeline with ``root``'s box settings: an identity pass through the pipeline
    machinery, Gaussian noise of 1-2 grey levels (``std`` 1/255 to 2/255 of full range) and
    a shift of up to half a pixel in x and y."""
    root = root or Compose([])
    return {
        "identity pass": _one_step(root, None),
        "noise of 1-2 grey levels": _one_step(root, GaussianNoise(std=(1 / 255, 2 / 255))),
        "sub-pixel shift (<= 0.5 px)": _one_step(root, Affine(translate_px=0.5)),
    }


def _run(
    pipe: Compose, ctx: _Context, idx: np.ndarray, tag: str = "audit"
) -> tuple[np.ndarray, list[tuple]]:
    """Augmented images for items ``idx`` (resized back to the input size if needed); item
    ``i`` is seeded by ``(seed, tag, i)``."""
    import cv2

    h, w = ctx.X.shape[1:3]
    images, box_stats = [], []
    for i in idx:
        key = (ctx.seed, tag, int(i))
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


def _predict(oracle: Any, X: np.ndarray) -> np.ndarray:
    return np.asarray(oracle.predict_proba(X)).argmax(1)


@dataclass
class _Oracle:
    """A fitted oracle with its clean predictions on the audited items and its noise floor."""

    model: Any
    val_pred: np.ndarray
    floor: NoiseFloor

    def correct(self, y_val: np.ndarray) -> np.ndarray:
        return self.val_pred == y_val

    def test(
        self, pred: np.ndarray, y_val: np.ndarray, th: AuditThresholds
    ) -> tuple[FlipTest, np.ndarray, np.ndarray]:
        """Flip test of augmented predictions ``pred`` against the floor, the flip matrix
        and the correct items per class."""
        ok = self.correct(y_val)
        k = int(max(y_val.max(), pred.max(), self.val_pred.max())) + 1
        counts = np.zeros((k, k), np.int64)
        np.add.at(counts, (y_val[ok], pred[ok]), 1)
        flips = int(np.sum(pred[ok] != y_val[ok]))
        test = excess_flip_test(
            flips,
            int(ok.sum()),
            self.floor.count,
            self.floor.n_trials,
            th.margin,
            th.alpha,
        )
        return test, counts, counts.sum(1)


def _fit_oracle(model: Any, X: np.ndarray, y: np.ndarray, ctx: _Context, root: Compose) -> _Oracle:
    """Fit (unless ``X`` is None: already fitted), predict the audited items and measure the
    noise floor."""
    if X is not None:
        model.fit(X, y)
    y_val = ctx.y_idx[ctx.val]
    val_pred = _predict(model, ctx.X[ctx.val])
    ok = val_pred == y_val
    rates, n_flipped = {}, {}
    for name, pipe in noise_floor_perturbations(root).items():
        X_null, _ = _run(pipe, ctx, ctx.val, tag=f"audit-floor-{name}")
        flips = int(np.sum(_predict(model, X_null)[ok] != y_val[ok]))
        rates[name] = flips / max(int(ok.sum()), 1)
        n_flipped[name] = flips
    return _Oracle(model, val_pred, NoiseFloor(rates, n_flipped, int(ok.sum())))


def _measure(
    pipe: Compose,
    ctx: _Context,
    oracle: _Oracle,
    clean: dict[str, Any],
    magnitude: float,
    params: dict[str, Any],
    th: AuditThresholds,
    classes: list[int],
) -> tuple[MagnitudeAudit, np.ndarray]:
    """The clean oracle's measures at one magnitude, and the augmented held-out images."""
    X_aug, box_stats = _run(pipe, ctx, ctx.val)
    pred = _predict(oracle.model, X_aug)
    y_val = ctx.y_idx[ctx.val]
    ok = oracle.correct(y_val)
    test, counts, class_correct = oracle.test(pred, y_val, th)
    accuracy = float(np.mean(pred == y_val))
    X_tr, _ = _run(pipe, ctx, ctx.train)
    train_loss = _cross_entropy(np.asarray(oracle.model.predict_proba(X_tr)), ctx.y_idx[ctx.train])
    m = MagnitudeAudit(
        magnitude=float(magnitude),
        params=params,
        n_items=len(ctx.val),
        n_correct_clean=int(ok.sum()),
        flip_rate=test.rate,
        flip_counts=counts,
        class_correct=class_correct,
        accuracy=accuracy,
        affinity=accuracy / max(clean["accuracy"], 1e-12),
        diversity=train_loss / max(clean["train_loss"], 1e-12),
        train_loss=train_loss,
        test=test,
    )
    if box_stats:
        n_in, n_kept, vis = (sum(s[j] for s in box_stats) for j in range(3))
        m.box_survival = n_kept / max(n_in, 1)
        m.box_visibility = vis / n_kept if n_kept else 0.0
    on = ok & (pred != y_val) & ctx.landed_on(X_aug, pred)
    m.landed_counts = np.zeros_like(counts)
    np.add.at(m.landed_counts, (y_val[on], pred[on]), 1)
    flipped = np.flatnonzero(ok & (pred != y_val))
    m.flipped = [
        {"index": int(ctx.val[j]), "true": classes[y_val[j]], "predicted": classes[pred[j]]}
        for j in flipped[:_N_EXAMPLES]
    ]
    return m, X_aug


def _clone(model: Any) -> Any | None:
    """An unfitted copy with the same settings, or None when the object cannot be cloned."""
    from sklearn.base import clone

    try:
        return clone(model)
    except (TypeError, ValueError, RuntimeError):
        return None


def _retrain(
    row: TransformAudit,
    pipes: dict[float, Compose],
    augmented: dict[float, np.ndarray],
    oracle: _Oracle,
    ctx: _Context,
    root: Compose,
    th: AuditThresholds,
) -> None:
    """Train an oracle with the transform (at the largest audited magnitude) and repeat the
    flip test with it wherever the clean oracle's flips exceeded its floor."""
    failing = [m for m in row.magnitudes if m.test is not None and m.test.significant]
    if not failing:
        return
    model = _clone(oracle.model)
    if model is None:
        return
    top = max(pipes)
    tr = ctx.train_all
    X_aug_tr, _ = _run(pipes[top], ctx, tr, tag="audit-train")
    X_fit = np.concatenate([ctx.X[tr], X_aug_tr])
    y_fit = np.concatenate([ctx.y_idx[tr], ctx.y_idx[tr]])
    retrained = _fit_oracle(model, X_fit, y_fit, ctx, root)
    row.retrained_floor = retrained.floor
    row.retrained_magnitude = top
    y_val = ctx.y_idx[ctx.val]
    for m in failing:
        pred = _predict(retrained.model, augmented[m.magnitude])
        m.retrained_test, m.retrained_flip_counts, m.retrained_class_correct = retrained.test(
            pred, y_val, th
        )
        m.retrained_accuracy = float(np.mean(pred == y_val))


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


def _check_inputs(
    X: Any,
    y: Any,
    boxes: Any,
    magnitudes: Any,
    val_fraction: float,
    bands: Sequence[int] | None = None,
) -> tuple:
    X = np.asarray(X)
    if X.ndim not in (3, 4):
        raise InvalidInputError(f"X: expected images (N, H, W) or (N, H, W, C), got {X.shape}")
    X = image_set(X, bands)  # the declared bands; uint16 as fractions of 65535
    if X.dtype == np.uint8:
        X = X.astype(np.float32) / 255.0
    elif X.dtype.kind != "f":
        raise InvalidInputError(
            f"X: expected float32 in [0, 1], uint8 or uint16, got dtype {X.dtype}"
        )
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
    retrain: bool = True,
    include_pipeline: bool = True,
    thresholds: AuditThresholds | None = None,
    class_names: Mapping[int, str] | Sequence[str] | None = None,
    bands: Sequence[int] | None = None,
) -> AuditResult:
    """Audit every transform of a pipeline: safe, distribution shift, or label change.

    See the module docstring for what is measured and how it is judged.

    Parameters
    ----------
    pipeline_or_transforms : Compose, Transform or list of transforms
        The pipeline; each leaf is audited alone, and the whole as configured.
    X : array (N, H, W) or (N, H, W, C)
        Real images, float32 in [0, 1], uint8 or uint16 (as fractions of 65535), with any
        number of bands.
    y : array (N,)
        Integer class ids.
    oracle : {"cnn", "svc"} or classifier, optional
        ``"cnn"`` (default, :class:`synthaug.nn.CNNClassifier`), ``"svc"`` (RBF SVC on
        pixels, faster) or an object with ``fit``/``predict_proba`` that
        ``sklearn.base.clone`` can copy (the retrained oracle is a clone).
    magnitudes : sequence of float
        Strengths to audit (0 neutral, 1 as configured; 1 is always added). Transforms with
        no strength parameter run at 1 only.
    seed : int
        Seeds the split, the oracles and every item's augmentation.
    callback : callable, optional
        Progress: ``{"event": "oracle"}``, ``{"event": "oracle_fitted", "clean_accuracy",
        "floor"}``, ``{"event": "step", "done", "total", "transform", "magnitude"}`` per step
        and ``{"event": "retrain", "transform"}`` before a retrained oracle is fitted.
    boxes : sequence of (k, 4) arrays, optional
        Boxes per image in ``xyxy`` pixels; enables box survival and visible fraction.
    val_fraction : float
        Held-out share of ``X``; no oracle ever trains on it.
    max_items : int
        At most this many held-out (and training) items are augmented per step.
    refit : bool
        ``False`` uses a given oracle as already fitted (it must not have seen ``X``).
    retrain : bool
        Train a second oracle with each transform whose flips exceed the noise floor (the
        test that tells label changes from distribution shift). ``False`` is faster and
        flags every excess as a possible label change.
    include_pipeline : bool
        Also audit the whole pipeline with its probabilities, as training would run it
        (when it differs from its only leaf; an empty pipeline is audited as a whole).
    thresholds : AuditThresholds, optional
        Test margin and level, class-flip and box thresholds.
    class_names : mapping or sequence of str, optional
        A name per class id (``{id: name}``, or a sequence indexed by id) for the flags,
        the page and ``audit.json``; by default the ids themselves ("swaps 6 and 9").
    bands : sequence of int, optional
        0-based band indices the audit reads (oracle, neighbours, examples); None reads all.
        The images are cut to those bands before augmenting: per-band transforms treat each
        band alike, so the selected bands change as they would in the full image (a
        channel-mixing transform such as ChannelShuffle sees only the selected bands, and an
        RGB colour transform needs exactly 3).

    Returns
    -------
    AuditResult
    """
    th = thresholds or AuditThresholds()
    X, y, mags = _check_inputs(X, y, boxes, magnitudes, val_fraction, bands)
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
    ctx = _Context(X, y_idx, seed, val_a, train_a, train, boxes, k)
    ctx.fit_neighbours()
    clean_oracle = _fit_oracle(
        oracle, X[train] if refit else None, y_idx[train] if refit else None, ctx, root
    )
    val_pred = clean_oracle.val_pred
    clean = {
        "accuracy": float(np.mean(val_pred == y_idx[val_a])),
        "train_loss": _cross_entropy(np.asarray(oracle.predict_proba(X[train_a])), y_idx[train_a]),
    }
    floor = clean_oracle.floor
    if callback:
        callback(
            {"event": "oracle_fitted", "clean_accuracy": clean["accuracy"], "floor": floor.rate}
        )
    warnings = []
    if clean["accuracy"] < 0.9:
        warnings.append(
            f"the oracle is weak ({100 * clean['accuracy']:.1f}% clean accuracy on held-out "
            f"items; noise floor {100 * floor.rate:.1f}%): the tests are against that floor, so "
            "small label changes can go unseen"
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
        augmented: dict[float, np.ndarray] = {}
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
                measured, augmented[m] = _measure(
                    pipe, ctx, clean_oracle, clean, m, params, th, classes
                )
            except InvalidInputError as exc:
                row.error = str(exc)
                continue
            row.magnitudes.append(measured)
            pipes[m] = pipe
        if retrain and not row.error and pipes:
            if callback and any(m.test and m.test.significant for m in row.magnitudes):
                callback({"event": "retrain", "transform": row.name})
            _retrain(row, pipes, augmented, clean_oracle, ctx, root, th)
        for m in row.magnitudes:
            judge_magnitude(m, th, names)
        summarise(row, th)
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
        thresholds=th,
        floor=floor,
        warnings=warnings,
    )
