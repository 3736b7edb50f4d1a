"""Labelled image arrays in one ``.npz`` file as a dataset for batch jobs.

The file holds ``X`` (``N x H x W`` or ``N x H x W x C`` with C = 1, 3 or 4; ``uint8``, or
floats in ``[0, 1]``) and ``y`` (``N`` integer class ids, or whole-valued floats), optionally
``class_names`` (``K`` strings, then every ``y`` must be below ``K``). It is read without
pickle, and the array headers are checked (shape, dtype, pixels per image) before any pixel is
loaded. Item ``i`` has the key ``<stem>/<i:06d>.png``; a job writes each augmented image there
as a PNG and, at its end, ``DST/<stem>.npz`` with ``X`` (the source's dtype: ``uint8``, or
``float32`` in ``[0, 1]`` quantised to 8 bits), ``y`` and ``class_names`` of the items written,
in key order. Per item, ``NaN``/``inf`` or out-of-range pixels and bad class ids skip that item
only.
"""

from __future__ import annotations

import functools
import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from synthaug.augment.sample import Sample
from synthaug.data.dataset import Dataset, DatasetFormat, Item, ItemError
from synthaug.data.images import atomic_write_bytes, decode_image, encode_image
from synthaug.errors import DataError

__all__ = ["NpzFormat"]

#: Largest ``.npz`` accepted (the arrays are held in memory): 4 GiB.
MAX_NPZ_BYTES = 4 << 30


def _header(zf: zipfile.ZipFile, name: str, path: Path) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of ``name.npy`` inside the archive, read from its header only."""
    try:
        with zf.open(name + ".npy") as fh:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                raise ValueError(f"unsupported .npy version {version}")
    except KeyError:
        raise DataError(f"{path}: no array {name!r}; expected X and y") from None
    except ValueError as exc:
        raise DataError(f"{path}: array {name!r} has an unreadable header: {exc}") from None
    if dtype.hasobject:
        raise DataError(f"{path}: array {name!r} holds Python objects; synthaug never unpickles")
    return tuple(shape), dtype


@functools.lru_cache(maxsize=2)
def _arrays(path: str, mtime_ns: int, size: int) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` (cached per process: every item of a worker reads one file)."""
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files if k in ("X", "y", "class_names")}


def _load(path: Path) -> dict[str, np.ndarray]:
    st = path.stat()
    try:
        return _arrays(str(path), st.st_mtime_ns, st.st_size)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: cannot read the arrays: {exc}") from None


