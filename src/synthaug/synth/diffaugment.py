"""DiffAugment (Zhao et al. 2020): differentiable augmentations applied inside the GAN loss.

The same random policy ``T`` transforms real and generated images before the discriminator,
in the discriminator's and the generator's loss (Zhao et al. 2020, eqs. 2-3); every operation is
differentiable in the image, so gradients reach the generator through ``T``. Randomness comes
from a ``torch.Generator``. Images are ``(N, C, H, W)`` in [-1, 1].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from synthaug.errors import ConfigError

__all__ = ["DIFFAUGMENT_OPS", "diff_augment", "parse_policy"]


def _color(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    n = x.shape[0]
    # Brightness shift in [-0.5, 0.5), saturation x [0, 2), contrast x [0.5, 1.5) as in the paper.
    x = x + (torch.rand((n, 1, 1, 1), generator=g) - 0.5)
    if x.shape[1] > 1:
        mean = x.mean(dim=1, keepdim=True)
        x = (x - mean) * (torch.rand((n, 1, 1, 1), generator=g) * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (torch.rand((n, 1, 1, 1), generator=g) + 0.5) + mean


def _translation(x: torch.Tensor, g: torch.Generator, ratio: float = 0.125) -> torch.Tensor:
    n, _, h, w = x.shape
    sh, sw = max(1, int(h * ratio + 0.5)), max(1, int(w * ratio + 0.5))
    dy = torch.randint(-sh, sh + 1, (n, 1, 1), generator=g)
    dx = torch.randint(-sw, sw + 1, (n, 1, 1), generator=g)
    # Integer shift, gathered from a copy padded with -1 (black; the paper pads with 0, mid-grey).
    gy, gx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    iy = torch.clamp(gy.unsqueeze(0) + dy + 1, 0, h + 1)
    ix = torch.clamp(gx.unsqueeze(0) + dx + 1, 0, w + 1)
    padded = F.pad(x + 1, (1, 1, 1, 1)) - 1  # pad with -1, the background of [-1, 1] images
    batch = torch.arange(n).view(n, 1, 1)
    return padded.permute(0, 2, 3, 1)[batch, iy, ix].permute(0, 3, 1, 2).contiguous()


def _cutout(x: torch.Tensor, g: torch.Generator, ratio: float = 0.5) -> torch.Tensor:
    n, _, h, w = x.shape
    ch, cw = max(1, int(h * ratio + 0.5)), max(1, int(w * ratio + 0.5))
    cy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), generator=g)
    cx = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), generator=g)
    gy, gx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    inside = ((gy - cy + ch // 2) >= 0) & ((gy - cy + ch // 2) < ch)
    inside &= ((gx - cx + cw // 2) >= 0) & ((gx - cx + cw // 2) < cw)
    return x * (~inside).unsqueeze(1).to(x.dtype)


DIFFAUGMENT_OPS = {"color": _color, "translation": _translation, "cutout": _cutout}


def parse_policy(policy: str | None) -> tuple[str, ...]:
    """``"color,translation,cutout"`` -> ``("color", "translation", "cutout")``; validates names."""
    if not policy:
        return ()
    names = tuple(p.strip() for p in policy.split(",") if p.strip())
    unknown = [p for p in names if p not in DIFFAUGMENT_OPS]
    if unknown:
        raise ConfigError(
            f"diffaugment: unknown operations {unknown}; expected a comma-separated subset of "
            f"{list(DIFFAUGMENT_OPS)}"
        )
    return names


def diff_augment(x: torch.Tensor, policy: tuple[str, ...], g: torch.Generator) -> torch.Tensor:
    """Apply each operation of ``policy`` in order, with fresh random parameters per image."""
    for name in policy:
        x = DIFFAUGMENT_OPS[name](x, g)
    return x
