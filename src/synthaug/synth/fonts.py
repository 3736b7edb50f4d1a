"""``FontGlyphs``: procedural characters from installed fonts and pen-stroke templates.

No training and no download: glyphs come from matplotlib's bundled fonts (DejaVu, STIX,
Computer Modern), any TrueType/OpenType font under ``/usr/share/fonts``, and, for digits, the
hand-written pen trajectories of :mod:`synthaug.synth.strokes`. Each image draws its own style
from a per-item random stream: source (template or font), slant (shear), rotation, aspect, pen
width, elastic jitter (Simard et al. 2003), position, blur and noise.

``like="sklearn-digits"`` imitates how scikit-learn's digits (UCI optdigits) were made: the NIST
preprocessing normalised each hand-written character into a 32 x 32 binary bitmap (full height,
centred, uniform stroke width; thin characters such as 1 come out as thick bars), and the
bitmap's on-pixels were counted in non-overlapping 4 x 4 blocks, giving 8 x 8 values 0..16. We
reproduce those steps: the glyph is thinned to its skeleton and redrawn with a round pen of random
width, scaled to the full height (widened to ``min_aspect`` if thinner), binarised at 32 x 32 and
block-counted. The result is returned divided by 16, as :func:`synthaug.data.load_dataset`
returns the real digits.

``like="mnist"`` fits the glyph in a 20 x 20 box and centres its mass in 28 x 28, anti-aliased.
``like=None`` renders an anti-aliased glyph filling ``size`` (any ``(H, W)``).
"""

from __future__ import annotations

import functools
import glob
import os
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from synthaug.errors import ConfigError, InvalidInputError
from synthaug.seeding import SeedLike, as_rng, item_rng
from synthaug.synth.base import Generator, ProgressCallback, register
from synthaug.synth.strokes import DIGIT_STROKES, render_strokes

__all__ = ["LOOKS", "FontGlyphs", "find_fonts"]

LOOKS = ("sklearn-digits", "mnist", None)
# Fonts whose code points for digits and letters are symbols, old-style figures or placeholders.
_SKIP_FONTS = (
    "LastResort",
    "cmex10",
    "cmsy10",
    "cmmi10",
    "Math",
    "STIXSiz",
    "STIXNonUni",
    "Display",
)
#: Printed glyphs closer to a common hand-written form: a bare stroke for 1.
HANDWRITTEN_ALTERNATES = {"1": "|"}
_CANVAS = 160  # high-resolution canvas (pixels) on which a glyph is drawn and deformed
_FONT_PX = 96


def find_fonts(characters: str = "0123456789", include_system: bool = False) -> list[str]:
    """Paths of the fonts that have a glyph for every one of ``characters``.

    Looks in matplotlib's bundled fonts and, with ``include_system``, under
    ``/usr/share/fonts``; a font present in both (same file name) is listed once. Symbol and
    placeholder fonts are skipped. The default (bundled only) is the same on every machine with
    the pinned matplotlib, so ``FontGlyphs`` gives the same images everywhere; system fonts
    differ between machines (installing a browser adds some) and so would the images.
    """
    import matplotlib
    from matplotlib.ft2font import FT2Font

    roots = [os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "fonts", "ttf")]
    paths: list[str] = []
    for root in roots:
        paths += sorted(glob.glob(os.path.join(root, "*.ttf")))
    if include_system:
        paths += sorted(glob.glob("/usr/share/fonts/**/*.[ot]tf", recursive=True))
    seen: set[str] = set()
    found: list[str] = []
    for path in paths:
        name = os.path.basename(path)
        if name in seen or any(skip in name for skip in _SKIP_FONTS):
            continue
        try:
            font = FT2Font(path)
        except (OSError, RuntimeError):
            continue
        if all(font.get_char_index(ord(c)) for c in characters):
            seen.add(name)
            found.append(path)
    return found


