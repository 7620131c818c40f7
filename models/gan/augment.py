"""Differentiable augmentation (Zhao et al., DiffAugment) so the discriminator cannot memorise a small
dataset: the same random colour, translation and cutout are applied to real and fake batches."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def diff_augment(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    b = x.shape[0]

    def rand(*shape: int) -> torch.Tensor:
        return torch.rand(*shape, generator=generator, device=x.device)

    # colour: brightness, saturation, contrast
    x = x + (rand(b, 1, 1, 1) - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (rand(b, 1, 1, 1) * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * (rand(b, 1, 1, 1) + 0.5) + mean
    # translation by up to 1/8 of the size, zero padded
    h, w = x.shape[2], x.shape[3]
    shift_y = ((rand(b) * 2 - 1) * h / 8).round().long()
    shift_x = ((rand(b) * 2 - 1) * w / 8).round().long()
    grid_y = (torch.arange(h, device=x.device)[None, :] - shift_y[:, None]).clamp(-1, h)
    grid_x = (torch.arange(w, device=x.device)[None, :] - shift_x[:, None]).clamp(-1, w)
    padded = F.pad(x, (1, 1, 1, 1))
    rows = (grid_y + 1)[:, None, :, None].expand(b, x.shape[1], h, w + 2)
    x = padded.gather(2, rows)
    cols = (grid_x + 1)[:, None, None, :].expand(b, x.shape[1], h, w)
    x = x.gather(3, cols)
    # cutout of half the size
    cy = (rand(b) * h).long()
    cx = (rand(b) * w).long()
    ys = torch.arange(h, device=x.device)[None, :, None]
    xs = torch.arange(w, device=x.device)[None, None, :]
    inside = ((ys - cy[:, None, None]).abs() < h // 4) & ((xs - cx[:, None, None]).abs() < w // 4)
    return x * (~inside)[:, None].to(x.dtype)
