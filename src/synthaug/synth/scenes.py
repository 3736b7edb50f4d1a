"""``ShapesScene``: objects (shapes and glyphs) composed on backgrounds, with exact targets.

Every object is drawn from a binary mask, so its instance mask, tight box and class label are
exact: no annotation noise. Later objects occlude earlier ones and the earlier masks are cut
accordingly; an object left with less than ``min_visible`` of its area is removed. Backgrounds
are procedural textures, plain colours or random crops of the photos bundled with
scikit-image and scikit-learn (:func:`synthaug.data.builtin.sample_photos`).

:meth:`ShapesScene.scenes` returns :class:`synthaug.augment.Sample` objects (uint8 RGB image,
one ``H x W`` uint8 mask per object, ``xyxy`` pixel boxes, class names in ``box_labels``) ready
for a detection or segmentation pipeline or a COCO / YOLO writer. :meth:`ShapesScene.sample`
follows the generator contract: float32 images whose label is the class of the front object.
"""

from __future__ import annotations

import functools
from typing import Any

import cv2
import numpy as np

from synthaug.augment.sample import Sample
from synthaug.errors import ConfigError
from synthaug.seeding import SeedLike, as_rng, item_rng
from synthaug.synth.base import Generator, ProgressCallback, register

__all__ = ["SHAPES", "ShapesScene"]

SHAPES = ("circle", "square", "triangle", "star", "hexagon")
BACKGROUNDS = ("texture", "photo", "plain")


@functools.lru_cache(maxsize=1)
def _photos() -> tuple[np.ndarray, ...]:
    from synthaug.data.builtin import sample_photos

    return tuple(img for _, img in sample_photos())


