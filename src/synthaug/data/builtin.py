"""Built-in datasets that ship offline with the dependencies.

Image sets in synthaug are numpy arrays ``X`` of shape ``(N, H, W)`` (grayscale) or
``(N, H, W, C)``, ``float32`` in ``[0, 1]``, with labels ``y`` as ``int64`` class ids.
"""

from __future__ import annotations

import numpy as np

from synthaug.errors import ConfigError

__all__ = ["BUILTIN_DATASETS", "load_dataset", "sample_photos"]

BUILTIN_DATASETS = ("digits",)


def load_dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Load a built-in dataset by name.

    ``"digits"``: scikit-learn's 1,797 real handwritten digits, ``X`` of shape (1797, 8, 8),
    float32 in [0, 1] (the original 0-16 counts divided by 16), ``y`` int64 in 0..9.

    Examples
    --------
    >>> X, y = load_dataset("digits")
    >>> X.shape, X.dtype, int(y.max())
    ((1797, 8, 8), dtype('float32'), 9)
    """
    if name == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        X = (d.images / 16.0).astype(np.float32)
        return X, d.target.astype(np.int64)
    raise ConfigError(
        f"unknown built-in dataset {name!r}; expected one of {list(BUILTIN_DATASETS)}"
    )


def sample_photos() -> list[tuple[str, np.ndarray]]:
    """Real RGB photos bundled with scikit-image and scikit-learn, as (name, uint8 HxWx3)."""
    import skimage.data as skd
    from sklearn.datasets import load_sample_images

    photos: list[tuple[str, np.ndarray]] = []
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        img = getattr(skd, name)()
        if img.ndim == 3 and img.shape[2] == 3:
            photos.append((name, np.ascontiguousarray(img)))
    s = load_sample_images()
    for fname, img in zip(s.filenames, s.images, strict=True):
        photos.append((fname.rsplit("/", 1)[-1].rsplit(".", 1)[0], np.ascontiguousarray(img)))
    return photos
