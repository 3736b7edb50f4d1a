"""Single-stroke pen trajectories of hand-written digits, drawn with random jitter.

Printed fonts miss the common hand-written forms (a bare 1, an open 4, a crossed 7, a 9 with a
straight stem). Each digit here has one or more templates: polylines in a box of height 1
(``x`` right, ``y`` down), smoothed by Chaikin's corner cutting unless marked sharp. Drawing a
template jitters every control point, so no two renderings are the same.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["DIGIT_STROKES", "render_strokes"]

Stroke = list[tuple[float, float]]

# (strokes, smooth) per variant. Control points were placed by hand on a 1-high box.
DIGIT_STROKES: dict[str, list[tuple[list[Stroke], bool]]] = {
    "0": [
        (
            [
                [
                    (0.5, 0.0),
                    (0.22, 0.15),
                    (0.15, 0.5),
                    (0.22, 0.85),
                    (0.5, 1.0),
                    (0.78, 0.85),
                    (0.85, 0.5),
                    (0.78, 0.15),
                    (0.5, 0.0),
                    (0.3, 0.08),
                ]
            ],
            True,
        ),
    ],
    "1": [
        ([[(0.5, 0.0), (0.5, 1.0)]], False),
        ([[(0.25, 0.25), (0.55, 0.0), (0.55, 1.0)]], False),
        ([[(0.3, 0.2), (0.55, 0.0), (0.55, 1.0)], [(0.3, 1.0), (0.8, 1.0)]], False),
    ],
    "2": [
        (
            [
                [
                    (0.2, 0.25),
                    (0.35, 0.03),
                    (0.62, 0.0),
                    (0.8, 0.2),
                    (0.72, 0.45),
                    (0.45, 0.72),
                    (0.18, 1.0),
                    (0.5, 0.97),
                    (0.85, 1.0),
                ]
            ],
            True,
        ),
        ([[(0.2, 0.2), (0.5, 0.0), (0.78, 0.15), (0.7, 0.45), (0.2, 1.0), (0.85, 1.0)]], False),
    ],
    "3": [
        (
            [
                [
                    (0.2, 0.1),
                    (0.5, 0.0),
                    (0.78, 0.15),
                    (0.72, 0.38),
                    (0.42, 0.5),
                    (0.75, 0.6),
                    (0.82, 0.85),
                    (0.5, 1.0),
                    (0.18, 0.9),
                ]
            ],
            True,
        ),
        (
            [
                [
                    (0.2, 0.0),
                    (0.8, 0.0),
                    (0.45, 0.42),
                    (0.8, 0.62),
                    (0.75, 0.92),
                    (0.45, 1.0),
                    (0.18, 0.9),
                ]
            ],
            True,
        ),
    ],
    "4": [
        ([[(0.5, 0.0), (0.15, 0.65), (0.88, 0.65)], [(0.68, 0.3), (0.68, 1.0)]], False),
        ([[(0.2, 0.0), (0.18, 0.55), (0.8, 0.55)], [(0.72, 0.0), (0.72, 1.0)]], False),
        ([[(0.65, 1.0), (0.65, 0.0), (0.12, 0.68), (0.88, 0.68)]], False),
    ],
    "5": [
        (
            [
                [
                    (0.8, 0.0),
                    (0.3, 0.0),
                    (0.25, 0.45),
                    (0.55, 0.38),
                    (0.8, 0.55),
                    (0.8, 0.85),
                    (0.5, 1.0),
                    (0.18, 0.9),
                ]
            ],
            True,
        ),
        (
            [
                [
                    (0.3, 0.0),
                    (0.25, 0.45),
                    (0.55, 0.38),
                    (0.8, 0.55),
                    (0.8, 0.85),
                    (0.5, 1.0),
                    (0.18, 0.9),
                ],
                [(0.3, 0.0), (0.82, 0.0)],
            ],
            False,
        ),
    ],
    "6": [
        (
            [
                [
                    (0.72, 0.0),
                    (0.4, 0.2),
                    (0.22, 0.55),
                    (0.28, 0.9),
                    (0.5, 1.0),
                    (0.75, 0.88),
                    (0.75, 0.62),
                    (0.5, 0.5),
                    (0.25, 0.62),
                ]
            ],
            True,
        ),
    ],
    "7": [
        ([[(0.15, 0.0), (0.85, 0.0), (0.55, 0.45), (0.4, 1.0)]], False),
        (
            [[(0.15, 0.05), (0.85, 0.0), (0.55, 0.45), (0.4, 1.0)], [(0.3, 0.5), (0.75, 0.48)]],
            False,
        ),
    ],
    "8": [
        (
            [
                [
                    (0.5, 0.5),
                    (0.25, 0.3),
                    (0.3, 0.05),
                    (0.5, 0.0),
                    (0.7, 0.05),
                    (0.75, 0.28),
                    (0.5, 0.5),
                    (0.22, 0.72),
                    (0.28, 0.95),
                    (0.5, 1.0),
                    (0.72, 0.95),
                    (0.78, 0.72),
                    (0.5, 0.5),
                ]
            ],
            True,
        ),
    ],
    "9": [
        (
            [
                [
                    (0.75, 0.28),
                    (0.55, 0.42),
                    (0.3, 0.38),
                    (0.22, 0.18),
                    (0.45, 0.0),
                    (0.7, 0.05),
                    (0.75, 0.28),
                    (0.8, 0.7),
                    (0.6, 0.98),
                    (0.3, 0.92),
                ]
            ],
            True,
        ),
        (
            [
                [
                    (0.75, 0.25),
                    (0.5, 0.42),
                    (0.25, 0.32),
                    (0.3, 0.06),
                    (0.55, 0.0),
                    (0.75, 0.12),
                    (0.75, 0.25),
                    (0.75, 1.0),
                ]
            ],
            False,
        ),
    ],
}


def _chaikin(points: np.ndarray, n_iter: int = 3) -> np.ndarray:
    """Chaikin's corner cutting (1974), keeping both end points."""
    for _ in range(n_iter):
        q = 0.75 * points[:-1] + 0.25 * points[1:]
        r = 0.25 * points[:-1] + 0.75 * points[1:]
        mid = np.empty((2 * len(q), 2))
        mid[0::2], mid[1::2] = q, r
        points = np.vstack([points[:1], mid, points[-1:]])
    return points


def render_strokes(
    char: str, rng: np.random.Generator, canvas: int, jitter: float = 0.06
) -> np.ndarray:
    """Draw a random variant of ``char`` with jittered control points on a ``canvas`` square.

    Returns float32 coverage in [0, 1] with the glyph about 60 % of the canvas high, centred.
    """
    variants = DIGIT_STROKES[char]
    strokes, smooth = variants[int(rng.integers(len(variants)))]
    img = np.zeros((canvas, canvas), np.uint8)
    height = 0.6 * canvas
    origin = np.array([canvas / 2 - 0.5 * height, canvas / 2 - 0.5 * height])
    for stroke in strokes:
        pts = np.asarray(stroke, dtype=np.float64)
        pts = pts + rng.uniform(-jitter, jitter, pts.shape)
        if smooth:
            pts = _chaikin(pts)
        xy = np.round(origin + pts * height).astype(np.int32)
        cv2.polylines(
            img,
            [xy.reshape(-1, 1, 2)],
            False,
            255,
            thickness=max(2, canvas // 25),
            lineType=cv2.LINE_AA,
        )
    return img.astype(np.float32) / 255.0