def _shape_polygon(kind: str, n_vertices: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-radius outline (x, y) centred on 0, rotated at random."""
    angle0 = rng.uniform(0, 2 * np.pi)
    if kind == "star":
        t = angle0 + np.arange(10) * np.pi / 5
        r = np.where(np.arange(10) % 2 == 0, 1.0, 0.45)
    else:
        t = angle0 + np.arange(n_vertices) * 2 * np.pi / n_vertices
        r = np.ones(n_vertices)
    return np.stack([r * np.cos(t), r * np.sin(t)], 1)


@register
class ShapesScene(Generator):
    """Scenes of shapes and glyphs on textured or photographic backgrounds.

    Parameters
    ----------
    size : (int, int)
        Image ``(H, W)`` in pixels.
    shapes : sequence of str
        Shape classes, from ``circle``, ``square``, ``triangle``, ``star``, ``hexagon``.
    characters : str
        Glyph classes rendered from installed fonts (each character is one class).
    n_objects : (int, int)
        Inclusive range of objects per scene.
    object_size : (float, float)
        Range of an object's size as a fraction of the shorter image side.
    backgrounds : sequence of str
        Drawn uniformly from ``texture``, ``photo``, ``plain``.
    min_visible : float
        Objects occluded below this fraction of their own area are removed.

    Examples
    --------
    >>> scene = ShapesScene(size=(64, 64)).fit()
    >>> s = scene.scenes(1, seed=0)[0]
    >>> s.image.shape, s.boxes.shape[1], len(s.masks) == len(s.box_labels)
    ((64, 64, 3), 4, True)
    """

    learns = False

    def __init__(
        self,
        size: tuple[int, int] = (128, 128),
        shapes: tuple[str, ...] = SHAPES,
        characters: str = "",
        n_objects: tuple[int, int] = (1, 4),
        object_size: tuple[float, float] = (0.2, 0.45),
        backgrounds: tuple[str, ...] = BACKGROUNDS,
        min_visible: float = 0.3,
    ) -> None:
        self.size = size
        self.shapes = shapes
        self.characters = characters
        self.n_objects = n_objects
        self.object_size = object_size
        self.backgrounds = backgrounds
        self.min_visible = min_visible

    def fit(self, X: Any = None, y: Any = None, callback: ProgressCallback | None = None):
        """Validate the parameters and set ``class_names_``, ``classes_`` and ``image_shape_``."""
        bad = [s for s in self.shapes if s not in SHAPES]
        if bad:
            raise ConfigError(f"shapes: unknown {bad}; expected some of {list(SHAPES)}")
        bad = [b for b in self.backgrounds if b not in BACKGROUNDS]
        if bad or not self.backgrounds:
            raise ConfigError(
                f"backgrounds: got {list(self.backgrounds)}; expected some of {list(BACKGROUNDS)}"
            )
        lo, hi = self.n_objects
        if not 1 <= lo <= hi:
            raise ConfigError(f"n_objects: expected 1 <= low <= high, got {self.n_objects!r}")
        h, w = int(self.size[0]), int(self.size[1])
        if h < 16 or w < 16:
            raise ConfigError(f"size: expected at least (16, 16), got {self.size!r}")
        self.class_names_ = list(self.shapes) + list(self.characters)
        if not self.class_names_:
            raise ConfigError("shapes and characters are both empty: no class to draw")
        if self.characters:
            from synthaug.synth.fonts import find_fonts

            self.fonts_ = find_fonts(self.characters)
        self.classes_ = np.arange(len(self.class_names_), dtype=np.int64)
        self.image_shape_ = (h, w, 3)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "class_names_"):
            self.fit()

    def _set_state(self, tensors: dict[str, np.ndarray], state: dict[str, Any]) -> None:
        self.fit()

    # -- public scene API ----------------------------------------------------------------------
    def scenes(self, n: int, seed: SeedLike = None) -> list[Sample]:
        """``n`` scenes as :class:`~synthaug.augment.Sample` (uint8 image, masks, xyxy boxes).

        ``box_labels`` holds class names; ``meta["class_ids"]`` the matching class ids. The
        scene's ``label`` is the class id of the front (never occluded) object.
        """
        self._check_fitted()
        run_seed = int(as_rng(seed).integers(2**63))
        rng0 = item_rng(run_seed, "front")
        fronts = rng0.integers(len(self.classes_), size=n)
        return [self._scene(int(k), item_rng(run_seed, i)) for i, k in enumerate(fronts)]

    def _sample_indices(self, index: np.ndarray, seed: SeedLike) -> np.ndarray:
        run_seed = int(as_rng(seed).integers(2**63))
        images = [self._scene(int(k), item_rng(run_seed, i)).image for i, k in enumerate(index)]
        return np.stack(images).astype(np.float32) / 255.0

    # -- rendering -----------------------------------------------------------------------------
    def _scene(self, front: int, rng: np.random.Generator) -> Sample:
        h, w = self.image_shape_[:2]
        image = self._background(rng)
        n = int(rng.integers(self.n_objects[0], self.n_objects[1] + 1))
        kinds = [*rng.integers(len(self.classes_), size=n - 1).tolist(), front]
        full = [self._object_mask(k, rng) for k in kinds]
        colours = rng.integers(0, 256, size=(n, 3))
        # Drop the objects that later ones hide too much *before* painting, so every visible
        # pixel of an object belongs to a kept, annotated object.
        keep = list(range(n))
        while True:
            visible = _visible_masks([full[i] for i in keep])
            ok = [
                j
                for j, i in enumerate(keep)
                if visible[j].sum() >= max(1, self.min_visible * full[i].sum())
            ]
            if len(ok) == len(keep):
                break
            keep = [keep[j] for j in ok]
        for i in keep:
            shade = rng.normal(0, 12, size=(h, w, 1))
            painted = np.clip(colours[i] + shade, 0, 255).astype(np.uint8)
            image[full[i] > 0] = painted[full[i] > 0]
        masks = dict(zip(keep, visible, strict=True))
        boxes = np.array([_tight_box(masks[i]) for i in keep], dtype=np.float64).reshape(-1, 4)
        ids = [kinds[i] for i in keep]
        return Sample(
            image=image,
            masks=[masks[i] for i in keep],
            boxes=boxes,
            box_labels=[self.class_names_[k] for k in ids],
            box_format="xyxy",
            label=front,
            meta={
                "class_ids": ids,
                "class_names": list(self.class_names_),
                "n_occluded_dropped": n - len(keep),
            },
        )

    def _background(self, rng: np.random.Generator) -> np.ndarray:
        h, w = self.image_shape_[:2]
        kind = self.backgrounds[int(rng.integers(len(self.backgrounds)))]
        if kind == "photo":
            photo = _photos()[int(rng.integers(len(_photos())))]
            ph, pw = photo.shape[:2]
            side = int(rng.uniform(0.3, 1.0) * min(ph, pw))
            top, left = int(rng.integers(ph - side + 1)), int(rng.integers(pw - side + 1))
            crop = photo[top : top + side, left : left + side]
            return cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA)
        base = rng.integers(0, 256, size=3).astype(np.float32)
        if kind == "plain":
            return np.broadcast_to(base, (h, w, 3)).astype(np.uint8).copy()
        # Texture: smoothed noise at a random scale, plus stripes at a random angle.
        noise = cv2.GaussianBlur(
            rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), rng.uniform(1, 6)
        )
        noise /= noise.std() + 1e-6
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        theta, period = rng.uniform(0, np.pi), rng.uniform(4, 16)
        stripes = np.sin((xx * np.cos(theta) + yy * np.sin(theta)) * 2 * np.pi / period)
        pattern = 25 * noise + rng.uniform(0, 30) * stripes
        return np.clip(base + pattern[..., None], 0, 255).astype(np.uint8)

    def _object_mask(self, k: int, rng: np.random.Generator) -> np.ndarray:
        h, w = self.image_shape_[:2]
        radius = 0.5 * rng.uniform(*self.object_size) * min(h, w)
        cx, cy = rng.uniform(radius, w - radius), rng.uniform(radius, h - radius)
        mask = np.zeros((h, w), np.uint8)
        name = self.class_names_[k]
        if name == "circle":
            axes = (max(1, round(radius)), max(1, round(radius * rng.uniform(0.8, 1.0))))
            cv2.ellipse(mask, (round(cx), round(cy)), axes, rng.uniform(0, 180), 0, 360, 1, -1)
        elif name in SHAPES:
            n_vertices = {"square": 4, "triangle": 3, "hexagon": 6, "star": 10}[name]
            poly = _shape_polygon(name, n_vertices, rng) * radius + (cx, cy)
            cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 1)
        else:
            mask = self._glyph_mask(name, radius, cx, cy, rng)
        return mask

    def _glyph_mask(
        self, char: str, radius: float, cx: float, cy: float, rng: np.random.Generator
    ) -> np.ndarray:
        from synthaug.synth.fonts import _CANVAS, _render_glyph

        h, w = self.image_shape_[:2]
        glyph = _render_glyph(self.fonts_[int(rng.integers(len(self.fonts_)))], char)
        s = 2 * radius / (0.6 * _CANVAS)
        angle = rng.uniform(-20, 20)
        m = cv2.getRotationMatrix2D((_CANVAS / 2, _CANVAS / 2), angle, s)
        m[:, 2] += (cx - _CANVAS / 2, cy - _CANVAS / 2)
        warped = cv2.warpAffine(glyph, m, (w, h), flags=cv2.INTER_LINEAR)
        return (warped > 0.5).astype(np.uint8)


def _visible_masks(masks: list[np.ndarray]) -> list[np.ndarray]:
    """Cut each mask by every mask drawn after it (later objects are in front)."""
    out = [m.copy() for m in masks]
    covered = np.zeros_like(masks[0]) if masks else None
    for m in reversed(out):
        m[covered > 0] = 0
        covered = np.maximum(covered, m)
    return out


def _tight_box(mask: np.ndarray) -> list[float]:
    """xyxy box of pixel edges: columns x_min .. x_max - 1 are covered."""
    rows = np.flatnonzero(mask.any(1))
    cols = np.flatnonzero(mask.any(0))
    return [float(cols[0]), float(rows[0]), float(cols[-1] + 1), float(rows[-1] + 1)]
