"""Frame generators: Python/numpy sources (GAN latent walks, custom effects) that the renderer pipes,
frame by frame, into the same ffmpeg encode as everything else — never a whole clip in memory.

A generator renders at its own (small) native size; ffmpeg scales it to the output with lanczos.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from reelcraft.errors import RenderError


@dataclass(frozen=True)
class FrameSource:
    width: int
    height: int
    frames: Callable[[int, int], Iterator[np.ndarray]]
    """frames(count, fps) yields `count` uint8 arrays of shape (height, width, 3)."""


FrameGenerator = Callable[[dict[str, Any]], FrameSource]
_REGISTRY: dict[str, FrameGenerator] = {}


def register_frame_generator(name: str, factory: FrameGenerator) -> None:
    """Later models (the GAN) plug in here; the timeline refers to them by name."""
    _REGISTRY[name] = factory


_PLUGINS = {"gan": "reelcraft.models.gan.frames"}
"""Generators that live in model packages, imported on first use (so a bare render of a saved timeline
finds them too)."""


def frame_source(name: str, params: dict[str, Any]) -> FrameSource:
    if name not in _REGISTRY and name in _PLUGINS:
        import importlib

        importlib.import_module(_PLUGINS[name])
    try:
        factory = _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise RenderError(f"no frame generator named {name!r}", f"use one of: {known}") from None
    return factory(params)


def _drift(params: dict[str, Any]) -> FrameSource:
    """Two colours drifting slowly with soft light blobs: a cheap animated background."""
    width, height = int(params.get("width", 270)), int(params.get("height", 480))
    colours = np.array(params.get("colours", [(255, 94, 98), (255, 195, 113)]), dtype=np.float32)
    rng = np.random.default_rng(int(params.get("seed", 0)))
    blobs = rng.uniform(0, 1, size=(5, 4))  # x, y, radius, phase
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    diagonal = (xx / width + yy / height) / 2

    def frames(count: int, fps: int) -> Iterator[np.ndarray]:
        for index in range(count):
            t = index / fps
            mix = (diagonal + 0.15 * math.sin(t * 0.6)).clip(0, 1)[..., None]
            img = colours[0] * (1 - mix) + colours[1] * mix
            for bx, by, br, phase in blobs:
                cx = width * (bx + 0.1 * math.sin(t * 0.5 + phase * 6))
                cy = height * (by + 0.1 * math.cos(t * 0.4 + phase * 6))
                radius = width * (0.1 + 0.15 * br)
                glow = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * radius**2))
                img += glow[..., None] * 40
            yield (img * 0.85).clip(0, 255).astype(np.uint8)

    return FrameSource(width=width, height=height, frames=frames)


register_frame_generator("drift", _drift)
