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
from synthaug.augment.bands import OnBands
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

# a literal list (the submodules' __all__ spelled out) so that type checkers see the
# re-exported names; tests/unit/test_augment_exports.py checks it against the submodules
__all__ = [
    "REGISTRY",
    "Applied",
    "BaseCompose",
    "Compose",
    "ImageOnlyTransform",
    "MatrixTransform",
    "OnBands",
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
    # crops
    "CenterCrop",
    "LongestMaxSize",
    "PadIfNeeded",
    "RandomCrop",
    "RandomResizedCrop",
    "Resize",
    "SmallestMaxSize",
    # geometric
    "Affine",
    "HorizontalFlip",
    "Perspective",
    "Rotate",
    "Rotate90",
    "Transpose",
    "VerticalFlip",
    # pixel
    "BrightnessContrast",
    "CoarseDropout",
    "ColorJitter",
    "Gamma",
    "GaussianBlur",
    "GaussianNoise",
    "HueSaturationValue",
    "JPEGCompression",
    "MedianBlur",
    "Normalize",
    "ToGray",
    # blur_noise
    "Blur",
    "Defocus",
    "Downscale",
    "ISONoise",
    "MotionBlur",
    "MultiplicativeNoise",
    "SaltAndPepper",
    "ZoomBlur",
    # color
    "CLAHE",
    "AdjustSharpness",
    "AutoContrast",
    "ChannelDropout",
    "ChannelShuffle",
    "Emboss",
    "Equalize",
    "Invert",
    "Posterize",
    "RGBShift",
    "Sharpen",
    "Solarize",
    "ToSepia",
    # crops_extra
    "BBoxSafeRandomCrop",
    "Crop",
    "CropAndPad",
    "Pad",
    "RandomScale",
    "RandomSizedBBoxSafeCrop",
    "RandomSizedCrop",
    # distortion
    "ElasticTransform",
    "GridDistortion",
    "OpticalDistortion",
    # dropout
    "GridDropout",
    "PixelDropout",
    "RandomErasing",
    # weather
    "RandomFog",
    "RandomRain",
    "RandomShadow",
    "RandomSunFlare",
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
