"""Labelled image arrays from a built-in name, an ``.npz`` file or a class-per-subfolder folder.

Everything comes back in synthaug's convention: ``X`` float32 in [0, 1] of shape (N, H, W) or
(N, H, W, C) and ``y`` int64 class ids. For a folder, class ids follow the sorted subfolder names
and the names are returned as well.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from synthaug.data.builtin import BUILTIN_DATASETS, load_dataset
from synthaug.errors import DataError, InvalidInputError

__all__ = ["IMAGE_SUFFIXES", "class_names_of", "load_arrays", "load_image_folder"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def load_arrays(source: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """Load ``(X, y)`` from a built-in dataset name, an ``.npz`` or an image folder.

    Parameters
    ----------
    source : str or path
        ``"digits"`` (a built-in name); a ``.npz`` holding arrays ``X`` and ``y``; or a folder
        with one subfolder per class (``root/<class>/<image>.png``).

    Examples
    --------
    >>> X, y = load_arrays("digits")
    >>> X.shape, y.dtype
    ((1797, 8, 8), dtype('int64'))
    """
    if str(source) in BUILTIN_DATASETS:
        return load_dataset(str(source))
    path = Path(source)
    if path.is_dir():
        X, y, _ = load_image_folder(path)
        return X, y
    if path.suffix == ".npz" and path.is_file():
        return _load_npz(path)
    raise DataError(
        f"{path}: not a built-in dataset {list(BUILTIN_DATASETS)}, an .npz file or a folder"
    )


def _load_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in ("X", "y") if k not in f.files]
            if missing:
                raise DataError(f"{path}: missing arrays {missing}; found {f.files}")
            X, y = f["X"], f["y"]
    except ValueError as exc:  # object arrays need pickle, which we refuse
        raise DataError(f"{path}: cannot read without pickle: {exc}") from exc
    if X.ndim not in (3, 4) or len(X) != len(y) or y.ndim != 1:
        raise InvalidInputError(
            f"{path}: expected X (N, H, W[, C]) and y (N,), got {X.shape} and {y.shape}"
        )
    if y.dtype.kind not in "iu":
        raise InvalidInputError(f"{path}: y must hold integer class ids, got dtype {y.dtype}")
    if X.dtype == np.uint8:
        X = X.astype(np.float32) / 255.0
    return np.ascontiguousarray(X, dtype=np.float32), y.astype(np.int64)


def load_image_folder(root: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Read ``root/<class>/<image>`` into ``(X, y, class_names)``.

    All images must share one size; grayscale images give (N, H, W), colour ones (N, H, W, 3).
    A class folder named by an integer keeps that integer as its id, otherwise ids follow the
    sorted folder names.
    """
    import cv2

    root = Path(root)
    folders = _class_folders(root)
    classes = [name for _, name in folders]
    images: list[np.ndarray] = []
    labels: list[int] = []
    for class_id, name in folders:
        for file in sorted((root / name).iterdir()):
            if file.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            img = cv2.imread(str(file), cv2.IMREAD_UNCHANGED)
            if img is None:
                raise DataError(f"{file}: cannot be decoded as an image")
            if img.ndim == 3:
                img = cv2.cvtColor(img[..., :3], cv2.COLOR_BGR2RGB)
            if images and img.shape != images[0].shape:
                raise InvalidInputError(
                    f"{file}: shape {img.shape} differs from {images[0].shape}; images must share one size"
                )
            images.append(img)
            labels.append(class_id)
    if not images:
        raise DataError(f"{root}: no images ({', '.join(IMAGE_SUFFIXES)}) in the class folders")
    X = np.stack(images)
    scale = 255.0 if X.dtype == np.uint8 else 65535.0 if X.dtype == np.uint16 else 1.0
    return (X.astype(np.float32) / scale), np.asarray(labels, np.int64), classes


def _class_folders(root: Path) -> list[tuple[int, str]]:
    """``(class id, folder name)`` of a class-per-folder tree: integer names keep their value,
    other names are numbered in sorted order; hidden folders (``.synthaug``) are not classes."""
    names = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not names:
        raise DataError(f"{root}: expected one subfolder per class, found none")
    if all(c.lstrip("-").isdigit() for c in names):
        return [(int(c), c) for c in sorted(names, key=int)]
    return list(enumerate(names))


def class_names_of(source: str | os.PathLike[str]) -> dict[int, str] | None:
    """Class id -> name for a class-per-folder tree (its folder names), as
    :func:`load_image_folder` numbers them; ``None`` for built-in datasets and ``.npz`` files."""
    if str(source) in BUILTIN_DATASETS or not Path(source).is_dir():
        return None
    return dict(_class_folders(Path(source)))
