"""``ToTensorV2``: numpy targets to torch tensors, as the last step of a Compose."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from synthaug.errors import ConfigError

__all__ = ["ToTensorV2"]


class ToTensorV2:
    """Images ``H x W x C`` -> tensors ``C x H x W`` (``H x W`` -> ``1 x H x W``); masks to tensors.

    No scaling and no dtype change (put ``Normalize`` or ``ToFloat`` before it). With
    ``transpose_mask=True`` an ``H x W x C`` mask becomes ``C x H x W``. It must be the last
    step of the top-level Compose (it is applied to the output dict).
    """

    is_post_step: ClassVar[bool] = True
    name = "ToTensorV2"

    def __init__(self, transpose_mask: bool = False, p: float = 1.0, **legacy: Any) -> None:
        always = legacy.pop("always_apply", None)
        if legacy:
            raise ConfigError(
                f"ToTensorV2: unknown argument(s) {sorted(legacy)}; takes transpose_mask, p"
            )
        if float(p) != 1.0 and always is not True:
            raise ConfigError(
                f"ToTensorV2.p={p!r}: a tensor conversion applied at random would give mixed "
                "types; use p=1.0"
            )
        self.transpose_mask, self.p = bool(transpose_mask), 1.0

    def to_dict_private(self) -> dict[str, Any]:
        """``albumentations.to_dict`` form."""
        return {
            "__class_fullname__": "ToTensorV2",
            "p": self.p,
            "transpose_mask": self.transpose_mask,
        }

    def _image(self, image: np.ndarray) -> torch.Tensor:
        arr = image[:, :, None] if image.ndim == 2 else image
        return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))

    def _mask(self, mask: np.ndarray) -> torch.Tensor:
        if self.transpose_mask and mask.ndim == 3:
            mask = mask.transpose(2, 0, 1)
        return torch.from_numpy(np.ascontiguousarray(mask))

    def apply_to_dict(
        self,
        out: dict[str, Any],
        image_keys: tuple[str, ...] = ("image",),
        mask_keys: tuple[str, ...] = ("mask",),
    ) -> None:
        """Convert ``image`` and ``mask``/``masks`` of a Compose output in place."""
        for key in image_keys:
            if isinstance(out.get(key), np.ndarray):
                out[key] = self._image(out[key])
        for key in mask_keys:
            if isinstance(out.get(key), np.ndarray):
                out[key] = self._mask(out[key])
        masks = out.get("masks")
        if isinstance(masks, np.ndarray):
            out["masks"] = torch.from_numpy(np.ascontiguousarray(masks))
        elif isinstance(masks, list):
            out["masks"] = [self._mask(m) for m in masks]

    def __repr__(self) -> str:
        return f"ToTensorV2(transpose_mask={self.transpose_mask}, p={self.p})"
