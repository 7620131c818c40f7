"""Music generation: mood → key, tempo, progression, melody, bass, drums → a mastered WAV.

Composition is symbolic (`composer`, `melody`), the sound comes from a General MIDI soundfont played
by FluidSynth (`synth`). See docs/models.md for why this route and how it was measured.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import soundfile as sf
from pydantic import BaseModel, ConfigDict, Field

from reelcraft.models.music.composer import BEATS_PER_BAR, BarPlan, compose
from reelcraft.models.music.melody import MelodyModel, default_model
from reelcraft.models.music.moods import (
    DEFAULT_MOOD,
    PROFILES,
    MoodProfile,
    MoodSpec,
    adjust_mood,
    resolve_mood,
)
from reelcraft.models.music.synth import SAMPLE_RATE, SynthFailed, SynthUnavailable, master, render_midi

__all__ = [
    "DEFAULT_MOOD", "PROFILES", "MoodProfile", "MoodSpec", "SynthFailed", "SynthUnavailable", "TrackInfo",
    "TrackRequest", "adjust_mood", "bars_for", "generate_track", "resolve_mood",
]  # fmt: skip

MIN_RING_BARS = 0.5
"""The final chord rings for at least half a bar (and at most a bar and a half)."""


class TrackRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    mood: MoodSpec
    duration: float = Field(gt=1.0, le=900.0)
    tempo: float = Field(ge=50, le=200)
    seed: int = 0
    section_start_beats: tuple[int, ...] = (0,)
    """Beats where scenes begin: the arrangement marks them (crash, fill before, new progression)."""


class TrackInfo(BaseModel):
    mood: MoodSpec
    tempo: float
    key: str
    bars: int
    duration: float
    downbeats: list[float]
    """Seconds of every bar line, as composed (ground truth for the editor and for tests)."""
    sample_rate: int = SAMPLE_RATE
    melody_model: str = ""


def bars_for(duration: float, tempo: float) -> int:
    """Whole bars before the final ringing chord, so that it rings 0.5–1.5 bars to the exact end."""
    bar_s = BEATS_PER_BAR * 60.0 / tempo
    return max(2, math.floor(duration / bar_s - MIN_RING_BARS + 1e-6) + 1)


def generate_track(
    request: TrackRequest,
    out_wav: Path,
    *,
    out_midi: Path | None = None,
    soundfont: Path | None = None,
    melody_model: MelodyModel | None | bool = True,
) -> TrackInfo:
    """Compose and render one track; the same request gives the same bytes."""
    pentatonic = request.mood.mood.pentatonic_melody
    model = default_model(pentatonic) if melody_model is True else (melody_model or None)
    bars = bars_for(request.duration, request.tempo)
    starts = tuple(sorted({min(bars - 1, b // BEATS_PER_BAR) for b in request.section_start_beats} | {0}))
    score = compose(request.mood, request.tempo, BarPlan(bars, starts), request.seed, model,
                    duration=request.duration)
    out_wav.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="reelcraft-music-") as tmp:
        midi_path = Path(tmp) / "score.mid"
        score.midi.write(str(midi_path))
        audio = master(render_midi(midi_path, request.duration, soundfont))
        if out_midi is not None:
            out_midi.parent.mkdir(parents=True, exist_ok=True)
            out_midi.write_bytes(midi_path.read_bytes())
    partial = out_wav.with_name(f".{out_wav.name}.partial")
    sf.write(str(partial), audio, SAMPLE_RATE, subtype="PCM_24", format="WAV")
    os.replace(partial, out_wav)
    bar_s = score.bar_seconds
    return TrackInfo(
        mood=request.mood, tempo=request.tempo, key=score.key.name(), bars=bars, duration=request.duration,
        downbeats=[round(i * bar_s, 4) for i in range(bars)], melody_model=model.source if model else "rules",
    )
