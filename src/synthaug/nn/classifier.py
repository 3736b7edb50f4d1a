"""A small CNN for small images, and a scikit-learn style classifier around it.

``SmallCNN`` is the backbone shared by the experiment runner, the feature extractor of the
quality metrics and the domain-adaptation methods: ``features`` (conv blocks with batch norm,
then global average pooling to an ``embed_dim`` vector) and ``head`` (one linear layer).

Architecture for an ``H x W x C`` input (``w`` = ``width``, ``s = min(H, W)``)::

    stage 1  [conv3x3(C -> w) BN ReLU] [conv3x3(w -> w) BN ReLU]              at H x W
    stage 2  [conv3x3(w -> 2w, stride 2) BN ReLU] [conv3x3(2w -> 2w) BN ReLU]   at H/2, if s >= 8
    stage 3  [conv3x3(2w -> 4w, stride 2) BN ReLU] [conv3x3(4w -> 4w) BN ReLU]  at H/4, if s >= 32
    global average pool -> dropout(0.2)        = ``features`` (``embed_dim`` = w, 2w or 4w)
    linear(embed_dim -> n_classes)             = ``head``

So 8x8 to 31x31 inputs give a ``2w``-dimensional embedding and 32x32 to 64x64 inputs a
``4w``-dimensional one. At ``width=32``: about 66k parameters (8x8 to 31x31) or 289k (32x32 and
up); 30 epochs on 1,000 digits take about 4 s on one CPU thread (2.7 s at ``width=16``).
All batch-norm layers sit in ``features``, so AdaBN-style adaptation can re-estimate them.
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

__all__ = ["CNNClassifier", "SmallCNN", "to_nchw"]


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

        def block(cin: int, cout: int, stride: int = 1) -> list[nn.Module]:
            return [
                nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                nn.BatchNorm2d(cout),
                nn.ReLU(inplace=True),
            ]

        layers = block(in_channels, width) + block(width, width)
        ch, side = width, min(image_size)
        while side >= 8 and ch < 4 * width:
            layers += block(ch, ch * 2, stride=2) + block(ch * 2, ch * 2)
            ch, side = ch * 2, (side + 1) // 2
            if side < 16:
                break
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
    epochs, batch_size, lr, weight_decay : training schedule (cosine learning-rate decay).
    width : channels of the first block.
    n_classes : number of outputs; ``None`` infers ``max(y) + 1`` (give it when a few-shot
        training set may miss classes).
    seed : int; initialisation and shuffling use ``torch.Generator`` objects seeded from it,
        so the same seed on the same machine gives the same predictions.
    callback : called with ``{"epoch", "n_epochs", "loss"}`` after each epoch.

    ``fit(X, y)`` accepts integer labels ``(N,)`` or soft labels ``(N, K)`` (MixUp, CutMix).
    It is a scikit-learn estimator (``get_params``, ``clone``, ``cross_val_score`` work) that
    takes image sets, not flattened rows.

    Examples
    --------
    >>> from synthaug.data import load_dataset
    >>> X, y = load_dataset("digits")
    >>> clf = CNNClassifier(epochs=3, seed=0).fit(X[:500], y[:500])
    >>> clf.predict(X[500:505]).shape
    (5,)
    """

    def __init__(
        self,
        epochs: int = 30,
        batch_size: int = 64,
        lr: float = 3e-3,
        weight_decay: float = 1e-4,
        width: int = 32,
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
        for name in ("epochs", "batch_size", "width"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
                raise ConfigError(f"CNNClassifier.{name}: expected a positive integer, got {v!r}")
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
        self.model_ = self.build(xs.shape[1], xs.shape[2:], k)
        self.train_loop(self.model_, torch.from_numpy(xs), targets, w)
        return self

    def train_loop(
        self, model: nn.Module, x: torch.Tensor, t: torch.Tensor, w: torch.Tensor | None = None
    ) -> None:
        """Mini-batch AdamW with cosine decay on soft-target cross-entropy."""
        gen = torch.Generator().manual_seed(item_seed("cnn-shuffle", int(self.seed)) % 2**63)
        opt = torch.optim.AdamW(model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        n = len(x)
        steps = self.epochs * max(1, -(-n // self.batch_size))
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=self.lr, total_steps=steps, pct_start=0.15
        )
        model.train()
        with torch.random.fork_rng(devices=[]):  # dropout draws from the global stream: fork it
            torch.manual_seed(item_seed("cnn-dropout", int(self.seed)) % 2**63)
            for epoch in range(self.epochs):
                order = torch.randperm(n, generator=gen)
                total = 0.0
                for start in range(0, n, self.batch_size):
                    idx = order[start : start + self.batch_size]
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
                    total += float(loss.detach()) * len(idx)
                if self.callback is not None:
                    self.callback({"epoch": epoch + 1, "n_epochs": self.epochs, "loss": total / n})
        model.eval()

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
