"""The "gan" frame generator: latent walks piped into the renderer like any other frame source.

Parameters (all JSON, so they hash into the render cache): checkpoint, mood, palette (9 floats),
seed, speed, warmth and abstraction (the plan's visual style), and optionally energy (0–1 samples at
energy_rate_hz) with offset_s, the clip's start in that curve, so the motion follows the music of the
whole video.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy.ndimage import gaussian_filter

from reelcraft.edit.frames import FrameSource
from reelcraft.media.colour import warm_shift
from reelcraft.models.gan import DEFAULT_CHECKPOINT
from reelcraft.models.gan.checkpoint import load_generator
from reelcraft.models.gan.network import Generator
from reelcraft.models.gan.sample import latent_walk

BLUR_AT_FULL_ABSTRACTION = 12.0
"""Gaussian sigma, in native pixels (1/17 of the output width), at abstraction 1: forms melt into
colour fields (the generator's own output is already soft, so a visible step needs a wide blur)."""
POST_GRADE = 0.5
"""Share of the warmth applied as a grade on the frames; the rest comes from the shifted palette the
generator is conditioned on, which it follows only loosely."""


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
        warmth = float(params.get("warmth", 0.0))
        blur = BLUR_AT_FULL_ABSTRACTION * float(params.get("abstraction", 0.0))
        for frame in latent_walk(generator, mood=str(params.get("mood", "upbeat_pop")), palette=palette, frames=count,
                                 fps=fps, seed=int(params.get("seed", 0)), energy=energy,
                                 speed=float(params.get("speed", 1.0))):
            if blur > 0:
                frame = gaussian_filter(frame, sigma=(blur, blur, 0), mode="reflect")
            yield warm_shift(frame, warmth * POST_GRADE)

    return FrameSource(width=cfg.width, height=cfg.height, frames=frames)

