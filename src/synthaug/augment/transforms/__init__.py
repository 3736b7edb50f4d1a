"""Transform classes: draw parameters from an rng, then call the kernels per target."""

from synthaug.augment.transforms import (
    blur_noise,
    color,
    crops,
    crops_extra,
    distortion,
    dropout,
    geometric,
    pixel,
    weather,
)
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

__all__ = [
    "REGISTRY",
    "ImageOnlyTransform",
    "MatrixTransform",
    "Transform",
    "register",
    *crops.__all__,
    *geometric.__all__,
    *pixel.__all__,
    *blur_noise.__all__,
    *color.__all__,
    *crops_extra.__all__,
    *distortion.__all__,
    *dropout.__all__,
    *weather.__all__,
]
