"""Check with GDAL (through rasterio) that ``synthaug augment`` keeps GeoTIFF tiles on the map.

An independent reader of the georeference synthaug writes: for every pixel of every augmented
tile, GDAL's transform of the output gives map coordinates, GDAL's transform of the source
turns them back into a source position, and the source's bands sampled there (bilinear) must
equal the output's bands. A map shifted by 3 pixels is the control. Tiles come from
``examples/multispectral.py`` (13-band uint16, 10 m pixels); two pipelines: a plain crop
(written as pixel scale + tie point) and flip + rotate + random resized crop + transpose
(written as a ModelTransformation).

Needs rasterio, which synthaug does not depend on: run it in the benchmark environment::

    .bench-venv/bin/pip install rasterio==1.4.4
    PYTHONPATH=src .bench-venv/bin/python bench/georef_gdal.py --json bench/results/georef_gdal.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PIPELINES = {
    "crop": {"transforms": [{"name": "RandomCrop", "height": 30, "width": 20, "p": 1.0}]},
    "flip-rotate-crop-transpose": {
        "transforms": [
            {"name": "HorizontalFlip", "p": 0.5},
            {"name": "Rotate", "limit": 30, "border_mode": "constant", "p": 1.0},
            {"name": "RandomResizedCrop", "size": 40, "scale": [0.5, 1.0], "p": 1.0},
            {"name": "Transpose", "p": 0.5},
        ]
    },
}


def _read(path: Path) -> tuple[np.ndarray, object, object]:
    import rasterio

    with rasterio.open(path) as r:
        return r.read().transpose(1, 2, 0).astype(np.float32), r.transform, r.crs


def _sample(bands: np.ndarray, mx: np.ndarray, my: np.ndarray) -> np.ndarray:
    return np.dstack(
        [
            cv2.remap(np.ascontiguousarray(bands[..., k]), mx, my, cv2.INTER_LINEAR)
            for k in range(bands.shape[2])
        ]
    )


def check(out: Path, tiles: Path) -> list[dict]:
    """Per output tile: mean absolute difference (grey levels) under GDAL's map and the control."""
    rows = []
    for f in sorted((out / "images").glob("*.tif")):
        o, t_out, crs = _read(f)
        s, t_src, crs_src = _read(tiles / "images" / (f.stem.rsplit("_aug", 1)[0] + ".tif"))
        h, w = o.shape[:2]
        rr, cc = np.mgrid[0:h, 0:w].astype(np.float64)
        xs, ys = t_out * (cc + 0.5, rr + 0.5)
        col, row = (~t_src) * (xs, ys)
        mx, my = (col - 0.5).astype(np.float32), (row - 0.5).astype(np.float32)
        inside = (mx >= 0) & (my >= 0) & (mx <= s.shape[1] - 1) & (my <= s.shape[0] - 1)
        # pixels next to the constant border mix in the fill: leave them out
        judged = cv2.erode((inside & (o.sum(2) > 0)).astype(np.uint8), np.ones((3, 3))) > 0
        rows.append(
            {
                "tile": f.name,
                "same_crs": bool(crs == crs_src),
                "form": "pixel scale + tie point"
                if abs(t_out.b) < 1e-12 and abs(t_out.d) < 1e-12 and t_out.a > 0 > t_out.e
                else "ModelTransformation",
                "pixels_judged": int(judged.sum()),
                "mean_abs_diff": float(np.abs(_sample(s, mx, my) - o)[judged].mean()),
                "control_shift_3px": float(np.abs(_sample(s, mx + 3, my) - o)[judged].mean()),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Make tiles, augment them with each pipeline, read every output with GDAL; print and store."""
    import rasterio

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="store the results here")
    args = ap.parse_args(argv)
    results: dict = {"rasterio": rasterio.__version__, "gdal": rasterio.__gdal_version__}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run = [sys.executable, str(ROOT / "examples" / "multispectral.py"), str(work / "tiles")]
        subprocess.run([*run, "--n", "3", "--size", "48", "--seed", "0"], check=True,
                       capture_output=True)  # fmt: skip
        for name, pipeline in PIPELINES.items():
            (work / f"{name}.json").write_text(json.dumps(pipeline))
            cmd = [sys.executable, "-m", "synthaug.cli", "augment", str(work / "tiles"),
                   str(work / name), "-p", str(work / f"{name}.json"), "-k", "3",
                   "--seed", "0", "--workers", "1"]  # fmt: skip
            subprocess.run(cmd, check=True, capture_output=True)
            results[name] = check(work / name, work / "tiles")
    worst = max(r["mean_abs_diff"] for k in PIPELINES for r in results[k])
    control = min(r["control_shift_3px"] for k in PIPELINES for r in results[k])
    same = all(r["same_crs"] for k in PIPELINES for r in results[k])
    results["summary"] = {"worst_mean_abs_diff": worst, "smallest_control": control,
                          "crs_kept": same}  # fmt: skip
    for name in PIPELINES:
        for r in results[name]:
            print(f"{name:28s} {r['tile']:22s} {r['form']:25s} diff {r['mean_abs_diff']:.2f} "
                  f"(control {r['control_shift_3px']:.1f}) over {r['pixels_judged']} px")  # fmt: skip
    print(f"worst {worst:.2f} grey levels of 65535 against a control of at least {control:.1f}; "
          f"CRS kept: {same}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0 if worst < 1.0 and control > 10 * max(worst, 0.1) and same else 1


if __name__ == "__main__":
    sys.exit(main())
