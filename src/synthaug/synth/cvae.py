"""Conditional variational auto-encoder (Kingma & Welling 2014; Sohn et al. 2015).

Reads top to bottom: the encoder q(z | x, y) and decoder p(x | z, y) networks, the loss (the
negative conditional ELBO) and the fit loop. Sampling draws z ~ N(0, I) and returns the decoder's
mean image for the requested label.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from synthaug.errors import ConfigError
from synthaug.seeding import SeedLike
from synthaug.synth.base import ProgressCallback, register
from synthaug.synth.learned import (
    LearnedGenerator,
    from_tensor,
    init_weights,
    to_tensor,
    torch_generator,
)

__all__ = ["ConditionalVAE"]


# -- networks --------------------------------------------------------------------------------
class Encoder(nn.Module):
    """q(z | x, y): strided convolutions down to 4 x 4, then an MLP that also sees y."""

    def __init__(
        self, channels: int, size: int, n_classes: int, width: int, hidden: int, latent: int
    ):
        super().__init__()
        layers: list[nn.Module] = []
        c_in, c_out = channels, width
        for _ in range(int(math.log2(size // 4))):
            layers += [nn.Conv2d(c_in, c_out, 4, 2, 1), nn.LeakyReLU(0.2)]
            c_in, c_out = c_out, min(c_out * 2, 256)
        self.features = nn.Sequential(*layers)
        self.mlp = nn.Sequential(
            nn.Linear(c_in * 16 + n_classes, hidden),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden, 2 * latent),
        )

    def forward(self, x: torch.Tensor, y1h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.features(x).flatten(1)
        mu, logvar = self.mlp(torch.cat([h, y1h], 1)).chunk(2, dim=1)
        return mu, logvar


class Decoder(nn.Module):
    """p(x | z, y): an MLP to a 4 x 4 feature map, then transposed convolutions up to S x S."""

    def __init__(
        self, channels: int, size: int, n_classes: int, width: int, hidden: int, latent: int
    ):
        super().__init__()
        n_up = int(math.log2(size // 4))
        widths = [min(width * 2**i, 256) for i in range(n_up)][::-1]  # mirror of the encoder
        self.c0 = widths[0]
        self.mlp = nn.Sequential(
            nn.Linear(latent + n_classes, hidden),
            nn.ReLU(),
            nn.Linear(hidden, self.c0 * 16),
            nn.ReLU(),
        )
        layers: list[nn.Module] = []
        for i, c in enumerate(widths):
            c_out = widths[i + 1] if i + 1 < len(widths) else width
            layers += [nn.ConvTranspose2d(c, c_out, 4, 2, 1), nn.ReLU()]
        layers.append(nn.Conv2d(width, channels, 3, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, y1h: torch.Tensor) -> torch.Tensor:
        h = self.mlp(torch.cat([z, y1h], 1)).view(-1, self.c0, 4, 4)
        return self.net(h)  # logits of the Bernoulli means


@register
class ConditionalVAE(LearnedGenerator):
    """Conditional VAE for small images (8x8 to 64x64, grayscale or RGB), CPU-first.

    Parameters
    ----------
    latent_dim : int
        Size of z.
    width : int
        Channels of the first convolution (doubled at each halving, capped at 256).
    hidden : int
        Width of the fully connected layer on each side.
    beta : float
        Weight of the KL term (1 is the ELBO; Higgins et al. 2017 for other values).
    epochs, batch_size, lr : int, int, float
        Adam training schedule.
    max_steps : int or None
        Stop after this many optimiser steps if earlier.
    max_minutes : float or None
        Stop after this much training time (summed over resumed runs) if earlier.
    seed : int or None
        Seeds weight initialisation, batch order and the reparameterisation noise.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).random((40, 8, 8), dtype=np.float32)
    >>> y = np.arange(40) % 2
    >>> gen = ConditionalVAE(epochs=2).fit(X, y)
    >>> Xs, ys = gen.sample(4, seed=0)
    >>> Xs.shape, ys.tolist()
    ((4, 8, 8), [0, 1, 0, 1])
    """

    _module_names = ("encoder", "decoder")

    def __init__(
        self,
        latent_dim: int = 16,
        width: int = 32,
        hidden: int = 256,
        beta: float = 1.0,
        epochs: int = 150,
        batch_size: int = 64,
        lr: float = 2e-3,
        seed: int | None = 0,
        max_steps: int | None = None,
        max_minutes: float | None = None,
    ) -> None:
        self.latent_dim = latent_dim
        self.width = width
        self.hidden = hidden
        self.beta = beta
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.seed = seed
        self.max_steps = max_steps
        self.max_minutes = max_minutes

    def _build(self) -> None:
        args = (
            self.n_channels_,
            self.size_,
            len(self.classes_),
            self.width,
            self.hidden,
            self.latent_dim,
        )
        self.encoder = Encoder(*args)
        self.decoder = Decoder(*args)

    # -- loss ----------------------------------------------------------------------------------
    def _loss(self, x: torch.Tensor, y1h: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        mu, logvar = self.encoder(x, y1h)
        # (1) Reparameterisation z = mu + sigma * eps, eps ~ N(0, I) (Kingma & Welling 2014, eq. 10).
        eps = torch.randn(mu.shape, generator=g)
        z = mu + torch.exp(0.5 * logvar) * eps
        logits = self.decoder(z, y1h)
        # (2) Reconstruction -log p(x | z, y): Bernoulli cross-entropy summed over pixels.
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / len(x)
        # (3) KL(q(z | x, y) || N(0, I)) in closed form (Kingma & Welling 2014, appendix B).
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / len(x)
        # (4) Negative conditional ELBO (Sohn et al. 2015, eq. 4), with beta on the KL term.
        return rec + self.beta * kl

    # -- fit loop ------------------------------------------------------------------------------
    def _fit(self, X: np.ndarray, index: np.ndarray, callback: ProgressCallback | None) -> None:
        self._check_budget()
        for name in ("latent_dim", "width", "hidden"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name}: expected a positive integer, got {value!r}")
        self._build_isolated()
        g = torch_generator(self.seed, "cvae")
        init_weights(self.encoder, g)
        init_weights(self.decoder, g)
        x_all = to_tensor(X, self.size_)
        y_all = self._one_hot(torch.from_numpy(index))
        params = list(self.encoder.parameters()) + list(self.decoder.parameters())
        opt = torch.optim.Adam(params, lr=self.lr)

        def step(batch: torch.Tensor) -> dict[str, float]:
            loss = self._loss(x_all[batch], y_all[batch], g)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            return {"loss": float(loss.detach())}

        self._train(X, index, g, {"adam": opt}, step, callback)

    # -- sampling ------------------------------------------------------------------------------
    @torch.no_grad()
    def _sample_indices(self, index: np.ndarray, seed: SeedLike) -> np.ndarray:
        g = torch_generator(seed, "cvae-sample")
        z = torch.randn((len(index), self.latent_dim), generator=g)
        logits = self.decoder(z, self._one_hot(torch.from_numpy(index)))
        return from_tensor(torch.sigmoid(logits), self.image_shape_)
