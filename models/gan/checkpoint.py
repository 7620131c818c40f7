"""Checkpoints that resume and refuse the wrong architecture with a sentence, not a shape traceback.

Written atomically (temp file + rename), so a kill -9 mid-save leaves the previous checkpoint intact.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from reelcraft.models.gan.network import GanConfig, Generator

FORMAT = "reelcraft-gan-checkpoint/1"


class CheckpointError(RuntimeError):
    """The file is not a usable reelcraft GAN checkpoint (missing, corrupt, or another architecture)."""


def save_checkpoint(path: Path, cfg: GanConfig, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    torch.save({"format": FORMAT, "config": cfg.model_dump(), **state}, partial)
    os.replace(partial, path)


def load_checkpoint(path: Path) -> tuple[GanConfig, dict[str, Any]]:
    """(config, everything saved). Raises CheckpointError with what is wrong and what was expected."""
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle, zip and torch errors all mean "not a checkpoint we can read"
        raise CheckpointError(f"{path.name} is not a readable torch checkpoint ({type(exc).__name__})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise CheckpointError(f"{path.name} is not a reelcraft GAN checkpoint (format {found!r}, expected {FORMAT!r})")
    try:
        cfg = GanConfig(**data["config"])
    except Exception as exc:
        raise CheckpointError(f"{path.name} has an unreadable model config: {exc}") from exc
    if cfg.arch != GanConfig().arch:
        raise CheckpointError(f"{path.name} was made by architecture {cfg.arch!r}; "
                              f"this version runs {GanConfig().arch!r}")
    return cfg, data


def load_generator(path: Path, *, ema: bool = True) -> Generator:
    """The (EMA) generator of a checkpoint, in eval mode; shape mismatches become CheckpointError."""
    cfg, data = load_checkpoint(path)
    generator = Generator(cfg)
    key = "generator_ema" if ema and "generator_ema" in data else "generator"
    try:
        generator.load_state_dict(data[key])
    except (KeyError, RuntimeError) as exc:
        first = str(exc).strip().splitlines()[0][:200]
        raise CheckpointError(f"{path.name}: its weights do not fit a {cfg.arch} generator with {cfg.channels} "
                              f"channels ({first})") from exc
    return generator.eval()


def export_generator(full: Path, out: Path) -> int:
    """Keep what sampling and fine-tuning need (config, EMA generator, discriminator) and drop the
    optimiser state, so the shipped default stays small."""
    cfg, data = load_checkpoint(full)
    save_checkpoint(out, cfg, {"generator_ema": data.get("generator_ema", data["generator"]),
                               "discriminator": data["discriminator"], "step": data.get("step", 0),
                               "images": data.get("images", 0)})
    return out.stat().st_size
