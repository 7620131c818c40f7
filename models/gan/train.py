"""The training loop: hinge loss, spectral-norm discriminator, DiffAugment, EMA of the generator,
and a checkpoint every `checkpoint_every` steps that `resume` continues from (RNG state included)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import BaseModel, Field

from reelcraft.models.gan.augment import diff_augment
from reelcraft.models.gan.checkpoint import load_checkpoint, save_checkpoint
from reelcraft.models.gan.data import Dataset
from reelcraft.models.gan.network import Discriminator, GanConfig, Generator

ProgressFn = Callable[[int, int, float, float], None]
"""progress(step, total_steps, d_loss, g_loss)"""


class TrainOptions(BaseModel):
    steps: int = Field(500, ge=1)
    batch: int = Field(32, ge=2)
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    ema_decay: float = Field(0.995, ge=0, lt=1)
    checkpoint_every: int = Field(50, ge=1)
    seed: int = 0
    threads: int = 2
    freeze_d: int = Field(0, ge=0, le=3)
    """Freeze the discriminator's first N blocks (FreezeD, Mo et al. 2020): when fine-tuning on a few
    hundred frames, the low-level filters learned on the big set stay and the rest adapts."""


def _device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def train(
    data: Dataset,
    out: Path,
    *,
    cfg: GanConfig | None = None,
    options: TrainOptions | None = None,
    resume: bool = False,
    init_from: Path | None = None,
    progress: ProgressFn | None = None,
) -> dict[str, float]:
    """Train (or continue training) and leave the result in `out`. `init_from` fine-tunes from another
    checkpoint of the same architecture (e.g. the shipped default on a team's footage)."""
    opts = options or TrainOptions()
    torch.set_num_threads(opts.threads)
    device = _device()
    state = None
    if resume and out.exists():
        cfg, state = load_checkpoint(out)
    elif init_from is not None:
        cfg, state = load_checkpoint(init_from)
        state = {k: v for k, v in state.items() if k in ("generator", "discriminator", "generator_ema")}
    cfg = cfg or GanConfig()
    torch.manual_seed(opts.seed)  # the same initial weights for a run and its resumption
    generator, discriminator = Generator(cfg).to(device), Discriminator(cfg).to(device)
    ema = copy.deepcopy(generator).eval()
    opt_g = torch.optim.Adam(generator.parameters(), lr=opts.lr_g, betas=(0.0, 0.99))
    for block in discriminator.body[: opts.freeze_d]:
        block.requires_grad_(False)
    opt_d = torch.optim.Adam([p for p in discriminator.parameters() if p.requires_grad], lr=opts.lr_d,
                             betas=(0.0, 0.99))
    step = 0
    if state is not None:  # a shipped checkpoint keeps only the EMA generator and the discriminator
        generator.load_state_dict(state.get("generator", state.get("generator_ema")))
        if "discriminator" in state:
            discriminator.load_state_dict(state["discriminator"])
        ema.load_state_dict(state.get("generator_ema", state.get("generator")))
        if "opt_g" in state:
            opt_g.load_state_dict(state["opt_g"])
            opt_d.load_state_dict(state["opt_d"])
            step = int(state["step"])
    images = torch.from_numpy(data.images).to(device)
    moods = torch.from_numpy(data.moods).to(device)
    palettes = torch.from_numpy(data.palettes).to(device)
    d_loss = g_loss = float("nan")

    def snapshot() -> None:
        save_checkpoint(out, cfg, {
            "generator": generator.state_dict(), "discriminator": discriminator.state_dict(),
            "generator_ema": ema.state_dict(), "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(),
            "step": step, "images": len(data),
        })  # fmt: skip

    while step < opts.steps:
        # every step draws from its own seed, so a resumed run sees the same batches it would have
        rng = torch.Generator(device="cpu").manual_seed(opts.seed * 1_000_003 + step)
        index = torch.randint(len(images), (opts.batch,), generator=rng).to(device)
        real, mood, palette = images[index], moods[index], palettes[index]
        z = torch.randn(opts.batch, cfg.z_dim, generator=rng).to(device)
        fake = generator(z, mood, palette)
        d_real = discriminator(diff_augment(real, rng), mood, palette)
        d_fake = discriminator(diff_augment(fake.detach(), rng), mood, palette)
        loss_d = F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean()
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        loss_g = -discriminator(diff_augment(fake, rng), mood, palette).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        with torch.no_grad():
            for averaged, current in zip(ema.parameters(), generator.parameters(), strict=True):
                averaged.lerp_(current, 1 - opts.ema_decay)
            for averaged, current in zip(ema.buffers(), generator.buffers(), strict=True):
                averaged.copy_(current)
        step += 1
        d_loss, g_loss = loss_d.item(), loss_g.item()
        if not (np.isfinite(d_loss) and np.isfinite(g_loss)):
            raise FloatingPointError(f"GAN losses diverged at step {step} (d={d_loss}, g={g_loss})")
        if progress:
            progress(step, opts.steps, d_loss, g_loss)
        if step % opts.checkpoint_every == 0 or step == opts.steps:
            snapshot()
    if not out.exists():
        snapshot()  # nothing left to train (a resumed, finished run): still leave a checkpoint
    return {"step": step, "d_loss": d_loss, "g_loss": g_loss}
