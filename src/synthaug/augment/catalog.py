"""The transform catalogue, generated from the registry: ``docs/transforms.md`` and thumbnails.

Run ``python -m synthaug.augment.catalog docs/transforms.md`` (``make docs`` does). For each
registered transform it writes its name, the targets it changes, the pixel types and channel
counts it takes and whether float images keep their own range (read from its ``dtypes``,
``channels`` and ``float_range`` declarations; a policy's from its operations), its declared
parameters (default, allowed values and meaning, read from :mod:`synthaug.augment.params`), the
fields of its drawn-parameter record, the first line of its docstring, and a thumbnail (JPEG,
96 px high) of the transform applied with seed 0 to a small bundled photo (scikit-image's ``chelsea``) carrying one box
and one keypoint, drawn on geometric transforms' thumbnails. Output is deterministic.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from synthaug import augment as A
from synthaug.augment import params as P
from synthaug.augment.compose import BaseCompose
from synthaug.augment.draw import draw_sample

__all__ = [
    "catalog_entries",
    "image_support",
    "photo_sample",
    "render_thumbnail",
    "write_catalog",
]

THUMB_HEIGHT = 96
_CONTAINERS = ("Compose", "Sequential", "OneOf", "SomeOf")
# thumbnail arguments for transforms whose defaults leave the image unchanged
_SHOWCASE: dict[str, dict[str, Any]] = {
    "Affine": {"rotate": 20, "scale": (0.85, 0.85), "shear": 10}
}


def photo_sample() -> A.Sample:
    """The bundled photo (a cat, 96 x 144) with a box on its face and a keypoint on an eye."""
    from skimage import data

    img = cv2.resize(data.chelsea(), (144, 96), interpolation=cv2.INTER_AREA)
    return A.Sample(
        img,
        boxes=np.array([[50.0, 10.0, 106.0, 72.0]]),
        box_labels=["face"],
        keypoints=np.array([[67.0, 36.0]]),
    )


def _first_line(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _parameters(cls: type[A.Transform]) -> list[tuple[str, str, str, str]]:
    """``(name, default, allowed, meaning)`` of each declared constructor argument."""
    return [
        (d.name, "required" if d.required else repr(d.default), d.kind.expected(), d.kind.doc)
        for d in cls.declared
        if d.kind.saved
    ]


def _drawn(cls: type[A.Transform]) -> str:
    """The fields of the record ``sample_params`` returns, with their types."""
    notes = getattr(cls.Drawn, "__annotations__", {})
    return ", ".join(f"`{f}` ({notes.get(f, 'Any')})" for f in cls.Drawn.fields)


#: every target a Sample can carry, in the order the catalogue names them
ALL_TARGETS = ("image", "masks", "boxes", "oriented_boxes", "keypoints")


def _targets(cls: type[A.Transform]) -> str:
    """Which targets ``cls`` changes and which it carries unchanged, in words."""
    changed = [t.replace("_", " ") for t in cls.targets]
    kept = [t.replace("_", " ") for t in ALL_TARGETS if t not in cls.targets]
    text = "changes " + ", ".join(changed)
    if kept:
        text += "; carries " + ", ".join(kept) + " unchanged"
    if getattr(cls, "mirrors", False):
        text += "; mirrors: swaps keypoint flip pairs and reorders oriented-box corners"
    return text


def image_support(t: A.Transform) -> tuple[tuple[str, ...], tuple[int, ...] | None, str]:
    """``(dtypes, channels, float_range)`` that ``t`` takes, from the declarations of ``t``
    and, for a container or policy, of every transform inside it (the intersection)."""
    dtypes, channels, float_range = type(t).dtypes, type(t).channels, type(t).float_range
    # children that see chosen bands (OnBands) say nothing of the whole image's band count
    own_bands = type(t).children_image is not A.Transform.children_image
    for child in getattr(t, "transforms", None) or ():
        d, c, f = image_support(child)
        dtypes = tuple(x for x in dtypes if x in d)
        if c is not None and not own_bands:
            channels = c if channels is None else tuple(x for x in channels if x in c)
        float_range = "unit" if "unit" in (float_range, f) else float_range
    return dtypes, channels, float_range


def _support_line(t: A.Transform) -> str:
    """One Markdown line: pixel types, channel counts, float range."""
    dtypes, channels, float_range = image_support(t)
    bands = (
        "any number (1 to 512, per band)"
        if channels is None
        else " or ".join(map(str, channels))
        + (" (RGB colour, or one band)" if 3 in channels else "")
    )
    floats = (
        "float32 kept in its own range"
        if float_range == "any"
        else "float32 clipped to [0, 1] first"
    )
    if "float32" not in dtypes:
        floats = "no float32"
    if type(t).children_image is not A.Transform.children_image:
        bands = "any number that has the chosen `bands` (its transforms see only those)"
        floats = floats.replace("float32 clipped", "float32: the chosen bands clipped")
    return f"Images: {', '.join(f'`{d}`' for d in dtypes)}; channels: {bands}; {floats}"


def catalog_entries() -> list[dict[str, Any]]:
    """One dict per registered transform (containers excluded), sorted by kind then name."""
    entries = []
    for name, cls in sorted(A.REGISTRY.items()):
        if name in _CONTAINERS:
            continue
        policy = cls.__module__.endswith("policies")
        geometric = "keypoints" in cls.targets
        kind = "geometric" if geometric else "pixel"
        if policy or issubclass(cls, BaseCompose):
            kind = "policy" if policy else "container"
        entries.append(
            {
                "name": name,
                "cls": cls,
                "kind": kind,
                "targets": _targets(cls),
                "summary": _first_line(cls),
                "parameters": _parameters(cls),
                "drawn": _drawn(cls),
                "example_args": _SHOWCASE.get(name, dict(getattr(cls, "example_args", {}))),
                "images": _support_line(cls(**dict(getattr(cls, "example_args", {})))),
            }
        )
    order = {"geometric": 0, "pixel": 1, "policy": 2, "container": 3}
    return sorted(entries, key=lambda e: (order[e["kind"]], e["name"]))


def render_thumbnail(entry: dict[str, Any], sample: A.Sample, seed: int = 0) -> np.ndarray:
    """The transform applied (always, ``p=1``) to ``sample``; RGB uint8, 96 px high."""
    t = entry["cls"](**entry["example_args"])
    t.p = 1.0
    out = A.Compose([t], seed=seed)(sample, seed=seed)
    img = out.image
    if img.dtype != np.uint8 and (img.min() < 0 or img.max() > 1):  # Normalize: rescale
        img = ((img - img.min()) / max(float(img.max() - img.min()), 1e-6)).astype(np.float32)
    width = max(1, round(img.shape[1] * THUMB_HEIGHT / img.shape[0]))
    small = A.Resize(THUMB_HEIGHT, width, interpolation="area", p=1.0)(
        out.copy(image=img, box_labels=None, keypoint_labels=None), seed=0
    )
    if entry["kind"] != "geometric":
        small = small.copy(boxes=None, keypoints=None)
    return draw_sample(small, thickness=1)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_catalog(md_path: str | Path, image_dir: str | Path | None = None) -> list[Path]:
    """Write the Markdown catalogue and one JPEG thumbnail per transform; return all paths."""
    md_path = Path(md_path)
    image_dir = Path(image_dir) if image_dir else md_path.parent / "img" / "transforms"
    image_dir.mkdir(parents=True, exist_ok=True)
    sample = photo_sample()
    entries = catalog_entries()
    written = []
    rel = Path(*image_dir.relative_to(md_path.parent).parts).as_posix()

    def save(name: str, rgb: np.ndarray) -> str:
        path = image_dir / f"{name}.jpg"
        ok, buf = cv2.imencode(
            ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80]
        )
        if not ok:  # pragma: no cover - OpenCV always encodes RGB uint8
            raise OSError(f"cannot encode thumbnail {path}")
        path.write_bytes(buf.tobytes())
        written.append(path)
        return f"{rel}/{name}.jpg"

    original = save("_original", draw_sample(sample, thickness=1))
    n_leaves = sum(e["kind"] in ("geometric", "pixel") for e in entries)
    n_policies = sum(e["kind"] == "policy" for e in entries)
    lines = [
        "# Transform catalogue",
        "",
        "<!-- generated by `python -m synthaug.augment.catalog docs/transforms.md`; "
        "do not edit by hand -->",
        "",
        f"{n_leaves} transforms and {n_policies} automatic policies, read from "
        "`synthaug.augment.REGISTRY`. Each thumbnail applies the transform once (`p=1`, seed 0) "
        "to the photo below; geometric transforms show how the box and keypoint follow. "
        "Containers (`Compose`, `Sequential`, `OneOf`, `SomeOf`) are described in the API docs; "
        "`OnBands`, which runs pixel-value transforms on chosen bands of a many-band image, "
        "is listed at the end.",
        "",
        "*Targets* says what each transform changes and what it carries unchanged. Every "
        "transform carries instances (a box or oriented box with its mask, keypoints and "
        "label: `docs/labels.md`): a pipeline keeps or drops them together. Keypoint "
        "visibility follows every geometric step (a keypoint that leaves a frame stays "
        "invisible); a step that mirrors the image (a flip, a transpose, or a fused chain "
        "with an odd number of them) swaps keypoint flip pairs.",
        "",
        "*Images* lists what each transform takes, from its declarations (`dtypes`, "
        "`channels`, `float_range`): a pipeline refuses any other image before running, "
        "naming the transform. Parameters given as a fraction of full range scale by 255 "
        "(`uint8`), 65535 (`uint16`) or 1 (`float32`); float images keep values outside "
        "[0, 1] unless the transform is defined on [0, 1] only. See docs/multiband.md.",
        "",
        "Every parameter is declared once on its transform (`synthaug.augment.params`); the "
        "constructor refuses, with a `ConfigError` naming the transform, the parameter, the "
        "allowed values and the value given, anything outside the *allowed* column: NaN, "
        f"infinities, wrong types and lengths, and sizes above {P.MAX_SIDE} px per side, "
        f"kernels above {P.MAX_KERNEL} px, counts above {P.MAX_COUNT} and fill values beyond "
        f"+-{P.MAX_FILL}. *Draws* lists the fields of the frozen record that `sample_params` "
        "returns and `out.applied` keeps (replayable with `pipe.replay`).",
        "",
        f"![original]({original})",
        "",
    ]
    titles = {
        "geometric": "Geometric (image, masks, boxes, oriented boxes, keypoints)",
        "pixel": "Pixel-level",
        "policy": "Policies",
        "container": "Containers on chosen bands",
    }
    kind = None
    for e in entries:
        if e["kind"] != kind:
            kind = e["kind"]
            lines += [f"## {titles[kind]}", ""]
        thumb = save(e["name"], render_thumbnail(e, sample))
        lines += [f"### {e['name']}", "", e["summary"], "", f"![{e['name']}]({thumb})", ""]
        lines += [f"Targets: {e['targets']}.", "", e["images"], ""]
        if e["example_args"]:
            args = ", ".join(f"{k}={v!r}" for k, v in e["example_args"].items())
            lines += [f"Thumbnail arguments: `{args}`", ""]
        if e["drawn"]:
            lines += [f"Draws: {e['drawn']}", ""]
        if e["parameters"]:
            lines += ["| parameter | default | allowed | meaning |", "|---|---|---|---|"]
            lines += [
                f"| `{n}` | `{_cell(d)}` | {_cell(allowed)} | {_cell(doc)} |"
                for n, d, allowed, doc in e["parameters"]
            ]
            lines.append("")
    md_path.parent.mkdir(parents=True, exist_ok=True)
    md_path.write_text("\n".join(lines), encoding="utf-8")
    return [md_path, *written]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m synthaug.augment.catalog OUT.md [IMAGE_DIR]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not 1 <= len(args) <= 2:
        sys.stderr.write("usage: python -m synthaug.augment.catalog OUT.md [IMAGE_DIR]\n")
        return 2
    write_catalog(args[0], args[1] if len(args) == 2 else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
