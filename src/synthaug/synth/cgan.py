"""Conditional DCGAN with spectral normalisation, a projection discriminator and DiffAugment.

Reads top to bottom: the generator G(z, y) (Radford et al. 2016: transposed convolutions,
batch norm, ReLU, tanh), the discriminator D(x, y) (spectral normalisation, Miyato et al. 2018;
projection conditioning, Miyato & Koyama 2018), the hinge or non-saturating loss with the same
differentiable augmentation T on real and fake images (Zhao et al. 2020), and the fit loop. An
exponential moving average of G's weights (Karras et al. 2018) is what ``sample`` uses; its decay
warms up with the step count, so a short run samples from recent weights, not its initialisation.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from synthaug.errors import ConfigError
from synthaug.seeding import SeedLike
from synthaug.synth.base import ProgressCallback, register
from synthaug.synth.diffaugment import diff_augment, parse_policy
from synthaug.synth.learned import (
    LearnedGenerator,
    from_tensor,
    init_weights,
    to_tensor,
    torch_generator,
)

__all__ = ["ConditionalGAN", "auto_width"]


def auto_width(size: int) -> int:
    """Default channel width for a ``size`` x ``size`` grid: 64 at 8, 32 at 16, 16 from 32 on.

    The generator's transposed convolutions cost about ``width**2 * size**2`` each; halving the
    width as the side doubles keeps a 32 x 32 step within a few times the 8 x 8 one.

    Examples
    --------
    >>> [auto_width(s) for s in (8, 16, 32, 64)]
    [64, 32, 16, 16]
    """
    return max(16, 512 // size)


# -- networks --------------------------------------------------------------------------------
class GeneratorNet(nn.Module):
    """G(z, y): [z, embed(y)] -> 4 x 4 map -> transposed convolutions up to S x S -> tanh."""

    def __init__(self, channels: int, size: int, n_classes: int, width: int, latent: int):
        super().__init__()
        n_up = int(math.log2(size // 4))
        widths = [min(width * 2**i, 256) for i in range(n_up + 1)][::-1]
        self.c0 = widths[0]
        self.embed = nn.Embedding(n_classes, latent)
        self.project = nn.Sequential(
            nn.Linear(2 * latent, self.c0 * 16), nn.BatchNorm1d(self.c0 * 16), nn.ReLU()
        )
        layers: list[nn.Module] = []
        for c_in, c_out in zip(widths[:-1], widths[1:], strict=True):
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1), nn.BatchNorm2d(c_out), nn.ReLU()]
        layers += [nn.Conv2d(widths[-1], channels, 3, 1, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.project(torch.cat([z, self.embed(y)], 1)).view(-1, self.c0, 4, 4)
        return self.net(h)


class DiscriminatorNet(nn.Module):
    """D(x, y) = psi(phi(x)) + <embed(y), phi(x)> (Miyato & Koyama 2018, eq. 3), all layers SN."""

    def __init__(self, channels: int, size: int, n_classes: int, width: int):
        super().__init__()
        layers: list[nn.Module] = [
            spectral_norm(nn.Conv2d(channels, width, 3, 1, 1)),
            nn.LeakyReLU(0.2),
        ]
        c = width
        for _ in range(int(math.log2(size // 4))):
            c_out = min(c * 2, 256)
            layers += [spectral_norm(nn.Conv2d(c, c_out, 4, 2, 1)), nn.LeakyReLU(0.2)]
            c = c_out
        self.phi = nn.Sequential(*layers, nn.Flatten())
        self.psi = spectral_norm(nn.Linear(c * 16, 1))
        self.embed = spectral_norm(nn.Embedding(n_classes, c * 16))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.phi(x)
        return self.psi(h).squeeze(1) + (self.embed(y) * h).sum(1)


def _adam_step(opt: torch.optim.Optimizer) -> int:
    """Updates ``opt`` has made (Adam keeps the count per parameter; checkpoints restore it)."""
    state = opt.state.get(opt.param_groups[0]["params"][0], {})
    return int(state.get("step", 0))


@torch.no_grad()
def _reset_spectral_vectors(module: nn.Module, g: torch.Generator) -> None:
    """Redraw SN's power-iteration vectors u, v from ``g`` (torch draws them from the global RNG)."""
    for m in module.modules():
        if hasattr(m, "parametrizations"):
            sn = m.parametrizations.weight[0]
            sn._u.copy_(F.normalize(torch.randn(sn._u.shape, generator=g), dim=0))
            sn._v.copy_(F.normalize(torch.randn(sn._v.shape, generator=g), dim=0))


