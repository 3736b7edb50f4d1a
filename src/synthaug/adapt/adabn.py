"""AdaBN (Li et al. 2016): train on the source, then re-estimate batch-norm statistics on
the target. The learned weights stay; only each BN layer's mean and variance change to the
target's, which removes first- and second-order shifts of every layer's activations.
"""

from __future__ import annotations

import torch
from torch import nn

from synthaug.adapt.base import Adapter
from synthaug.nn import to_nchw

__all__ = ["AdaBN", "target_batch_norm"]


class AdaBN(Adapter):
    """Source training, then target batch-norm statistics (no target labels, no extra loss)."""

    def fit(self, source_X, source_y, target_X) -> AdaBN:
        """Train on the source, then recompute BN running statistics over the whole target."""
        self._prepare(source_X, source_y, target_X)
        self.model_ = target_batch_norm(self.source_only_model(source_X, source_y).model_, target_X)
        return self


def target_batch_norm(model: nn.Module, target_X) -> nn.Module:
    """Replace every BN layer's running statistics by the target's (in place; returns model)."""
    # (1) reset every BN layer and accumulate an exact average over the target (momentum None)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
    xt = torch.from_numpy(to_nchw(target_X))
    model.train()
    with torch.no_grad():
        for i in range(0, len(xt), 256):
            model.features(xt[i : i + 256])
    model.eval()
    return model
