"""Albumentations drop-in: ``import synthaug.albumentations as A``.

Albumentations' names, argument names, call convention (``pipe(image=..., bboxes=...,
labels=...)`` returning a dict), ``BboxParams``/``KeypointParams``, ``additional_targets``,
``ReplayCompose`` and its 1.x/2.x files, over synthaug's own engine. Nothing of Albumentations
is imported or needed; its public API and documented behaviour (2.0.8) are what this layer
matches. An argument, key or transform synthaug cannot honour is a
:class:`~synthaug.errors.ConfigError` at construction or load, never a silent change.

Examples
--------
>>> import numpy as np
>>> import synthaug.albumentations as A
>>> pipe = A.Compose(
...     [A.HorizontalFlip(p=0.5), A.RandomBrightnessContrast(p=0.2)],
...     bbox_params=A.BboxParams(format="pascal_voc", label_fields=["class_labels"]),
...     seed=137,
... )
>>> out = pipe(image=np.zeros((32, 32, 3), np.uint8), bboxes=[[4, 4, 12, 20]],
...            class_labels=["cat"])
>>> sorted(out), out["class_labels"]
(['bboxes', 'class_labels', 'image'], ['cat'])
"""

from synthaug.albumentations import transforms as _transforms
from synthaug.albumentations.core import (
    BaseCompose,
    BboxParams,
    Compose,
    KeypointParams,
    OneOf,
    ReplayCompose,
    Sequential,
    SomeOf,
)
from synthaug.albumentations.mapping import MAPPED_NAMES
from synthaug.albumentations.serialization import (
    from_albumentations,
    from_dict,
    load,
    save,
    to_dict,
)
from synthaug.albumentations.transforms import *  # noqa: F403
from synthaug.albumentations.transforms import TRANSFORMS, BasicTransform

__all__ = [
    "MAPPED_NAMES",
    "TRANSFORMS",
    "BaseCompose",
    "BasicTransform",
    "BboxParams",
    "Compose",
    "KeypointParams",
    "OneOf",
    "ReplayCompose",
    "Sequential",
    "SomeOf",
    "from_albumentations",
    "from_dict",
    "load",
    "save",
    "to_dict",
    *sorted(_transforms.TRANSFORMS),
]


def __getattr__(name: str) -> type:
    # an Albumentations transform synthaug lacks: a class whose construction raises a
    # ConfigError naming it (so a script fails at pipeline construction, not mid-training)
    if name in _transforms.MISSING:
        return _transforms.missing_transform(name)
    raise AttributeError(f"module 'synthaug.albumentations' has no attribute {name!r}")