@register
class ConditionalGAN(LearnedGenerator):
    """Conditional DCGAN for small images (8x8 to 64x64, grayscale or RGB), CPU-first.

    Parameters
    ----------
    latent_dim : int
        Size of the noise vector z.
    width : int or None
        Channels at the highest resolution of G and D (doubled per halving, capped at 256).
        ``None`` sizes it by the network's grid: 64 at 8 x 8, 32 at 16 x 16, 16 at 32 x 32 and
        64 x 64 (:func:`auto_width`), which keeps a step at 28 x 28 about 10 times cheaper
        than width 64 (the cost of the widest layers grows with width squared).
    loss : {"hinge", "nonsaturating"}
        Adversarial loss (Lim & Ye 2017 / Goodfellow et al. 2014, sec. 3).
    diffaugment : str
        Comma-separated DiffAugment policy, any of ``color``, ``translation``, ``cutout``;
        ``""`` disables it.
    epochs, batch_size, lr_g, lr_d : int, int, float, float
        Adam schedule (betas 0.0, 0.9 as in Miyato et al. 2018).
    max_steps : int or None
        Stop after this many optimiser steps (one D and one G update each) if earlier.
    max_minutes : float or None
        Stop after this much training time (summed over resumed runs) if earlier.
    ema : float
        Decay of the moving average of G's weights used for sampling (0 disables it). At step
        ``t`` the decay is ``min(ema, (1 + t) / (10 + t))`` (warm-up), so after a few hundred
        steps the average covers those steps rather than mostly the initial weights.
    ema_warmup : bool
        Warm the decay up as above (default). ``False`` uses ``ema`` from the first step, as
        models trained before the warm-up existed did (the shipped ``digits-cgan``).
    seed : int or None
        Seeds initialisation, batch order, noise and augmentations.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).random((40, 8, 8), dtype=np.float32)
    >>> gen = ConditionalGAN(epochs=1).fit(X, np.arange(40) % 2)
    >>> gen.sample(labels={1: 3}, seed=0)[0].shape
    (3, 8, 8)
    """

    _module_names = ("generator", "discriminator", "generator_ema")

    def __init__(
        self,
        latent_dim: int = 32,
        width: int | None = None,
        loss: str = "hinge",
        diffaugment: str = "color,translation,cutout",
        epochs: int = 300,
        batch_size: int = 64,
        lr_g: float = 2e-4,
        lr_d: float = 2e-4,
        ema: float = 0.999,
        ema_warmup: bool = True,
        seed: int | None = 0,
        max_steps: int | None = None,
        max_minutes: float | None = None,
    ) -> None:
        self.latent_dim = latent_dim
        self.width = width
        self.loss = loss
        self.diffaugment = diffaugment
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr_g = lr_g
        self.lr_d = lr_d
        self.ema = ema
        self.ema_warmup = ema_warmup
        self.seed = seed
        self.max_steps = max_steps
        self.max_minutes = max_minutes

    def _saved_modules(self) -> tuple[str, ...]:
        # Only the network that samples: keeps shipped weights small (D is for training only).
        return ("generator_ema",) if self.ema > 0 else ("generator",)

    @property
    def width_(self) -> int:
        """Channels at the highest resolution: ``width``, or by image size when it is None."""
        return self.width if self.width is not None else auto_width(self.size_)

    def _build(self) -> None:
        c, s, k, w = self.n_channels_, self.size_, len(self.classes_), self.width_
        self.generator = GeneratorNet(c, s, k, w, self.latent_dim)
        self.discriminator = DiscriminatorNet(c, s, k, w)
        self.generator_ema = copy.deepcopy(self.generator)

    # -- loss ----------------------------------------------------------------------------------
    def _d_loss(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
        if self.loss == "hinge":
            # (1) L_D = E[max(0, 1 - D(T(x)))] + E[max(0, 1 + D(T(G(z))))] (Lim & Ye 2017, eq. 5).
            return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
        # (1') L_D = -E[log sigmoid D(T(x))] - E[log(1 - sigmoid D(T(G(z))))] (Goodfellow 2014, eq. 1).
        return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()

    def _g_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        if self.loss == "hinge":
            # (2) L_G = -E[D(T(G(z)))] (Miyato et al. 2018, sec. 4).
            return -fake_logits.mean()
        # (2') Non-saturating L_G = -E[log sigmoid D(T(G(z)))] (Goodfellow et al. 2014, sec. 3).
        return F.softplus(-fake_logits).mean()

    # -- fit loop ------------------------------------------------------------------------------
    def _validate(self) -> tuple[str, ...]:
        self._check_budget()
        for name in ("latent_dim", "width"):
            value = getattr(self, name)
            if value is None and name == "width":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name}: expected a positive integer, got {value!r}")
        if self.loss not in ("hinge", "nonsaturating"):
            raise ConfigError(f"loss: expected 'hinge' or 'nonsaturating', got {self.loss!r}")
        if not 0.0 <= self.ema < 1.0:
            raise ConfigError(f"ema: expected a decay in [0, 1), got {self.ema!r}")
        if not isinstance(self.ema_warmup, bool):
            raise ConfigError(f"ema_warmup: expected True or False, got {self.ema_warmup!r}")
        return parse_policy(self.diffaugment)

    def _fit(self, X: np.ndarray, index: np.ndarray, callback: ProgressCallback | None) -> None:
        policy = self._validate()
        self._build_isolated()
        g = torch_generator(self.seed, "cgan")
        init_weights(self.generator, g)
        init_weights(self.discriminator, g)
        _reset_spectral_vectors(self.discriminator, g)
        self.generator_ema.load_state_dict(self.generator.state_dict())
        x_all = to_tensor(X, self.size_) * 2 - 1  # tanh range
        y_all = torch.from_numpy(index)
        opt_g = torch.optim.Adam(self.generator.parameters(), lr=self.lr_g, betas=(0.0, 0.9))
        opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=self.lr_d, betas=(0.0, 0.9))

        def step(batch: torch.Tensor) -> dict[str, float]:
            real, y = x_all[batch], y_all[batch]
            z = torch.randn((len(batch), self.latent_dim), generator=g)
            # (3) Discriminator step on T(real) and T(fake) (Zhao et al. 2020, eq. 2).
            fake = self.generator(z, y)
            d_loss = self._d_loss(
                self.discriminator(diff_augment(real, policy, g), y),
                self.discriminator(diff_augment(fake.detach(), policy, g), y),
            )
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            # (4) Generator step through T, which is differentiable (Zhao et al. 2020, eq. 3).
            g_loss = self._g_loss(self.discriminator(diff_augment(fake, policy, g), y))
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            self._update_ema(_adam_step(opt_g))
            return {"loss": float(d_loss.detach()), "loss_g": float(g_loss.detach())}

        # Batch norm needs two images per batch: a last batch of one is skipped.
        self._train(X, index, g, {"g": opt_g, "d": opt_d}, step, callback, min_batch=2)

    @torch.no_grad()
    def _update_ema(self, step: int) -> None:
        # (5) theta_ema <- decay * theta_ema + (1 - decay) * theta; batch-norm statistics copied.
        # Warm-up of the decay, min(ema, (1 + t) / (10 + t)), as TensorFlow's
        # ExponentialMovingAverage(num_updates=t) does.
        decay = min(self.ema, (1.0 + step) / (10.0 + step)) if self.ema_warmup else self.ema
        for p_ema, p in zip(
            self.generator_ema.parameters(), self.generator.parameters(), strict=True
        ):
            p_ema.lerp_(p, 1.0 - decay)
        for b_ema, b in zip(self.generator_ema.buffers(), self.generator.buffers(), strict=True):
            b_ema.copy_(b)

    # -- sampling ------------------------------------------------------------------------------
    @torch.no_grad()
    def _sample_indices(self, index: np.ndarray, seed: SeedLike) -> np.ndarray:
        g = torch_generator(seed, "cgan-sample")
        z = torch.randn((len(index), self.latent_dim), generator=g)
        net = self.generator_ema if self.ema > 0 else self.generator
        images = net(z, torch.from_numpy(index))
        return from_tensor((images + 1) / 2, self.image_shape_)
