"""Building blocks for synthaug's self-contained HTML pages, and the evaluation page.

Every page synthaug writes (``synthaug evaluate``, the audit, the experiment report) is one HTML
file that opens offline: CSS inline, matplotlib figures and image grids embedded as base64 PNG,
no scripts. The blocks below return HTML *fragments* (strings) that a page function joins:

>>> body = section("Metrics", metric_table([{"name": "FID", "value": "1.2", "reading": "close"}]))
>>> html_page = page("Example", body)
>>> html_page.startswith("<!doctype html>") and "<td>FID</td>" in html_page
True

Text is always escaped here (``escape``); a block never escapes HTML it is given as ``body``,
so build bodies from blocks or escape them yourself.
"""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "PAGE_CSS",
    "escape",
    "figure_png",
    "image_figure",
    "image_grid_png",
    "metric_table",
    "page",
    "render_evaluation_page",
    "section",
    "table",
    "write_text_atomic",
]

PAGE_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#1d1d1f;line-height:1.45}
h1{font-size:1.7em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}
th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f5f5f7}td.num{text-align:right;white-space:nowrap}
.good{color:#0a7d2c;font-weight:600}.bad{color:#b3261e;font-weight:600}.neutral{color:#555}
.note{color:#555;font-size:.9em}figure{margin:1em 0}img{max-width:100%;image-rendering:pixelated}
.grids{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}
"""


def escape(value: Any) -> str:
    """``str(value)`` with ``& < > " '`` escaped for HTML text and attribute values."""
    return html.escape(str(value), quote=True)


def figure_png(fig: Any, dpi: int = 110, close: bool = True) -> str:
    """A matplotlib figure as base64 PNG text (closed afterwards unless ``close=False``)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def image_grid_png(
    images: np.ndarray | Sequence[np.ndarray],
    n_cols: int = 10,
    max_images: int = 40,
    cell: int | None = None,
) -> str:
    """Tile the first ``max_images`` images into one grid, as base64 PNG text.

    Images follow the image-set convention (``(N, H, W)`` or ``(N, H, W, C)``, float in [0, 1]
    or uint8); floats are clipped to [0, 1]. Small images are enlarged with nearest-neighbour
    interpolation to ``cell`` pixels (48 for images up to 32 px, 96 above) so pixels stay sharp.
    """
    import cv2

    from synthaug.augment.draw import grid

    tiles = [
        im if im.dtype == np.uint8 else np.clip(im, 0, 1).astype(np.float32)
        for im in list(images)[:max_images]
    ]
    if not tiles:
        raise ValueError("image_grid_png: no images")
    side = max(max(t.shape[:2]) for t in tiles)
    rgb = grid(
        tiles, n_cols=min(n_cols, len(tiles)), cell=cell or (48 if side <= 32 else 96), pad=2
    )
    ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:  # pragma: no cover - cv2 encodes any uint8 RGB array
        raise ValueError("image_grid_png: PNG encoding failed")
    return base64.b64encode(buf.tobytes()).decode("ascii")


def image_figure(png_b64: str, alt: str, caption: str | None = None) -> str:
    """``<figure>`` with an embedded PNG and an optional (escaped) caption."""
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img alt="{escape(alt)}" src="data:image/png;base64,{png_b64}">{cap}</figure>'


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    numeric: Sequence[int] = (),
    row_classes: Sequence[str | None] | None = None,
) -> str:
    """An HTML table; every cell is escaped, columns in ``numeric`` are right-aligned."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = row_classes[i] if row_classes is not None and i < len(row_classes) else None
        cells = "".join(
            f"<td class=num>{escape(v)}</td>" if j in numeric else f"<td>{escape(v)}</td>"
            for j, v in enumerate(row)
        )
        body.append(f'<tr class="{escape(cls)}">{cells}</tr>' if cls else f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def metric_table(metrics: Iterable[Mapping[str, Any]]) -> str:
    """Metric rows (``name``, ``value``, ``reading``; optional ``status`` good/bad/neutral).

    This is the shape of :func:`synthaug.evaluate.quality_report`'s ``metrics`` list.
    """
    rows, classes = [], []
    for m in metrics:
        rows.append((m.get("name", ""), m.get("value", ""), m.get("reading", "")))
        classes.append(m.get("status"))
    return table(("metric", "value", "reading"), rows, row_classes=classes)


def section(title: str, body: str, note: str | None = None) -> str:
    """``<h2>`` title, an optional escaped note paragraph, then ``body`` (HTML, not escaped)."""
    extra = f"<p class=note>{escape(note)}</p>" if note else ""
    return f"<section><h2>{escape(title)}</h2>{extra}{body}</section>"


def page(title: str, body: str, intro: str | None = None, css: str = PAGE_CSS) -> str:
    """A complete, self-contained HTML document (UTF-8, inline CSS, no scripts)."""
    lead = f"<p>{escape(intro)}</p>" if intro else ""
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{css}</style></head><body><h1>{escape(title)}</h1>{lead}{body}"
        "<p class=note>Generated by synthaug.</p></body></html>"
    )


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to a temporary sibling, then rename it over ``path``."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


_READING_NOTE = (
    "Each reading applies the thresholds documented in synthaug.evaluate: FID and KID are read "
    "against a real-vs-real split of the same data (they have no absolute scale); a two-sample "
    "test AUC of 0.5 means a classifier cannot tell the sets apart; a distance-to-closest-record "
    "ratio near 1 means synthetic records are no closer to the training records than unseen "
    "real records are."
)


def render_evaluation_page(
    report: Mapping[str, Any],
    sets: Mapping[str, np.ndarray | None],
    title: str = "synthaug evaluate",
    sources: Mapping[str, str] | None = None,
) -> str:
    """The ``synthaug evaluate`` page: a sample grid per image set and the metric table.

    Parameters
    ----------
    report : output of :func:`synthaug.evaluate.quality_report` (``metrics`` rows, ``space``).
    sets : name -> array; image sets get a grid of their first 40 images, tables
        ``(N, D)`` are listed by size only.
    title : page title.
    sources : name -> where the set came from (path or built-in name), shown in a table.
    """
    grids, shapes = [], []
    for name, X in sets.items():
        if X is None:
            continue
        X = np.asarray(X)
        shapes.append(
            (name, (sources or {}).get(name, ""), len(X), "x".join(map(str, X.shape[1:])))
        )
        if X.ndim >= 3 and len(X):
            grids.append(
                image_figure(
                    image_grid_png(X), name, f"{name}: first {min(40, len(X))} of {len(X)}"
                )
            )
    data = table(("set", "source", "rows", "shape per row"), shapes, numeric=(2,))
    space = report.get("space", "?")
    body = section("Data", data + (f"<div class=grids>{''.join(grids)}</div>" if grids else ""))
    body += section(
        "Metrics",
        metric_table(report.get("metrics", [])),
        note=f"Fidelity and domain gap in the '{space}' feature space learned from the real set; "
        "privacy and utility need a real hold-out the generator never saw (--holdout).",
    )
    body += f"<p class=note>{escape(_READING_NOTE)}</p>"
    return page(title, body)
