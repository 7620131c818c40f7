"""The "gan" frame generator: latent walks piped into the renderer like any other frame source.

Parameters (all JSON, so they hash into the render cache): checkpoint, mood, palette (9 floats),
seed, speed, and optionally energy (0–1 samples at energy_rate_hz) with offset_s, the clip's start in
that curve, so the motion follows the music of the whole video.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from reelcraft.frames import FrameSource, register_frame_generator
from reelcraft.models.gan import DEFAULT_CHECKPOINT
from reelcraft.models.gan.checkpoint import load_generator
from reelcraft.models.gan.network import Generator
from reelcraft.models.gan.sample import latent_walk


@lru_cache(maxsize=2)
def _generator(path: str) -> Generator:
    return load_generator(Path(path))


def gan_source(params: dict[str, Any]) -> FrameSource:
    generator = _generator(str(params.get("checkpoint") or DEFAULT_CHECKPOINT))
    cfg = generator.cfg
    palette = np.asarray(params.get("palette", [0.5] * 9), dtype=np.float32)

    def frames(count: int, fps: int) -> Iterator[np.ndarray]:
        energy = None
        if params.get("energy"):
            curve = np.asarray(params["energy"], dtype=np.float64)
            rate = float(params.get("energy_rate_hz", 10.0))
            times = float(params.get("offset_s", 0.0)) + np.arange(count) / fps
            energy = np.interp(times, np.arange(len(curve)) / rate, curve)
        yield from latent_walk(generator, mood=str(params.get("mood", "upbeat_pop")), palette=palette, frames=count,
                               fps=fps, seed=int(params.get("seed", 0)), energy=energy,
                               speed=float(params.get("speed", 1.0)))

    return FrameSource(width=cfg.width, height=cfg.height, frames=frames)


register_frame_generator("gan", gan_source)
