"""Draw a Sample's labels on its image and tile samples into a preview grid (uint8 RGB)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from synthaug.augment.sample import Sample, boxes_to_xyxy, oriented_to_corners

__all__ = ["draw_sample", "grid"]

_PALETTE = np.array(
    [
        [230, 25, 75],
        [60, 180, 75],
        [255, 225, 25],
        [0, 130, 200],
        [245, 130, 48],
        [145, 30, 180],
        [70, 240, 240],
        [240, 50, 230],
        [210, 245, 60],
        [250, 190, 212],
    ],
    dtype=np.uint8,
)


def _to_rgb_uint8(image: np.ndarray) -> np.ndarray:
    img = image
    if img.dtype != np.uint8:
        img = np.clip(np.rint(np.clip(img, 0.0, 1.0) * 255), 0, 255).astype(np.uint8)
    if img.ndim == 2:
        img = img[:, :, None]
    if img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    elif img.shape[2] != 3:
        img = (
            np.ascontiguousarray(img[:, :, :3])
            if img.shape[2] > 3
            else np.repeat(img[:, :, :1], 3, 2)
        )
    return np.ascontiguousarray(img)


def draw_sample(sample: Sample, mask_alpha: float = 0.4, thickness: int = 2) -> np.ndarray:
    """Return an RGB uint8 image with masks tinted, boxes and oriented boxes outlined (an
    oriented box's first corner as a dot) and keypoints marked."""
    img: np.ndarray = _to_rgb_uint8(sample.image).copy()
    masks = sample.masks
    if masks is not None:
        items = (
            [masks[..., k] for k in range(masks.shape[2])]
            if isinstance(masks, np.ndarray) and masks.ndim == 3
            else [masks]
            if isinstance(masks, np.ndarray)
            else list(masks)
        )
        for i, m in enumerate(items):
            sel = m > 0
            colour = _PALETTE[i % len(_PALETTE)].astype(np.float32)
            img[sel] = (img[sel] * (1 - mask_alpha) + colour * mask_alpha).astype(np.uint8)
    if sample.boxes is not None and len(sample.boxes):
        b = boxes_to_xyxy(sample.boxes, sample.box_format, (sample.height, sample.width))
        for i, (x0, y0, x1, y1) in enumerate(b):
            colour = tuple(int(c) for c in _PALETTE[i % len(_PALETTE)])
            cv2.rectangle(
                img, (round(x0), round(y0)), (round(x1) - 1, round(y1) - 1), colour, thickness
            )
            if sample.box_labels is not None:
                cv2.putText(
                    img,
                    str(sample.box_labels[i]),
                    (round(x0) + 2, round(y0) + 12),
                    cv2.FONT_HERSHEY_SIMPLEX,
                    0.4,
                    colour,
                    1,
                    cv2.LINE_AA,
                )
    if sample.oriented_boxes is not None and len(sample.oriented_boxes):
        corners = oriented_to_corners(sample.oriented_boxes, sample.oriented_box_format)
        for i, quad in enumerate(corners):
            colour = tuple(int(c) for c in _PALETTE[i % len(_PALETTE)])
            # pixel edges to pixel centres; the first corner is marked (corner order)
            pts = np.round((quad - 0.5) * 16).astype(np.int32)
            cv2.polylines(img, [pts], True, colour, thickness, cv2.LINE_AA, shift=4)
            cv2.circle(img, (int(pts[0, 0]), int(pts[0, 1])), 3 * 16, colour, -1, cv2.LINE_AA, 4)
    if sample.keypoints is not None:
        for x, y in np.asarray(sample.keypoints)[:, :2]:
            cv2.drawMarker(img, (round(x), round(y)), (255, 255, 255), cv2.MARKER_CROSS, 9, 3)
            cv2.drawMarker(img, (round(x), round(y)), (255, 0, 0), cv2.MARKER_CROSS, 9, 1)
    return img


def grid(
    images: Sequence[np.ndarray], n_cols: int = 4, cell: int = 192, pad: int = 4
) -> np.ndarray:
    """Tile images (any size, dtype or channels) into one RGB uint8 grid of square cells."""
    if not images:
        raise ValueError("grid: no images to tile")
    n_rows = (len(images) + n_cols - 1) // n_cols
    out = np.full((n_rows * (cell + pad) + pad, n_cols * (cell + pad) + pad, 3), 255, np.uint8)
    for i, im in enumerate(images):
        rgb = _to_rgb_uint8(im)
        s = cell / max(rgb.shape[:2])
        h, w = max(1, round(rgb.shape[0] * s)), max(1, round(rgb.shape[1] * s))
        interp = cv2.INTER_NEAREST if s > 2 else cv2.INTER_AREA
        small = cv2.resize(rgb, (w, h), interpolation=interp)
        r, c = divmod(i, n_cols)
        y = pad + r * (cell + pad) + (cell - h) // 2
        x = pad + c * (cell + pad) + (cell - w) // 2
        out[y : y + h, x : x + w] = small
    return out
