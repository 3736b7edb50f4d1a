"""Deep CORAL (Sun & Saenko 2016): align second-order statistics of source and target features.

Loss per step: cross-entropy on a source batch + ``weight`` * CORAL(features_s, features_t)
(eq. 1: ``||C_s - C_t||_F^2 / (4 d^2)``). ``weight`` trades classification for alignment; the
default 1.0 is the paper's choice of making both losses comparable at the end of training.
"""

from __future__ import annotations

import torch

from synthaug.adapt.base import Adapter, coral_loss
from synthaug.seeding import item_seed

__all__ = ["DeepCORAL"]


class DeepCORAL(Adapter):
    """Joint training with the CORAL penalty on the backbone's embedding."""

    def __init__(self, weight: float = 1.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.weight = weight

    def fit(self, source_X, source_y, target_X) -> DeepCORAL:
        """Minimise source cross-entropy + weight * CORAL over ``steps`` mini-batches."""
        xs, ys, xt = self._prepare(source_X, source_y, target_X)
        model = self._build(xs.shape[1], tuple(xs.shape[2:]))
        opt = torch.optim.AdamW(model.parameters(), lr=self.lr, weight_decay=1e-4)
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=self.lr, total_steps=self.steps, pct_start=0.15
        )
        gs, gt = self._generator("coral-s"), self._generator("coral-t")
        model.train()
        with torch.random.fork_rng(devices=[]):  # dropout draws from the forked global stream
            torch.manual_seed(item_seed("coral-dropout", int(self.seed)) % 2**63)
            for _ in range(self.steps):
                bs, bt = (
                    self._batch(len(xs), self.batch_size, gs),
                    self._batch(len(xt), self.batch_size, gt),
                )
                fs, ft = model.embed(xs[bs]), model.embed(xt[bt])
                loss = torch.nn.functional.cross_entropy(
                    model.head(fs), ys[bs]
                ) + self.weight * coral_loss(fs, ft)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
        model.eval()
        self.model_ = model
        return self
