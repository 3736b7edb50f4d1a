"""Transform classes: draw parameters from an rng, then call the kernels per target."""

from synthaug.augment.transforms import crops, geometric, pixel
from synthaug.augment.transforms.base import (
    REGISTRY,
    ImageOnlyTransform,
    MatrixTransform,
    Transform,
    register,
)
from synthaug.augment.transforms.crops import *  # noqa: F403
from synthaug.augment.transforms.geometric import *  # noqa: F403
from synthaug.augment.transforms.pixel import *  # noqa: F403

__all__ = [
    "REGISTRY",
    "ImageOnlyTransform",
    "MatrixTransform",
    "Transform",
    "register",
    *crops.__all__,
    *geometric.__all__,
    *pixel.__all__,
]
