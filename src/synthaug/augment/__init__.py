"""Label-aware image augmentation (numpy and OpenCV only; never imports torch).

A pipeline transforms an image together with everything that labels it: masks, boxes (in
``xyxy``, ``xywh`` or ``yolo`` format, with per-box labels), keypoints and a class label.
See :mod:`synthaug.augment.sample` for the coordinate conventions.

Examples
--------
>>> import numpy as np
>>> from synthaug import augment as A
>>> pipe = A.Compose([A.HorizontalFlip(), A.Rotate(limit=15)], min_visibility=0.3)
>>> out = pipe(image=np.zeros((64, 64, 3), np.uint8), boxes=[[8, 8, 24, 24]],
...            box_labels=["cat"], seed=(0, 0, 7))
>>> out.image.shape
(64, 64, 3)
"""

from synthaug.augment.albumentations_import import from_albumentations
from synthaug.augment.compose import BaseCompose, Compose, OneOf, Sequential, SomeOf
from synthaug.augment.mix import CutMix, MixUp, Mosaic, soft_label
from synthaug.augment.policies import AugMix, AutoAugment, RandAugment, TrivialAugmentWide
from synthaug.augment.sample import Applied, Sample
from synthaug.augment.serialize import from_dict, load, loads, save, to_dict
from synthaug.augment.transforms import *  # noqa: F403
from synthaug.augment.transforms import (
    REGISTRY,
    ImageOnlyTransform,
    MatrixTransform,
    Transform,
    register,
)
from synthaug.augment.transforms import blur_noise as _blur_noise
from synthaug.augment.transforms import color as _color
from synthaug.augment.transforms import crops as _crops
from synthaug.augment.transforms import crops_extra as _crops_extra
from synthaug.augment.transforms import distortion as _distortion
from synthaug.augment.transforms import dropout as _dropout
from synthaug.augment.transforms import geometric as _geometric
from synthaug.augment.transforms import pixel as _pixel
from synthaug.augment.transforms import weather as _weather

__all__ = [
    "REGISTRY",
    "Applied",
    "BaseCompose",
    "Compose",
    "ImageOnlyTransform",
    "MatrixTransform",
    "OneOf",
    "Sample",
    "Sequential",
    "SomeOf",
    "Transform",
    "from_dict",
    "load",
    "loads",
    "register",
    "save",
    "to_dict",
    *_crops.__all__,
    *_geometric.__all__,
    *_pixel.__all__,
    *_blur_noise.__all__,
    *_color.__all__,
    *_crops_extra.__all__,
    *_distortion.__all__,
    *_dropout.__all__,
    *_weather.__all__,
    "AugMix",
    "AutoAugment",
    "RandAugment",
    "TrivialAugmentWide",
    "CutMix",
    "MixUp",
    "Mosaic",
    "soft_label",
    "from_albumentations",
]
