"""A small CNN for small images, and a scikit-learn style classifier around it.

``SmallCNN`` is the backbone shared by the experiment runner, the feature extractor of the
quality metrics and the domain-adaptation methods: ``features`` (input standardisation, conv
blocks with batch norm, global average pooling to an ``embed_dim`` vector) and ``head`` (one
linear layer).

Architecture for an ``H x W x C`` input (``w`` = ``width``, ``s = min(H, W)``)::

    stem     [conv3x3(C -> w) BN ReLU] (maxpool 2 if s > 16) [conv3x3(w -> w) BN ReLU]
    stage k  maxpool 2, [conv3x3(c -> 2c) BN ReLU] [conv3x3(2c -> 2c) BN ReLU]
             repeated while the side is >= 8 before pooling (at most 3 stages)
    global average pool -> dropout(0.2)        = ``features`` (``embed_dim`` = 2w, 4w or 8w)
    linear(embed_dim -> n_classes)             = ``head``

So 8x8 digits get one stage (8 -> 4 px, ``embed_dim`` 2w); 25x25 to 31x31 images are pooled
in the stem (28 -> 14) and get one stage (-> 7 px, 2w); 32x32 get two (16 -> 8 -> 4, 4w) and
64x64 three (8w). Pooling early above 16 px keeps a step at 28x28 a few times the cost of one
at 8x8; at ``width=32`` the 8x8 to 31x31 network has about 66k parameters.
The first module of ``features`` standardises the input with the training set's per-channel
mean and standard deviation (buffers, set by :class:`CNNClassifier`; 0 and 1 by default).
All batch-norm layers sit in ``features``, so AdaBN-style adaptation can re-estimate them.

Training budget (:func:`training_steps`): optimiser steps, not epochs, so tiny sets are not
starved: ``clip(30 epochs, 300, 2000)`` steps with batches of ``min(batch_size, N)``. With
enough labels (every class >= 10 examples) 15% of the training set, stratified, is held out for
early stopping (best validation accuracy, then loss, restored at the end); the held-out
indices are kept in ``validation_index_`` so callers can check they never include test data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from torch import nn

from synthaug.errors import ConfigError, InvalidInputError
from synthaug.seeding import item_seed

__all__ = ["CNNClassifier", "SmallCNN", "to_nchw", "training_steps", "validation_split"]

#: budget rule: equivalent epochs, floor and ceiling of optimiser steps (see training_steps)
BUDGET_EPOCHS, MIN_STEPS, MAX_STEPS = 30, 300, 2000
#: early stopping needs this many examples in every class (else the whole set trains)
MIN_PER_CLASS_FOR_VALIDATION = 10
VALIDATION_FRACTION = 0.15


def to_nchw(X: np.ndarray) -> np.ndarray:
    """Image set ``(N, H, W)`` or ``(N, H, W, C)`` (float32 [0, 1] or uint8) to float32 NCHW."""
    X = np.asarray(X)
    if X.ndim not in (3, 4):
        raise InvalidInputError(
            f"X: expected an image set (N, H, W) or (N, H, W, C), got shape {X.shape}"
        )
    if X.dtype == np.uint8:
        X = X.astype(np.float32) / 255.0
    elif X.dtype.kind != "f":
        raise InvalidInputError(f"X: expected float32 in [0, 1] or uint8, got dtype {X.dtype}")
    X = X.astype(np.float32, copy=False)
    return np.ascontiguousarray(X[:, None] if X.ndim == 3 else X.transpose(0, 3, 1, 2))


def training_steps(
    n: int, batch_size: int = 64, epochs: int | None = None, min_steps: int = MIN_STEPS
) -> int:
    """Optimiser steps for ``n`` training images (the budget rule).

    ``epochs=None``: ``clip(ceil(30 * n / b), min_steps, 2000)`` with ``b = min(batch_size,
    n)``; 10 images get 300 full-batch steps, 500 images 300 steps, 5,000 images 2,000.
    ``epochs`` given: ``max(min_steps, epochs * ceil(n / b))`` (no ceiling).

    >>> training_steps(10), training_steps(500), training_steps(5000), training_steps(50, epochs=30)
    (300, 300, 2000, 300)
    """
    b = max(1, min(batch_size, n))
    if epochs is None:
        return int(np.clip(-(-BUDGET_EPOCHS * n // b), min_steps, max(min_steps, MAX_STEPS)))
    return int(max(min_steps, epochs * -(-n // b)))


def validation_split(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified (train, validation) indices into ``y`` for early stopping.

    Returns an empty validation part unless every class has at least 10 examples; then
    ``ceil(15%)`` of each class (at least 1) is held out. ``y``: class ids (N,) or soft labels
    (N, K), stratified on their arg-max. Deterministic in ``seed``.
    """
    y = np.asarray(y)
    hard = y.argmax(1) if y.ndim == 2 else y
    idx = np.arange(len(hard))
    classes, counts = np.unique(hard, return_counts=True)
    if len(classes) < 2 or counts.min() < MIN_PER_CLASS_FOR_VALIDATION:
        return idx, idx[:0]
    rng = np.random.default_rng(item_seed("cnn-validation", int(seed)))
    val = [
        rng.permutation(idx[hard == c])[: max(1, int(np.ceil(VALIDATION_FRACTION * k)))]
        for c, k in zip(classes, counts, strict=True)
    ]
    v = np.sort(np.concatenate(val))
    return np.setdiff1d(idx, v), v


