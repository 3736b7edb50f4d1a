"""A procedural multispectral segmentation dataset with known masks, for docs and tests.

Each tile is a 13-band image laid out like a Sentinel-2 L1C product (bands B1 ... B12, with
B8A, in that order), covering a few land-cover regions. Every class has its own stylised
spectral signature (reflectance per band, loosely shaped like textbook curves: water dark in
the near infrared, vegetation with a red edge, soil rising towards the short-wave infrared);
pixels are that signature plus a smooth brightness variation and per-band sensor noise. The
class of every pixel is known exactly, so the dataset tests that segmentation masks stay
aligned with the bands through a pipeline.

Written as a COCO dataset, which ``synthaug augment``, ``stats`` and ``preview`` read as is::

    OUT/images/tile_000.tif          13-band TIFF (uint16 by default) with GeoTIFF-like tags
    OUT/masks/tile_000.png           semantic mask: the class id of every pixel (uint8)
    OUT/annotations/instances.json   one RLE-masked annotation per (tile, class present)

Pixel types (``--dtype``): ``uint16`` (digital numbers, reflectance x 10000 as in L1C),
``float32`` (reflectance, mostly in [0, 1]) or ``uint8`` (reflectance x 255, clipped).

Usage::

    python examples/multispectral.py OUT [--n 8] [--size 64] [--dtype uint16] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from synthaug.data.images import encode_image
from synthaug.data.masks import mask_to_rle

#: Sentinel-2 band names in file order.
BANDS = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12")
#: Land-cover classes (COCO category id = index + 1; the mask PNG stores the same id).
CLASSES = ("water", "vegetation", "bare_soil", "built_up")
#: Stylised reflectance per class and band (not measured spectra).
SIGNATURES = np.array(
    [
        [0.12, 0.10, 0.08, 0.05, 0.04, 0.03, 0.025, 0.02, 0.018, 0.010, 0.002, 0.008, 0.005],
        [0.11, 0.09, 0.10, 0.06, 0.13, 0.28, 0.34, 0.36, 0.37, 0.12, 0.003, 0.19, 0.09],
        [0.13, 0.14, 0.17, 0.21, 0.23, 0.245, 0.26, 0.27, 0.28, 0.09, 0.004, 0.33, 0.28],
        [0.16, 0.17, 0.18, 0.19, 0.20, 0.205, 0.21, 0.215, 0.22, 0.07, 0.005, 0.24, 0.22],
    ]
)
#: Per-band noise (reflectance units, standard deviation).
NOISE = 0.004
#: GeoTIFF-like tags: 10 m pixels, a tie point per tile, EPSG:32633 (WGS 84 / UTM zone 33N).
PIXEL_SIZE_M = 10.0


def land_cover(rng: np.random.Generator, size: int, n_regions: int = 6) -> np.ndarray:
    """A ``size x size`` map of class ids 1..len(CLASSES): warped Voronoi regions."""
    points = rng.uniform(0, size, (n_regions, 2))
    labels = rng.integers(1, len(CLASSES) + 1, n_regions)
    labels[: len(CLASSES)] = rng.permutation(len(CLASSES)) + 1  # every class appears
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    phase = rng.uniform(0, 2 * np.pi, 2)
    xw = xx + 0.08 * size * np.sin(yy / size * 2 * np.pi + phase[0])
    yw = yy + 0.08 * size * np.sin(xx / size * 2 * np.pi + phase[1])
    d = (xw[..., None] - points[:, 0]) ** 2 + (yw[..., None] - points[:, 1]) ** 2
    return labels[np.argmin(d, axis=-1)].astype(np.uint8)


def reflectance(rng: np.random.Generator, classes: np.ndarray) -> np.ndarray:
    """``H x W x 13`` float64 reflectance of a class map (signature, shading, noise)."""
    h, w = classes.shape
    base = SIGNATURES[classes - 1]
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    a, b = rng.uniform(-0.15, 0.15, 2)
    shading = 1.0 + a * (xx - 0.5) + b * (yy - 0.5)
    return base * shading[..., None] + rng.normal(0.0, NOISE, base.shape)


def to_pixels(refl: np.ndarray, dtype: str) -> np.ndarray:
    """Reflectance as stored pixels of ``dtype`` (uint16: x 10000; uint8: x 255; float32)."""
    if dtype == "float32":
        return np.clip(refl, 0.0, 1.0).astype(np.float32)
    scale, top = (10000.0, 65535) if dtype == "uint16" else (255.0, 255)
    return np.clip(np.rint(refl * scale), 0, top).astype(dtype)


def _geo_tags(i: int, size: int) -> list[tuple]:
    x0, y0 = 500000.0 + i * size * PIXEL_SIZE_M, 4000000.0
    keys = (1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, 32633)
    return [
        (33550, 12, 3, (PIXEL_SIZE_M, PIXEL_SIZE_M, 0.0), True),
        (33922, 12, 6, (0.0, 0.0, 0.0, x0, y0, 0.0), True),
        (34735, 3, len(keys), keys, True),
        (34737, 2, 0, "WGS 84 / UTM zone 33N|", True),
    ]


def _tiff_with_tags(pixels: np.ndarray, i: int) -> bytes:
    import io

    import tifffile

    buf = io.BytesIO()
    tifffile.imwrite(
        buf,
        pixels,
        photometric="minisblack",
        planarconfig="contig",
        description="synthaug procedural multispectral tile; bands " + ",".join(BANDS),
        resolution=(1.0 / PIXEL_SIZE_M, 1.0 / PIXEL_SIZE_M),
        metadata=None,
        extratags=_geo_tags(i, pixels.shape[0]),
    )
    return buf.getvalue()


def write_multispectral_dataset(
    root: str | Path, n: int = 8, size: int = 64, dtype: str = "uint16", seed: int = 0
) -> Path:
    """Write ``n`` tiles of ``size x size`` pixels as a COCO segmentation dataset under ``root``.

    Returns ``root``. The same arguments always write the same bytes.
    """
    if dtype not in ("uint8", "uint16", "float32"):
        raise ValueError(f"dtype: expected uint8, uint16 or float32, got {dtype!r}")
    rng = np.random.default_rng(seed)
    out = Path(root)
    for sub in ("images", "masks", "annotations"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    images, annotations = [], []
    for i in range(n):
        classes = land_cover(rng, size)
        pixels = to_pixels(reflectance(rng, classes), dtype)
        name = f"tile_{i:03d}"
        (out / "images" / f"{name}.tif").write_bytes(_tiff_with_tags(pixels, i))
        (out / "masks" / f"{name}.png").write_bytes(encode_image(classes, ".png"))
        images.append({"id": i + 1, "file_name": f"{name}.tif", "width": size, "height": size})
        for cls in np.unique(classes):
            m = (classes == cls).astype(np.uint8)
            ys, xs = np.nonzero(m)
            x0, y0 = int(xs.min()), int(ys.min())
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i + 1,
                    "category_id": int(cls),
                    "bbox": [x0, y0, int(xs.max()) + 1 - x0, int(ys.max()) + 1 - y0],
                    "area": int(m.sum()),
                    "iscrowd": 0,
                    "segmentation": mask_to_rle(m),
                }
            )
    cats = [{"id": k + 1, "name": c} for k, c in enumerate(CLASSES)]
    doc = {"images": images, "annotations": annotations, "categories": cats}
    (out / "annotations" / "instances.json").write_text(json.dumps(doc))
    return out


def main() -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="Folder to write (created).")
    ap.add_argument("--n", type=int, default=8, help="Number of tiles.")
    ap.add_argument("--size", type=int, default=64, help="Tile side in pixels.")
    ap.add_argument("--dtype", default="uint16", choices=("uint16", "float32", "uint8"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    root = write_multispectral_dataset(args.out, args.n, args.size, args.dtype, args.seed)
    print(f"wrote {args.n} {args.dtype} tiles of {args.size} x {args.size} x 13 to {root}")


if __name__ == "__main__":
    main()
