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
ENTRY_POINT_GROUP = "reelcraft.frame_sources"
"""Packages add frame sources here (`[project.entry-points."reelcraft.frame_sources"] name = "module:factory"`):
ours are `drift` and the GAN (`gan`), and a third-party package can add its own the same way."""
_REGISTRY: dict[str, FrameGenerator] = {}


def register_frame_generator(name: str, factory: FrameGenerator) -> None:
    """Register a source at run time (tests, notebooks); installed packages use the entry point group."""
    _REGISTRY[name] = factory


def _installed() -> dict[str, Any]:
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def frame_source_names() -> list[str]:
    return sorted(set(_REGISTRY) | set(_installed()))


def frame_source(name: str, params: dict[str, Any]) -> FrameSource:
    """The source a timeline names, loaded from its entry point on first use (so a bare render of a saved
    timeline finds the GAN without importing model code here)."""
    if name not in _REGISTRY and (entry := _installed().get(name)) is not None:
        try:
            _REGISTRY[name] = entry.load()
        except Exception as exc:  # a broken plug-in package: name it, do not crash the render with a trace
            raise RenderError(f"frame source {name!r} ({entry.value}) failed to load: {type(exc).__name__}: {exc}",
                              "reinstall the package that provides it (pip install -e . for ours)") from exc
    try:
        factory = _REGISTRY[name]
    except KeyError:
        known = ", ".join(frame_source_names()) or "none"
        raise RenderError(f"no frame generator named {name!r}", f"use one of: {known}") from None
    return factory(params)


def drift_source(params: dict[str, Any]) -> FrameSource:
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

