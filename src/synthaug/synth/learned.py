"""What the learned (PyTorch) generators share: image tensors, seeding, weights on disk.

Images enter the networks as ``(N, C, S, S)`` tensors where ``S`` is the power of two between 8
and 64 that covers the image (``(N, 28, 28)`` is resized to 32 x 32 and back). Randomness comes
from ``torch.Generator`` objects seeded from :mod:`synthaug.seeding`; nothing touches torch's
global random state, so two fits with the same ``seed`` give the same weights.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from synthaug.errors import ConfigError
from synthaug.seeding import SeedLike, as_rng, item_seed
from synthaug.synth.base import Generator, ProgressCallback
from synthaug.synth.training import RunOptions, StepFunction, train_loop

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
    max_steps: int | None
    max_minutes: float | None

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        callback: ProgressCallback | None = None,
        *,
        checkpoint_dir: str | os.PathLike[str] | None = None,
        checkpoint_every_minutes: float = 1.0,
        resume: bool = False,
        stop: Callable[[], bool] | None = None,
    ):
        """Train on images ``X`` and integer labels ``y``; return ``self``.

        Training stops after ``epochs``, ``max_steps`` or ``max_minutes``, whichever comes first
        (``metadata_["stopped_by"]`` says which). ``callback`` receives one dict per epoch and a
        last one with ``"done": True`` (keys in :func:`synthaug.synth.training.train_loop`).

        Parameters
        ----------
        checkpoint_dir : folder, optional
            Write the full training state there (``checkpoint.safetensors`` + ``.json``, never a
            pickle) every ``checkpoint_every_minutes`` of training, on ``stop`` and at the end.
        resume : bool
            Continue from the checkpoint in ``checkpoint_dir`` (a fresh start if there is none).
            The budget is the total over all runs; with a step budget the result equals an
            uninterrupted run's.
        stop : callable, optional
            Polled between steps; when it returns True the state is saved and
            :class:`~synthaug.synth.training.TrainingInterrupted` is raised.
        """
        self._run = RunOptions(
            None if checkpoint_dir is None else Path(checkpoint_dir),
            checkpoint_every_minutes,
            resume,
            stop,
        )
        try:
            super().fit(X, y, callback)
        finally:
            del self._run
        self.metadata_.update(self.training_)
        return self

    def _check_budget(self) -> None:
        """Validate ``epochs``, ``batch_size``, ``max_steps`` and ``max_minutes``."""
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name}: expected a positive integer, got {value!r}")
        steps = self.max_steps
        if steps is not None and (
            isinstance(steps, bool) or not isinstance(steps, int) or steps < 1
        ):
            raise ConfigError(f"max_steps: expected a positive integer or None, got {steps!r}")
        minutes = self.max_minutes
        if minutes is not None and (
            isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not minutes > 0
        ):
            raise ConfigError(f"max_minutes: expected a positive number or None, got {minutes!r}")

    def _train(
        self,
        X: np.ndarray,
        index: np.ndarray,
        g: torch.Generator,
        optimizers: Mapping[str, torch.optim.Optimizer],
        step_fn: StepFunction,
        callback: ProgressCallback | None,
        min_batch: int = 1,
    ) -> None:
        """Run the shared step loop (budget, checkpoints, resume) with this model's step."""
        for name in self._module_names:
            getattr(self, name).train()
        run = getattr(self, "_run", None) or RunOptions()
        self.training_ = train_loop(
            self, X, index, g, optimizers, step_fn, callback, run, min_batch=min_batch
        )
        for name in self._module_names:
            getattr(self, name).eval()

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
