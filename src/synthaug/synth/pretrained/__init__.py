"""Shipped generator weights and the fixed digits split they were trained on.

The learned generators shipped here (``digits-cvae``, ``digits-cgan``) were trained on the 70 %
part of a fixed stratified split of scikit-learn's 1,797 digits; the other 30 % is a real hold-out
they never saw, used for the quality figures in their model cards. An experiment that gives a
model only a few labelled examples per class must not use these weights (they saw ~126 per
class): check a config's ``n_labels_per_class`` / ``trained_on`` before using it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = [
    "DIGITS_SPLIT_SEED",
    "DIGITS_TEST_SIZE",
    "DIGITS_TRAINED_ON",
    "PRETRAINED",
    "digits_split",
    "digits_tstr",
    "pretrained_path",
]

DIGITS_SPLIT_SEED = 0
DIGITS_TEST_SIZE = 0.3
DIGITS_TRAINED_ON = "digits[70% split seed 0]"
_HERE = Path(__file__).resolve().parent
#: Shipped names -> weight file (the JSON config and model card ``.md`` sit beside it).
PRETRAINED = {
    "digits-cvae": _HERE / "digits-cvae.safetensors",
    "digits-cgan": _HERE / "digits-cgan.safetensors",
}


def digits_split(y: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, test)`` of the fixed split of the 1,797 built-in digits.

    ``train_test_split(np.arange(1797), test_size=0.3, stratify=y, random_state=0)``: 1,257
    training and 540 hold-out indices.

    Examples
    --------
    >>> train, test = digits_split()
    >>> len(train), len(test), len(set(train) & set(test))
    (1257, 540, 0)
    """
    from sklearn.model_selection import train_test_split

    if y is None:
        from synthaug.data import load_dataset

        _, y = load_dataset("digits")
    train, test = train_test_split(
        np.arange(len(y)), test_size=DIGITS_TEST_SIZE, stratify=y, random_state=DIGITS_SPLIT_SEED
    )
    return np.asarray(train), np.asarray(test)


def pretrained_path(name: str) -> Path | None:
    """The weight file of a shipped generator, or ``None`` if ``name`` is not a shipped name."""
    return PRETRAINED.get(name)


def digits_tstr(generator: object, n_samples: int = 1000, seed: int = 0) -> dict[str, float]:
    """Train-synthetic-test-real on the fixed digits split, as reported in the model cards.

    Draws ``n_samples`` class-balanced images from ``generator`` (anything with the generator
    ``sample`` method), fits scikit-learn's ``SVC()`` (RBF kernel, default C=1, gamma="scale")
    on them and returns its accuracy on the 540 real hold-out digits (``"holdout"``) and on
    all 1,797 real digits (``"all"``), together with the real-trained baseline
    (``"train_real_holdout"``: the same SVC fitted on the 1,257 real training digits).
    """
    from sklearn.svm import SVC

    from synthaug.data import load_dataset

    X, y = load_dataset("digits")
    train, test = digits_split(y)
    Xs, ys = generator.sample(n_samples, seed=seed)  # type: ignore[attr-defined]
    flat = X.reshape(len(X), -1)
    clf = SVC().fit(Xs.reshape(len(Xs), -1), ys)
    real = SVC().fit(flat[train], y[train])
    return {
        "holdout": float(clf.score(flat[test], y[test])),
        "all": float(clf.score(flat, y)),
        "train_real_holdout": float(real.score(flat[test], y[test])),
    }
