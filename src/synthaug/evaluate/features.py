"""Feature spaces for comparing sets of images (or rows of a table).

Fidelity metrics compare distributions in a feature space. Inception features are the usual
choice for photographs, but they are downloaded and meaningless for 8x8 digits; synthaug learns
its spaces from the *real* data:

* ``"cnn+pixels"`` (the default of :func:`~synthaug.evaluate.quality_report`): the embedding of
  a small CNN trained to classify the real images, concatenated with a pixel block: the real
  data's principal components plus the distance to their subspace (the PCA reconstruction
  error). Each block is centred on the real data and scaled so that its mean squared norm over
  the real images is 1, so both weigh the same.
* ``"cnn"``: the CNN embedding alone. A classifier's features keep what separates the classes
  and drop the rest, so images far from every real one (uniform noise) can land among real
  embeddings: on the 8x8 digits uniform noise scores a precision near 0.5 there. The pixel
  block sees them (noise is far from the real images' principal subspace), which is why the
  default concatenates it.
* ``"pca"``: the principal components of the real pixels; ``"pixels"``: the raw pixels.

Tables ``(N, D)`` always use their columns, standardised by the real data.

Images may be ``uint8``, ``uint16`` (read as fractions of 65535) or ``float32``, with any
number of bands; ``bands=`` (here, in :func:`~synthaug.evaluate.quality_report` and
:func:`~synthaug.evaluate.audit`) computes every feature on a declared subset of them
(:func:`image_set`), e.g. the 10 m bands of a Sentinel-2 tile.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from synthaug.errors import ConfigError, InvalidInputError

__all__ = ["SPACES", "SPACE_NAMES", "FeatureExtractor", "as_matrix", "image_set"]

SPACES = ("cnn+pixels", "cnn", "pixels", "pca")

#: what each space is, in words, for reports
SPACE_NAMES = {
    "cnn+pixels": "CNN features (a small CNN trained on the real images) concatenated with "
    "pixel principal components and the distance to them",
    "cnn": "CNN features (a small CNN trained on the real images)",
    "pca": "principal components of the real pixels",
    "pixels": "raw pixels",
}


def image_set(X: Any, bands: Sequence[int] | None = None, name: str = "X") -> np.ndarray:
    """An image set ``(N, H, W)`` or ``(N, H, W, C)`` ready for features: ``bands`` (0-based
    indices into the last axis, in the order given; None keeps every band) selected, and
    ``uint16`` turned into float32 fractions of 65535 (``uint8`` and floats as they are).

    Examples
    --------
    >>> X = np.zeros((2, 4, 4, 13), np.uint16)
    >>> image_set(X, bands=[3, 2, 1]).shape, image_set(X).dtype
    ((2, 4, 4, 3), dtype('float32'))
    """
    X = np.asarray(X)
    if bands is not None:
        if X.ndim not in (3, 4):
            raise InvalidInputError(
                f"{name}: bands= selects bands of images (N, H, W[, C]), got shape {X.shape}"
            )
        n = 1 if X.ndim == 3 else X.shape[3]
        chosen = [int(b) for b in bands]
        bad = [b for b in chosen if not 0 <= b < n]
        if not chosen or bad or len(set(chosen)) != len(chosen):
            raise InvalidInputError(
                f"{name}: bands={list(bands)}: expected distinct band indices in 0..{n - 1} "
                f"(0-based; the images have {n} band(s))"
            )
        X = X[..., None] if X.ndim == 3 else X
        X = np.ascontiguousarray(X[..., chosen])
    if X.dtype == np.uint16:
        X = X.astype(np.float32) / np.float32(65535.0)
    return X


def as_matrix(X: np.ndarray) -> np.ndarray:
    """Flatten an image set to ``(N, D)`` float32 (integers as fractions of full range);
    tables pass through."""
    X = np.asarray(X)
    if X.ndim < 2:
        raise InvalidInputError(f"X: expected (N, D) or an image set (N, H, W[, C]), got {X.shape}")
    if X.dtype == np.uint8:
        X = X.astype(np.float32) / 255.0
    elif X.dtype == np.uint16:
        X = X.astype(np.float32) / 65535.0
    return X.reshape(len(X), -1).astype(np.float32, copy=False)


class FeatureExtractor:
    """Embed sets in a space learned from real data only.

    Parameters
    ----------
    space : {"cnn+pixels", "cnn", "pixels", "pca"}
        ``cnn`` trains :class:`synthaug.nn.CNNClassifier` on ``fit``'s real images (labels
        needed) and embeds with its penultimate layer; ``pca`` keeps ``n_components``
        principal components of the real data; ``pixels`` flattens; ``cnn+pixels``
        concatenates the CNN embedding with the principal components and the distance to
        them, each block scaled to a mean squared norm of 1 on the real data (see the module
        docstring). Tables use ``pixels``.
    epochs, width, seed : CNN training settings.
    bands : sequence of int, optional
        0-based band indices: every feature is computed on those bands only (the same
        selection at ``fit`` and ``embed``); None uses all bands. ``uint16`` images count as
        fractions of 65535.

    Embeddings are cached by a hash of the array bytes, so metrics that embed the same set
    twice pay once.

    Examples
    --------
    >>> from synthaug.data import load_dataset
    >>> X, y = load_dataset("digits")
    >>> fx = FeatureExtractor(space="pca", n_components=10).fit(X, y)
    >>> fx.embed(X[:5]).shape
    (5, 10)
    """

    def __init__(
        self,
        space: str = "cnn+pixels",
        n_components: int = 32,
        epochs: int = 15,
        width: int = 16,
        seed: int = 0,
        bands: Sequence[int] | None = None,
    ) -> None:
        if space not in SPACES:
            raise ConfigError(
                f"FeatureExtractor.space: expected one of {list(SPACES)}, got {space!r}"
            )
        self.space = space
        self.n_components = n_components
        self.epochs = epochs
        self.width = width
        self.seed = seed
        self.bands = None if bands is None else [int(b) for b in bands]

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> FeatureExtractor:
        """Learn the space from real data ``X`` (and labels ``y`` for ``cnn``)."""
        X = np.asarray(X)
        if X.ndim > 2:
            X = image_set(X, self.bands)
        self._cache: dict[str, np.ndarray] = {}
        self.space_ = "pixels" if X.ndim == 2 else self.space
        flat = as_matrix(X)
        self.mean_ = flat.mean(0)
        self.scale_ = flat.std(0) + 1e-6
        if self.space_ in ("cnn", "cnn+pixels"):
            if y is None:
                raise InvalidInputError(
                    f"FeatureExtractor(space={self.space!r}).fit needs labels y; use space='pca'"
                )
            from synthaug.nn import CNNClassifier

            self.model_ = CNNClassifier(epochs=self.epochs, width=self.width, seed=self.seed).fit(
                X, y
            )
        if self.space_ in ("pca", "cnn+pixels"):
            from sklearn.decomposition import PCA

            k = min(self.n_components, flat.shape[1], len(flat))
            self.pca_ = PCA(n_components=k, random_state=self.seed).fit(flat)
        if self.space_ == "cnn+pixels":
            F = np.asarray(self.model_.transform(X), np.float64)
            self.cnn_mean_ = F.mean(0)
            self.cnn_scale_ = float(np.sqrt(F.var(0).sum())) + 1e-12
            self.pixel_scale_ = float(np.sqrt(flat.astype(np.float64).var(0).sum())) + 1e-12
        return self

    def _pixel_block(self, X: np.ndarray) -> np.ndarray:
        """Principal components and the distance to their subspace, over the real pixels'
        total standard deviation."""
        flat = as_matrix(X).astype(np.float64)
        coords = self.pca_.transform(flat)
        centred = flat - self.pca_.mean_
        residual = np.sqrt(
            np.clip((centred**2).sum(1) - (coords**2).sum(1), 0.0, None)
        )  # the components are orthonormal: what they do not explain
        return np.column_stack([coords, residual]) / self.pixel_scale_

    def embed(self, X: np.ndarray) -> np.ndarray:
        """Features ``(N, d)`` float64 of ``X`` (cached by content; ``bands`` selected)."""
        X = np.ascontiguousarray(image_set(X, self.bands) if np.ndim(X) > 2 else X)
        key = hashlib.sha256(str((X.shape, X.dtype.str)).encode() + X.tobytes()).hexdigest()
        if key not in self._cache:
            if self.space_ == "cnn+pixels":
                F = (np.asarray(self.model_.transform(X), np.float64) - self.cnn_mean_) / (
                    self.cnn_scale_
                )
                out = np.column_stack([F, self._pixel_block(X)])
            elif self.space_ == "cnn":
                out = self.model_.transform(X)
            elif self.space_ == "pca":
                out = self.pca_.transform(as_matrix(X))
            else:
                out = (as_matrix(X) - self.mean_) / self.scale_ if X.ndim == 2 else as_matrix(X)
            self._cache[key] = np.asarray(out, dtype=np.float64)
        return self._cache[key]
