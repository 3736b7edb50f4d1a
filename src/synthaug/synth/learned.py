"""What the learned (PyTorch) generators share: image tensors, seeding, weights on disk.

Images enter the networks as ``(N, C, S, S)`` tensors where ``S`` is the power of two between 8
and 64 that covers the image (``(N, 28, 28)`` is resized to 32 x 32 and back). Randomness comes
from ``torch.Generator`` objects seeded from :mod:`synthaug.seeding`; nothing touches torch's
global random state, so two fits with the same ``seed`` give the same weights.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from synthaug.errors import ConfigError
from synthaug.seeding import SeedLike, as_rng, item_seed
from synthaug.synth.base import Generator

__all__ = ["LearnedGenerator", "from_tensor", "init_weights", "internal_size", "to_tensor"]

MIN_SIZE, MAX_SIZE = 8, 64


def internal_size(image_shape: tuple[int, ...]) -> int:
    """Side ``S`` of the square power-of-two grid the networks work on."""
    side = max(image_shape[0], image_shape[1])
    s = max(MIN_SIZE, 2 ** math.ceil(math.log2(side)))
    if s > MAX_SIZE:
        raise ConfigError(
            f"image size {image_shape[:2]}: learned generators support 8x8 to 64x64 images"
        )
    return s


def to_tensor(X: np.ndarray, size: int) -> torch.Tensor:
    """(N, H, W[, C]) float32 [0, 1] -> (N, C, size, size) float32 [0, 1]."""
    t = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    t = t.unsqueeze(1) if t.ndim == 3 else t.permute(0, 3, 1, 2).contiguous()
    if t.shape[-2:] != (size, size):
        t = F.interpolate(
            t, size=(size, size), mode="bilinear", antialias=True, align_corners=False
        )
    return t.clamp_(0.0, 1.0)


def from_tensor(t: torch.Tensor, image_shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of :func:`to_tensor`: back to ``(N, *image_shape)`` float32 in [0, 1]."""
    h, w = image_shape[0], image_shape[1]
    if t.shape[-2:] != (h, w):
        t = F.interpolate(t, size=(h, w), mode="bilinear", antialias=True, align_corners=False)
    t = t.clamp(0.0, 1.0)
    out = t[:, 0] if len(image_shape) == 2 else t.permute(0, 2, 3, 1)
    return out.detach().cpu().numpy().astype(np.float32)


@torch.no_grad()
def init_weights(module: nn.Module, generator: torch.Generator, std: float = 0.02) -> None:
    """DCGAN initialisation (Radford et al. 2016, sec. 4): N(0, 0.02) weights, zero biases."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            weight = (
                m.parametrizations.weight.original if hasattr(m, "parametrizations") else m.weight
            )
            weight.normal_(0.0, std, generator=generator)
            if getattr(m, "bias", None) is not None:
                m.bias.zero_()
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.normal_(1.0, std, generator=generator)
            m.bias.zero_()


def torch_generator(seed: SeedLike, *key: int | str) -> torch.Generator:
    """A ``torch.Generator`` seeded from ``seed`` (int or numpy Generator) and a key."""
    base = int(as_rng(seed).integers(2**62)) if not isinstance(seed, int) else seed
    return torch.Generator().manual_seed(item_seed(base, *key))


class LearnedGenerator(Generator):
    """A generator whose state is a set of ``torch.nn.Module`` objects.

    Subclasses set ``_module_names`` and implement ``_build()`` (create the modules from the
    parameters, ``classes_`` and ``image_shape_``). Saving writes the state dicts of the modules
    named by ``_saved_modules()``.
    """

    _module_names: tuple[str, ...] = ()

    def _saved_modules(self) -> tuple[str, ...]:
        """Modules written by ``save`` (those ``sample`` needs; fit always starts afresh)."""
        return self._module_names

    def _build(self) -> None:
        raise NotImplementedError

    @property
    def n_channels_(self) -> int:
        return 1 if len(self.image_shape_) == 2 else int(self.image_shape_[2])

    @property
    def size_(self) -> int:
        return internal_size(self.image_shape_)

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        tensors = {}
        for name in self._saved_modules():
            for key, value in getattr(self, name).state_dict().items():
                tensors[f"{name}.{key}"] = value.detach().cpu().contiguous().numpy()
        return tensors, {"loss_history_": list(getattr(self, "loss_history_", []))}

    def _build_isolated(self) -> None:
        """``_build`` without touching torch's global random state (module constructors draw
        their default initialisation from it; fit re-initialises from its own generator)."""
        with torch.random.fork_rng(devices=[]):
            self._build()

    def _set_state(self, tensors: dict[str, np.ndarray], state: dict[str, Any]) -> None:
        self._build_isolated()
        for name in self._saved_modules():
            module = getattr(self, name)
            prefix = f"{name}."
            sd = {
                k[len(prefix) :]: torch.from_numpy(v.copy())
                for k, v in tensors.items()
                if k.startswith(prefix)
            }
            module.load_state_dict(sd, strict=True)
        for name in self._module_names:
            getattr(self, name).eval()
        self.loss_history_ = list(state.get("loss_history_", []))

    def _one_hot(self, index: torch.Tensor) -> torch.Tensor:
        return F.one_hot(index, len(self.classes_)).float()
