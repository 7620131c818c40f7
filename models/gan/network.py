"""Conditional GAN for vertical backgrounds: a DCGAN-style generator with bilinear upsampling and
reflect padding (no checkerboard, no frame-edge lines) and a spectrally normalised projection discriminator.

Condition = mood class (the music's mood vocabulary, so picture and sound agree) + a 3-colour palette.
Native output is 64×112 (9:16), small enough to sample far above 30 frames/s on two CPU cores and
upscaled for the video. Architecture choice and measurements: docs/models.md.
"""

from __future__ import annotations

import torch
from pydantic import BaseModel, ConfigDict
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

MOOD_CLASSES = ("calm_lofi", "chinese", "warm_acoustic", "dark_suspense", "upbeat_pop", "corporate_tech", "epic")
PALETTE_DIM = 9
"""Three RGB colours in [0, 1]."""


class GanConfig(BaseModel):
    """Everything that fixes tensor shapes: a checkpoint is only loadable into the same config."""

    model_config = ConfigDict(frozen=True)

    arch: str = "reelcraft-cgan-v2"
    z_dim: int = 64
    channels: int = 32
    """Base width; the CPU default. 64 trains better where a GPU is present."""
    height: int = 112
    width: int = 64
    classes: int = len(MOOD_CLASSES)

    @property
    def base_shape(self) -> tuple[int, int]:
        return self.height // 16, self.width // 16


def _up(cin: int, cout: int) -> nn.Sequential:
    # bilinear upsampling and reflect padding: smooth fields without checkerboards or frame-edge lines
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                         nn.Conv2d(cin, cout, 3, padding=1, padding_mode="reflect"),
                         nn.BatchNorm2d(cout), nn.LeakyReLU(0.2, inplace=True))


class Generator(nn.Module):
    def __init__(self, cfg: GanConfig) -> None:
        super().__init__()
        self.cfg = cfg
        c = cfg.channels
        h, w = cfg.base_shape
        self.embed = nn.Embedding(cfg.classes, 32)
        self.palette = nn.Sequential(nn.Linear(PALETTE_DIM, 32), nn.LeakyReLU(0.2))
        self.fc = nn.Linear(cfg.z_dim + 64, c * 8 * h * w)
        self.body = nn.Sequential(nn.BatchNorm2d(c * 8), nn.LeakyReLU(0.2, inplace=True),
                                  _up(c * 8, c * 4), _up(c * 4, c * 2), _up(c * 2, c), _up(c, c),
                                  nn.Conv2d(c, 3, 3, padding=1, padding_mode="reflect"), nn.Tanh())

    def forward(self, z: torch.Tensor, mood: torch.Tensor, palette: torch.Tensor) -> torch.Tensor:
        h, w = self.cfg.base_shape
        cond = torch.cat([z, self.embed(mood), self.palette(palette)], dim=1)
        x = self.fc(cond).view(z.shape[0], self.cfg.channels * 8, h, w)
        return self.body(x)


def _down(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(spectral_norm(nn.Conv2d(cin, cout, 4, stride=2, padding=1)), nn.LeakyReLU(0.2, inplace=True))


class Discriminator(nn.Module):
    """Projection discriminator (Miyato & Koyama): score = ψ(φ(x)) + ⟨embed(mood), φ(x)⟩ + palette term."""

    def __init__(self, cfg: GanConfig) -> None:
        super().__init__()
        c = cfg.channels
        self.body = nn.Sequential(_down(3, c), _down(c, c * 2), _down(c * 2, c * 4), _down(c * 4, c * 8))
        features = c * 8
        self.out = spectral_norm(nn.Linear(features, 1))
        self.embed = spectral_norm(nn.Embedding(cfg.classes, features))
        self.palette = spectral_norm(nn.Linear(PALETTE_DIM, features))

    def forward(self, x: torch.Tensor, mood: torch.Tensor, palette: torch.Tensor) -> torch.Tensor:
        h = self.body(x).sum(dim=(2, 3))
        projection = (self.embed(mood) * h).sum(dim=1) + (self.palette(palette) * h).sum(dim=1)
        return self.out(h).squeeze(1) + projection