class _Standardise(nn.Module):
    """``(x - mean) / std`` per channel; the statistics are buffers saved with the weights."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(1, channels, 1, 1))
        self.register_buffer("std", torch.ones(1, channels, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class SmallCNN(nn.Module):
    """Conv feature extractor + linear head for 8x8 to 64x64 images (see module docstring)."""

    def __init__(
        self,
        in_channels: int,
        n_classes: int,
        image_size: tuple[int, int] = (8, 8),
        width: int = 32,
    ) -> None:
        super().__init__()

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [
                nn.Conv2d(cin, cout, 3, 1, 1, bias=False),
                nn.BatchNorm2d(cout),
                nn.ReLU(inplace=True),
            ]

        side = min(image_size)
        self.standardise = _Standardise(in_channels)
        layers: list[nn.Module] = [self.standardise, *block(in_channels, width)]
        if side > 16:  # pool early: the full-resolution convs dominate the cost
            layers.append(nn.MaxPool2d(2))
            side //= 2
        layers += block(width, width)
        ch, stages = width, 0
        while side >= 8 and stages < 3:
            layers += [nn.MaxPool2d(2), *block(ch, ch * 2), *block(ch * 2, ch * 2)]
            ch, side, stages = ch * 2, side // 2, stages + 1
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2)]
        self.features = nn.Sequential(*layers)
        self.embed_dim = ch
        self.head = nn.Linear(ch, n_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Feature vectors (N, embed_dim)."""
        return self.features(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (N, n_classes)."""
        return self.head(self.features(x))


class CNNClassifier(ClassifierMixin, BaseEstimator):
    """scikit-learn style classifier training a :class:`SmallCNN` with AdamW.

    Parameters
    ----------
    epochs : passes over the data, or ``None`` (default) for the budget rule of
        :func:`training_steps` (steps chosen from the data: 300 to 2,000).
    batch_size, lr, weight_decay : AdamW with a one-cycle (warm-up, cosine decay) schedule;
        batches hold ``min(batch_size, N)`` images.
    width : channels of the first block.
    min_steps : floor on the optimiser steps whatever ``epochs`` says (tiny sets need many
        passes); 0 disables it.
    early_stopping : hold out 15% of each class (when every class has >= 10 examples) and keep
        the weights with the best validation accuracy; the held-out indices are in
        ``validation_index_``, the chosen step in ``best_step_``.
    n_classes : number of outputs; ``None`` infers ``max(y) + 1`` (give it when a few-shot
        training set may miss classes).
    seed : int; initialisation, the validation split and shuffling come from it, so the same
        seed on the same machine gives the same predictions.
    callback : called with ``{"step", "n_steps", "loss"}`` (and ``"val_accuracy"`` when
        validating) every few steps.

    ``fit(X, y)`` accepts integer labels ``(N,)`` or soft labels ``(N, K)`` (MixUp, CutMix).
    It is a scikit-learn estimator (``get_params``, ``clone``, ``cross_val_score`` work) that
    takes image sets, not flattened rows.

    Examples
    --------
    >>> from synthaug.data import load_dataset
    >>> X, y = load_dataset("digits")
    >>> clf = CNNClassifier(epochs=3, min_steps=0, seed=0).fit(X[:500], y[:500])
    >>> clf.predict(X[500:505]).shape
    (5,)
    """

    def __init__(
        self,
        epochs: int | None = None,
        batch_size: int = 64,
        lr: float = 3e-3,
        weight_decay: float = 5e-4,
        width: int = 32,
        min_steps: int = MIN_STEPS,
        early_stopping: bool = True,
        n_classes: int | None = None,
        seed: int = 0,
        device: str = "cpu",
        callback: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.width = width
        self.min_steps = min_steps
        self.early_stopping = early_stopping
        self.n_classes = n_classes
        self.seed = seed
        self.device = device
        self.callback = callback

    def _targets(self, y: np.ndarray, n: int) -> tuple[torch.Tensor, int]:
        y = np.asarray(y)
        if len(y) != n:
            raise InvalidInputError(f"y: {len(y)} labels for {n} images")
        if y.ndim == 2:
            k = self.n_classes or y.shape[1]
            if y.shape[1] != k:
                raise InvalidInputError(
                    f"y: soft labels have {y.shape[1]} columns, n_classes is {k}"
                )
            if not np.isfinite(y).all() or (y < 0).any():
                raise InvalidInputError("y: soft labels must be finite and non-negative")
            return torch.from_numpy(y.astype(np.float32)), k
        if y.ndim != 1 or y.dtype.kind not in "iu":
            raise InvalidInputError(
                f"y: expected integer class ids (N,) or soft labels (N, K), got {y.dtype} {y.shape}"
            )
        if y.min() < 0:
            raise InvalidInputError("y: class ids must be >= 0")
        k = self.n_classes or int(y.max()) + 1
        if y.max() >= k:
            raise InvalidInputError(f"y: class id {int(y.max())} >= n_classes {k}")
        return torch.from_numpy(np.eye(k, dtype=np.float32)[y]), k

    def _check_params(self) -> None:
        for name in ("batch_size", "width") + (() if self.epochs is None else ("epochs",)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
                raise ConfigError(f"CNNClassifier.{name}: expected a positive integer, got {v!r}")
        m = self.min_steps
        if isinstance(m, bool) or not isinstance(m, int | np.integer) or m < 0:
            raise ConfigError(f"CNNClassifier.min_steps: expected an integer >= 0, got {m!r}")
        for name in ("lr", "weight_decay"):
            v = getattr(self, name)
            if (
                not isinstance(v, int | float)
                or not np.isfinite(v)
                or v < 0
                or (name == "lr" and v == 0)
            ):
                raise ConfigError(f"CNNClassifier.{name}: expected a positive number, got {v!r}")
        if self.n_classes is not None and (
            not isinstance(self.n_classes, int) or self.n_classes < 1
        ):
            raise ConfigError(
                f"CNNClassifier.n_classes: expected a positive integer or None, got {self.n_classes!r}"
            )

    @staticmethod
    def _weights(sample_weight: np.ndarray, n: int) -> torch.Tensor:
        w = np.asarray(sample_weight, dtype=np.float32)
        if w.shape != (n,):
            raise InvalidInputError(f"sample_weight: expected shape ({n},), got {w.shape}")
        if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise InvalidInputError(
                "sample_weight: expected finite non-negative weights with a positive sum"
            )
        return torch.from_numpy(w)

    def build(self, in_channels: int, image_size: tuple[int, int], n_classes: int) -> SmallCNN:
        """A freshly initialised network, seeded from ``seed``."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(item_seed("cnn-init", int(self.seed)) % 2**63)
            return SmallCNN(in_channels, n_classes, image_size, self.width).to(self.device)

    def fit(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> CNNClassifier:
        """Train from scratch on ``X`` and ``y``; returns ``self``.

        ``sample_weight`` (N,) non-negative weights each image's loss (weighted mean).
        """
        self._check_params()
        xs = to_nchw(X)
        if len(xs) == 0:
            raise InvalidInputError("X: no images to fit on")
        targets, k = self._targets(y, len(xs))
        w = None if sample_weight is None else self._weights(sample_weight, len(xs))
        self.classes_ = np.arange(k)
        self.image_shape_ = tuple(np.asarray(X).shape[1:])
        train, val = (
            validation_split(y, self.seed)
            if self.early_stopping
            else (np.arange(len(xs)), np.arange(0))
        )
        if w is not None and len(val) and min(float(w[train].sum()), float(w[val].sum())) <= 0:
            # both parts must carry weight
            train, val = np.arange(len(xs)), np.arange(0)
        self.validation_index_ = val
        self.model_ = self.build(xs.shape[1], xs.shape[2:], k)
        x = torch.from_numpy(xs)
        mean = x[train].mean(dim=(0, 2, 3), keepdim=True)
        std = x[train].std(dim=(0, 2, 3), keepdim=True) if len(train) > 1 else torch.ones_like(mean)
        self.model_.standardise.mean.copy_(mean)
        self.model_.standardise.std.copy_(std.clamp_min(1e-3))
        self.n_steps_ = training_steps(len(train), self.batch_size, self.epochs, self.min_steps)
        tt = torch.from_numpy(np.asarray(train))
        self.best_step_ = self.train_loop(
            self.model_,
            x[tt],
            targets[tt],
            None if w is None else w[tt],
            validation=self._validation_set(x, targets, w, val),
        )
        return self

    @staticmethod
    def _validation_set(
        x: torch.Tensor, t: torch.Tensor, w: torch.Tensor | None, val: np.ndarray
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None:
        if not len(val):
            return None
        v = torch.from_numpy(val)
        return x[v], t[v], (torch.ones(len(v)) if w is None else w[v])

    def train_loop(
        self,
        model: nn.Module,
        x: torch.Tensor,
        t: torch.Tensor,
        w: torch.Tensor | None = None,
        validation: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
    ) -> int:
        """Mini-batch AdamW (one-cycle schedule) on soft-target cross-entropy.

        Runs ``n_steps_`` steps; with ``validation`` (images, soft targets, weights) it evaluates every
        ``n_steps_ // 20`` steps and restores the best weights (validation accuracy, then
        loss). Returns the step of the weights kept.
        """
        gen = torch.Generator().manual_seed(item_seed("cnn-shuffle", int(self.seed)) % 2**63)
        opt = torch.optim.AdamW(model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        n, steps = len(x), self.n_steps_
        b = max(1, min(self.batch_size, n))
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=self.lr, total_steps=steps, pct_start=0.15
        )
        every = max(10, steps // 20)
        best: tuple[float, float] = (-1.0, 0.0)  # (accuracy, -loss)
        best_state, best_step = None, steps
        order, pos, running = torch.randperm(n, generator=gen), 0, 0.0
        model.train()
        with torch.random.fork_rng(devices=[]):  # dropout draws from the global stream: fork it
            torch.manual_seed(item_seed("cnn-dropout", int(self.seed)) % 2**63)
            for step in range(1, steps + 1):
                if pos + b > n:
                    order, pos = torch.randperm(n, generator=gen), 0
                idx = order[pos : pos + b]
                pos += b
                if len(idx) < 2 and n >= 2:
                    continue  # batch norm needs two items
                logits = model(x[idx].to(self.device))
                loss_i = -(t[idx].to(self.device) * torch.log_softmax(logits, 1)).sum(1)
                loss = (
                    (loss_i * w[idx]).sum() / w[idx].sum().clamp_min(1e-12)
                    if w is not None
                    else loss_i.mean()
                )
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                if sched.last_epoch < steps - 1:
                    sched.step()
                lv = float(loss.detach())
                running = 0.9 * running + 0.1 * lv if step > 1 else lv
                if step % every and step != steps:
                    continue
                event: dict[str, Any] = {"step": step, "n_steps": steps, "loss": running}
                if validation is not None:
                    score = self._validate(model, *validation)
                    event["val_accuracy"] = score[0]
                    if score > best:
                        best, best_step = score, step
                        best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                    model.train()
                if self.callback is not None:
                    self.callback(event)
        if best_state is not None:
            model.load_state_dict(best_state)
        model.eval()
        return best_step

    @torch.no_grad()
    def _validate(
        self, model: nn.Module, xv: torch.Tensor, tv: torch.Tensor, wv: torch.Tensor
    ) -> tuple[float, float]:
        """Weighted (accuracy, -cross-entropy) on the held-out images."""
        model.eval()
        logp = torch.log_softmax(model(xv.to(self.device)), 1).cpu()
        wn = wv / wv.sum().clamp_min(1e-12)
        acc = float(((logp.argmax(1) == tv.argmax(1)).float() * wn).sum())
        return acc, float(((tv * logp).sum(1) * wn).sum())

    def _check(self) -> None:
        if not hasattr(self, "model_"):
            raise InvalidInputError("CNNClassifier is not fitted: call fit(X, y) first")

    @torch.no_grad()
    def _batched(self, X: np.ndarray, fn: Callable[[torch.Tensor], torch.Tensor]) -> np.ndarray:
        self._check()
        xs = torch.from_numpy(to_nchw(X))
        if tuple(xs.shape[1:]) != self._input_shape():
            raise InvalidInputError(
                f"X: images of shape {tuple(np.asarray(X).shape[1:])}, the model was fitted on "
                f"{tuple(self.image_shape_)}"
            )
        self.model_.eval()
        outs = [fn(xs[i : i + 1024].to(self.device)).cpu() for i in range(0, len(xs), 1024)]
        if not outs:  # no images: an empty batch still has the output width
            outs = [fn(torch.zeros((1, *xs.shape[1:]), device=self.device)).cpu()[:0]]
        return torch.cat(outs).numpy()

    def _input_shape(self) -> tuple[int, int, int]:
        shape = tuple(self.image_shape_)
        return (1, *shape) if len(shape) == 2 else (shape[2], shape[0], shape[1])

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities (N, n_classes)."""
        return self._batched(X, lambda x: torch.softmax(self.model_(x), 1))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted class ids (N,)."""
        return self.predict_proba(X).argmax(1)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Embeddings (N, embed_dim) from the trained feature extractor."""
        return self._batched(X, self.model_.embed)

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        """Accuracy on integer labels ``y``."""
        return float(np.mean(self.predict(X) == np.asarray(y)))
