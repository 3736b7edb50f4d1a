"""PyTorch glue of the Albumentations layer: ``ToTensorV2`` (imports torch).

Examples
--------
>>> import numpy as np
>>> import synthaug.albumentations as A
>>> from synthaug.albumentations.pytorch import ToTensorV2
>>> out = A.Compose([A.Normalize(), ToTensorV2()])(image=np.zeros((4, 6, 3), np.uint8))
>>> tuple(out["image"].shape), str(out["image"].dtype)
((3, 4, 6), 'torch.float32')
"""

from __future__ import annotations

from synthaug.albumentations.pytorch.transforms import ToTensorV2

__all__ = ["ToTensorV2"]
