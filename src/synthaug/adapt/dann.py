"""DANN (Ganin & Lempitsky 2015; Ganin et al. 2016): domain-adversarial training.

1. A gradient reversal layer (GRL) is the identity forward and multiplies the gradient by
   ``-lambda`` backward, so the feature extractor learns to *confuse* a domain classifier
   while the classifier learns to separate domains.
2. ``lambda_p = 2 / (1 + exp(-10 p)) - 1`` grows from 0 to 1 with training progress ``p``
   (eq. 14 of the 2016 paper), which keeps early, noisy domain gradients small.
3. The learning rate anneals as ``mu_p = mu_0 / (1 + 10 p) ** 0.75`` (same section).
Loss per step: cross-entropy on source labels + cross-entropy of the domain classifier on a
source batch (domain 0) and a target batch (domain 1), through the GRL.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from synthaug.adapt.base import Adapter
from synthaug.seeding import item_seed

__all__ = ["DANN", "GradientReversal", "grl_lambda"]


class GradientReversal(torch.autograd.Function):
    """Identity forward; gradient times ``-lambda`` backward."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, lam: float) -> torch.Tensor:
        ctx.lam = lam
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return -ctx.lam * grad, None


def grl_lambda(p: float, gamma: float = 10.0) -> float:
    """The paper's schedule ``2 / (1 + exp(-gamma p)) - 1`` for progress ``p`` in [0, 1]."""
    return 2.0 / (1.0 + math.exp(-gamma * p)) - 1.0


class DANN(Adapter):
    """Domain-adversarial neural network on the backbone's embedding."""

    def __init__(self, domain_weight: float = 1.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.domain_weight = domain_weight

    def fit(self, source_X, source_y, target_X) -> DANN:
        """Adversarial training for ``steps`` mini-batch pairs."""
        xs, ys, xt = self._prepare(source_X, source_y, target_X)
        model = self._build(xs.shape[1], tuple(xs.shape[2:]))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(item_seed("dann-discriminator", int(self.seed)) % 2**63)
            d = model.head.in_features
            disc = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 2))
        params = list(model.parameters()) + list(disc.parameters())
        # SGD with momentum as in the paper; its step needs ~3x the Adam rate the other methods
        # share (``lr``), hence mu_0 = 3 lr
        mu0 = 3 * self.lr
        opt = torch.optim.SGD(params, lr=mu0, momentum=0.9, weight_decay=1e-4)
        gs, gt = self._generator("dann-s"), self._generator("dann-t")
        ce = nn.functional.cross_entropy
        model.train()
        with torch.random.fork_rng(devices=[]):  # dropout draws from the forked global stream
            torch.manual_seed(item_seed("dann-dropout", int(self.seed)) % 2**63)
            for step in range(self.steps):
                p = step / max(1, self.steps - 1)
                for group in opt.param_groups:  # (3) annealed learning rate
                    group["lr"] = mu0 / (1 + 10 * p) ** 0.75
                bs, bt = (
                    self._batch(len(xs), self.batch_size, gs),
                    self._batch(len(xt), self.batch_size, gt),
                )
                fs, ft = model.embed(xs[bs]), model.embed(xt[bt])
                lam = grl_lambda(p)  # (2)
                f_all = GradientReversal.apply(torch.cat([fs, ft]), lam)  # (1)
                dom = torch.cat([torch.zeros(len(bs)), torch.ones(len(bt))]).long()
                loss = ce(model.head(fs), ys[bs]) + self.domain_weight * ce(disc(f_all), dom)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        model.eval()
        self.model_ = model
        self.discriminator_ = disc
        return self