class NpzFormat(DatasetFormat):
    """Class-labelled image arrays ``X``, ``y`` in one ``.npz`` file."""

    name = "npz"

    def detect(self, root: Path) -> bool:
        """Only a ``.npz`` file given as SRC is read as this format."""
        return root.is_file() and root.suffix.lower() == ".npz"

    def scan(self, root: Path, npz_path: Path | None = None) -> Dataset:
        """Check the array headers and list one item per image (no pixel is read here)."""
        if npz_path is None:
            raise DataError(f"{root}: give the .npz file itself as SRC")
        size = npz_path.stat().st_size
        if size > MAX_NPZ_BYTES:
            raise DataError(f"{npz_path}: {size} bytes, more than the limit of {MAX_NPZ_BYTES}")
        try:
            with zipfile.ZipFile(npz_path) as zf:
                x_shape, x_dtype = _header(zf, "X", npz_path)
                y_shape, y_dtype = _header(zf, "y", npz_path)
                names = None
                if "class_names.npy" in zf.namelist():
                    _header(zf, "class_names", npz_path)
                    names = [str(n) for n in np.load(io.BytesIO(zf.read("class_names.npy")))]
        except zipfile.BadZipFile:
            raise DataError(f"{npz_path}: not an .npz (zip) file") from None
        if len(x_shape) not in (3, 4) or (len(x_shape) == 4 and x_shape[3] not in (1, 3, 4)):
            raise DataError(
                f"{npz_path}: X has shape {x_shape}; expected N x H x W or N x H x W x C "
                "with C = 1, 3 or 4"
            )
        if y_shape != x_shape[:1]:
            raise DataError(f"{npz_path}: y has shape {y_shape}; expected ({x_shape[0]},) like X")
        if x_dtype.kind not in "uf" or (x_dtype.kind == "u" and x_dtype != np.uint8):
            raise DataError(f"{npz_path}: X is {x_dtype}; expected uint8 or floats in [0, 1]")
        if y_dtype.kind not in "iuf":
            raise DataError(f"{npz_path}: y is {y_dtype}; expected integer class ids")
        stem = npz_path.stem
        width = max(6, len(str(x_shape[0])))
        items = [Item(f"{stem}/{i:0{width}d}.png", {"index": i}) for i in range(int(x_shape[0]))]
        info = {
            "npz": npz_path.name,
            "shape": list(x_shape[1:]),
            "dtype": x_dtype.str,
            "class_names": names,
        }
        return Dataset(root, self.name, items, info)

    def read_image(
        self, root: Path, info: dict, item: Item, max_pixels: int
    ) -> tuple[np.ndarray, bytes]:
        """Image ``i`` as ``uint8`` (refused if non-finite or outside ``[0, 1]`` for floats)."""
        h, w = info["shape"][:2]
        if h * w > max_pixels:
            raise ItemError(
                "too_many_pixels",
                f"{item.key}: {w} x {h} = {w * h} pixels exceeds the limit of {max_pixels}",
            )
        i = item.ann["index"]
        x = _load(root / info["npz"])["X"][i]
        where = f"{info['npz']}: X[{i}]"
        if x.dtype.kind == "f":
            if not np.all(np.isfinite(x)):
                raise ItemError(
                    "bad_annotation", f"{where} holds NaN or inf", field="X", file=info["npz"]
                )
            lo, hi = float(x.min()), float(x.max())
            if lo < 0.0 or hi > 1.0:
                raise ItemError(
                    "bad_annotation",
                    f"{where} has values in [{lo:.3g}, {hi:.3g}]; expected [0, 1]",
                    field="X",
                    file=info["npz"],
                )
            x = np.rint(x * 255.0).astype(np.uint8)
        if x.ndim == 3 and x.shape[2] == 1:
            x = x[:, :, 0]
        image = np.ascontiguousarray(x)
        return image, encode_image(image, ".png")

    def annotation_file(self, info: dict, item: Item) -> str:
        """The ``.npz`` itself."""
        return info["npz"]

    def to_sample(self, root: Path, info: dict, item: Item, image: np.ndarray) -> Sample:
        """The image with ``label`` = its class id (checked against ``class_names``)."""
        i = item.ann["index"]
        raw = _load(root / info["npz"])["y"][i].item()
        where = f"{info['npz']}: y[{i}] = {raw!r}"
        value = float(raw)
        if not np.isfinite(value) or value != int(value):
            raise ItemError(
                "bad_annotation", f"{where}: expected an integer class id", "y", info["npz"]
            )
        names = info.get("class_names")
        if value < 0 or (names is not None and value >= len(names)):
            bound = f"0..{len(names) - 1}" if names is not None else ">= 0"
            raise ItemError(
                "class_out_of_range", f"{where}: expected a class id {bound}", "y", info["npz"]
            )
        return Sample(image, label=int(value), meta={"key": item.key, "index": i})

    def record(self, sample: Sample, info: dict, item: Item) -> dict[str, Any]:
        """``{"label": class id}``."""
        return {"label": int(sample.label)}

    def finish(
        self, dst: Path, records: list[tuple[str, dict]], info: dict, durable: bool = True
    ) -> list[str]:
        """``DST/<stem>.npz`` with the written images (read back from their PNGs) and labels."""
        images, labels = [], []
        for key, rec in sorted(records, key=lambda r: r[0]):
            images.append(decode_image((dst / key).read_bytes(), key, 1 << 40))
            labels.append(rec["label"])
        shapes = {im.shape for im in images}
        if len(shapes) > 1:
            raise DataError(
                f"the augmented images differ in shape ({sorted(shapes)[:3]}...); an .npz "
                "needs one shape: end the pipeline with a Resize"
            )
        shape = tuple(info["shape"])
        X = np.stack(images) if images else np.zeros((0, *shape), np.uint8)
        if len(shape) == 3 and shape[2] == 1 and X.ndim == 3:
            X = X[..., None]
        if np.dtype(info["dtype"]).kind == "f":
            X = X.astype(np.float32) / 255.0
        arrays: dict[str, np.ndarray] = {"X": X, "y": np.asarray(labels, np.int64)}
        if info.get("class_names") is not None:
            arrays["class_names"] = np.asarray(info["class_names"], dtype=str)
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        atomic_write_bytes(dst / info["npz"], buf.getvalue(), durable)
        return [info["npz"]]
