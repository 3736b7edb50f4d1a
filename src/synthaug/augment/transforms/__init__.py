"""Transform classes: draw parameters from an rng, then call the kernels per target."""

from synthaug.augment.transforms.base import (
    REGISTRY,
    ImageOnlyTransform,
    MatrixTransform,
    Transform,
    register,
)
from synthaug.augment.transforms.blur_noise import *  # noqa: F403
from synthaug.augment.transforms.color import *  # noqa: F403
from synthaug.augment.transforms.crops import *  # noqa: F403
from synthaug.augment.transforms.crops_extra import *  # noqa: F403
from synthaug.augment.transforms.distortion import *  # noqa: F403
from synthaug.augment.transforms.dropout import *  # noqa: F403
from synthaug.augment.transforms.geometric import *  # noqa: F403
from synthaug.augment.transforms.pixel import *  # noqa: F403
from synthaug.augment.transforms.weather import *  # noqa: F403

# a literal list (the submodules' __all__ spelled out) so that type checkers see the
# re-exported names; tests/unit/test_augment_exports.py checks it against the submodules
__all__ = [
    "REGISTRY",
    "ImageOnlyTransform",
    "MatrixTransform",
    "Transform",
    "register",
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
]
