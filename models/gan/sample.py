"""Latent walks: smooth paths through the generator's latent space, one frame at a time.

The path is a Catmull–Rom spline through random keyframe latents (continuous position and velocity,
so no flicker or jolts). With an energy curve (the music's, or the voice envelope) the walk moves
faster when the sound is intense, so motion follows the music.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from reelcraft.models.gan.network import MOOD_CLASSES, Generator

KEYFRAME_SECONDS = 2.5
"""At rest speed, one new keyframe latent every this many seconds."""


def _catmull_rom(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, p3: np.ndarray, t: float) -> np.ndarray:
    t2, t3 = t * t, t * t * t
    return 0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2 + (-p0 + 3 * p1 - 3 * p2 + p3) * t3)


def walk_positions(frames: int, fps: int, energy: np.ndarray | None = None, speed: float = 1.0) -> np.ndarray:
    """Position along the keyframe path (in keyframes) at each frame. Without energy it advances
    uniformly; with energy (per frame, 0–1) the speed is 0.25–2× the rest speed."""
    rate = speed / (KEYFRAME_SECONDS * fps)
    if energy is None:
        steps = np.full(frames, rate)
    else:
        e = np.clip(np.asarray(energy, dtype=np.float64)[:frames], 0, 1)
        steps = rate * (0.25 + 1.75 * e)
    return np.concatenate([[0.0], np.cumsum(steps)[:-1]])


def latent_walk(
    generator: Generator,
    *,
    mood: str,
    palette: np.ndarray,
    frames: int,
    fps: int = 30,
    seed: int = 0,
    energy: np.ndarray | None = None,
    speed: float = 1.0,
    batch: int = 16,
) -> Iterator[np.ndarray]:
    """Yield `frames` RGB uint8 frames (H × W × 3) at the generator's native size."""
    if mood not in MOOD_CLASSES:
        raise ValueError(f"unknown mood {mood!r}; use one of {', '.join(MOOD_CLASSES)}")
    positions = walk_positions(frames, fps, energy, speed)
    rng = np.random.default_rng(seed)
    keys = rng.standard_normal((int(positions[-1]) + 4, generator.cfg.z_dim)).astype(np.float32)
    mood_index = torch.tensor([MOOD_CLASSES.index(mood)])
    colours = torch.from_numpy(np.asarray(palette, dtype=np.float32).reshape(1, -1))
    generator.eval()
    with torch.inference_mode():
        for start in range(0, frames, batch):
            chunk = positions[start : start + batch]
            z = np.stack([_catmull_rom(keys[int(p)], keys[int(p) + 1], keys[int(p) + 2], keys[int(p) + 3], p % 1)
                          for p in chunk])
            images = generator(torch.from_numpy(z.astype(np.float32)), mood_index.expand(len(chunk)),
                               colours.expand(len(chunk), -1))
            pixels = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
            yield from pixels
