"""The augmentation demo: real photos with boxes and keypoints, augmented, drawn in a grid."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from synthaug.augment.compose import Compose
from synthaug.augment.draw import draw_sample, grid
from synthaug.augment.sample import Sample
from synthaug.augment.transforms import (
    Affine,
    ColorJitter,
    GaussianBlur,
    HorizontalFlip,
    Perspective,
    RandomResizedCrop,
)
from synthaug.seeding import item_rng

__all__ = ["demo_pipeline", "labelled_photos", "run_augment_demo"]


def labelled_photos() -> list[Sample]:
    """The bundled photos with hand-placed boxes and keypoints (pixel coordinates).

    Boxes and keypoints mark salient objects of each photo (astronaut's face and flag, the
    coffee cup, the cat's face and eyes), measured on the original images.
    """
    import skimage.data as skd

    return [
        Sample(
            skd.astronaut(),
            boxes=np.array([[160, 30, 290, 200], [0, 0, 130, 260]], float),
            box_labels=["face", "flag"],
            keypoints=np.array([[198, 103], [248, 100], [225, 160]], float),
            keypoint_labels=["left eye", "right eye", "mouth"],
            meta={"name": "astronaut"},
        ),
        Sample(
            skd.coffee(),
            boxes=np.array([[105, 25, 470, 330]], float),
            box_labels=["cup"],
            keypoints=np.array([[290, 170]], float),
            keypoint_labels=["centre"],
            meta={"name": "coffee"},
        ),
        Sample(
            skd.chelsea(),
            boxes=np.array([[40, 10, 400, 295]], float),
            box_labels=["cat face"],
            keypoints=np.array([[172, 115], [318, 135], [265, 240]], float),
            keypoint_labels=["left eye", "right eye", "nose"],
            meta={"name": "chelsea"},
        ),
    ]


def demo_pipeline(seed: int = 0) -> Compose:
    """A typical detection pipeline: crop-resize, flip, affine, perspective, colour, blur."""
    return Compose(
        [
            RandomResizedCrop(256, scale=(0.5, 1.0), p=1.0),
            HorizontalFlip(p=0.5),
            Affine(rotate=20, scale=(0.9, 1.1), translate_percent=0.05, p=0.8),
            Perspective(scale=(0.02, 0.06), p=0.5),
            ColorJitter(0.3, 0.3, 0.3, 0.05, p=0.8),
            GaussianBlur(ksize=(3, 5), p=0.3),
        ],
        min_visibility=0.3,
        seed=seed,
    )


def run_augment_demo(out_dir: Path, n_per_photo: int = 8, seed: int = 0) -> list[Path]:
    """Augment the labelled photos ``n_per_photo`` times and write one preview grid PNG."""
    pipe = demo_pipeline(seed)
    tiles = []
    for idx, s in enumerate(labelled_photos()):
        tiles.append(draw_sample(s))
        for k in range(n_per_photo - 1):
            out = pipe(s, seed=item_rng(seed, idx, k))
            tiles.append(draw_sample(out))
    img = grid(tiles, n_cols=n_per_photo, cell=192)
    path = Path(out_dir) / "augment_preview.png"
    tmp = path.with_name(path.name + ".tmp.png")
    cv2.imwrite(str(tmp), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    tmp.replace(path)
    return [path]