@functools.lru_cache(maxsize=64)
def _truetype(path: str, size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


def _render_glyph(path: str, char: str) -> np.ndarray:
    """The glyph as a float32 coverage map on the canvas, centred (no style yet)."""
    from PIL import Image, ImageDraw

    img = Image.new("L", (_CANVAS, _CANVAS), 0)
    ImageDraw.Draw(img).text(
        (_CANVAS / 2, _CANVAS / 2), char, fill=255, font=_truetype(path, _FONT_PX), anchor="mm"
    )
    return np.asarray(img, dtype=np.float32) / 255.0


@register
class FontGlyphs(Generator):
    """Characters rendered from installed fonts with random handwriting-like style.

    Parameters
    ----------
    characters : str
        Class ``i`` is ``characters[i]``; digits by default.
    like : {"sklearn-digits", "mnist", None}
        Target look (see the module docstring). ``None`` gives anti-aliased glyphs of ``size``.
    size : (int, int)
        Output ``(H, W)``; ``like="sklearn-digits"`` forces (8, 8), ``"mnist"`` (28, 28).
    fonts : sequence of str, optional
        Font file paths; default: every font bundled with matplotlib that has all
        ``characters`` (the same on every machine). Add system fonts with
        ``fonts=tuple(find_fonts(characters, include_system=True))``.
    slant_deg, rotation_deg : (float, float)
        Uniform ranges of the shear angle (positive leans right) and of the rotation (degrees).
    aspect : (float, float)
        Range of the horizontal stretch factor applied before normalisation.
    pen_width : (float, float)
        Stroke width as a fraction of the glyph height (the skeleton is redrawn at this width).
    elastic_alpha, elastic_sigma : float
        Strength and smoothness of the elastic jitter, as fractions of the canvas size.
    shift_px : float
        Maximum random offset of the glyph in output pixels (of the 32-px bitmap for digits).
    scale : (float, float)
        Range of the glyph height as a fraction of the available height.
    blur_sigma : (float, float)
        Range of the Gaussian blur sigma in output pixels (``like=None`` and ``"mnist"`` only).
    noise_std : float
        Standard deviation of additive Gaussian pixel noise (clipped to [0, 1]).
    alternates : dict {char: str}, optional
        Other glyphs that may stand for a character (default for digits: ``{"1": "|"}``, the
        bare stroke many people write).
    p_alternate : float
        Probability of drawing an alternate glyph when one exists.
    p_handwritten : float
        Probability of drawing a digit from the built-in pen-stroke templates
        (:mod:`synthaug.synth.strokes`) instead of a font.
    min_aspect : float
        ``like="sklearn-digits"`` only: a glyph narrower than this fraction of its height is
        stretched to it (thin 1s become the thick bars seen in the real data).
    deslant : bool
        ``like="sklearn-digits"`` only: shear the glyph upright from its second moments before
        size normalisation, as the NIST preprocessing did.

    Examples
    --------
    >>> gen = FontGlyphs().fit(None, None)
    >>> X, y = gen.sample(4, seed=0)
    >>> X.shape, X.dtype, y.tolist()
    ((4, 8, 8), dtype('float32'), [0, 1, 2, 3])
    """

    learns = False

    def __init__(
        self,
        characters: str = "0123456789",
        like: str | None = "sklearn-digits",
        size: tuple[int, int] = (8, 8),
        fonts: tuple[str, ...] | None = None,
        slant_deg: tuple[float, float] = (-10.0, 10.0),
        rotation_deg: tuple[float, float] = (-10.0, 10.0),
        aspect: tuple[float, float] = (0.6, 1.0),
        pen_width: tuple[float, float] = (0.13, 0.22),
        elastic_alpha: float = 0.08,
        elastic_sigma: float = 0.08,
        shift_px: float = 1.0,
        scale: tuple[float, float] = (0.97, 1.0),
        blur_sigma: tuple[float, float] = (0.0, 0.6),
        noise_std: float = 0.0,
        alternates: dict[str, str] | None = None,
        p_alternate: float = 0.5,
        deslant: bool = False,
        p_handwritten: float = 0.8,
        min_aspect: float = 0.55,
    ) -> None:
        self.characters = characters
        self.like = like
        self.size = size
        self.fonts = fonts
        self.slant_deg = slant_deg
        self.rotation_deg = rotation_deg
        self.aspect = aspect
        self.pen_width = pen_width
        self.elastic_alpha = elastic_alpha
        self.elastic_sigma = elastic_sigma
        self.shift_px = shift_px
        self.scale = scale
        self.blur_sigma = blur_sigma
        self.noise_std = noise_std
        self.alternates = alternates
        self.p_alternate = p_alternate
        self.deslant = deslant
        self.p_handwritten = p_handwritten
        self.min_aspect = min_aspect

    # -- fit: procedural, so it only validates and fixes classes / shape ------------------------
    def fit(self, X: Any = None, y: Any = None, callback: ProgressCallback | None = None):
        """Validate the parameters and set ``classes_``, ``image_shape_`` and ``fonts_``.

        ``X`` and ``y`` are ignored (accepted for the common generator interface).
        """
        if self.like not in LOOKS:
            raise ConfigError(f"like: expected one of {list(LOOKS)}, got {self.like!r}")
        if not self.characters or len(set(self.characters)) != len(self.characters):
            raise ConfigError(f"characters: expected distinct characters, got {self.characters!r}")
        h, w = _output_size(self.like, self.size)
        if h < 4 or w < 4:
            raise ConfigError(f"size: expected at least (4, 4), got {self.size!r}")
        fonts = list(self.fonts) if self.fonts is not None else find_fonts(self.characters)
        missing = [f for f in fonts if not Path(f).is_file()]
        if missing or not fonts:
            raise ConfigError(f"fonts: no usable font files (missing: {missing[:3]})")
        self.fonts_ = fonts
        self.classes_ = np.arange(len(self.characters), dtype=np.int64)
        self.image_shape_ = (h, w)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "fonts_"):
            self.fit()

    def _set_state(self, tensors: dict[str, np.ndarray], state: dict[str, Any]) -> None:
        self.fit()

    # -- sampling --------------------------------------------------------------------------------
    def _sample_indices(self, index: np.ndarray, seed: SeedLike) -> np.ndarray:
        run_seed = int(as_rng(seed).integers(2**63))
        out = np.empty((len(index), *self.image_shape_), np.float32)
        for i, k in enumerate(index):
            out[i] = self.render(self.characters[int(k)], item_rng(run_seed, i))
        return out

    def render(self, char: str, rng: np.random.Generator) -> np.ndarray:
        """Render one character with a style drawn from ``rng``; float32 image in [0, 1]."""
        if char not in self.characters:
            raise InvalidInputError(f"char: {char!r} is not one of characters={self.characters!r}")
        self._check_fitted()
        font = self.fonts_[int(rng.integers(len(self.fonts_)))]
        if char in DIGIT_STROKES and rng.random() < self.p_handwritten:
            raw = render_strokes(char, rng, _CANVAS)
        else:
            alternates = self._alternates().get(char, "")
            if alternates and rng.random() < self.p_alternate:
                char = alternates[int(rng.integers(len(alternates)))]
            raw = _render_glyph(font, char)
        glyph = self._deform(raw, rng)
        if self.like == "sklearn-digits":
            return self._optdigits(glyph, rng)
        return self._antialiased(glyph, rng)

    def _alternates(self) -> dict[str, str]:
        if self.alternates is not None:
            return dict(self.alternates)
        return dict(HANDWRITTEN_ALTERNATES) if self.characters == "0123456789" else {}

    def _deform(self, glyph: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        # 1. Affine: slant (shear about the centre), rotation and horizontal stretch.
        c = _CANVAS / 2
        shear = np.tan(np.deg2rad(rng.uniform(*self.slant_deg)))
        stretch = rng.uniform(*self.aspect)
        theta = np.deg2rad(rng.uniform(*self.rotation_deg))
        rot = np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]])
        lin = rot @ np.array([[stretch, -shear], [0.0, 1.0]]) * 0.8
        m = np.hstack([lin, (np.array([c, c]) - lin @ np.array([c, c]))[:, None]])
        glyph = cv2.warpAffine(glyph, m, (_CANVAS, _CANVAS), flags=cv2.INTER_LINEAR)
        # 2. Elastic jitter: a smoothed random displacement field (Simard et al. 2003, sec. 2).
        if self.elastic_alpha > 0:
            sigma = self.elastic_sigma * _CANVAS
            alpha = self.elastic_alpha * _CANVAS
            fields = []
            for _ in range(2):
                d = cv2.GaussianBlur(
                    rng.uniform(-1, 1, glyph.shape).astype(np.float32), (0, 0), sigma
                )
                fields.append(d / (np.abs(d).max() + 1e-8) * alpha)
            gx, gy = np.meshgrid(
                np.arange(_CANVAS, dtype=np.float32), np.arange(_CANVAS, dtype=np.float32)
            )
            glyph = cv2.remap(glyph, gx + fields[0], gy + fields[1], cv2.INTER_LINEAR)
        return glyph

    def _stroke_normalised(self, glyph: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
        """Thin to the skeleton, then redraw with a round pen of random width (binary uint8)."""
        from skimage.morphology import skeletonize

        ink = glyph > 0.5
        rows = np.flatnonzero(ink.any(1))
        if rows.size == 0:
            return None
        skel = skeletonize(ink).astype(np.uint8)
        height = rows[-1] - rows[0] + 1
        radius = max(1, int(round(rng.uniform(*self.pen_width) * height / 2)))
        pen = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        pad = radius + 1
        skel = cv2.copyMakeBorder(skel, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
        return cv2.dilate(skel, pen)

    def _optdigits(self, glyph: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        bitmap = self._stroke_normalised(glyph, rng)
        if bitmap is None:
            return np.zeros((8, 8), np.float32)
        # 3. NIST-style spatial normalisation: slant removed (moment deskew), then full height
        # of 32, aspect kept, centred.
        if self.deslant:
            bitmap = _deslant(bitmap)
        box = _fit_box(bitmap.astype(np.float32), 32, 32, rng.uniform(*self.scale), self.min_aspect)
        canvas = _place(box, 32, 32, rng, self.shift_px)
        binary = (canvas > 0.5).astype(np.float32)
        # 4. Count on-pixels in non-overlapping 4 x 4 blocks: 8 x 8 values 0..16.
        counts = binary.reshape(8, 4, 8, 4).sum(axis=(1, 3))
        return (counts / 16.0).astype(np.float32)

    def _antialiased(self, glyph: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        h, w = self.image_shape_
        bitmap = self._stroke_normalised(glyph, rng)
        if bitmap is None:
            return np.zeros((h, w), np.float32)
        if self.like == "mnist":
            box = _fit_box(bitmap.astype(np.float32), 20, 20, rng.uniform(*self.scale))
            img = _centre_of_mass(box, h, w)
        else:
            box = _fit_box(bitmap.astype(np.float32), h, w, 0.8 * rng.uniform(*self.scale))
            img = _place(box, h, w, rng, self.shift_px)
        sigma = rng.uniform(*self.blur_sigma)
        if sigma > 0.05:
            img = cv2.GaussianBlur(img, (0, 0), sigma)
        if self.noise_std > 0:
            img = img + rng.normal(0.0, self.noise_std, img.shape).astype(np.float32)
        return np.clip(img, 0.0, 1.0).astype(np.float32)


def _output_size(like: str | None, size: tuple[int, int]) -> tuple[int, int]:
    if like == "sklearn-digits":
        return (8, 8)
    if like == "mnist":
        return (28, 28)
    if len(size) != 2:
        raise ConfigError(f"size: expected (H, W), got {size!r}")
    return int(size[0]), int(size[1])


def _deslant(bitmap: np.ndarray) -> np.ndarray:
    """Shear so the ink's principal axis is vertical: x' = x - (mu11 / mu02) (y - y_c)."""
    m = cv2.moments(bitmap, binaryImage=True)
    if m["mu02"] < 1e-6:
        return bitmap
    skew = m["mu11"] / m["mu02"]
    h, w = bitmap.shape
    pad = int(abs(skew) * h / 2) + 2
    bitmap = cv2.copyMakeBorder(bitmap, 0, 0, pad, pad, cv2.BORDER_CONSTANT, value=0)
    yc = m["m01"] / m["m00"]
    shear = np.float32([[1, -skew, skew * yc], [0, 1, 0]])
    return cv2.warpAffine(bitmap, shear, (w + 2 * pad, h), flags=cv2.INTER_NEAREST)


def _fit_box(
    bitmap: np.ndarray, h: int, w: int, fill: float, min_aspect: float = 0.0
) -> np.ndarray:
    """Crop to the ink's bounding box and resize it to fit ``h x w`` (height first, aspect kept,
    except that a box narrower than ``min_aspect`` times its height is widened to that)."""
    rows = np.flatnonzero(bitmap.any(1))
    cols = np.flatnonzero(bitmap.any(0))
    crop = bitmap[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    ch, cw = crop.shape
    s = min(fill * h / ch, w / cw)
    nh = max(1, round(ch * s))
    nw = max(1, min(w, max(round(cw * s), round(min_aspect * nh))))
    return cv2.resize(crop, (nw, nh), interpolation=cv2.INTER_AREA)


def _place(box: np.ndarray, h: int, w: int, rng: np.random.Generator, shift: float) -> np.ndarray:
    """Centre ``box`` in an ``h x w`` canvas, offset by up to ``shift`` pixels, clipped."""
    canvas = np.zeros((h, w), np.float32)
    bh, bw = box.shape
    top = int(round((h - bh) / 2 + rng.uniform(-shift, shift)))
    left = int(round((w - bw) / 2 + rng.uniform(-shift, shift)))
    top, left = min(max(top, 0), h - bh), min(max(left, 0), w - bw)
    canvas[top : top + bh, left : left + bw] = box
    return canvas


def _centre_of_mass(box: np.ndarray, h: int, w: int) -> np.ndarray:
    """MNIST: put the box's centre of mass at the centre of the ``h x w`` image."""
    ys, xs = np.indices(box.shape)
    mass = box.sum() + 1e-8
    cy, cx = (ys * box).sum() / mass, (xs * box).sum() / mass
    m = np.float32([[1, 0, w / 2 - cx - 0.5], [0, 1, h / 2 - cy - 0.5]])
    return cv2.warpAffine(box, m, (w, h), flags=cv2.INTER_LINEAR)
