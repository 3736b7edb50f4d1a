"""Figures on a page: matplotlib as embedded PNG, image grids, and one colour per arm."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from synthaug.report.blocks import escape

__all__ = ["colour_for", "figure_png", "image_figure", "image_grid_png", "palette"]

#: Colour-blind-safe qualitative colours (Okabe & Ito 2008, then Tol's muted set), in order.
_COLOURS = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#882255",  # wine
    "#999933",  # olive
    "#332288",  # indigo
    "#117733",  # green
    "#AA4499",  # purple
    "#44AA99",  # teal
)
#: The colour of a reference (the baseline arm, a real-vs-real line): always the same grey-black.
REFERENCE_COLOUR = "#333333"


def palette(names: Iterable[str], reference: str | None = None) -> dict[str, str]:
    """One fixed colour per name, in first-seen order (the same arm keeps its colour in every
    figure of a page); ``reference`` (e.g. the baseline arm) gets :data:`REFERENCE_COLOUR`.

    >>> palette(["real", "real+aug", "real+fonts"], reference="real")["real"]
    '#333333'
    """
    out: dict[str, str] = {}
    i = 0
    for name in dict.fromkeys(names):
        if name == reference:
            out[name] = REFERENCE_COLOUR
        else:
            out[name] = _COLOURS[i % len(_COLOURS)]
            i += 1
    return out


def colour_for(name: str, colours: Mapping[str, str]) -> str:
    """``colours[name]``, or a grey for a name the palette does not know."""
    return colours.get(name, "#777777")


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


def image_figure(png_b64: str, alt: str, caption: str | None = None, pixels: bool = False) -> str:
    """``<figure>`` with an embedded PNG and an optional (escaped) caption.

    ``pixels=True`` keeps enlarged image grids sharp (nearest-neighbour scaling in the browser);
    plots are scaled smoothly.
    """
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    cls = " class=pixels" if pixels else ""
    return (
        f'<figure><img{cls} alt="{escape(alt)}" src="data:image/png;base64,{png_b64}">'
        f"{cap}</figure>"
    )
