"""Shared pieces of the adaptation methods: configuration, backbone, batching, prediction.

Every method follows one contract: ``fit(source_X, source_y, target_X) -> self``, then
``predict(X)`` / ``predict_proba(X)``. The target's labels are never an input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from synthaug.errors import InvalidInputError
from synthaug.nn import CNNClassifier, SmallCNN, to_nchw
from synthaug.seeding import item_seed

__all__ = ["Adapter", "SourceOnly", "coral_loss"]


def coral_loss(fs: torch.Tensor, ft: torch.Tensor) -> torch.Tensor:
    """Deep CORAL (Sun & Saenko 2016, eq. 1): ``||C_s - C_t||_F^2 / (4 d^2)``."""
    d = fs.shape[1]

    def cov(f: torch.Tensor) -> torch.Tensor:
        f = f - f.mean(0, keepdim=True)
        return f.T @ f / max(1, len(f) - 1)

    return ((cov(fs) - cov(ft)) ** 2).sum() / (4 * d * d)


class Adapter:
    """Base class: stores parameters (scikit-learn style) and owns the backbone and batching.

    Parameters
    ----------
    steps : optimiser steps of the adaptation training.
    batch_size, lr, width : training settings (``width`` of :class:`SmallCNN`).
    n_classes : number of classes (``None``: ``max(source_y) + 1``).
    seed : initialisation, shuffling and dropout come from ``torch.Generator`` objects / a
        forked global stream seeded from it.
    backbone : optional callable ``(in_channels, n_classes, image_size) -> nn.Module`` with
        ``embed(x)`` and ``head``; default :class:`SmallCNN`.
    """

    def __init__(
        self,
        steps: int = 600,
        batch_size: int = 64,
        lr: float = 3e-3,
        width: int = 32,
        n_classes: int | None = None,
        seed: int = 0,
        backbone: Callable[..., nn.Module] | None = None,
    ) -> None:
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.width = width
        self.n_classes = n_classes
        self.seed = seed
        self.backbone = backbone

    # -- helpers for subclasses
    def _prepare(
        self, source_X, source_y, target_X
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        xs, xt = to_nchw(source_X), to_nchw(target_X)
        if xs.shape[1:] != xt.shape[1:]:
            raise InvalidInputError(
                f"source images are {xs.shape[1:]}, target images {xt.shape[1:]}: they must match"
            )
        ys = np.asarray(source_y)
        if ys.ndim != 1 or len(ys) != len(xs) or ys.dtype.kind not in "iu":
            raise InvalidInputError(
                f"source_y: expected {len(xs)} integer class ids, got {ys.dtype} {ys.shape}"
            )
        self.n_classes_ = int(self.n_classes or ys.max() + 1)
        self.classes_ = np.arange(self.n_classes_)
        self.image_shape_ = tuple(np.asarray(source_X).shape[1:])
        return torch.from_numpy(xs), torch.from_numpy(ys.astype(np.int64)), torch.from_numpy(xt)

    def _build(self, in_channels: int, image_size: tuple[int, int]) -> nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(item_seed("adapt-init", type(self).__name__, int(self.seed)) % 2**63)
            if self.backbone is not None:
                return self.backbone(in_channels, self.n_classes_, image_size)
            return SmallCNN(in_channels, self.n_classes_, image_size, self.width)

    def _generator(self, name: str) -> torch.Generator:
        return torch.Generator().manual_seed(item_seed("adapt", name, int(self.seed)) % 2**63)

    @staticmethod
    def _batch(n: int, size: int, gen: torch.Generator) -> torch.Tensor:
        return torch.randint(0, n, (min(size, max(2, n)),), generator=gen)

    def source_only_model(self, source_X, source_y) -> CNNClassifier:
        """A :class:`CNNClassifier` trained on the source with the same step budget."""
        n = len(source_X)
        epochs = max(1, -(-self.steps // max(1, -(-n // self.batch_size))))
        return CNNClassifier(
            epochs=epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            width=self.width,
            n_classes=self.n_classes_,
            seed=self.seed,
        ).fit(source_X, source_y)

    # -- the prediction half of the contract
    def _check(self) -> None:
        if not hasattr(self, "model_"):
            raise InvalidInputError(
                f"{type(self).__name__} is not fitted: call fit(source_X, source_y, target_X)"
            )

    @torch.no_grad()
    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities ``(N, n_classes)``."""
        self._check()
        self.model_.eval()
        x = torch.from_numpy(to_nchw(X))
        return torch.cat(
            [torch.softmax(self.model_(x[i : i + 1024]), 1) for i in range(0, len(x), 1024)]
        ).numpy()

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted class ids."""
        return self.predict_proba(X).argmax(1)

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        """Accuracy (for evaluation with labels you kept aside)."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    @torch.no_grad()
    def embed(self, X: np.ndarray) -> np.ndarray:
        """Backbone features ``(N, d)`` (for measuring the domain gap)."""
        self._check()
        self.model_.eval()
        return self.model_.embed(torch.from_numpy(to_nchw(X))).numpy()

    def get_params(self) -> dict[str, Any]:
        """Constructor parameters of the class and its bases."""
        import inspect

        names: list[str] = []
        for cls in type(self).__mro__:
            if "__init__" in cls.__dict__ and cls is not object:
                for k, p in inspect.signature(cls.__init__).parameters.items():
                    if (
                        k != "self"
                        and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
                        and k not in names
                    ):
                        names.append(k)
        return {k: getattr(self, k) for k in names}


class SourceOnly(Adapter):
    """The baseline: train on the source only and ignore the target (same budget as the others)."""

    def fit(self, source_X, source_y, target_X) -> SourceOnly:
        """Train on the source; ``target_X`` is only checked for a matching shape."""
        self._prepare(source_X, source_y, target_X)
        self.model_ = self.source_only_model(source_X, source_y).model_
        return self
