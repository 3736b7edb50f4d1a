"""A self-contained HTML page for ``synthaug evaluate``: sample grids and the metric table."""

from __future__ import annotations

import base64
import html
from typing import Any

import cv2
import numpy as np

from synthaug.augment.draw import grid

__all__ = ["render_quality_page"]

_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#1d1d1f}"
    "table{border-collapse:collapse}th,td{border:1px solid #ddd;padding:.35em .6em;vertical-align:top}"
    "th{background:#f5f5f7}.grids{display:flex;gap:1.5em;flex-wrap:wrap}.note{color:#555}"
)


def _png(images: np.ndarray) -> str:
    tiles = [np.clip(im, 0, 1).astype(np.float32) for im in images[:40]]
    cell = 48 if max(images.shape[1:3]) <= 32 else 96
    rgb = grid(tiles, n_cols=10, cell=cell, pad=2)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return base64.b64encode(buf.tobytes()).decode("ascii")


def render_quality_page(report: dict[str, Any], sets: dict[str, np.ndarray], title: str) -> str:
    """HTML with a grid per named image set and the metric rows of :func:`quality_report`."""
    grids = "".join(
        f'<figure><img alt="{html.escape(k)}" src="data:image/png;base64,{_png(v)}">'
        f"<figcaption>{html.escape(k)} ({len(v)} images)</figcaption></figure>"
        for k, v in sets.items()
        if v is not None and v.ndim >= 3
    )
    rows = "".join(
        f"<tr><td>{html.escape(m['name'])}</td><td>{html.escape(m['value'])}</td><td>{html.escape(m['reading'])}</td></tr>"
        for m in report["metrics"]
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>"
        f"<div class=grids>{grids}</div><h2>Metrics</h2>"
        "<table><tr><th>metric</th><th>value</th><th>reading</th></tr>"
        f"{rows}</table><p class=note>Fidelity in the '{html.escape(str(report.get('space')))}' feature "
        "space learned from the real set; privacy and utility need --holdout. Thresholds behind the "
        "readings are documented in synthaug/evaluate/*.py.</p></body></html>"
    )
