"""The edit as data: tracks of clips with in/out points, motion, captions and audio roles.

Testable without pixels, hashable for the cache, and the one thing renderers consume. Later
issues add music (with ducking), GAN frame sources and crossfades without changing its shape.
"""

from __future__ import annotations

import itertools
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reelcraft.errors import RenderError


class Motion(StrEnum):
    """Slow camera moves over stills, so a photo reads as video."""

    NONE = "none"
    ZOOM_IN = "zoom_in"
    ZOOM_OUT = "zoom_out"
    PAN_LEFT = "pan_left"
    PAN_RIGHT = "pan_right"


class Sprite(BaseModel):
    """A transparent picture over a clip (an illustration, a kinetic number): where it sits, when it pops in,
    how it floats. Positions are fractions of the frame, so previews at half size lay out the same."""

    model_config = ConfigDict(frozen=True)

    source: Path
    """An RGBA PNG."""
    x: float = Field(ge=0, le=1)
    """Centre, as a fraction of the frame's width."""
    y: float = Field(ge=0, le=1)
    width: float = Field(gt=0, le=1)
    """As a fraction of the frame's width (the height follows the picture's aspect)."""
    appear: float = Field(default=0.0, ge=0)
    """Seconds after the clip's start."""
    motion: Literal["pop", "float", "none"] = "pop"
    """pop: grows in with a small overshoot, then floats; float: floats from the start; none: still."""
    bob: float = Field(default=0.01, ge=0, le=0.05)
    """Float amplitude, as a fraction of the frame's height."""
    period: float = Field(default=3.0, gt=0.2)
    phase: float = 0.0


class VisualClip(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: Path | None = None
    """Image or video file; None for generated frames."""
    kind: Literal["image", "video", "frames"]
    start: float = Field(ge=0)
    """Seconds into the timeline."""
    duration: float
    source_in: float = Field(default=0.0, ge=0)
    """Seconds into a video source where the clip begins."""
    source_duration: float | None = None
    """Length of a video source, so short clips can loop."""
    motion: Motion = Motion.NONE
    scene_index: int | None = None
    crossfade_in: float = Field(default=0.0, ge=0, le=2.0)
    """Seconds of crossfade from the previous clip, centred on this clip's start; 0 is a cut."""
    generator: str | None = None
    """For kind='frames': name of a registered frame generator (numpy frames piped to the encoder)."""
    params: dict[str, Any] = Field(default_factory=dict)
    """Generator parameters (seed, palette, mood…)."""
    sprites: tuple[Sprite, ...] = ()
    """Pictures over the clip, drawn in order (the last on top)."""

    @field_validator("duration")
    @classmethod
    def _has_length(cls, value: float) -> float:
        if value <= 0:
            raise RenderError(f"a visual clip has length {value:g} s", "give every clip a positive duration")
        return value

    @model_validator(mode="after")
    def _source_matches_kind(self) -> VisualClip:
        if self.kind == "frames" and not self.generator:
            raise RenderError("a generated-frames clip names no generator", "set `generator`")
        if self.kind != "frames" and self.source is None:
            raise RenderError(f"an {self.kind} clip has no source file", "set `source`")
        return self


class AudioClip(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: Path
    start: float = Field(ge=0)
    role: Literal["voice", "music", "sfx"]
    gain_db: float = 0.0
    duck_under_voice: bool = False
    """Music dips while a voice clip plays."""


class Overlay(BaseModel):
    """A still drawn over the picture for a stretch of the timeline (a brand's logo), above pictures and below the
    captions. Position and size are fractions of the frame."""

    model_config = ConfigDict(frozen=True)

    source: Path
    """An RGBA PNG."""
    x: float = Field(ge=0, le=1)
    """Centre, as a fraction of the frame's width."""
    y: float = Field(ge=0, le=1)
    width: float = Field(gt=0, le=1)
    """As a fraction of the frame's width."""
    opacity: float = Field(default=1.0, gt=0, le=1)
    start: float = Field(default=0.0, ge=0)
    end: float | None = None
    """Seconds on the timeline; None is the end of the video."""


class CaptionTrack(BaseModel):
    model_config = ConfigDict(frozen=True)

    ass: Path
    """Styled subtitles burned into the picture (libass)."""
    srt: Path
    vtt: Path
    fonts_dir: Path | None = None


class Timeline(BaseModel):
    model_config = ConfigDict(frozen=True)

    width: int
    height: int
    fps: int
    duration: float = Field(gt=0)
    visuals: list[VisualClip]
    audio: list[AudioClip] = Field(default_factory=list)
    captions: CaptionTrack | None = None
    overlays: tuple[Overlay, ...] = ()
    """Stills over the whole picture (a logo), drawn in order."""
    loudness_lufs: float = -14.0
    true_peak_db: float = -1.0
    music_level_db: float | None = -6.0
    """Loudness of the music bed relative to the voice (before ducking); None keeps clip gains as they are."""

    @model_validator(mode="after")
    def _visuals_cover_duration(self) -> Timeline:
        if not self.visuals:
            raise ValueError("a timeline needs at least one visual clip")
        cursor = 0.0
        for clip in sorted(self.visuals, key=lambda c: c.start):
            if abs(clip.start - cursor) > 1.5 / self.fps:
                raise ValueError(f"visual track has a gap or overlap at {cursor:.3f} s")
            cursor = clip.start + clip.duration
        if abs(cursor - self.duration) > 1.5 / self.fps:
            raise ValueError(f"visuals end at {cursor:.3f} s but the timeline lasts {self.duration:.3f} s")
        ordered = sorted(self.visuals, key=lambda c: c.start)
        if ordered[0].crossfade_in:
            raise RenderError("the first clip has a crossfade but nothing to fade from", "set it to 0")
        for before, clip in itertools.pairwise(ordered):
            if clip.crossfade_in > min(clip.duration, before.duration):
                raise RenderError(f"crossfade of {clip.crossfade_in:g} s at {clip.start:.2f} s is longer than "
                                  "the clips it joins", "shorten the crossfade")
        return self

    def scene_cuts(self) -> list[float]:
        """Times where one visual clip ends and the next starts."""
        return [c.start for c in sorted(self.visuals, key=lambda c: c.start)[1:]]
